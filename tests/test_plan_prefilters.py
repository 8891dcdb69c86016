"""The shortcuts of plan reading give the answers of the slow paths they skip.

A line that lacks every word an IGNORECASE pattern needs skips the pattern; verbs are matched
in the lowercased line; a command without quotes is split without shlex. Each is checked
against the slow path on generated lines: keywords in any case, fillers, punctuation, and the
non-ASCII letters that case folding maps onto ASCII ones (ſ is an s, K a k).
"""

from __future__ import annotations

import importlib
import re
import shlex
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from analyzer.sources import plan_facts, plan_paths, plan_text, plan_touches
from analyzer.sources.plan import common
from analyzer.sources.plan_text import _VERBS, VerbIndex, may_mention, split_command

PAIRS: list[tuple[re.Pattern[str], re.Pattern[str]]] = [
    (common._LAST, common._LAST_WORDS),
    (common._DEPENDS_PROSE, common._PROSE_WORDS),
    (common._DEPENDS_LABEL, common._LABEL_WORDS),
    # a task body without any of these words skips all three patterns at once
    (common._LAST, plan_text.needed(*common._ANY_DEPENDENCY_WORDS)),
    (common._DEPENDS_PROSE, plan_text.needed(*common._ANY_DEPENDENCY_WORDS)),
    (common._DEPENDS_LABEL, plan_text.needed(*common._ANY_DEPENDENCY_WORDS)),
    (plan_touches._DEP_LIST, plan_touches._DEP_LIST_WORDS),
    (plan_touches._INTENT_DEP, plan_touches._INTENT_WORDS),
    (plan_touches._MIGRATION_INTENT, plan_touches._MIGRATION_WORDS),
    (plan_touches._ALL_FILES, plan_touches._ALL_WORDS),
    (plan_touches._DEP_WORDS, plan_touches._DEP_WORDS_NEED),
    *((pattern, re.compile("|".join(word.pattern for word in words)))
      for pattern, words in plan_facts._NEEDS.items()),
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
            "a separate DATABASE per worktree", "NPM install", "Next.JS",
            # one line per alternative the prefilters' words must let through
            "Once all tasks are merged", "Blocked by Task 1", "Requires: Task 1",
            "Blocked By: T1", "After: Task 1", "Prerequisites: Task 1", "Libraries: httpx",
            "REQUIREMENTS: httpx", "Install httpx", "Introduce httpx", "Include httpx",
            "Upgrade httpx", "Bump httpx", "Depend on httpx", "EVERY file in src/",
            "EACH module in src/", "edit PYPROJECT", "pip INSTALL x", "pipenv install",
            "Pipfile", "flask db upgrade", "python manage.py", "MAKEMIGRATIONS", "MariaDB",
            "ParadeDB", "TimescaleDB", "per worktree DB", "own schema", "package.json",
            "YARN add x", "create-next-app"]


def test_lines_in_any_case_that_match_are_never_skipped():
    for line in MATCHING:
        matched = [pattern for pattern, _ in PAIRS if pattern.search(line)]
        assert matched, line
        for pattern, words in PAIRS:
            if pattern.search(line):
                assert may_mention(line, words), (pattern.pattern[:60], line)


def _sre(name: str, before_311: str) -> Any:
    """The regex parser's modules: re._parser since Python 3.11, sre_parse before."""
    try:
        return importlib.import_module(f"re.{name}")
    except ImportError:
        return importlib.import_module(before_311)


def _language(items: list[tuple[object, object]]) -> list[str]:
    """Every string a pattern of literals, groups, alternatives and optional parts matches
    (word boundaries match nothing): the verb patterns are finite lists of phrases."""
    c = _sre("_constants", "sre_constants")

    texts = [""]
    for op, arg in items:
        if op is c.AT:
            continue
        if op is c.LITERAL:
            options = [chr(arg)]
        elif op is c.SUBPATTERN:
            options = _language(list(arg[3]))
        elif op is c.BRANCH:
            options = [t for branch in arg[1] for t in _language(list(branch))]
        elif op is c.MAX_REPEAT and arg[:2] == (0, 1):
            options = ["", *_language(list(arg[2]))]
        elif op is c.IN and all(kind is c.LITERAL for kind, _ in arg):
            options = [chr(char) for _, char in arg]
        else:
            raise AssertionError(f"a verb pattern grew an operator this test cannot expand: {op}")
        texts = [t + o for t in texts for o in options]
    return texts


def test_the_first_words_of_verbs_are_those_of_the_patterns():
    phrases = _language(list(_sre("_parser", "sre_parse").parse(plan_text._VERBS_LOWER.pattern)))
    assert len(phrases) > 150
    assert {re.match(r"\w+", p).group() for p in phrases} == plan_text._FIRST_WORDS


VERB_WORDS = [
    *sorted(plan_text._FIRST_WORDS), "don't", "read-only", "set up", "is in", "modelled on",
    "modeled on", "do not modify", "never touching", "add a new file", "add the module",
    "imports from", "import from", "x", "a.py", "re", "ing", "s", "-", "'", "_", "1"]
verb_lines = st.lists(st.tuples(st.sampled_from(VERB_WORDS),
                                st.sampled_from([" ", "", "-", "'", ". ", "_", "/"])),
                      max_size=14).map(lambda parts: "".join(w + sep for w, sep in parts))


@settings(max_examples=600, deadline=None)
@given(verb_lines)
def test_verbs_tried_at_first_words_are_the_verbs_found_everywhere(line: str):
    slow = [(m.start(), m.end(), m.lastgroup) for m in plan_text._VERBS_LOWER.finditer(line)]
    fast = [(m.start(), m.end(), m.lastgroup) for m in plan_text._verbs_of_lowercase(line)]
    assert fast == slow


