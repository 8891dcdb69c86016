"""What a question about some files can depend on, as git pathspecs that bound every diff,
snapshot and file listing of the other workstreams.

A commit that changes `requirements.txt` can collide with another branch's
`requirements/dev.txt` (the same package pinned twice) but not with its `shop/views.py`; a
new Django migration collides with any other new migration of the same app. So: each file,
and the files of its family — every dependency file for one, the whole chain's directory for
a migration, every env and compose file for one.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable

from analyzer.parsers.django_migrations import NUMBERED
from analyzer.shared_paths import is_env_file, is_lockfile, is_manifest
from analyzer.sources.repo_layout import RepoLayout, is_requirements

DEPENDENCY_FILES = ("requirements*.txt", "requirements*.in", "requirements/*.txt",
                    "requirements/*.in", "pyproject.toml", "*.lock", "Pipfile", "pylock*.toml")
ENVIRONMENT_FILES = (".env*", "*compose*.yml", "*compose*.yaml")


def pathspecs(paths: Iterable[str], layout: RepoLayout) -> tuple[str, ...]:
    """The pathspecs (plain paths are literal; families are `:(glob)`) for these files.

    A family is looked for in the folders that hold its files here (the path's own, the
    repository's root, the known requirements files'), not in every folder: a `**/` pattern
    makes git walk the whole worktree for untracked files, for each worktree on each commit.
    """
    specs: set[str] = set()
    known = [*layout.requirements, *([layout.lockfile] if layout.lockfile else [])]
    for path in paths:
        specs.add(path)
        name = posixpath.basename(path)
        if is_requirements(path) or is_manifest(path) or is_lockfile(path):
            folders = {_folder(p) for p in [path, *known]} | {""}
            specs |= {f":(glob){folder}{p}" for folder in folders for p in DEPENDENCY_FILES}
        elif is_env_file(path) or "compose" in name:
            specs |= {f":(glob){folder}{p}" for folder in {_folder(path), ""}
                      for p in ENVIRONMENT_FILES}
        chains = [d for d in layout.alembic_versions if path.startswith(d.rstrip("/") + "/")]
        if chains:
            specs |= {d.rstrip("/") + "/" for d in layout.alembic_versions}
        elif _django_migrations(path, layout):
            specs.add(posixpath.dirname(path) + "/")
    return tuple(sorted(specs))


def _folder(path: str) -> str:
    """`requirements/base.txt` -> `` (its family's folder is the one above `requirements/`),
    `svc/requirements.txt` -> `svc/`, `requirements.txt` -> ``."""
    folder = posixpath.dirname(path)
    if posixpath.basename(folder) == "requirements":
        folder = posixpath.dirname(folder)
    return f"{folder}/" if folder else ""


def _django_migrations(path: str, layout: RepoLayout) -> bool:
    """Whether a file sits in a Django migrations folder: one the base knows, a new
    `migrations/` folder the change starts, or a numbered module (`0002_price.py`) whose
    package is its chain."""
    folder = posixpath.dirname(path)
    return path.endswith(".py") and (folder in layout.django_apps.values()
                                     or posixpath.basename(folder) == "migrations"
                                     or bool(NUMBERED.fullmatch(posixpath.basename(path))))
