"""A worktree's index file, read in Python (formats 2, 3 and 4), without a git process.

The hook asks of every other worktree whether it changes anything where the staged change
can collide; nearly always it does not, and answering that from the index file and a few
`lstat`s costs no process. Only the entries asked for are decoded: the walk over the file
notes where each entry starts, and the sorted names are searched by bisection.

What this reader does not know it refuses (`Unreadable`): a split index (`link`), a sparse
index (`sdir`), an unknown required extension or version, a file that does not parse to
its exact end. The caller then asks git, as before.
"""

from __future__ import annotations

import os
import stat
from bisect import bisect_left
from collections.abc import Sequence
from typing import NamedTuple

from analyzer.safe_files import read_seen
from analyzer.sources.git.objects import id_bytes

_MAX_BYTES = 1 << 30
_ASSUME_VALID, _EXTENDED, _STAGE = 0x8000, 0x4000, 0x3000
_SKIP_WORKTREE, _INTENT_TO_ADD = 0x4000, 0x2000
_UNDERSTOOD = {b"TREE", b"REUC", b"UNTR", b"FSMN", b"EOIE", b"IEOT"}  # none changes entries


class Unreadable(ValueError):
    """An index this reader leaves to git."""


class IndexEntry(NamedTuple):
    """One entry of a worktree's index, as git wrote it."""

    path: bytes
    mode: int
    oid: str
    # ctime s, ctime ns, mtime s, mtime ns, dev, ino, uid, gid, size: as git stored them
    stat: tuple[int, int, int, int, int, int, int, int, int]
    stage: int
    assume_valid: bool
    skip_worktree: bool
    intent_to_add: bool


class CachedTree(NamedTuple):
    """One folder of the cache-tree: its tree id (None: changed since git wrote it)."""

    oid: str | None
    folders: dict[bytes, CachedTree]


