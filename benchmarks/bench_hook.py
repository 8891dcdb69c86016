"""The pre-commit path on a large repository: `conflictscan check` against its floor.

For each scenario (0, 10, 50 other branches; 10, 50 worktrees with uncommitted changes) and
each kind of staged change (a source file, requirements.txt, a Django migration), it times the
exact command the hook runs, as a new process each time, alternated with two floors:

* interpreter: `python -c pass` — the start-up no Python hook can avoid;
* git alone: the git calls a commit-scoped check needs at the least (staged names, branch
  tips, worktree list, merge-base, one scoped diff per other worktree), in one shell.

With `--against DIR` the same command of another checkout of conflictscan (installed in
DIR/.venv, e.g. the last release) runs in the same alternation, so both see the same load.

Targets (issue 11): median < 0.2 s with 10 worktrees, < 0.5 s with 50.

    pip install -e . && python benchmarks/bench_hook.py [--runs 20] [--scenarios b0,w10]
                                                        [--against OTHER_CHECKOUT]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import benchrepo
from benchlib import PYTHON, against_argument, alternate, conflictscan, other_checkout, seconds

SCENARIOS = {"b0": (0, 0), "b10": (10, 0), "b50": (50, 0), "w10": (0, 10), "w50": (0, 50)}
STAGED_PATHS = {"source": "shop/app39/mod109.py", "requirements": "requirements.txt",
                "migration": "shop/app02/migrations"}


def git_floor(worktrees: list[Path], staged: str) -> list[str]:
    calls = ["git diff --cached --name-status -z",
             "git for-each-ref refs/heads --format='%(objectname) %(refname)'",
             "git worktree list --porcelain -z", "git merge-base main HEAD"]
    calls += [f"git -C {tree} diff-index --name-only HEAD -- {staged}" for tree in worktrees]
    return ["sh", "-c", " >/dev/null && ".join(calls) + " >/dev/null"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--scenarios", default=",".join(SCENARIOS))
    parser.add_argument("--kinds", default=",".join(benchrepo.STAGED_KINDS))
    against_argument(parser)
    args = parser.parse_args()
    other = other_checkout(args.against) if args.against else None
    print(f"{'scenario':<9} {'staged':<13} {'ours min':>9} {'median':>8} {'peak MiB':>9} "
          f"{'python':>7} {'git':>7}  exit" + (f"  {'other min':>9} {'median':>7} exit"
                                                 if other else "") + "  (floors are medians)")
    for name in args.scenarios.split(","):
        branches, trees = SCENARIOS[name]
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp) / "repo"
            benchrepo.build(root)
            benchrepo.add_branches(root, branches)
            worktrees = benchrepo.add_worktrees(root, trees)
            for kind in args.kinds.split(","):
                benchrepo.stage(root, kind)
                commands = {
                    "ours": conflictscan("check", "--format", "json"),
                    "python": [PYTHON, "-c", "pass"],
                    "git": git_floor(worktrees, STAGED_PATHS[kind]),
                }
                if other:
                    commands["other"] = [*other, "check", "--format", "json"]
                result = alternate(commands, runs=args.runs, cwd=root)
                ours = result["ours"]
                line = (f"{name:<9} {kind:<13} {seconds(ours.min):>9} {seconds(ours.median):>8} "
                        f"{ours.peak_kib / 1024:>9.0f} {seconds(result['python'].median):>7} "
                        f"{seconds(result['git'].median):>7}  {ours.last_code:>4}")
                if other:
                    theirs = result["other"]
                    line += (f"  {seconds(theirs.min):>9} {seconds(theirs.median):>7} "
                             f"{theirs.last_code:>4}")
                print(line, flush=True)
                benchrepo.unstage(root)
    return 0


if __name__ == "__main__":
    sys.exit(main())
