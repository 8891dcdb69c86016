"""The trees of commits the worktree proof reads, kept between runs (`analyzer.kept`).

The proof compares each other worktree's index with its HEAD's trees within the commit's
paths; asking git for them is a `cat-file` process on every commit, though the worktrees'
HEADs seldom move between two commits, and a commit's trees never change. What git answered
for `<commit>^{tree}`, `<commit>:<folder>` and a tree id is kept: a tree, or that the commit
has no such path (only when git read that commit in the same answer: a commit missing from a
partial clone is asked again).
"""

from __future__ import annotations

import re

from analyzer import kept

FORMAT = 1
KEPT = 128  # names kept, the most recently read first (a run asks for a few dozen)
_MAX_BYTES = 256 << 10  # what the kept trees may weigh (read back on every commit)
_COMMIT = re.compile(r"([0-9a-f]{40}|[0-9a-f]{64})(\^\{tree\}|:.*)", re.S)
_TREE_ID = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")
Objects = dict[str, "tuple[str, bytes] | None"]


def load() -> Objects:
    """What earlier runs kept (nothing when none, or not exactly trees)."""
    value = kept.load("trees", [FORMAT])
    if not isinstance(value, list):
        return {}
    found: Objects = {}
    for entry in value:
        if not isinstance(entry, list) or len(entry) != 2 or not isinstance(entry[0], str):
            return {}
        name, data = entry
        if data is None:
            found[name] = None
        elif isinstance(data, str):
            try:
                found[name] = ("tree", bytes.fromhex(data))
            except ValueError:
                return {}
        else:
            return {}
    return found


def keepable(found: Objects) -> Objects:
    """Of git's answers, those that hold for good: trees by a commit's path or by id, and
    the absence of a path in a commit git read in the same answer."""
    read = {m.group(1) for name, got in found.items() if got is not None
            and (m := _COMMIT.fullmatch(name))}
    result: Objects = {}
    for name, got in found.items():
        match = _COMMIT.fullmatch(name)
        if got is not None and got[0] == "tree" and (match or _TREE_ID.fullmatch(name)):
            result[name] = got
        elif got is None and match and match.group(1) in read:
            result[name] = None
    return result


def store(new: Objects, known: Objects) -> None:
    """Keep `new` (this run's answers) before what was known, up to KEPT names and
    _MAX_BYTES."""
    entries: list[list[object]] = []
    weight = 0
    for name, got in [*new.items(), *((n, g) for n, g in known.items() if n not in new)]:
        weight += len(got[1]) if got else 0
        if len(entries) >= KEPT or weight > _MAX_BYTES:
            break
        entries.append([name, got[1].hex() if got else None])
    kept.store("trees", [FORMAT], entries, prefix="trees-", keep=1)
