"""What one run keeps for the next, in the user's cache folder (never in a repository).

A pre-commit hook runs on every commit and recomputes the same things each time: the rule
catalog from its TOML files, the layout of a base commit that has not moved. Each is kept as
a JSON file named by what it holds, beside a stamp of the code and data that made it (the
version, and the size and time of each file), and read back only when that stamp is the
same. `$XDG_CACHE_HOME/conflictscan` (`~/.cache/conflictscan`); `CONFLICTSCAN_CACHE_DIR`
names another folder, or, set empty, none. A folder that cannot be written costs the saving,
nothing else.
"""

from __future__ import annotations

import json
import os
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


def load(name: str, expected: list[object]) -> Any:
    """What was kept under `name` with this very stamp, else None (none kept, another stamp,
    a damaged or foreign file). The caller checks the value's shape before trusting it."""
    where = folder()
    if not where:
        return None
    try:
        with open(os.path.join(where, name), encoding="utf-8") as handle:
            data = json.load(handle)
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("stamp") != json.loads(json.dumps(expected)):
        return None
    return data.get("value")


def store(name: str, stamped: list[object], value: Any, *, prefix: str = "",
          keep: int = 0) -> None:
    """Keep `value` under `name`, written whole or not at all (a file of our own renamed into
    place); with `prefix`, only the `keep` newest files of that prefix stay."""
    where = folder()
    if not where:
        return
    path = os.path.join(where, name)
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
        if prefix:
            kept = sorted((entry for entry in os.scandir(where)
                           if entry.name.startswith(prefix) and entry.name.endswith(".json")),
                          key=lambda entry: entry.stat().st_mtime_ns)
            for entry in kept[:-keep] if keep else kept[:0]:
                os.unlink(entry.path)
    except OSError:
        return
