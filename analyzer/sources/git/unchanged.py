"""Which worktrees provably change nothing within some pathspecs, decided without git.

The hook compares the staged change with every other worktree, within the paths the change
can collide on; nearly every worktree leaves those paths alone, and asking git (`status` in
a directory of ours) costs a process each. Here the answer comes from the worktree's index
file, `lstat` and, for a file whose stat data git would not trust, its content hashed as
git hashes a blob; what the index says of HEAD is compared with HEAD's trees, read for all
worktrees with one `cat-file --batch` (`trees`).

This path only ever proves "unchanged": anything it does not fully understand — a stat or
content difference, a file the index does not know, a conflict, an intent-to-add entry, a
`.gitattributes` that could make git store a file differently from its bytes, an unusual
setting or pathspec — leaves the worktree to git, which reads it as before.
"""

from __future__ import annotations

import fnmatch
import itertools
import os
import posixpath
import re
import stat
from collections.abc import Callable, Iterable
from typing import NamedTuple

from analyzer.errors import InputError
from analyzer.safe_files import read_seen
from analyzer.sources.git.index_file import IndexEntry, IndexFile, Unreadable, read_index
from analyzer.sources.git.index_tree import tree_with
from analyzer.sources.git.objects import Listing, object_id, parse_tree

# `<rev>:<dir>` or a tree id -> (type, raw object), None when git has no such object
Trees = Callable[[list[str]], dict[str, tuple[str, bytes] | None]]

_MAX_HASHED = 64 << 20  # a larger file is git's to compare
_MAX_ROUNDS = 32  # nested directories read one level a round
_GLOB_CHARACTERS = frozenset(b"*?[\\")
_IGNORED_DIRECTORIES = {b"__pycache__", b"__pycache__/", b"**/__pycache__", b"**/__pycache__/"}
_IGNORED_FILES = {b"*.pyc", b"*.py[cod]", b"*.py[co]", b"**/*.pyc"}


class _Unsure(Exception):
    """This worktree is git's to read."""


class Asked(NamedTuple):
    """One worktree: its folder, its index file and its HEAD commit."""

    path: str
    index_file: str
    head: str


class Settled(NamedTuple):
    """A worktree read without git: unchanged (no tree), or the tree of its snapshot and
    the objects to write for it (the edited files' blobs, the folders on their way)."""

    tree: str | None = None
    objects: tuple[tuple[str, bytes], ...] = ()
    untracked: tuple[bytes, ...] = ()  # in the snapshot, not the index


class _Item(NamedTuple):
    """One pathspec: a path with everything below it (`literal`), or the files of one
    folder whose names match a pattern of `*` and `?` (`:(glob)folder/pattern`)."""

    path: bytes  # the path, or the glob's folder ("" for the top)
    pattern: bytes | None = None
    folder: bool = False  # `path/`: only what lies below (a file at `path` is git's)


def scope_items(specs: Iterable[str]) -> list[_Item] | None:
    """Our pathspecs (see `scope.pathspecs`) as items; None for any this module does not
    read exactly as git does."""
    items = []
    for spec in specs:
        if spec.startswith(":(glob)"):
            folder, _, pattern = spec[len(":(glob)"):].rpartition("/")
            raw_folder, raw = _bytes(folder), _bytes(pattern)
            if (not raw or set(raw_folder) & _GLOB_CHARACTERS or b"\n" in raw_folder or b"[" in raw
                    or b"\\" in raw or raw_folder.startswith(b"/")):
                return None
            items.append(_Item(raw_folder, raw))
            continue
        path = spec.removeprefix(":(literal)").rstrip("/")
        if spec.startswith(":") and not spec.startswith(":(literal)"):
            return None
        raw_path = _bytes(path)
        if not raw_path or raw_path.startswith(b"/") or b"\n" in raw_path or any(
                part in (b"", b".", b"..", b".git") for part in raw_path.split(b"/")):
            return None
        items.append(_Item(raw_path, folder=spec.endswith("/")))
    return items


