"""Growth checks: a parser given an input twice as large must take at most 2.5 times as long.

Measured robustly: the size doubles until one call takes at least FLOOR seconds (noise is then
small beside it), each size is timed as the minimum of RUNS calls with the garbage collector
off. Run one case alone: `python -m tests.fuzz.growth CASE`.
"""

from __future__ import annotations

import gc
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

FLOOR = 0.03
RUNS = 3
RATIO = 2.5
MAX_CHARS = 4_000_000


@dataclass(frozen=True)
class Case:
    call: Callable[[str], object]
    make: Callable[[int], str]
    start: int = 64
    floor: float = FLOOR  # a whole command has a fixed cost: time it well above that
    runs: int = RUNS


def _best(call: Callable[[str], object], text: str, runs: int = RUNS) -> float:
    best = float("inf")
    gc.collect()
    gc.disable()
    try:
        for _ in range(runs):
            start = time.process_time()  # CPU time: other processes do not count
            try:
                call(text)
            except Exception as exc:  # an InputError is a fine answer; its time still counts
                if type(exc).__name__ != "InputError":
                    raise
            best = min(best, time.process_time() - start)
    finally:
        gc.enable()
    return best


def measure(case: Case) -> tuple[int, float, float]:
    """(size, time at size, time at twice the size)."""
    size = case.start
    small = _best(case.call, case.make(size), case.runs)
    while small < case.floor and len(case.make(size * 2)) <= MAX_CHARS:
        size *= 2
        small = _best(case.call, case.make(size), case.runs)
    return size, small, _best(case.call, case.make(size * 2), case.runs)


def check(name: str, attempts: int = 3) -> str:
    """Pass when the best times so far grow at most RATIO times: a loaded machine can slow
    one size down (a large input's working set suffers most from a shared cache), so each
    size keeps its best over every attempt, while a super-linear step fails them all."""
    case = CASES[name]
    size, small, large = measure(case)
    verdicts = []
    for attempt in range(attempts):
        if attempt:  # the minimum of all the repeats of each size
            small = min(small, _best(case.call, case.make(size), case.runs))
            large = min(large, _best(case.call, case.make(size * 2), case.runs))
        verdicts.append(f"n={size}: {small * 1000:.1f} ms, 2n: {large * 1000:.1f} ms "
                        f"(x{large / max(small, 1e-9):.2f})")
        # still under the floor at the largest size: nothing grows fast enough to matter
        if large <= RATIO * small or large < FLOOR:
            return f"{name}: {verdicts[-1]}"
    # A working set that just outgrew a cache slows one doubling (x3 at 65k parent ids, on
    # e1ab570 as now; x3.4 from 2 to 4 MB of spaces on a CI runner with a smaller cache); a
    # super-linear algorithm slows every doubling: judge the next one too, whatever the size
    # (n was at most MAX_CHARS long, so 4n stays near 4 * MAX_CHARS).
    # (4n keeps its best over the attempts too: one slow measure is noise, not growth)
    larger = float("inf")
    for _ in range(attempts):
        larger = min(larger, _best(case.call, case.make(size * 4), case.runs))
        if larger <= RATIO * large:
            verdicts.append(f"4n: {larger * 1000:.1f} ms (x{larger / max(large, 1e-9):.2f})")
            return f"{name}: " + "; ".join(verdicts)
    verdicts.append(f"4n: {larger * 1000:.1f} ms (x{larger / max(large, 1e-9):.2f})")
    raise AssertionError(f"super-linear: {name}: " + "; ".join(verdicts))


# --- the cases ---------------------------------------------------------------------------

ROOT_DIR = Path(__file__).resolve().parents[2]
_SCRATCH = Path(tempfile.mkdtemp(prefix="conflictscan-growth-"))


def _requirements(text: str) -> object:
    from analyzer.parsers.requirements import parse_requirements

    return parse_requirements.__wrapped__(text)


