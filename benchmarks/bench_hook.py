"""The pre-commit path: median time of `conflictscan check` with 10 worktrees in flight.

Builds a 2,000-file repository with requirements.txt, poetry.lock and an alembic history,
adds 10 worktrees with uncommitted changes (three of them also touch requirements.txt), stages
a requirements change and a new migration in the main checkout, and runs the exact command the
hook runs, as a new process each time (start-up included). Target: median under 0.5 s.

    python benchmarks/bench_hook.py [--runs 15]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True)


def build(root: Path, worktrees: int) -> None:
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.email", "bench@example.com")
    git(root, "config", "user.name", "bench")
    for i in range(2000):
        path = root / "src" / f"mod{i % 50}" / f"file{i}.py"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"VALUE = {i}\n")
    (root / "requirements.txt").write_text("".join(f"package{i}==1.0\n" for i in range(40)))
    (root / "poetry.lock").write_text("# lock\n")
    (root / "alembic.ini").write_text("[alembic]\nscript_location = migrations\n")
    versions = root / "migrations" / "versions"
    versions.mkdir(parents=True)
    for n in range(100):
        down = "None" if n == 0 else f"'r{n - 1:03d}'"
        (versions / f"r{n:03d}.py").write_text(f"revision = 'r{n:03d}'\ndown_revision = {down}\n")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "base")
    for w in range(worktrees):
        tree = root.parent / f"wt{w}"
        git(root, "worktree", "add", "-q", "-b", f"task-{w}", str(tree))
        (tree / "src" / f"mod{w}" / f"file{w}.py").write_text(f"VALUE = 'task {w}'\n")
        if w < 3:
            with (tree / "requirements.txt").open("a") as handle:
                handle.write(f"task{w}==1.0\n")
    git(root, "checkout", "-q", "-b", "mine")
    with (root / "requirements.txt").open("a") as handle:
        handle.write("mine==1.0\n")
    (versions / "m001.py").write_text("revision = 'm001'\ndown_revision = 'r099'\n")
    git(root, "add", "-A")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--worktrees", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "repo"
        build(root, args.worktrees)
        command = [sys.executable, "-m", "analyzer", "check", "--format", "json"]
        times = []
        for _ in range(args.runs):
            start = time.perf_counter()
            done = subprocess.run(command, cwd=root, capture_output=True, text=True, check=False)
            times.append(time.perf_counter() - start)
        if done.returncode not in (0, 1):
            print(done.stderr)
            return 2
        median = statistics.median(times)
        print(f"conflictscan check, {args.worktrees} worktrees, {args.runs} runs: median "
              f"{median:.3f} s (min {min(times):.3f}, max {max(times):.3f}); target < 0.5 s: "
              f"{'met' if median < 0.5 else 'MISSED'}")
        print(f"exit {done.returncode}; findings: "
              + ", ".join(sorted({f['rule'] for f in __import__('json').loads(done.stdout)
                                  ['findings']})))
    return 0


if __name__ == "__main__":
    sys.exit(main())
