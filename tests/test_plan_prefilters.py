"""The shortcuts of plan reading give the answers of the slow paths they skip.

A line that lacks every word an IGNORECASE pattern needs skips the pattern; verbs are matched
in the lowercased line; a command without quotes is split without shlex. Each is checked
against the slow path on generated lines: keywords in any case, fillers, punctuation, and the
non-ASCII letters that case folding maps onto ASCII ones (ſ is an s, K a k).
"""

from __future__ import annotations

import re
import shlex

from hypothesis import given, settings
from hypothesis import strategies as st

from analyzer.sources import plan_facts, plan_touches
from analyzer.sources.plan import common
from analyzer.sources.plan_text import _VERBS, VerbIndex, may_mention, split_command

PAIRS: list[tuple[re.Pattern[str], re.Pattern[str]]] = [
    (common._LAST, common._LAST_WORDS),
    (common._DEPENDS_PROSE, common._PROSE_WORDS),
    (common._DEPENDS_LABEL, common._LABEL_WORDS),
    (plan_touches._DEP_LIST, plan_touches._DEP_LIST_WORDS),
    (plan_touches._INTENT_DEP, plan_touches._INTENT_WORDS),
    (plan_touches._MIGRATION_INTENT, plan_touches._MIGRATION_WORDS),
    (plan_touches._ALL_FILES, plan_touches._ALL_WORDS),
    (plan_touches._DEP_WORDS, plan_touches._DEP_WORDS_NEED),
    *plan_facts._NEEDS.items(),
]

WORDS = ["run", "runs", "last", "after", "all", "every", "other", "tasks", "once", "are",
         "needs", "depends", "on", "requires", "blocked", "by", "wait", "for", "dependencies",
         "prerequisites", "packages", "libraries", "requirements", "add", "install", "pin",
         "httpx", "new", "migration", "migrations", "create", "files", "in", "each", "module",
         "package", "library", "pyproject", "pip", "extras", "uv", "sync", "poetry", "pdm",
         "alembic", "flask", "db", "django", "manage.py", "postgres", "mysql", "neon",
         "database", "per", "worktree", "own", "npm", "next.js", "yarn", "read", "do", "not",
         "modify", "edit", "from", "to", "src/a.py", "Task", "1", "-", ":", "**", "`x`",
         "la\u017ft", "\u212aeep", "caf\u00e9"]


def mixed_case(word: str, flips: list[bool]) -> str:
    return "".join(c.upper() if flip else c for c, flip in zip(word, flips + [False] * 40,
                                                                  strict=False))


lines = st.lists(st.tuples(st.sampled_from(WORDS), st.lists(st.booleans(), max_size=12),
                           st.sampled_from([" ", " ", ", ", ": ", "  ", "\t", ". "])),
                 max_size=12).map(lambda parts: "".join(mixed_case(w, f) + sep
                                                        for w, f, sep in parts))


@settings(max_examples=400, deadline=None)
@given(lines)
def test_a_skipped_pattern_would_not_have_matched(line: str):
    for pattern, words in PAIRS:
        if not may_mention(line, words):
            assert pattern.search(line) is None, (pattern.pattern[:60], line)


@settings(max_examples=400, deadline=None)
@given(lines)
def test_verbs_of_the_lowercased_line_are_the_verbs_of_the_line(line: str):
    slow = [(m.end(), m.lastgroup, m.start()) for m in _VERBS.finditer(line)]
    fast = [(end, mode.value, start) for end, _, mode, start in VerbIndex(line).verbs]
    modes = {"read": "read", "create": "create", "write": "write"}
    assert fast == [(end, modes[group or "write"], start) for end, group, start in slow]


commands = st.lists(st.sampled_from(["pip", "install", "-r", "req.txt", "'a b'", '"c"',
                                     "x\\ y", "$HOME", "#", "a#b", "\u00a0", "\u2003", "\t",
                                     "--port=8000", "&&", "caf\u00e9"]),
                    max_size=8).map(" ".join)


@settings(max_examples=400, deadline=None)
@given(commands)
def test_a_command_is_split_as_shlex_splits_it(command: str):
    text = command.strip().lstrip("$").strip().split(" #", 1)[0]
    try:
        expected = shlex.split(text)
    except ValueError:
        expected = text.split()
    assert split_command(command) == expected


def test_the_near_miss_a_keyword_in_another_case_still_runs_the_pattern():
    assert may_mention("RUN THIS TASK LAST", common._LAST_WORDS)
    assert common._LAST.search("RUN THIS TASK LAST") is None  # "run ... last": not adjacent
    assert common._LAST.search("Runs LAST, after the others")
    assert may_mention("La\u017ft of all", common._LAST_WORDS)  # non-ASCII: the pattern decides


MATCHING = ["Do This LAST", "RUNS last", "After ALL other tasks", "Needs Task 1",
            "**Depends On**: Task 2", "New Python PACKAGES: httpx", "ADD the package httpx",
            "Create a MIGRATION for users", "all of the FILES in src/api", "a new LIBRARY",
            "using UV", "Poetry ADD httpx", "PDM lock", "Alembic", "DJANGO", "PostgreSQL",
            "a separate DATABASE per worktree", "NPM install", "Next.JS"]


def test_lines_in_any_case_that_match_are_never_skipped():
    for line in MATCHING:
        matched = [pattern for pattern, _ in PAIRS if pattern.search(line)]
        assert matched, line
        for pattern, words in PAIRS:
            if pattern.search(line):
                assert may_mention(line, words), (pattern.pattern[:60], line)
