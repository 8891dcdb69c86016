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

from analyzer.parsers.django_migrations import migration_identity
from analyzer.shared_paths import is_env_file, is_lockfile, is_manifest
from analyzer.sources.repo_layout import RepoLayout, is_requirements

DEPENDENCY_FILES = ("requirements*.txt", "requirements*.in", "requirements/*.txt",
                    "requirements/*.in", "pyproject.toml", "*.lock", "Pipfile", "pylock*.toml")
ENVIRONMENT_FILES = (".env*", "*compose*.yml", "*compose*.yaml")


def pathspecs(paths: Iterable[str], layout: RepoLayout) -> tuple[str, ...]:
    """The pathspecs (plain paths are literal; families are `:(glob)`) for these files."""
    specs: set[str] = set()
    for path in paths:
        specs.add(path)
        name = posixpath.basename(path)
        if is_requirements(path) or is_manifest(path) or is_lockfile(path):
            specs |= {f":(glob)**/{p}" for p in DEPENDENCY_FILES}
        elif is_env_file(path) or "compose" in name:
            specs |= {f":(glob)**/{p}" for p in ENVIRONMENT_FILES}
        chains = [d for d in layout.alembic_versions if path.startswith(d.rstrip("/") + "/")]
        if chains:
            specs |= {d.rstrip("/") + "/" for d in layout.alembic_versions}
        elif migration_identity(path):
            specs.add(posixpath.dirname(path) + "/")
    return tuple(sorted(specs))