def settle_worktrees(asked: list[Asked], specs: tuple[str, ...], settings: dict[str, str],
                     object_format: str, trees: Trees,
                     exclude_files: list[str] | None = None) -> dict[str, Settled]:
    """The worktrees (by `path`) whose state within `specs` is known without git: those
    that provably change nothing there (HEAD, the index and the files on disk agree, no
    file is untracked), and those whose only change there is the content of files the
    index tracks, stored as their bytes (no attribute, no CRLF to convert)."""
    items = scope_items(specs)
    if not items or not _plain_settings(settings):
        return {}
    filemode = settings.get("core.filemode", "true").lower() in _TRUE
    autocrlf = settings.get("core.autocrlf", "false").lower() not in _FALSE
    excludes = _exclude_patterns(exclude_files)
    candidates: list[tuple[Asked, Listing]] = []  # unchanged on disk: HEAD to compare
    proven: dict[str, Settled] = {}
    for one in asked:  # one index in memory at a time (~0.5 MB for 5,000 files)
        try:
            worktree = _Worktree(one, items, filemode, autocrlf, object_format, excludes)
            worktree.read()
            if worktree.edits or worktree.added:  # changed: HEAD does not matter
                proven[one.path] = worktree.snapshot()
            else:
                candidates.append((one, worktree.index_side))
        except (_Unsure, Unreadable, OSError):
            continue
    tree_cache = _Trees()  # shared: worktrees on one HEAD read and parse its trees once
    for _ in range(_MAX_ROUNDS):
        wanted: set[str] = set()
        pending = []
        for one, index_side in candidates:
            try:
                head_side = _HeadSide(one.head, tree_cache).within(items)
            except _Unsure:
                continue
            if isinstance(head_side, set):
                wanted |= head_side
                pending.append((one, index_side))
            elif head_side == index_side:
                proven[one.path] = Settled()
        if not wanted:
            break
        try:
            tree_cache.raw.update(trees(sorted(wanted)))
        except InputError:  # whatever git could not answer, the long way does
            return proven
        candidates = pending
    return proven


_TRUE = {"true", "yes", "on", "1"}
_FALSE = {"false", "no", "off", "0"}


def _plain_settings(settings: dict[str, str]) -> bool:
    """Settings under which a file's bytes and its name are what git reads: links stored as
    links, names compared byte for byte."""
    for key, default in (("core.symlinks", "true"), ("core.ignorecase", "false"),
                         ("core.precomposeunicode", "false"), ("core.filemode", "true")):
        value = settings.get(key, default).lower()
        if value not in _TRUE | _FALSE:
            return False
        if key != "core.filemode" and (value in _TRUE) != (default == "true"):
            return False
    return True


