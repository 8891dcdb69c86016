"""Tasks that sweep a whole part of the code, and so write every file in it.

"Run ruff/black and fix all backend errors", "run ESLint and fix all frontend linting errors",
"add logging to all backend operations", "add loading spinners to all async operations in
task components": none names a file, yet each rewrites files that concurrent tasks edit. The
part is a directory the plan itself names (`backend/`, `frontend/components/tasks/`), never a
guess, and a task that names its own files is scoped by them, not swept.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Sequence

from analyzer.model import WHOLE_AREA, Kind, Mode, Resource  # WHOLE_AREA: CS102 warns
from analyzer.shared_paths import is_lockfile, is_manifest
from analyzer.sources.plan_predicted import PredictedTouch, TaskText

# "fix all backend errors", "fix type errors", "fix any lint warnings"
_FIX_ALL = re.compile(r"\bfix(?:es|ing)?\b(?: (?:all|any|the|every|remaining))*"
                      r"(?: [\w/-]+){0,2}? (?:errors|warnings|issues|violations|problems)\b",
                      re.IGNORECASE)
_PYTHON_CHECKERS = re.compile(r"\b(?:ruff|black|flake8|pylint|mypy|pyright|isort|python "
                              r"lint\w*)\b", re.IGNORECASE)
_NODE_CHECKERS = re.compile(r"\b(?:eslint|prettier|tsc|typescript|stylelint)\b", re.IGNORECASE)
_CHECK_WORDS = re.compile(r"\b(?:lint\w*|format\w*|type[- ]?(?:errors?|checks?|checking)|strict "
                          r"mode)\b", re.IGNORECASE)
# "to all backend operations", "to all async operations in task components"
_TO_ALL = re.compile(
    r"\b(?:to|across|in|throughout)\s+(?:all|every)\s+(?:the\s+)?((?:[\w-]+\s+){0,2}?)"
    r"(?:operations|components|endpoints|routes|handlers|services|modules|files|functions|"
    r"pages|views|models|screens|code)\b(?:\s+in\s+(?:the\s+)?([\w-]+)\s+(components|pages|"
    r"views|services|routes|models|screens|modules))?", re.IGNORECASE)
_PYTHON_FILE = re.compile(r"\.py$")
_NODE_FILE = re.compile(r"\.(?:[cm]?[jt]sx?|vue|svelte|css)$")
_ENTRY_NAMES = ("main.py", "app.py")


def sweeps(tasks: Sequence[TaskText], results: list[list[PredictedTouch]]) -> None:
    """A task that names no file it writes, but sweeps a part of the code the plan names,
    writes that whole directory."""
    # its own files are a task's scope (a package it adds is no scope): most tasks name some
    unscoped = [(lines, touches) for (lines, _), touches in zip(tasks, results, strict=True)
                if not any(t.resource.kind in (Kind.FILE, Kind.AREA) and t.mode.writes
                           and not is_manifest(t.resource.key)
                           and not is_lockfile(t.resource.key) for t in touches)]
    if not unscoped:
        return
    named = sorted({t.resource.key for touches in results for t in touches
                    if t.resource.kind in (Kind.FILE, Kind.AREA) and "/" in t.resource.key})
    if not named:
        return
    for lines, touches in unscoped:
        for number, line in lines:
            area = _swept(line[:2000], named)
            if area:
                touches.append(PredictedTouch(Resource(Kind.AREA, area), Mode.WRITE, number,
                                              line.strip(), WHOLE_AREA))
                break


def _swept(line: str, named: list[str]) -> str | None:
    """The directory this line sweeps, if it sweeps one the plan names."""
    to_all = _TO_ALL.search(line)
    if to_all:
        if to_all.group(2):  # "in task components": the plan's components/tasks/
            found = _subdirectory(to_all.group(3).lower(), to_all.group(2).lower(), named)
            if found:
                return found
        for word in to_all.group(1).lower().split():
            found = _side_root(word, named)
            if found:
                return found
    if not _FIX_ALL.search(line):
        return None
    python, node = _PYTHON_CHECKERS.search(line), _NODE_CHECKERS.search(line)
    if not (python or node or _CHECK_WORDS.search(line)):
        return None
    tops = {p.split("/", 1)[0] for p in named}
    side = next((w for w in re.findall(r"[a-z][\w-]+", line.lower()) if w in tops), None)
    if side:
        return _side_root(side, named)
    if bool(python) != bool(node):  # the tool says which side: its one top-level directory
        pattern = _PYTHON_FILE if python else _NODE_FILE
        sides = {p.split("/", 1)[0] for p in named if pattern.search(p)}
        if len(sides) == 1:
            return _side_root(sides.pop(), named)
    return None


def _side_root(word: str, named: list[str]) -> str | None:
    """`backend` -> the directory of the plan's app module under `backend/` (`backend/app/`),
    else `backend/`, when the plan names files under it."""
    prefix = word + "/"
    inside = [p for p in named if p.startswith(prefix)]
    if not inside:
        return None
    entries = {posixpath.dirname(p) + "/" for p in inside
               if posixpath.basename(p) in _ENTRY_NAMES}
    return entries.pop() if len(entries) == 1 else prefix


def _subdirectory(kind: str, word: str, named: list[str]) -> str | None:
    """"task components" -> the one `…/components/tasks/` (or `…/components/task/`) named."""
    wanted = {f"/{kind}/{word}/", f"/{kind}/{word}s/", f"/{kind}/{word.rstrip('s')}/"}
    found = set()
    for path in named:
        for suffix in wanted:
            at = ("/" + path).find(suffix)
            if at >= 0:
                found.add(path[:at + len(suffix) - 1])
    return found.pop() if len(found) == 1 else None