def _pyproject(text: str) -> object:
    from analyzer.parsers.pyproject import parse_pyproject

    return parse_pyproject(text, "pyproject.toml")


def _alembic(text: str) -> object:
    from analyzer.parsers.alembic import parse_revision

    return parse_revision(text, "alembic/versions/a.py")


def _django(text: str) -> object:
    from analyzer.parsers.django_migrations import parse_migration

    return parse_migration(text, "shop/migrations/0002_x.py")


def _env(text: str) -> object:
    from analyzer.parsers.envfile import database_key, ports_and_databases

    for line in text.splitlines():
        for value in ports_and_databases(line)[1]:
            database_key(value)
    return None


def _yaml(text: str) -> object:
    from analyzer.parsers.yaml_safe import load_yaml

    return load_yaml(text, "x.yaml")


def _file_call(name: str, call: Callable[[str], object]) -> Callable[[str], object]:
    def run(text: str) -> object:
        path = _SCRATCH / name
        path.write_text(text, encoding="utf-8")
        return call(str(path))
    return run


def _baseline(path: str) -> object:
    from analyzer.baseline import load_baseline

    return load_baseline(path)


def _config(path: str) -> object:
    from analyzer.config import load_config

    return load_config(os.path.dirname(path))


def _cli(fmt: str) -> Callable[[str], object]:
    def run(path: str) -> object:
        from analyzer.cli import main

        saved = sys.stdout
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - closed below
        try:
            return main(["plan", path, "--format", fmt, "--fail-on", "never"])
        finally:
            sys.stdout.close()
            sys.stdout = saved
    return run


def _command(name: str, make: Callable[[int], str], fmt: str = "json", start: int = 8) -> Case:
    """`conflictscan plan` on a file: reader, checks, schedule and report together."""
    return Case(_file_call(name, _cli(fmt)), make, start, floor=0.15, runs=2)


def _json_plan(n: int) -> str:
    tasks = [{"id": f"t{i}", "title": f"Task {i}", "files": [f"src/m{i}.py", "requirements.txt"],
              "description": f"pip install pkg{i}"} for i in range(n)]
    return json.dumps({"tasks": tasks})