class _Worktree:
    """One worktree's side of the proof: its index within the items, checked on disk."""

    def __init__(self, asked: Asked, items: list[_Item], filemode: bool, autocrlf: bool,
                 object_format: str, excludes: list[bytes] | None):
        self.items = items
        self.filemode, self.autocrlf, self.object_format = filemode, autocrlf, object_format
        self.root = os.fsencode(asked.path)
        self.index: IndexFile = read_index(asked.index_file, object_format, keep=True)
        # an entry written in the index's second or later: git re-reads the file
        self.racy_before = self.index.mtime_ns // 1_000_000_000
        self.index_side: Listing = {}
        self.edits: dict[bytes, tuple[int, bytes]] = {}
        self.added: dict[bytes, tuple[int, bytes]] = {}  # untracked: (mode, content)
        self.excludes = excludes
        self._patterns: dict[bytes, list[bytes] | None] = {}
        self._directories: dict[bytes, bool] = {}
        self._listings: dict[bytes, list[tuple[bytes, bool]]] = {}
        self._attributes: dict[bytes, bytes | None] = {}
        self._ignores: dict[bytes, tuple[list[bytes] | None, bool, bool]] = {}
        self._ignore_files: dict[bytes, list[bytes] | None] = {}

    def read(self) -> None:
        """The index's entries within the items, each checked against the file on disk,
        and every file on disk within the items known to the index (or ignored)."""
        entries: dict[bytes, IndexEntry] = {}
        for item in self.items:
            for entry in self._entries(item):
                entries[entry.path] = entry
        for entry in entries.values():
            if entry.stage or entry.intent_to_add or entry.mode not in _MODES:
                raise _Unsure
            self.index_side[entry.path] = (entry.mode, entry.oid)
            if not (entry.assume_valid or entry.skip_worktree):  # git trusts those bits
                self._unchanged_on_disk(entry)
        for item in self.items:
            self._nothing_untracked(item, entries)

    def snapshot(self) -> Settled:
        """The tree of the index with the edits in place and the untracked files added,
        the objects to write, and the untracked files as git lists them."""
        changed = {**self.edits, **self.added}
        blobs = [("blob", content) for _, content in changed.values()]
        replaced = {path: (mode, object_id("blob", content, self.object_format))
                    for path, (mode, content) in changed.items()}
        tree, written = tree_with(self.index, replaced, self.object_format)
        return Settled(tree, (*blobs, *written), tuple(sorted(self.added)))

    # -- the index ------------------------------------------------------------------------

    def _entries(self, item: _Item) -> list[IndexEntry]:
        index = self.index
        if item.pattern is None:
            first = index.position(item.path)
            found = []
            if first < index.size and index.name(first) == item.path:
                if item.folder:
                    raise _Unsure
                found.append(index.entry(first))
                first += 1
                if first < index.size and index.name(first) == item.path:
                    raise _Unsure  # stages of a conflict
            below = item.path + b"/"
            number = max(first, index.position(below))
            end = index.position(item.path + b"0")  # "0" follows "/"
            found += [index.entry(n) for n in range(number, end)]
            return found
        folder = item.path + b"/" if item.path else b""
        literal = _literal_prefix(item.pattern)
        number = index.position(folder + literal)
        end = index.position(folder + _after(literal)) if literal else \
            (index.position(_after(folder)) if folder else index.size)
        found = []
        while number < end:
            name = index.name(number)
            rest = name[len(folder):]
            slash = rest.find(b"/")
            if slash >= 0:  # a folder: skip all of it, unless its name matches
                if _matches(rest[:slash], item.pattern):
                    raise _Unsure
                number = index.position(folder + rest[:slash] + b"0")
                continue
            if _matches(rest, item.pattern):
                found.append(index.entry(number))
            number += 1
        return found

    # -- the files on disk ----------------------------------------------------------------

    def _unchanged_on_disk(self, entry: IndexEntry) -> None:
        """The file is what the index says, as git would judge it: same type and executable
        bit, and the same stat data (then git does not read it either) from before the index
        was written, or else the same content. Other content is an edit when git would
        store the file's bytes as they are (a link's target; a file no attribute or CRLF
        conversion applies to)."""
        self._inside(posixpath.dirname(entry.path))
        full = os.path.join(self.root, entry.path)
        info = os.lstat(full)  # gone: a deletion, git's to read
        kind = entry.mode & 0o170000
        if kind == 0o120000:
            if not stat.S_ISLNK(info.st_mode):
                raise _Unsure
        elif not stat.S_ISREG(info.st_mode) or (
                self.filemode and (entry.mode ^ info.st_mode) & 0o100):
            raise _Unsure
        recorded = entry.stat
        if recorded == _stat_data(info) and recorded[2] < self.racy_before:
            return
        content = os.readlink(full) if kind == 0o120000 else _read_regular(full, info)
        same = object_id("blob", content, self.object_format) == entry.oid
        if kind != 0o120000 and not self._stored_as_is(entry.path, content, same):
            raise _Unsure
        if not same:
            self.edits[entry.path] = (entry.mode, content)

    def _nothing_untracked(self, item: _Item, entries: dict[bytes, IndexEntry]) -> None:
        if item.pattern is not None:
            self._inside(item.path)
            for name, is_folder in self._listing(item.path):
                if not _matches(name, item.pattern):
                    continue
                if is_folder:
                    raise _Unsure
                path = posixpath.join(item.path, name)
                if path not in entries:
                    self._untracked(path)
            return
        self._inside(posixpath.dirname(item.path))
        try:
            info = os.lstat(os.path.join(self.root, item.path))
        except (FileNotFoundError, NotADirectoryError):
            return
        if not stat.S_ISDIR(info.st_mode):
            if item.folder:
                raise _Unsure
            if item.path not in entries:
                self._untracked(item.path)
            return
        self._walk(item.path, entries)

    def _listing(self, folder: bytes) -> list[tuple[bytes, bool]]:
        """(name, is a folder) of each entry of a folder on disk, read once (several globs
        look at the top folder); none when it does not exist."""
        if folder not in self._listings:
            try:
                self._listings[folder] = [
                    (found.name, found.is_dir(follow_symlinks=False))
                    for found in os.scandir(os.path.join(self.root, folder))]
            except (FileNotFoundError, NotADirectoryError):
                self._listings[folder] = []
        return self._listings[folder]

    def _walk(self, folder: bytes, entries: dict[bytes, IndexEntry]) -> None:
        """Every file below `folder` is in the index, ignored, or taken as untracked."""
        for found in os.scandir(os.path.join(self.root, folder)):
            path = folder + b"/" + found.name
            if found.is_dir(follow_symlinks=False):
                if found.name == b".git" or os.path.lexists(os.path.join(found.path, b".git")):
                    raise _Unsure  # a repository of its own: git's to judge
                if not self._ignored(folder, found.name, directory=True):
                    self._walk(path, entries)
            elif path not in entries and not self._ignored(folder, found.name,
                                                           directory=False):
                self._untracked(path)

    def _untracked(self, path: bytes) -> None:
        """A file the index does not know: git lists it, and a snapshot adds it, unless it
        is ignored. Taken when no ignore pattern could match it or a folder on its way, and
        git would store its bytes as they are; anything else is git's to judge."""
        if path in self.added:
            return
        if not self._not_ignored(path):
            raise _Unsure
        full = os.path.join(self.root, path)
        info = os.lstat(full)
        if stat.S_ISLNK(info.st_mode):
            self.added[path] = (0o120000, os.readlink(full))
            return
        if not stat.S_ISREG(info.st_mode):
            raise _Unsure
        content = _read_regular(full, info)
        if not self._stored_as_is(path, content, False):
            raise _Unsure
        mode = 0o100755 if self.filemode and info.st_mode & 0o100 else 0o100644
        self.added[path] = (mode, content)

    def _not_ignored(self, path: bytes) -> bool:
        """Whether no ignore pattern git reads for `path` could match it or a folder on its
        way: the `.gitignore` of each folder down to it, then the repository's
        info/exclude and the user's excludes file (a `!` line only takes back)."""
        parts = path.split(b"/")
        for depth in range(len(parts)):
            patterns = self._ignore_patterns(b"/".join(parts[:depth]))
            if patterns is None or any(_could_ignore(p, parts[depth:]) for p in patterns):
                return False
        if self.excludes is None:
            return False
        return not any(_could_ignore(p, parts) for p in self.excludes)

    def _ignore_patterns(self, folder: bytes) -> list[bytes] | None:
        if folder not in self._patterns:
            lines = self._gitignore(folder)
            self._patterns[folder] = _patterns(lines) if lines is not None else None
        return self._patterns[folder]

    def _gitignore(self, folder: bytes) -> list[bytes] | None:
        """A folder's .gitignore as lines (see `_lines`), read once for both its readers
        (`_ignore_patterns`, `_read_ignores`); None as `_folder_file`."""
        if folder not in self._ignore_files:
            text = self._folder_file(folder, b".gitignore")
            self._ignore_files[folder] = _lines(text) if text is not None else None
        return self._ignore_files[folder]

    def _folder_file(self, folder: bytes, base: bytes) -> bytes | None:
        """A folder's .gitignore or .gitattributes, b"" when it has none; None when git would
        read one we do not (not a regular file, or only in the index: git reads the index's
        then)."""
        name = posixpath.join(folder, base)
        full = os.path.join(self.root, name)
        try:
            info = os.lstat(full)
        except (FileNotFoundError, NotADirectoryError):
            number = self.index.position(name)
            in_index = number < self.index.size and self.index.name(number) == name
            return None if in_index else b""
        return _read_regular(full, info) if stat.S_ISREG(info.st_mode) else None

    def _inside(self, folder: bytes) -> None:
        """Each folder on the way is a real folder of the worktree, not a link out of it
        (git reads no file through a linked folder)."""
        if not folder or folder in self._directories:
            return
        self._inside(posixpath.dirname(folder))
        try:
            info = os.lstat(os.path.join(self.root, folder))
        except (FileNotFoundError, NotADirectoryError):
            self._directories[folder] = False
            return  # nothing below it exists
        if not stat.S_ISDIR(info.st_mode):
            raise _Unsure
        self._directories[folder] = True

    def _stored_as_is(self, path: bytes, content: bytes, same: bool) -> bool:
        """Whether git stores this file's bytes as they are. The attributes that convert
        what is checked in touch only CRs (text, eol, crlf), `$Id` (ident) or every byte
        (working-tree-encoding); a filter has no driver in the scratch repository. With
        no attribute, core.autocrlf converts CRLF only into an index blob without CR (so
        never when the bytes are the index's own)."""
        files = self._attribute_files(path)
        if files is None:
            return False
        if files:
            return not any(b"working-tree-encoding" in text for text in files) and \
                b"\r" not in content and b"$Id" not in content
        return same or not (self.autocrlf and b"\r" in content)

    def _attribute_files(self, path: bytes) -> list[bytes] | None:
        """The `.gitattributes` files on the way to `path`, as git reads them for it; None
        when one is not a plain file on disk (git would read the index's, or refuse)."""
        texts = []
        folder = posixpath.dirname(path)
        while True:
            if folder not in self._attributes:
                self._attributes[folder] = self._attribute_file(folder)
            text = self._attributes[folder]
            if text is None:
                return None
            if text:
                texts.append(text)
            if not folder:
                return texts
            folder = posixpath.dirname(folder)

    def _attribute_file(self, folder: bytes) -> bytes | None:
        return self._folder_file(folder, b".gitattributes")

    def _ignored(self, folder: bytes, name: bytes, directory: bool) -> bool:
        """Whether git provably ignores `folder/name`: a `.gitignore` on the way names it
        in a form read exactly here (`__pycache__/`, `*.pyc` …) and no `!` line of them
        could take it back (judged by the pattern's last part, which must match the name's
        when the pattern has no `**`). Anything else: not provably."""
        if name != b"__pycache__" if directory else not name.endswith(b".pyc"):
            return False
        found = False
        step = folder
        while True:
            if step not in self._ignores:
                self._ignores[step] = self._read_ignores(step)
            negations, names_directory, names_file = self._ignores[step]
            if negations is None or any(_could_take_back(n, name) for n in negations):
                return False
            found = found or (names_directory if directory else names_file)
            if not step:
                return found
            step = posixpath.dirname(step)

    def _read_ignores(self, folder: bytes) -> tuple[list[bytes] | None, bool, bool]:
        """(its `!` patterns, None when unreadable; names `__pycache__/`; names `*.pyc`)."""
        lines = self._gitignore(folder)
        if lines is None:
            return None, False, False
        negations = [line[1:] for line in lines if line.startswith(b"!")]
        return (negations, any(line in _IGNORED_DIRECTORIES for line in lines),
                any(line in _IGNORED_FILES for line in lines))


