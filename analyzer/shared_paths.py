"""What a path is to us: a dependency manifest, a lockfile, an env file, or plain source."""

from __future__ import annotations

import re
from pathlib import PurePosixPath

from analyzer.sources.repo_layout import LOCK_COMMANDS, LOCKFILES, is_requirements

_MANIFEST_NAMES = {"pyproject.toml", "Pipfile", "setup.cfg", "setup.py", "environment.yml"}
ENV_FILE = re.compile(r"(^|/)\.env(\.[\w-]+)?$")
_ENV_TEMPLATES = (".example", ".sample", ".template", ".dist")


def is_manifest(path: str) -> bool:
    return is_requirements(path) or PurePosixPath(path).name in _MANIFEST_NAMES


def is_lockfile(path: str) -> bool:
    name = PurePosixPath(path).name
    return name in LOCKFILES or bool(re.fullmatch(r"pylock(\.[^/]+)?\.toml", name))


def is_env_file(path: str) -> bool:
    return bool(ENV_FILE.search(path)) and not path.endswith(_ENV_TEMPLATES)


def lock_command(path: str) -> str:
    manager = LOCKFILES.get(PurePosixPath(path).name)
    if manager:
        return LOCK_COMMANDS[manager]
    if is_lockfile(path):
        return f"pip lock -o {path}"
    return LOCK_COMMANDS["pip"]
