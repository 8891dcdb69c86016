"""`conflictscan branches` against the all-pairs baseline, on a generated repository.

The repository has 5,000+ files, requirements.txt, poetry.lock and an alembic history of 500
revisions. Each of N branches works in its own module; some also append to requirements.txt,
relock poetry.lock, add an alembic revision, or edit a shared settings file (on shared or on
separate lines). For N = 10, 25, 50 the run:

  * times conflictscan (one diff per branch, merge simulation only for pairs that share a file),
  * times the baseline that worktree tools use: `git merge-tree --write-tree` on every pair,
  * checks that both find the identical set of (pair, file) textual conflicts,

and times conflictscan's alembic head computation against `alembic heads` on the same history.

    pip install -e . && pip install -r benchmarks/requirements.txt
    python benchmarks/bench_branches.py [--sizes 10,25,50]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from analyzer.index import ResourceIndex
from analyzer.parsers.alembic import heads, parse_revision
from analyzer.sources.branches import BranchSelection, collect
from analyzer.sources.git_facts import BASE, gather
from analyzer.sources.git_repo import GitRepo
from analyzer.sources.repo_layout import read_layout

FILES = 5000
REVISIONS = 500


def git(root: Path, *args: str, env: dict[str, str] | None = None) -> str:
    return subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True,
                          text=True, env={**os.environ, **(env or {})}).stdout


def revision_text(number: int) -> str:
    down = "None" if number == 0 else f"'r{number - 1:04d}'"
    return f"revision = 'r{number:04d}'\ndown_revision = {down}\n\n\ndef upgrade():\n    pass\n"


def build_repository(root: Path, branches: int) -> None:
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.email", "bench@example.com")
    git(root, "config", "user.name", "bench")
    for i in range(FILES):
        path = root / "src" / f"mod{i % 100}" / f"file{i}.py"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("".join(f"def f{j}():\n    return {j}\n\n" for j in range(10)))
    (root / "requirements.txt").write_text("".join(f"package{i}==1.{i}\n" for i in range(60)))
    (root / "poetry.lock").write_text("".join(
        f'[[package]]\nname = "package{i}"\nversion = "1.{i}"\n\n' for i in range(60))
        + '[metadata]\ncontent-hash = "base"\n')
    (root / "settings.py").write_text("".join(f"SETTING_{i} = {i}\n" for i in range(200)))
    (root / "alembic.ini").write_text("[alembic]\nscript_location = migrations\n")
    versions = root / "migrations" / "versions"
    versions.mkdir(parents=True)
    for number in range(REVISIONS):
        (versions / f"r{number:04d}.py").write_text(revision_text(number))
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "base")
    for b in range(branches):
        git(root, "checkout", "-q", "-b", f"feature-{b}", "main")
        for k in range(3):
            path = root / "src" / f"mod{b % 100}" / f"file{b % 100 + 100 * k}.py"
            path.write_text(path.read_text().replace("return 3\n", f"return {b}\n"))
        if b % 5 == 0:
            with (root / "requirements.txt").open("a") as handle:
                handle.write(f"feature{b}==1.0\n")
        if b % 10 == 1:
            lock = (root / "poetry.lock").read_text().replace('"base"', f'"b{b}"')
            (root / "poetry.lock").write_text(lock)
        if b % 10 == 2:
            (versions / f"f{b:04d}.py").write_text(
                f"revision = 'f{b:04d}'\ndown_revision = 'r{REVISIONS - 1:04d}'\n")
        if b % 8 == 3:
            line = 10 if b % 16 == 3 else 20 + b  # half share one line, half have their own
            text = (root / "settings.py").read_text().replace(
                f"SETTING_{line} = {line}\n", f"SETTING_{line} = 'feature {b}'\n")
            (root / "settings.py").write_text(text)
        git(root, "commit", "-q", "-am", f"feature {b}")
        git(root, "add", "-A")
        git(root, "commit", "-q", "--allow-empty", "-m", f"feature {b} files")
    git(root, "checkout", "-q", "main")


def conflictscan_conflicts(root: Path, names: list[str]) -> tuple[float, set[tuple]]:
    start = time.perf_counter()
    repo = GitRepo(str(root))
    scan = collect(repo, BranchSelection(refs=names, worktrees=False), "main")
    index = ResourceIndex(scan.workstreams)
    facts = gather(scan, index, read_layout(str(root)))
    elapsed = time.perf_counter() - start
    repo.close()
    found = {(a, b, path) for (a, b), paths in facts.conflicts.items() if BASE not in (a, b)
             for path in paths}
    return elapsed, found


def all_pairs_conflicts(root: Path, names: list[str]) -> tuple[float, set[tuple]]:
    objects = git(root, "rev-parse", "--path-format=absolute", "--git-common-dir").strip()
    with tempfile.TemporaryDirectory() as scratch:
        env = {"GIT_OBJECT_DIRECTORY": scratch, "GIT_ALTERNATE_OBJECT_DIRECTORIES":
               os.path.join(objects, "objects")}
        start = time.perf_counter()
        found = set()
        for i, a in enumerate(names):
            for b in names[i + 1:]:
                done = subprocess.run(["git", "-C", str(root), "merge-tree", "--write-tree",
                                       "--name-only", "--no-messages", "-z", a, b],
                                      capture_output=True, text=True,
                                      env={**os.environ, **env}, check=False)
                for path in [p for p in done.stdout.split("\0")[1:] if p]:
                    found.add((min(a, b), max(a, b), path))
        return time.perf_counter() - start, found


def time_heads(root: Path) -> tuple[float, float, int, str]:
    versions = root / "migrations" / "versions"
    start = time.perf_counter()
    revisions = {}
    for path in versions.glob("*.py"):
        rev = parse_revision(path.read_text(), str(path))
        if rev:
            revisions[rev.revision] = rev
    ours = heads(revisions)
    ours_time = time.perf_counter() - start
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "alembic", "heads"], cwd=root,
                          capture_output=True, text=True, check=False)
    theirs_time = time.perf_counter() - start
    if done.returncode != 0:
        return ours_time, float("nan"), len(revisions), f"alembic failed: {done.stderr[-200:]}"
    agree = "agree" if {line.split()[0] for line in done.stdout.splitlines() if line} == ours \
        else "DISAGREE"
    return ours_time, theirs_time, len(revisions), agree


def main() -> int:
    parser = argparse.ArgumentParser(description="conflictscan branches vs all-pairs merge-tree")
    parser.add_argument("--sizes", default="10,25,50")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "repo"
        start = time.perf_counter()
        build_repository(root, max(sizes))
        print(f"built {FILES} files, {REVISIONS} revisions, {max(sizes)} branches in "
              f"{time.perf_counter() - start:.1f}s\n")
        conflictscan_conflicts(root, ["feature-0", "feature-1"])  # imports, once per process
        print(f"{'N':>3} {'pairs':>6} {'conflictscan s':>15} {'all-pairs s':>12} {'ratio':>7} "
              f"{'conflicts':>9} identical")
        for n in sizes:
            names = [f"feature-{b}" for b in range(n)]
            ours_time, ours = conflictscan_conflicts(root, names)
            base_time, theirs = all_pairs_conflicts(root, names)
            same = ours == theirs
            ok &= same
            print(f"{n:>3} {n * (n - 1) // 2:>6} {ours_time:>15.2f} {base_time:>12.2f} "
                  f"{base_time / ours_time:>6.1f}x {len(theirs):>9} {'yes' if same else 'NO'}")
            if not same:
                print("   only conflictscan:", sorted(ours - theirs)[:5])
                print("   only all-pairs:   ", sorted(theirs - ours)[:5])
        ours_h, theirs_h, count, agree = time_heads(root)
        print(f"\nheads of {count} revisions: conflictscan {ours_h * 1000:.0f} ms, "
              f"alembic heads {theirs_h * 1000:.0f} ms ({theirs_h / ours_h:.1f}x), {agree}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
