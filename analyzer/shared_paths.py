"""What a path is to us: a dependency manifest, a lockfile, an env file, or plain source."""

from __future__ import annotations

import re
from pathlib import PurePosixPath

from analyzer.sources.repo_layout import LOCK_COMMANDS, LOCKFILES, is_requirements

_MANIFEST_NAMES = {"pyproject.toml", "Pipfile", "setup.cfg", "setup.py", "environment.yml"}
ENV_FILE = re.compile(r"(^|/)\.env(\.[\w-]+)?$")
_ENV_TEMPLATES = (".example", ".sample", ".template", ".dist")


_PYLOCK = re.compile(r"pylock(\.[^/]+)?\.toml")


def path_name(path: str) -> str:
    """PurePosixPath(path).name by string operations (checks ask it of every touch)."""
    name = path.rstrip("/").rsplit("/", 1)[-1]
    return name if name != "." else PurePosixPath(path).name


def path_parts(path: str) -> tuple[str, ...]:
    """PurePosixPath(path).parts; string operations for the usual normalised relative path."""
    parts = path.split("/")
    if path.startswith("/") or "" in parts or "." in parts:
        return PurePosixPath(path).parts
    return tuple(parts)


def is_manifest(path: str) -> bool:
    return is_requirements(path) or path_name(path) in _MANIFEST_NAMES


def is_lockfile(path: str) -> bool:
    name = path_name(path)
    return name in LOCKFILES or bool(_PYLOCK.fullmatch(name))


def is_env_file(path: str) -> bool:
    # (".env" first: the pattern has no literal start and is tried at every character)
    return ".env" in path and bool(ENV_FILE.search(path)) and not path.endswith(_ENV_TEMPLATES)


def lock_command(path: str) -> str:
    manager = LOCKFILES.get(path_name(path))
    if manager:
        return LOCK_COMMANDS[manager]
    if is_lockfile(path):
        return f"pip lock -o {path}"
    return LOCK_COMMANDS["pip"]
