"""The small inputs that once took seconds to minutes (issue 9), timed in a fresh process each.

    python benchmarks/blowups.py                  # this checkout
    python benchmarks/blowups.py --code OLD_TREE  # another tree, e.g. `git archive v0.1 | tar -x`

Each case runs in its own process (cold, its imports excluded from the time) under a time
limit; the figure is the minimum of --runs runs. A case that ends in an exception says so.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

_PLAN_SETUP = (
    "import os, sys, tempfile\nfrom analyzer.cli import main\n"
    "def write(text):\n"
    "    path = os.path.join(tempfile.mkdtemp(), 'tasks.md')\n"
    "    open(path, 'w').write(text)\n"
    "    return path\n"
    "sys.stdout = open(os.devnull, 'w'); sys.stderr = sys.stdout\n"
    "main(['plan', write('## Task 1: A\\nEdit `a.py`.\\n## Task 2: B\\nEdit `a.py`.\\n')])\n")

# name -> (setup, timed statement); both run with the analyzer of --code importable
CASES: dict[str, tuple[str, str]] = {
    "requirements: a name, 2,000 spaces, x (2 KB)": (
        "from analyzer.parsers.requirements import parse_requirements as f\n"
        "f('warm==1\\n-e .\\n')\n"
        "text = 'a' + ' ' * 2000 + 'x\\n'",
        "f(text)"),
    "requirements: a name, 4,000 spaces, x (4 KB)": (
        "from analyzer.parsers.requirements import parse_requirements as f\n"
        "f('warm==1\\n-e .\\n')\n"
        "text = 'a' + ' ' * 4000 + 'x\\n'",
        "f(text)"),
    "requirements: 4,000 tab-continued lines": (
        "from analyzer.parsers.requirements import parse_requirements as f\n"
        "f('warm==1\\n-e .\\n')\n"
        "text = '-e x \\\\\\n' + '\\t\\\\\\n' * 4000 + 'y\\n'",
        "f(text)"),
    "pyproject: 20,000 dependencies (_line_of per dependency)": (
        "from analyzer.parsers.pyproject import parse_pyproject as f\n"
        "deps = ''.join(f'  \"pkg{i}>=1\",\\n' for i in range(20000))\n"
        "text = '[project]\\nname = \"x\"\\ndependencies = [\\n' + deps + ']\\n'",
        "f(text, 'pyproject.toml')"),
    "alembic: 100,000-term expression": (
        "from analyzer.parsers.alembic import parse_revision as f\n"
        "text = 'revision = \"a\"\\nx = ' + '+'.join(['1'] * 100000) + '\\n'",
        "f(text, 'a.py')"),
    "plan: 388-byte YAML alias bomb (conflictscan plan)": (
        "import os, tempfile\nfrom analyzer.cli import main\n"
        "lines = ['a: &a [\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\"]']\n"
        "for n, name in enumerate('bcdefghi'):\n"
        "    lines.append(f'{name}: &{name} [' + ','.join(['*' + 'abcdefghi'[n]] * 9) + ']')\n"
        "lines.append('tasks: [{title: t, description: *i}, {title: u, files: [a.py]}]')\n"
        "path = os.path.join(tempfile.mkdtemp(), 'tasks.yaml')\n"
        "open(path, 'w').write('\\n'.join(lines) + '\\n')\n"
        "import sys; sys.stdout = open(os.devnull, 'w'); sys.stderr = sys.stdout\n"
        "main(['plan', os.path.join(sys.path[0] or '.', 'fixtures/plans/tasks.yaml')])",
        "main(['plan', path])"),
    "plan: a 173-byte label line (plan readers' rewrite)": (
        _PLAN_SETUP + "text = '**Task 1 - x' + ' ' * 150 + '*y\\n\\nEdit `a.py`.\\n'\n",
        "main(['plan', write(text)])"),
    "plan: '-', 16,000 spaces, '[ ] x' (plan readers' rewrite)": (
        _PLAN_SETUP + "text = '- [ ] a\\n-' + ' ' * 16000 + '[ ] x\\n'\n",
        "main(['plan', write(text)])"),
    "plan: one line of 8,000 paths (plan readers' rewrite)": (
        _PLAN_SETUP + "text = '## Task 1: A\\nEdit ' + ' '.join(f'src/m{i}.py' for i in "
        "range(8000)) + '\\n\\n## Task 2: B\\nEdit `a.py`.\\n'\n",
        "main(['plan', write(text)])"),
}

_RUNNER = """
import sys, time
sys.setrecursionlimit(1000)
{setup}
start = time.perf_counter()
try:
    {statement}
    outcome = 'ok'
except BaseException as exc:
    outcome = type(exc).__name__
print(f'{{time.perf_counter() - start:.3f}} {{outcome}}', file=sys.__stdout__)
"""


def run_case(code: str, setup: str, statement: str, limit: float) -> tuple[float | None, str]:
    env = {**os.environ, "PYTHONPATH": code}
    try:
        done = subprocess.run([sys.executable, "-c", _RUNNER.format(setup=setup,
                                                                     statement=statement)],
                              capture_output=True, text=True, env=env, timeout=limit,
                              check=False, cwd=code)
    except subprocess.TimeoutExpired:
        return None, f"over {limit:.0f} s (stopped)"
    last = (done.stdout.strip().splitlines() or ["? crashed: " + done.stderr[-200:]])[-1]
    seconds, _, outcome = last.partition(" ")
    return float(seconds), outcome


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--code", default=ROOT, help="the tree whose analyzer/ to time")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--limit", type=float, default=120.0, help="seconds per run")
    args = parser.parse_args()
    print(f"analyzer from {args.code}; min of {args.runs} runs, limit {args.limit:.0f} s")
    for name, (setup, statement) in CASES.items():
        best: float | None = None
        outcome = ""
        for _ in range(args.runs):
            seconds, outcome = run_case(args.code, setup, statement, args.limit)
            if seconds is None:
                break  # one run over the limit is enough to know
            best = seconds if best is None else min(best, seconds)
        shown = f"{best:8.3f} s" if best is not None else "        -"
        print(f"{shown}  {outcome:<22} {name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