class IndexFile:
    """The entries of one index file, and the time it was written (git's "racy" test)."""

    def __init__(self, data: bytes, mtime_ns: int, hash_size: int, keep: bool = False):
        self.data, self.mtime_ns, self.hash_size = data, mtime_ns, hash_size
        if len(data) < 12 + hash_size or data[:4] != b"DIRC":
            raise Unreadable("not an index file")
        self.version = int.from_bytes(data[4:8], "big")
        if self.version not in (2, 3, 4):
            raise Unreadable(f"index version {self.version}")
        count = int.from_bytes(data[8:12], "big")
        self._fixed = 40 + hash_size + 2  # stat data, object id, flags
        self._names: list[bytes] | None = None
        self._extension_at: dict[bytes, tuple[int, int]] = {}  # signature -> (start, end)
        self.unmerged = False  # an entry of a conflict (stage 1-3) anywhere
        self._offsets: Sequence[int]
        if self.version == 4:
            self._offsets, self._names, end = self._walk_v4(count)
        else:
            self._offsets, end = self._walk_kept(count) if keep else self._walk(count)
        self._extensions(end)

    @property
    def size(self) -> int:
        return len(self._offsets)

    def name(self, number: int) -> bytes:
        if self._names is not None:
            return self._names[number]
        start = self._offsets[number] + self._fixed
        flags = int.from_bytes(self.data[start - 2:start], "big")
        if flags & _EXTENDED:
            start += 2
        length = flags & 0xFFF
        if length == 0xFFF:
            return self.data[start:self.data.index(b"\0", start)]
        return self.data[start:start + length]

    def position(self, name: bytes) -> int:
        """The number of the first entry whose name is `name` or sorts after it."""
        return bisect_left(range(self.size), name, key=self.name)

    def entry(self, number: int) -> IndexEntry:
        offset = self._offsets[number]
        data, oid_end = self.data, offset + 40 + self.hash_size
        fields = [int.from_bytes(data[offset + 4 * i:offset + 4 * i + 4], "big")
                  for i in range(10)]
        flags = int.from_bytes(data[oid_end:oid_end + 2], "big")
        extended = int.from_bytes(data[oid_end + 2:oid_end + 4], "big") \
            if flags & _EXTENDED else 0
        ctime_s, ctime_ns, mtime_s, mtime_ns, dev, ino, mode, uid, gid, size = fields
        return IndexEntry(self.name(number), mode, data[offset + 40:oid_end].hex(),
                          (ctime_s, ctime_ns, mtime_s, mtime_ns, dev, ino, uid, gid, size),
                          (flags & _STAGE) >> 12, bool(flags & _ASSUME_VALID),
                          bool(extended & _SKIP_WORKTREE), bool(extended & _INTENT_TO_ADD))

    def cache_tree(self) -> CachedTree | None:
        """The `TREE` extension: the tree id git last wrote for each folder whose entries
        have not changed since (git's own write-tree reuses them); None without one."""
        where = self._extension_at.get(b"TREE")
        if where is None:
            return None
        node, end = self._cached_tree(where[0], where[1])
        if end != where[1]:
            raise Unreadable("the cache-tree does not end where its extension does")
        return node

    def _cached_tree(self, position: int, end: int) -> tuple[CachedTree, int]:
        data = self.data
        name_end = data.find(b"\0", position, end)
        line_end = data.find(b"\n", name_end, end)
        if name_end < 0 or line_end < 0:
            raise Unreadable("a truncated cache-tree")
        try:
            entries, subtrees = (int(n) for n in data[name_end + 1:line_end].split(b" "))
        except ValueError:
            raise Unreadable("a cache-tree count is not a number") from None
        position = line_end + 1
        oid = None
        if entries >= 0:
            oid = data[position:position + self.hash_size].hex()
            position += self.hash_size
        node = CachedTree(oid, {})
        for _ in range(subtrees):
            if position >= end:
                raise Unreadable("a truncated cache-tree")
            name = data[position:data.find(b"\0", position, end)]
            child, position = self._cached_tree(position, end)
            node.folders[name] = child
        return node, position

    def _walk_kept(self, count: int) -> tuple[Sequence[int], int]:
        """The walk of this very file kept by an earlier run (`index_walks`), checked where
        it is cheap to (its count, its first entry, where its entries end, which the
        extensions then continue to the checksum); else walked and kept."""
        from analyzer.sources.git.index_walks import keep_walk, kept_walk

        walk = kept_walk(self.data, self.hash_size)
        if walk is not None:
            offsets, end, unmerged = walk
            if len(offsets) == count and (not count or (
                    offsets[0] == 12 and offsets[-1] < end <= len(self.data) - self.hash_size)):
                self.unmerged = unmerged
                return offsets, end
        walked, end = self._walk(count)
        keep_walk(self.data, self.hash_size, walked, end, self.unmerged)
        return walked, end

    def _walk(self, count: int) -> tuple[list[int], int]:
        """Where each entry of a version 2 or 3 file starts (names padded to 8 bytes)."""
        data, fixed, version = self.data, self._fixed, self.version
        offsets: list[int] = []
        note = offsets.append
        position = 12
        low, high = fixed - 2, fixed - 1
        try:
            for _ in range(count):
                note(position)
                flags = data[position + low] << 8 | data[position + high]
                if flags < 0xFFF:  # the common entry: no flag set, a short name
                    position += (fixed + flags + 8) & ~7
                    continue
                self.unmerged = self.unmerged or bool(flags & _STAGE)
                head = fixed
                if flags & _EXTENDED:
                    if version == 2:
                        raise Unreadable("extended flags in a version 2 index")
                    head += 2
                length = flags & 0xFFF
                if length == 0xFFF:
                    length = data.find(b"\0", position + head) - position - head
                    if length < 0:
                        raise Unreadable("a name runs past the end")
                position += (head + length + 8) & ~7
        except IndexError:
            raise Unreadable("an entry runs past the end") from None
        if position > len(data) - self.hash_size:
            raise Unreadable("an entry runs past the end")
        return offsets, position

    def _walk_v4(self, count: int) -> tuple[list[int], list[bytes], int]:
        """Version 4: each name is the previous one less N bytes, plus what follows N."""
        data, fixed = self.data, self._fixed
        offsets: list[int] = []
        names: list[bytes] = []
        note, name = offsets.append, names.append
        previous = b""
        position = 12
        low, high = fixed - 2, fixed - 1
        unmerged = False
        try:
            for _ in range(count):
                note(position)
                flags = data[position + low] << 8 | data[position + high]
                cursor = position + fixed
                if flags >= 0xFFF:  # a flag set, or a long name
                    unmerged = unmerged or bool(flags & _STAGE)
                    if flags & _EXTENDED:
                        cursor += 2
                byte = data[cursor]
                cursor += 1
                strip = byte
                if byte & 0x80:  # git's varint: each continuation adds one first
                    strip &= 0x7F
                    while byte & 0x80:
                        byte = data[cursor]
                        cursor += 1
                        strip = ((strip + 1) << 7) | (byte & 0x7F)
                keep = len(previous) - strip
                if keep < 0:
                    raise Unreadable("a name strips more than the previous one has")
                length = flags & 0xFFF
                if length == 0xFFF:
                    end = data.find(b"\0", cursor)
                    if end < 0 or end - cursor + keep < 0xFFF:
                        raise Unreadable("a long name that is not")
                else:
                    end = cursor + length - keep
                    if end < cursor or data[end] != 0:
                        raise Unreadable("a name's length does not match its flags")
                previous = previous[:keep] + data[cursor:end]
                name(previous)
                position = end + 1
        except IndexError:
            raise Unreadable("an entry runs past the end") from None
        self.unmerged = unmerged
        if position > len(data) - self.hash_size:
            raise Unreadable("an entry runs past the end")
        return offsets, names, position

    def _extensions(self, position: int) -> None:
        """Every extension must be one that leaves the entries as they are, and the file
        must end where the last one does (then its checksum)."""
        data, end = self.data, len(self.data) - self.hash_size
        while position < end:
            if position + 8 > end:
                raise Unreadable("a truncated extension")
            signature = data[position:position + 4]
            size = int.from_bytes(data[position + 4:position + 8], "big")
            if signature not in _UNDERSTOOD:
                # `link` (split index), `sdir` (sparse index), anything newer: git's to read
                raise Unreadable(f"index extension {signature!r}")
            self._extension_at[signature] = (position + 8, position + 8 + size)
            position += 8 + size
        if position != end:
            raise Unreadable("the extensions do not end where the file does")


def read_index(path: str, object_format: str, keep: bool = False) -> IndexFile:
    """The index file at `path` (never written; a file git replaces while we read stays the
    one we opened). `Unreadable` for anything but a plain regular index file. With `keep`,
    where its entries start is kept for the next run (another worktree's index: it seldom
    changes between two commits)."""
    try:
        info = os.lstat(path)
    except OSError as error:
        raise Unreadable(str(error)) from None
    data = read_seen(os.fsencode(path), info, _MAX_BYTES) if stat.S_ISREG(info.st_mode) \
        else None
    if data is None:
        raise Unreadable("not a regular file of a sensible size")
    return IndexFile(data, info.st_mtime_ns, id_bytes(object_format), keep)
