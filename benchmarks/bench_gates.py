"""The gates' latency: `conflictscan check` (pre-commit) and `conflictscan hook agent`
(an agent's pre-edit hook), process against process, with the floor beside each figure.

Builds a 2,000-file repository with requirements.txt, poetry.lock and a 100-revision alembic
history, with 0, 10 and 50 worktrees in flight (each changes its own module; three also
append to requirements.txt, one adds a revision). In the main checkout, on branch `mine`:

  check, staged source file     check, staged requirements.txt     check, staged migration
  agent, Edit a source file     agent, Edit requirements.txt       agent, Write a migration

Each figure is a new process (interpreter start-up included), alternated with the floor: a
process that starts the same interpreter and makes the git calls no answer can skip (list
the worktrees; in each, one diff against its merge-base and one listing of untracked files,
limited to the same paths), in parallel as the tool does. Cold against cold, min and median.

    python benchmarks/bench_gates.py [--worktrees 0,10,50] [--runs 20]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

FLOOR = r"""
import subprocess, sys
from concurrent.futures import ThreadPoolExecutor
paths = sys.argv[1:]
out = subprocess.run(["git", "worktree", "list", "--porcelain"], capture_output=True,
                     text=True, check=True).stdout
trees = [l.split(" ", 1)[1] for l in out.splitlines() if l.startswith("worktree ")]
def read(tree):
    subprocess.run(["git", "diff", "-U0", "main", "--", *paths], cwd=tree, capture_output=True)
    subprocess.run(["git", "ls-files", "--others", "--exclude-standard", "--", *paths],
                   cwd=tree, capture_output=True)
with ThreadPoolExecutor(8) as pool:
    list(pool.map(read, trees))
"""


def git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True)


def revision(number: int, down: str | None) -> str:
    return f"revision = 'r{number:03d}'\ndown_revision = {down!r}\n"


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
        (versions / f"r{n:03d}.py").write_text(revision(n, f"r{n - 1:03d}" if n else None))
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "base")
    for w in range(worktrees):
        tree = root.parent / f"wt{w}"
        git(root, "worktree", "add", "-q", "-b", f"task-{w}", str(tree))
        (tree / "src" / f"mod{w % 50}" / f"file{w}.py").write_text(f"VALUE = 'task {w}'\n")
        if w < 3:
            with (tree / "requirements.txt").open("a") as handle:
                handle.write(f"task{w}==1.0\n")
        if w == 3:
            (tree / "migrations" / "versions" / "t003.py").write_text(
                "revision = 't003'\ndown_revision = 'r099'\n")
    git(root, "checkout", "-q", "-b", "mine")


def stage(root: Path, scenario: str) -> None:
    git(root, "reset", "-q", "--hard")
    git(root, "clean", "-qfd")
    if scenario == "source":
        (root / "src" / "mod49" / "file1999.py").write_text("VALUE = 'mine'\n")
    elif scenario == "requirements":
        with (root / "requirements.txt").open("a") as handle:
            handle.write("mine==1.0\n")
    else:
        (root / "migrations" / "versions" / "m001.py").write_text(
            "revision = 'm001'\ndown_revision = 'r099'\n")
    git(root, "add", "-A")


def agent_call(root: Path, scenario: str) -> str:
    if scenario == "source":
        tool, tool_input = "Edit", {"file_path": str(root / "src/mod49/file1999.py"),
                                    "old_string": "VALUE = 1999", "new_string": "VALUE = 0"}
    elif scenario == "requirements":
        tool, tool_input = "Edit", {"file_path": str(root / "requirements.txt"),
                                    "old_string": "package39==1.0",
                                    "new_string": "package39==1.0\nmine==1.0"}
    else:
        tool, tool_input = "Write", {"file_path": str(root / "migrations/versions/m001.py"),
                                     "content": "revision = 'm001'\ndown_revision = 'r099'\n"}
    return json.dumps({"hook_event_name": "PreToolUse", "cwd": str(root), "tool_name": tool,
                       "tool_input": tool_input})


FLOOR_PATHS = {"source": ["src/mod49/file1999.py"],
               "requirements": [":(glob)**/requirements*.txt", ":(glob)**/*.lock",
                                ":(glob)**/pyproject.toml"],
               "migration": ["migrations/versions/"]}


def timed(command: list[str], root: Path, stdin: str | None = None) -> tuple[float, int]:
    start = time.perf_counter()
    done = subprocess.run(command, cwd=root, input=stdin, capture_output=True, text=True,
                          check=False)
    return time.perf_counter() - start, done.returncode


def figure(times: list[float]) -> str:
    return f"min {min(times) * 1000:4.0f} ms  median {statistics.median(times) * 1000:4.0f} ms"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--worktrees", default="0,10,50")
    args = parser.parse_args()
    tool = [sys.executable, "-m", "analyzer"]
    for count in [int(n) for n in args.worktrees.split(",")]:
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp) / "repo"
            build(root, count)
            for scenario in ("source", "requirements", "migration"):
                floor_command = [sys.executable, "-c", FLOOR, *FLOOR_PATHS[scenario]]
                check: list[float] = []
                agent: list[float] = []
                floor: list[float] = []
                payload = agent_call(root, scenario)
                for _ in range(args.runs):  # alternated: the same load for all three
                    stage(root, scenario)
                    elapsed, check_exit = timed([*tool, "check", "--fail-on", "never"], root)
                    check.append(elapsed)
                    floor.append(timed(floor_command, root)[0])
                    git(root, "reset", "-q", "--hard")
                    git(root, "clean", "-qfd")
                    elapsed, agent_exit = timed([*tool, "hook", "agent"], root, payload)
                    agent.append(elapsed)
                print(f"{count:>2} worktrees  {scenario:<12}  check {figure(check)} "
                      f"(exit {check_exit})  agent {figure(agent)} (exit {agent_exit})  "
                      f"floor {figure(floor)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
