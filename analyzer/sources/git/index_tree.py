"""The tree of an index, built in Python the way `git write-tree` builds it: every folder
the cache-tree (`TREE`) holds is taken from it (git's own write-tree reuses those ids), the
others are written again from their entries. Two uses: a worktree's index with a few files'
contents replaced (`tree_with`: the folders on the way to them are written again; one the
cache-tree no longer holds elsewhere, an entry staged since git last wrote it, is git's),
and the index as it is, the change being committed (`index_tree`: the folders on the way
to what was staged since are written again). No cache-tree, an entry of a conflict, or an
intent-to-add entry where a folder is rebuilt: the tree is git's to write (`Unreadable`).
"""

from __future__ import annotations

from analyzer.sources.git.index_file import CachedTree, IndexFile, Unreadable
from analyzer.sources.git.objects import object_id

Objects = list[tuple[str, bytes]]  # (type, raw content) of each object to write


def tree_with(index: IndexFile, replaced: dict[bytes, tuple[int, str]],
              object_format: str) -> tuple[str, Objects]:
    """The id of the index's tree with `replaced` (path -> (mode, blob id)) in place of
    those entries or added beside them, and the tree objects written anew (the others are
    in the store)."""
    return _tree(index, replaced, object_format, rebuild=False)


def index_tree(index: IndexFile, object_format: str) -> tuple[str, Objects]:
    """The id of the tree `git write-tree` writes for the index as it is, and the tree
    objects written anew: the folders the cache-tree no longer holds."""
    return _tree(index, {}, object_format, rebuild=True)


def _tree(index: IndexFile, replaced: dict[bytes, tuple[int, str]], object_format: str,
          rebuild: bool) -> tuple[str, Objects]:
    """With `rebuild`, a folder the cache-tree does not hold is written from its entries
    (else `Unreadable`)."""
    cached = index.cache_tree()
    if cached is None or index.unmerged:
        raise Unreadable("no cache-tree, or a conflict in the index")
    if rebuild and cached.oid is not None:
        return cached.oid, []  # nothing staged since git last wrote the tree
    written: Objects = []
    # every folder on the way to a path of `replaced` -> its names there (True: a folder)
    new: dict[bytes, dict[bytes, bool]] = {}
    for path in replaced:
        folder, _, name = path.rpartition(b"/")
        new.setdefault(folder, {})[name] = False
        while folder:
            above, _, name = folder.rpartition(b"/")
            new.setdefault(above, {})[name] = True
            folder = above

    def build(folder: bytes, node: CachedTree | None) -> str:
        prefix = folder + b"/" if folder else b""
        number = index.position(prefix) if prefix else 0
        end = index.position(folder + b"0") if prefix else index.size  # "0" follows "/"
        lines: list[tuple[bytes, bytes]] = []  # (what git sorts a tree by, the entry)
        seen: set[bytes] = set()
        while number < end:
            name = index.name(number)
            rest = name[len(prefix):]
            slash = rest.find(b"/")
            if slash >= 0:
                below = rest[:slash]
                path = prefix + below
                child = node.folders.get(below) if node is not None else None
                if path in new:
                    oid = build(path, child)
                elif child is not None and child.oid is not None:
                    oid = child.oid
                elif rebuild:
                    oid = build(path, child)
                else:
                    raise Unreadable("a folder the cache-tree does not hold")
                lines.append((below + b"/", b"40000 " + below + b"\0" + bytes.fromhex(oid)))
                seen.add(below)
                number = index.position(path + b"0")
                continue
            entry = index.entry(number)
            if entry.intent_to_add:  # (a conflict anywhere was refused above)
                raise Unreadable("an intent-to-add entry in a rebuilt folder")
            mode, oid = replaced.get(name, (entry.mode, entry.oid))
            lines.append((rest, b"%o " % mode + rest + b"\0" + bytes.fromhex(oid)))
            seen.add(rest)
            number += 1
        for name, is_folder in new.get(folder, {}).items():  # not in the index: added
            if name in seen:
                continue
            if is_folder:
                oid = build(prefix + name, None)
                lines.append((name + b"/", b"40000 " + name + b"\0" + bytes.fromhex(oid)))
            else:
                mode, oid = replaced[prefix + name]
                lines.append((name, b"%o " % mode + name + b"\0" + bytes.fromhex(oid)))
        lines.sort()
        data = b"".join(line for _, line in lines)
        written.append(("tree", data))
        return object_id("tree", data, object_format)

    return build(b"", cached), written
