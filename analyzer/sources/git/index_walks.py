"""Where each entry of an index file starts, kept between runs (`analyzer.kept`).

Entries of an index file have different lengths, so finding one means walking the file from
its start: ~1 ms of Python for 5,000 entries, paid for every other worktree on every commit
(10 ms with 10 worktrees, 50 ms with 50), though a worktree's index rarely changes between
two commits. git ends each index file with a checksum of its content, so the walk of a file
is kept under that checksum and the file's size; an index git writes without one
(`index.skipHash`) is walked every time.
"""

from __future__ import annotations

import binascii
import sys
from array import array
from collections.abc import Sequence

from analyzer import kept

FORMAT = 1
KEPT = 256  # walks kept (one per version of each worktree's index met); the oldest go
Walk = tuple[Sequence[int], int, bool]  # entry starts, where the entries end, any conflict


def kept_walk(data: bytes, hash_size: int) -> Walk | None:
    """The walk kept for this very file, else None."""
    name = _name(data, hash_size)
    if name is None:
        return None
    value = kept.load(name, _stamp(data))
    try:
        offsets = array("I", binascii.a2b_base64(value["offsets"]))
        end, unmerged = value["end"], value["unmerged"]
    except (TypeError, KeyError, ValueError, binascii.Error):
        return None
    if not isinstance(end, int) or not isinstance(unmerged, bool):
        return None
    return offsets, end, unmerged


def keep_walk(data: bytes, hash_size: int, offsets: list[int], end: int,
              unmerged: bool) -> None:
    name = _name(data, hash_size)
    if name is None or not kept.folder() or (offsets and max(offsets) >= 1 << 32):
        return
    packed = binascii.b2a_base64(array("I", offsets).tobytes(), newline=False).decode("ascii")
    kept.store(name, _stamp(data), {"offsets": packed, "end": end, "unmerged": unmerged},
               prefix="index-", keep=KEPT)


def _name(data: bytes, hash_size: int) -> str | None:
    checksum = data[-hash_size:]
    return None if not any(checksum) else f"index-{checksum.hex()}"


def _stamp(data: bytes) -> list[object]:
    code = sys.modules[__name__.rpartition(".")[0] + ".index_file"].__file__
    return [FORMAT, sys.byteorder, len(data), *kept.stamp([code, __file__])]
