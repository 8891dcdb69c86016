"""Conflicts git will certainly report, told from the diffs without merging.

The most common conflict of parallel work is two branches adding different lines at the same
place of a file: a requirement appended at the end of requirements.txt, an entry at the end
of a list. At 100 branches that is three quarters of the merges to run (190 of 256 in
benchmarks/bench_branches.py), each a `git merge-tree` process. git's merge takes two
changes that start at one point of the common version as one region and, when their lines
differ, reports a conflict there; so does every merge of two such insertions. It holds only
when that point is unambiguous and the common version is the one git merges from:

- the two insertions start after the same line of the same merge-base version and differ;
- none of the inserted lines occurs in that version, so no diff algorithm can align an
  inserted line with an old one and put the insertion elsewhere (git's merge diffs the file
  itself, with its own algorithm, not ours);
- git's merge-base of the two sides is that version: each side's history is the merge-base's
  plus commits of its own (no other commit of the base's history merged in), and the two
  share none of those commits.

Anything else is left to a real merge.
"""

from __future__ import annotations

from collections.abc import Iterable

from analyzer.model import Hunk, Touch
from analyzer.sources.branches import GitWorkstream
from analyzer.sources.git_repo import GitRepo, MergeConflict

# a plain text merge: no attribute or one that keeps git's built-in line merge
TEXT_MERGE = ("unspecified", "set", "text")


def same_point_insertion(a: Touch, b: Touch, attribute: str) -> tuple[Hunk, Hunk] | None:
    """A pure insertion of each edit of one file after the same line, with different lines:
    a conflict when the merge-base is the one the diffs were made on and the inserted lines
    are new to the file (see `confirmed`). One is enough to say the file conflicts."""
    if a.detail != "modified" or b.detail != "modified" or attribute not in TEXT_MERGE:
        return None
    theirs = {h.old_start: h for h in b.hunks if h.old_lines == 0 and h.added}
    return next(((x, theirs[x.old_start]) for x in a.hunks
                 if x.old_lines == 0 and x.added and x.old_start in theirs
                 and _lines(x.added) != _lines(theirs[x.old_start].added)), None)


def confirmed(git: GitRepo, streams: dict[str, GitWorkstream],
              candidates: dict[tuple[str, str], list[tuple[str, Hunk, Hunk]]]
              ) -> dict[tuple[str, str], tuple[MergeConflict, ...]]:
    """Of the candidate pairs (path and the two insertions, on one merge-base), those git
    will certainly conflict on, with the conflicts git reports: one process to read the
    merge-base versions, one per merge-base for the sides' histories."""
    if not candidates:
        return {}
    specs = sorted({f"{streams[a].merge_base}:{path}" for (a, _), found in candidates.items()
                    for path, _, _ in found})
    texts = git.read_blobs(specs)
    own = _own_commits(git, streams, {ws for key in candidates for ws in key})
    result: dict[tuple[str, str], tuple[MergeConflict, ...]] = {}
    for (a, b), found in candidates.items():
        mine, theirs = own.get(a), own.get(b)
        if mine is None or theirs is None or mine & theirs:
            continue  # git would merge from another version than the diffs' (or may)
        conflicts = []
        for path, x, y in found:
            text = texts.get(f"{streams[a].merge_base}:{path}")
            if text is None:
                break
            old = set(_lines(text.splitlines()))
            if old & set(_lines(x.added)) or old & set(_lines(y.added)):
                break
            conflicts.append(MergeConflict(
                "contents", (path,), f"CONFLICT (content): Merge conflict in {path}"))
        else:
            result[(a, b)] = tuple(conflicts)
    return result


def _own_commits(git: GitRepo, streams: dict[str, GitWorkstream], ids: Iterable[str]
                 ) -> dict[str, frozenset[str]]:
    """Each workstream's commits since its merge-base, for those whose history is exactly
    the merge-base's plus these (every commit's parents are its own or the merge-base):
    then git's merge-base of two with no commit in common is that version."""
    by_base: dict[str, list[str]] = {}
    for ws in ids:
        by_base.setdefault(streams[ws].merge_base, []).append(ws)
    result: dict[str, frozenset[str]] = {}
    for merge_base, members in by_base.items():
        tips = sorted({streams[ws].commit for ws in members} - {merge_base})
        parents: dict[str, list[str]] = {}
        if tips:
            out = git.run("rev-list", "--parents", *tips, "--not", merge_base, "--")
            for line in out.splitlines():
                commit, *above = line.split()
                parents[commit] = above
        for ws in members:
            reached: set[str] = set()
            todo = [streams[ws].commit] if streams[ws].commit != merge_base else []
            clean = True
            while todo and clean:
                commit = todo.pop()
                if commit in reached:
                    continue
                reached.add(commit)
                for parent in parents.get(commit, ()):
                    if parent in parents:
                        todo.append(parent)
                    elif parent != merge_base:
                        clean = False  # another commit of the base's history merged in
            if clean:
                result[ws] = frozenset(reached)
    return result


def _lines(lines: Iterable[str]) -> tuple[str, ...]:
    return tuple(line.rstrip("\r\n") for line in lines)
