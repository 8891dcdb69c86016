"""`conflictscan branches` against the all-pairs `git merge-tree` loop, process against process.

On the benchmark repository (benchrepo.py: ~5,000 files, 3,000 commits, 1,500 tags, 520
Django migrations, a uv.lock), N branches each change their own module and one in a few a
shared file. For N = 10, 25, 50, 100 it alternates, each a new process:

* ours: `conflictscan branches feature-0 … --base main --no-worktrees --format json`;
* all-pairs: what worktree tools do, one `git merge-tree --write-tree` per pair, from a shell
  loop (into a scratch object store, like ours);
* floor: one `git merge-tree` process per branch (the least any merge-based answer costs).

It checks both find the identical set of (pair, file) textual conflicts, and prints min and
median of each, the ratio of medians, and our peak memory. With `--against DIR` another
checkout's conflictscan (installed in DIR/.venv) runs in the same alternation, its ratio
to the all-pairs loop printed beside ours.

    pip install -e . && python benchmarks/bench_branches.py [--sizes 10,25,50,100] [--runs 5]
                                                            [--against OTHER_CHECKOUT]
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import tempfile
from pathlib import Path

import benchrepo
from benchlib import against_argument, alternate, conflictscan, git, other_checkout, seconds


def merge_loop(root: Path, pairs: list[tuple[str, str]], scratch: Path) -> list[str]:
    """A shell loop: one merge-tree per pair, printing `a b path` for each conflicted path."""
    objects = git(root, "rev-parse", "--path-format=absolute", "--git-common-dir").strip()
    script = [f"export GIT_OBJECT_DIRECTORY={scratch} "
              f"GIT_ALTERNATE_OBJECT_DIRECTORIES={objects}/objects"]
    for a, b in pairs:
        script.append(f"git merge-tree --write-tree --name-only --no-messages {a} {b} "
                      f"| tail -n +2 | sed 's|^|{a} {b} |'")
    path = scratch.parent / f"{scratch.name}-{len(pairs)}.sh"
    path.write_text("\n".join(script) + "\n")
    return ["sh", str(path)]


def loop_conflicts(stdout: str) -> set[tuple[str, str, str]]:
    found = set()
    for line in stdout.splitlines():
        a, b, path = line.split(" ", 2)
        if path:
            found.add((min(a, b), max(a, b), path))
    return found


def our_conflicts(stdout: str) -> set[tuple[str, str, str]]:
    report = json.loads(stdout)
    found = set()
    for finding in report["findings"]:
        if finding["rule"] != "CS103" or not finding["resource"]:
            continue
        names = sorted(w for w in finding["workstreams"] if w != "main")
        for a, b in itertools.combinations(names, 2):
            found.add((a, b, finding["resource"]["key"]))
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10,25,50,100")
    parser.add_argument("--runs", type=int, default=5)
    against_argument(parser)
    args = parser.parse_args()
    other = other_checkout(args.against) if args.against else None
    sizes = [int(s) for s in args.sizes.split(",")]
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "repo"
        benchrepo.build(root)
        names = benchrepo.add_branches(root, max(sizes))
        print(f"{'N':>4} {'pairs':>5} {'ours min':>9} {'median':>7} {'peak MiB':>8} "
              f"{'all-pairs min':>13} {'median':>7} {'ratio':>6} {'floor':>6} "
              f"{'conflicts':>9} same" + (f" {'other min':>9} {'median':>7} {'ratio':>6} same"
                                           if other else ""))
        for n in sizes:
            chosen = names[:n]
            pairs = list(itertools.combinations(chosen, 2))
            scratch = Path(tmp) / f"scratch-{n}"
            (scratch / "info").mkdir(parents=True)
            options = ("branches", *chosen, "--base", "main", "--no-worktrees", "--format",
                       "json", "--fail-on", "never")
            commands = {
                "ours": conflictscan(*options),
                "all-pairs": merge_loop(root, pairs, scratch),
                "floor": merge_loop(root, [("main", b) for b in chosen], scratch),
            }
            if other:
                commands["other"] = [*other, *options]
            result = alternate(commands, runs=args.runs, cwd=root)
            ours, theirs = result["ours"], result["all-pairs"]
            found, expected = our_conflicts(ours.last_stdout), loop_conflicts(theirs.last_stdout)
            same = found == expected
            ok &= same
            line = (f"{n:>4} {len(pairs):>5} {seconds(ours.min):>9} {seconds(ours.median):>7} "
                    f"{ours.peak_kib / 1024:>8.0f} {seconds(theirs.min):>13} "
                    f"{seconds(theirs.median):>7} {theirs.median / ours.median:>5.1f}x "
                    f"{seconds(result['floor'].median):>6} {len(expected):>9} "
                    f"{'yes' if same else 'NO':>4}")
            if other:
                peer = result["other"]
                line += (f" {seconds(peer.min):>9} {seconds(peer.median):>7} "
                         f"{theirs.median / peer.median:>5.1f}x "
                         f"{'yes' if our_conflicts(peer.last_stdout) == expected else 'NO':>4}")
            print(line, flush=True)
            if not same:
                print("   only ours:     ", sorted(found - expected)[:5])
                print("   only all-pairs:", sorted(expected - found)[:5])
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