class _Trees:
    """The trees the batches read (`<rev>:<dir>` or an id -> (type, raw object), None when
    git has none), each parsed once whichever worktree asks."""

    def __init__(self) -> None:
        self.raw: dict[str, tuple[str, bytes] | None] = {}
        self._parsed: dict[str, Listing] = {}

    def listing(self, key: str, data: bytes, hash_size: int) -> Listing:
        """The entries of the tree read under `key` whose raw object is `data`
        (`ValueError`: not a tree as git writes them)."""
        if key not in self._parsed:
            self._parsed[key] = parse_tree(data, hash_size)
        return self._parsed[key]


class _HeadSide:
    """HEAD's entries within the items, from trees read by the batch; the keys still to
    read when a tree is missing."""

    def __init__(self, head: str, cache: _Trees):
        self.head, self.cache = head, cache
        self.missing: set[str] = set()

    def within(self, items: list[_Item]) -> Listing | set[str]:
        found: Listing = {}
        for item in items:
            if item.folder:  # read directly: its parent's listing is not needed
                got = self._got(self._key(item.path))
                if got is not None and got[0] != "tree":
                    raise _Unsure
                self._below(item.path, self._key(item.path), found)
            elif item.pattern is None:
                folder, _, base = item.path.rpartition(b"/")
                listing = self._folder(folder)
                if listing is None:
                    continue
                entry = listing.get(base)
                if entry is None:
                    continue
                if entry[0] == 0o40000:
                    self._below(item.path, entry[1], found)
                else:
                    found[item.path] = entry
            else:
                listing = self._folder(item.path)
                for name, entry in (listing or {}).items():
                    if _matches(name, item.pattern):
                        if entry[0] == 0o40000:
                            raise _Unsure
                        found[posixpath.join(item.path, name)] = entry
        return self.missing or found

    def _key(self, folder: bytes) -> str:
        return f"{self.head}:{folder.decode('utf-8', 'surrogateescape')}" if folder \
            else f"{self.head}^{{tree}}"

    def _folder(self, folder: bytes) -> Listing | None:
        """A folder of HEAD by path (None when HEAD has no such folder)."""
        return self._tree(self._key(folder))

    def _below(self, folder: bytes, tree: str, found: Listing) -> None:
        """Every file below `folder`, a tree read by path or id."""
        listing = self._tree(tree)
        for name, entry in (listing or {}).items():
            path = folder + b"/" + name
            if entry[0] == 0o40000:
                self._below(path, entry[1], found)
            else:
                found[path] = entry

    def _got(self, key: str) -> tuple[str, bytes] | None:
        if key not in self.cache.raw:
            self.missing.add(key)
            return None
        return self.cache.raw[key]

    def _tree(self, key: str) -> Listing | None:
        got = self._got(key)
        if got is None or got[0] != "tree":
            return None
        try:
            return self.cache.listing(key, got[1], len(self.head) // 2)  # hex: 2 a byte
        except ValueError:
            raise _Unsure from None  # not a tree as git writes them


_MODES = {0o100644, 0o100755, 0o120000}


def _exclude_patterns(paths: list[str] | None) -> list[bytes] | None:
    """The patterns of the repository-wide ignore files (None: unknown, or unreadable)."""
    if paths is None:
        return None
    patterns: list[bytes] = []
    for path in paths:
        try:
            info = os.lstat(path)
        except (FileNotFoundError, NotADirectoryError):
            continue
        if not stat.S_ISREG(info.st_mode):
            return None
        try:
            patterns += _patterns(_lines(_read_regular(os.fsencode(path), info)))
        except _Unsure:
            return None
    return patterns


def _lines(text: bytes) -> list[bytes]:
    """An ignore file's lines as git reads them: no BOM, no CR or trailing space."""
    return [line.rstrip(b"\r").rstrip(b" ")
            for line in text.removeprefix(b"\xef\xbb\xbf").split(b"\n")]


def _patterns(lines: list[bytes]) -> list[bytes]:
    """The patterns of an ignore file that ignore (its `!` lines only take back)."""
    return [line for line in lines if line and not line.startswith((b"#", b"!"))]


def _could_ignore(pattern: bytes, parts: list[bytes]) -> bool:
    """Whether an ignore pattern (from the folder above `parts`) could match that path or
    a folder on its way. A pattern with a `/` inside is matched part for part from the
    folder (up to its first `**`), a leading `**/` is any folder's, a pattern without `/`
    is matched against each part. An escaped special character, a `**` elsewhere and any
    `[…]` but plain letters, digits and ranges of them are read as "could"."""
    body = _unescaped(pattern.rstrip(b"/"))
    if not body or not _plain_classes(body):
        return True
    if body.startswith(b"**/") and b"/" not in body[3:] and b"**" not in body[3:]:
        body = body[3:]  # in any folder: as a pattern without `/`
    if b"/" in body:
        pieces = body.lstrip(b"/").split(b"/")
        known = list(itertools.takewhile(lambda piece: b"**" not in piece, pieces))
        needed = len(known) if len(known) < len(pieces) else len(pieces)
        return len(parts) >= needed and all(
            _matches(name, piece) for piece, name in zip(known, parts, strict=False))
    if b"**" in body:
        return True
    return any(_matches(name, body) for name in parts)


def _unescaped(pattern: bytes) -> bytes:
    """A pattern with `\\x` read as the plain `x`; "" (read as "could") when the escaped
    character is one glob reads specially."""
    if b"\\" not in pattern:
        return pattern
    out = bytearray()
    position = 0
    while position < len(pattern):
        byte = pattern[position:position + 1]
        if byte == b"\\":
            following = pattern[position + 1:position + 2]
            if not following or following in b"*?[]\\":
                return b""
            out += following
            position += 2
            continue
        out += byte
        position += 1
    return bytes(out)


_PLAIN_CLASS = re.compile(rb"(?:[A-Za-z0-9._]-[A-Za-z0-9._]|[A-Za-z0-9._])+")


def _plain_classes(pattern: bytes) -> bool:
    """Every `[…]` holds letters, digits, `.`, `_` and ascending ranges of them (read alike
    by fnmatch and git's wildmatch: no negation, named class or `]` inside)."""
    position = pattern.find(b"[")
    while position >= 0:
        end = pattern.find(b"]", position + 1)
        inside = pattern[position + 1:end]
        if end < 0 or not _PLAIN_CLASS.fullmatch(inside) or any(
                inside[i - 1] > inside[i + 1] for i in range(1, len(inside) - 1)
                if inside[i:i + 1] == b"-"):
            return False
        position = pattern.find(b"[", end)
    return True


def _stat_data(info: os.stat_result) -> tuple[int, int, int, int, int, int, int, int, int]:
    """What git records of a file, each field cut to 32 bits as the index stores it."""
    mask = 0xFFFFFFFF
    return (int(info.st_ctime) & mask, info.st_ctime_ns % 1_000_000_000,
            int(info.st_mtime) & mask, info.st_mtime_ns % 1_000_000_000,
            info.st_dev & mask, info.st_ino & mask, info.st_uid & mask, info.st_gid & mask,
            info.st_size & mask)


def _read_regular(path: bytes, seen: os.stat_result) -> bytes:
    """A regular file's bytes, the one `lstat` saw (see `safe_files.read_seen`)."""
    data = read_seen(path, seen, _MAX_HASHED)
    if data is None:
        raise _Unsure  # a link now, grown past the cap, replaced: git's to read
    return data


def _matches(name: bytes, pattern: bytes) -> bool:
    """git's glob on one name (no `/` in either), byte for byte: `*` and `?`, and an ignore
    file's plain `[…]` classes (fnmatch reads those as git does)."""
    if b"[" in pattern or b"\\" in pattern:
        return fnmatch.fnmatchcase(name.decode("latin-1"), pattern.decode("latin-1"))
    return _wildcards(name, pattern)


_STAR, _ANY = ord("*"), ord("?")


def _wildcards(name: bytes, pattern: bytes) -> bool:
    """`*` and `?` matched without a regex (fnmatch compiles one for each pattern, ~0.2 ms
    a pattern on every commit): the last `*` takes one more byte whenever the rest fails."""
    at = position = 0
    star, resume = -1, 0
    while at < len(name):
        if position < len(pattern) and pattern[position] == _STAR:
            star, resume = position, at
            position += 1
        elif position < len(pattern) and pattern[position] in (_ANY, name[at]):
            at += 1
            position += 1
        elif star >= 0:
            position, resume = star + 1, resume + 1
            at = resume
        else:
            return False
    return all(byte == _STAR for byte in pattern[position:])


def _could_take_back(pattern: bytes, name: bytes) -> bool:
    """Whether a `!pattern` of a .gitignore could match a path whose last part is `name`.
    Without `**`, git matches a pattern's parts against the path's one for one (or its
    only part against the last), so the last parts must match; `[` and `\\` are read
    as "could"."""
    last = pattern.rstrip(b"/").rpartition(b"/")[2]
    if b"**" in pattern or not last or b"[" in last or b"\\" in last:
        return True
    return _matches(name, last)


def _literal_prefix(pattern: bytes) -> bytes:
    cut = min((pattern.index(c) for c in (b"*", b"?") if c in pattern), default=len(pattern))
    return pattern[:cut]


def _after(prefix: bytes) -> bytes:
    """The smallest name that sorts after every name starting with `prefix`."""
    stripped = prefix.rstrip(b"\xff")
    return stripped[:-1] + bytes([stripped[-1] + 1]) if stripped else b"\xff" * 4096


def _bytes(text: str) -> bytes:
    return text.encode("utf-8", "surrogateescape")
