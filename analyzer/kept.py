"""What one run keeps for the next, in the user's cache folder (never in a repository).

A pre-commit hook runs on every commit and recomputes the same things each time: the rule
catalog from its TOML files, the layout of a base commit that has not moved. Each is kept as
a JSON file named by what it holds, beside a stamp of the code and data that made it (the
version, and the size and time of each file), and read back only when that stamp is the
same. The file's name carries a short checksum of the stamp too: two installs of
conflictscan (pre-commit's virtualenv and a pipx one) have different stamps, and with one
name each would write over the other's file, and both miss on every run. Files of a name
are kept `keep` at a time, the oldest going first (old versions and old installs do not
pile up). `$XDG_CACHE_HOME/conflictscan` (`~/.cache/conflictscan`); `CONFLICTSCAN_CACHE_DIR`
names another folder, or, set empty, none. A folder that cannot be written costs the saving,
nothing else.
"""

from __future__ import annotations

import json
import os
import zlib
from collections.abc import Iterable
from typing import Any

from analyzer import __version__


def folder() -> str:
    """Where things are kept; "" when nothing is to be kept."""
    named = os.environ.get("CONFLICTSCAN_CACHE_DIR")
    if named is not None:
        return os.path.abspath(named) if named else ""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "conflictscan") if os.path.isabs(base) else ""


def stamp(files: Iterable[str | None]) -> list[object]:
    """The version and, for each file, its size and modification time (None when absent)."""
    result: list[object] = [__version__]
    for path in files:
        try:
            status = os.stat(path) if path else None
        except OSError:
            status = None
        result.append([status.st_size, status.st_mtime_ns] if status else None)
    return result


def file_name(name: str, stamped: list[object]) -> str:
    """The file that keeps `name` for this stamp: `<name>-<checksum of the stamp>.json`."""
    checksum = zlib.crc32(json.dumps(stamped).encode("utf-8", "surrogateescape"))
    return f"{name}-{checksum:08x}.json"


def load(name: str, expected: list[object]) -> Any:
    """What was kept under `name` with this very stamp, else None (none kept, another stamp,
    a damaged or foreign file). The caller checks the value's shape before trusting it."""
    where = folder()
    if not where:
        return None
    try:
        with open(os.path.join(where, file_name(name, expected)), encoding="utf-8") as handle:
            data = json.load(handle)
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("stamp") != json.loads(json.dumps(expected)):
        return None
    return data.get("value")


def store(name: str, stamped: list[object], value: Any, *, prefix: str, keep: int) -> None:
    """Keep `value` under `name` and this stamp, written whole or not at all (a file of our
    own renamed into place); of the files whose name starts with `prefix` (every stamp of
    `name`, or of a family of names), only the `keep` newest stay."""
    where = folder()
    if not where:
        return
    path = os.path.join(where, file_name(name, stamped))
    try:
        text = json.dumps({"stamp": stamped, "value": value})
    except (TypeError, ValueError):
        return  # a value JSON cannot hold (a TOML date) is not kept
    try:
        os.makedirs(where, mode=0o700, exist_ok=True)
        partial = f"{path}.{os.getpid()}.tmp"
        with open(partial, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(partial, path)
        kept = sorted((entry for entry in os.scandir(where)
                       if entry.name.startswith(prefix) and entry.name.endswith(".json")),
                      key=lambda entry: entry.stat().st_mtime_ns)
        for entry in kept[:-keep]:
            os.unlink(entry.path)
    except OSError:
        return