CASES: dict[str, Case] = {
    "requirements: spaces in a line": Case(_requirements, lambda n: "a" + " " * n + "x\n", 256),
    "requirements: spaces before a comment": Case(_requirements,
                                                   lambda n: "a==1" + " " * n + "#c\n", 256),
    "requirements: plain lines": Case(_requirements,
                                      lambda n: "".join(f"pkg{i}==1.{i}\n" for i in range(n))),
    "requirements: pip lines": Case(_requirements,
                                    lambda n: "".join(f"-e ./p{i}\n" for i in range(n)), 16),
    "requirements: tab-continued lines": Case(_requirements,
                                              lambda n: "-e x \\\n" + "\t\\\n" * n + "y\n"),
    "requirements: long marker": Case(_requirements, lambda n: "a; " + " and ".join(
        ["python_version > '3'"] * n) + "\n", 16),
    "requirements: a name and brackets": Case(_requirements, lambda n: "d" + "[" * n + "\n",
                                              1024),
    "requirements: a name and brackets, under the cap": Case(_requirements, lambda n: "".join(
        "d" + "[" * 16 + "\n" for _ in range(n))),
    "requirements: long name": Case(_requirements, lambda n: "a" * n + "==1\n", 1024),
    "pyproject: dependencies one per line": Case(_pyproject, lambda n: (
        '[project]\nname = "x"\ndependencies = [\n'
        + "".join(f'  "pkg{i}>=1",\n' for i in range(n)) + "]\n")),
    "pyproject: dependencies on one line": Case(_pyproject, lambda n: (
        '[project]\ndependencies = [' + ", ".join(f'"pkg{i}>=1"' for i in range(n)) + "]\n")),
    "pyproject: poetry table": Case(_pyproject, lambda n: (
        "[tool.poetry.dependencies]\n" + "".join(f'pkg{i} = "^1"\n' for i in range(n)))),
    "pyproject: long string": Case(_pyproject, lambda n: f'[project]\nname = "{"a" * n}"\n', 1024),
    "alembic: many statements": Case(_alembic, lambda n: 'revision = "a"\n' + "".join(
        f"x{i} = {i}\n" for i in range(n))),
    "alembic: long parent tuple": Case(_alembic, lambda n: 'revision = "a"\ndown_revision = ('
                                       + "".join(f'"r{i}", ' for i in range(n)) + ")\n"),
    "alembic: long string": Case(_alembic, lambda n: f'revision = "{"a" * n}"\n', 1024),
    "django: long dependencies": Case(_django, lambda n: "dependencies = [" + "".join(
        f"('shop', '{i:04d}_x'), " for i in range(n)) + "]\n"),
    "env: spaces in an assignment": Case(_env, lambda n: "PORT" + " " * n + "x\n", 1024),
    "env: compose line of digits": Case(_env, lambda n: "- " + "1" * n + "\n", 1024),
    "env: long database URL": Case(_env, lambda n: "DATABASE_URL=postgres://" + "a" * n + "\n",
                                   1024),
    "env: many lines": Case(_env, lambda n: "".join(f"PORT{i}={8000 + i % 1000}\n"
                                                    for i in range(n))),
    "yaml: many items": Case(_yaml, lambda n: "".join(f"- title: t{i}\n  files: [a{i}.py]\n"
                                                     for i in range(n))),
    "yaml: many aliases": Case(_yaml, lambda n: "a: &a [1, 2]\nb: [" + ", ".join(["*a"] * n)
                               + "]\n"),
    "yaml: nested brackets": Case(_yaml, lambda n: "[" * n + "]" * n, 16),
    "yaml: nested block sequences": Case(_yaml, lambda n: "- " * n + "x\n", 16),
    "yaml: long scalar": Case(_yaml, lambda n: "a: " + "x" * n + "\n", 1024),
    "baseline: many entries": Case(_file_call("baseline.json", _baseline), lambda n: json.dumps(
        {"findings": [{"fingerprint": f"{i:024x}"} for i in range(n)]})),
    "config: many shared files": Case(_file_call("pyproject.toml", _config), lambda n: "".join(
        f'[[tool.conflictscan.shared-files]]\npattern = "app/f{i}.py"\n' for i in range(n))),
    "plan: JSON plan, SARIF report": _command("tasks.json", _json_plan, fmt="sarif"),
    "plan: markdown headings": _command("tasks.md", lambda n: "".join(
        f"## Task {i}: T{i}\nEdit `src/m{i}.py`.\n\n" for i in range(n))),
    "plan: markdown checklist": _command("tasks.md", lambda n: "".join(
        f"- [ ] Task {i} edits src/m{i}.py\n" for i in range(n))),
    "plan: one line of paths": _command("tasks.md", lambda n: (
        "## Task 1: A\nEdit " + " ".join(f"src/m{i}.py" for i in range(n))
        + "\n\n## Task 2: B\nEdit `a.py`.\n")),
    "plan: label line with spaces": _command("tasks.md", lambda n: (
        "**Task 1 - x" + " " * n + "*y\n\nEdit `a.py`.\n"), start=4),
    "plan: dash, spaces, checkbox": _command("tasks.md", lambda n: (
        "- [ ] a\n-" + " " * n + "[ ] x\n"), start=64),
    "plan: YAML alias bomb grows with its depth": _command("tasks.yaml", lambda n: (
        "a: &a [x, x]\n" + "".join(f"a{i}: &a{i} [*{'a' if i == 0 else f'a{i - 1}'}, "
                                   f"*{'a' if i == 0 else f'a{i - 1}'}]\n" for i in range(n))
        + f"tasks: [{{title: t, description: *a{n - 1}}}, {{title: u}}]\n"), start=2),
}


if __name__ == "__main__":
    print(check(sys.argv[1]))