def test_the_near_miss_a_verb_glued_to_a_word_is_no_verb():
    assert [m.group() for m in plan_text._verbs_of_lowercase("readme, re-read, xadd add")] == [
        "read", "add"]


path_lines = st.lists(st.sampled_from(["src/a.py", "a.py,b.py", "Dockerfile", "profile", "file",
                                       "x", "`", "'", "(", ")", "<", "|", "\u4e00", "\u3000",
                                       ".", "/", "caf\u00e9", "*", " ", "\t", "\u00a0"]),
                    max_size=16).map("".join)


@settings(max_examples=600, deadline=None)
@given(path_lines)
def test_the_words_that_may_be_paths_are_the_words_with_a_slash_a_dot_or_file(line: str):
    words = [(w.group(), w.start()) for w in plan_paths._WORD.finditer(line)]
    expected = [(w, at) for w, at in words if "/" in w or "." in w or "file" in w]
    assert [(m.group(), m.start()) for m in plan_paths._maybe_path_words(line)] == expected
    ascii_line = line.encode("ascii", "replace").decode()  # the pattern's own path
    words = [(w.group(), w.start()) for w in plan_paths._WORD.finditer(ascii_line)]
    assert [(m.group(), m.start()) for m in plan_paths._MAYBE_PATH_WORD.finditer(ascii_line)] \
        == [(w, at) for w, at in words if "/" in w or "." in w or "file" in w]


def test_no_plan_fact_pattern_reads_across_a_line_end():
    """plan_facts searches only the lines that hold a word a pattern needs: sound while no
    pattern can match a newline (no \\s, no negated class, no DOTALL)."""
    for pattern in plan_facts._NEEDS:
        assert not pattern.flags & re.DOTALL
        assert "\\s" not in pattern.pattern and "[^" not in pattern.pattern, pattern.pattern
        assert "\n" not in pattern.pattern


def test_plan_facts_found_in_one_line_of_many_that_hold_the_word():
    text = "\n".join(["run uvicorn app:app"] * 50 + ["then `uv add httpx`", "uvicorn again"])
    assert plan_facts._finds(plan_facts._MANAGER_WORDS["uv"], text, text.lower())
    near_miss = text.replace("uv add", "uvx add")
    assert not plan_facts._finds(plan_facts._MANAGER_WORDS["uv"], near_miss, near_miss.lower())


def test_the_word_shortcuts_hold_for_every_name():
    """path_mentions looks only at words with a `/`, a `.` or "file" in them, and product
    names only at words with a dot: a name outside that shape would never be found."""
    from analyzer.sources import plan_paths

    # ("file" as written: the word pattern looks for it case-sensitively, so "MAKEFILE" would
    # be missed)
    assert all("." in n or "file" in n for n in plan_paths.FILE_NAMES)
    assert all("." in p for p in plan_paths._PRODUCTS)


def test_a_migration_in_the_projects_own_alembic_folder_passes_the_hint():
    """The migration prefilter knows the layout's versions folders: a revision file there
    is a migration though no word of the line says so; elsewhere the same name is not."""
    from dataclasses import replace

    from analyzer.model import Kind
    from analyzer.sources.repo_layout import conventions

    layout = replace(conventions(), root="/nonexistent", alembic_versions=("db/revs",))

    def chains(line: str) -> set[str]:
        found = plan_touches.predict_plan_touches([([(1, line)], [])], layout)[0]
        return {t.resource.key for t in found if t.resource.kind is Kind.MIGRATION}

    assert chains("Create db/revs/a1b2_users.py") == {"alembic:db/revs"}
    assert chains("Create db/other/a1b2_users.py") == set()


@settings(max_examples=400, deadline=None)
@given(lines)
def test_a_task_skipped_for_all_of_would_not_have_matched(line: str):
    from analyzer.sources import plan_across_tasks

    if not plan_across_tasks._may_say_all_of(line):
        assert plan_across_tasks._ALL_OF.search(line) is None, line


def test_all_of_in_any_case_is_never_skipped():
    """"ALL Templates" must pass the lowercase prefilter; the near misses, "pip install
    httpx" (all inside a word, in most plans) and "all" alone, do not."""
    from analyzer.sources import plan_across_tasks

    for line in ("Update ALL Templates", "all of the routes", "ALL THE models"):
        assert plan_across_tasks._ALL_OF.search(line) and plan_across_tasks._may_say_all_of(
            line), line
    for line in ("pip install httpx", "all", "call all_ routes"):
        assert not plan_across_tasks._may_say_all_of(line), line


def test_a_suppression_is_found_in_any_case_and_folding():
    """A file whose lowercased text lacks "conflictscan" is skipped whole: a comment in
    capitals still counts, and so do the letters IGNORECASE folds onto ASCII (ſ is an s,
    ı an i), which only the pattern sees; the near miss, "conflict-scan", is none."""
    from analyzer.suppressions import suppressions_in

    for comment in ("ConflictScan: IGNORE[cs201]", "conflict\u017fcan: ignore[CS201]",
                    "confl\u0131ctscan: ignore CS201"):
        found = suppressions_in("plan.md", f"# Plan\n<!-- {comment} -->\n")
        assert [(s.line, s.codes) for s in found] == [(2, ("CS201",))], comment
    assert suppressions_in("plan.md", "# Plan\n<!-- conflict-scan: ignore[CS201] -->\n") == []
