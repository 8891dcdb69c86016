"""Git's objects as git names them: the one place that computes an object id.

An id is the hash (sha1, or sha256 in a repository of that format) of `<type> <size>\\0`
followed by the content. CPython's own sha1 and sha256 modules compute it: `hashlib` would
load OpenSSL first (~3 ms of every hook run, for a few small objects); it is the fallback
where an interpreter has not them.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

# CPython's modules for each format: sha256 moved to `_sha2` in 3.12
_BUILT_IN = {"sha1": (("_sha1", "sha1"),),
             "sha256": (("_sha256", "sha256"), ("_sha2", "sha256"))}
_HASHES: dict[str, Callable[[bytes], Any]] = {}
Listing = dict[bytes, tuple[int, str]]  # a tree's entries: name -> (mode, object id)


def object_id(kind: str, data: bytes, object_format: str) -> str:
    """The id git gives an object of this type (`blob`, `tree`, `commit`) and content."""
    return str(_hash(object_format)(stored(kind, data)).hexdigest())


def id_bytes(object_format: str) -> int:
    """How many bytes an object id takes in trees and index files: 20 (sha1) or 32."""
    return 32 if object_format == "sha256" else 20


def stored(kind: str, data: bytes) -> bytes:
    """What git hashes, and stores compressed: a header of the type and size, the content."""
    return b"%s %d\0" % (kind.encode(), len(data)) + data


def _hash(object_format: str) -> Callable[[bytes], Any]:
    found = _HASHES.get(object_format)
    if found is None:
        for module, name in _BUILT_IN.get(object_format, ()):
            try:
                found = getattr(importlib.import_module(module), name)
                break
            except (ImportError, AttributeError):
                continue
        if found is None:
            import hashlib

            def found(data: bytes) -> Any:
                return hashlib.new(object_format, data)
        _HASHES[object_format] = found
    return found


def parse_tree(data: bytes, size: int) -> Listing:
    """A tree object's entries (`size`: the bytes of an id), modes as git reads them;
    ValueError when it is not a tree as git writes them."""
    listing: Listing = {}
    position = 0
    while position < len(data):
        space = data.index(b" ", position)
        nul = data.index(b"\0", space)
        mode = int(data[position:space], 8)
        listing[data[space + 1:nul]] = (_canonical(mode), data[nul + 1:nul + 1 + size].hex())
        position = nul + 1 + size
    return listing


def _canonical(mode: int) -> int:
    """A tree entry's mode as git reads it (old trees hold 100664 and the like)."""
    kind = mode & 0o170000
    if kind == 0o100000:
        return 0o100755 if mode & 0o100 else 0o100644
    return {0o120000: 0o120000, 0o40000: 0o40000}.get(kind, 0o160000)
