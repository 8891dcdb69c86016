"""A commit's layout, kept between runs in the user's cache folder (`analyzer.kept`).

The pre-commit hook needs the layout of the base's tree on every commit: listing a 5,000-file
tree, reading its configuration files and parsing them costs ~25 ms of the hook's ~0.2 s, and
the base moves far less often than commits are made. A commit's tree never changes, so its
layout is kept, named by the commit id and stamped with the code that computed it (the
modules that parse a layout), and used only when it reads back as exactly a layout.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from analyzer import kept
from analyzer.errors import InputError
from analyzer.sources.repo_layout import LOCK_COMMANDS, AlembicChain, Project, RepoLayout

FORMAT = 2
KEPT = 64  # layouts kept (one per base commit met and install); the oldest go first
# the modules whose code decides a layout: any change of theirs is another cache
_CODE = ("analyzer.sources.repo_layout", "analyzer.parsers.django_migrations",
         "analyzer.parsers.python_ast", "analyzer.parsers.toml_tables", "analyzer.errors")


def cached_layout(commit: str, compute: Callable[[], tuple[RepoLayout, bool]]) -> RepoLayout:
    """The layout of `commit` (its root and venvs are the caller's to set: they are the
    worktree's, not the commit's), from the cache when it holds it, else computed, and kept
    when `compute` says it is the whole answer (not when git could not read a file of it:
    that is reported on every run)."""
    if not kept.folder() or not _is_id(commit):
        return compute()[0]
    name = f"layout-{commit}"
    stamp = _stamp()
    known = kept.load(name, stamp)
    if known is not None:
        try:
            return _layout(known)
        except (KeyError, TypeError, ValueError, AttributeError):
            pass  # not a layout of this code's: computed again, and written over
    layout, whole = compute()
    if whole:
        kept.store(name, stamp, _data(layout), prefix="layout-", keep=KEPT)
    return layout


def _is_id(commit: str) -> bool:
    return len(commit) in (40, 64) and all(c in "0123456789abcdef" for c in commit)


def _stamp() -> list[object]:
    """The code that computes a layout: each module's file size and time."""
    files = [getattr(sys.modules.get(name), "__file__", None) for name in _CODE]
    return [FORMAT, *kept.stamp(files)]


def _data(layout: RepoLayout) -> dict[str, Any]:
    return {"manager": layout.manager, "requirements": list(layout.requirements),
            "lockfile": layout.lockfile, "alembic_versions": list(layout.alembic_versions),
            "django_apps": layout.django_apps,
            "alembic_chains": [[c.config, c.script_location, list(c.version_locations)]
                               for c in layout.alembic_chains],
            "projects": [[p.directory, p.manager, p.manifest, p.lockfile]
                         for p in layout.projects],
            "problems": [[p.message, p.path, p.line, p.blocking] for p in layout.problems],
            "attribute_files": [list(entry) for entry in layout.attribute_files]}


def _layout(data: dict[str, Any]) -> RepoLayout:
    """A layout from its JSON, every value checked for its type (a wrong one: TypeError)."""
    def text(value: object) -> str:
        if not isinstance(value, str):
            raise TypeError(value)
        return value

    def manager(value: object) -> str:
        if value not in LOCK_COMMANDS:
            raise TypeError(value)
        return text(value)

    def maybe(value: object) -> str | None:
        return None if value is None else text(value)

    def texts(value: object) -> tuple[str, ...]:
        if not isinstance(value, list):
            raise TypeError(value)
        return tuple(text(v) for v in value)

    def line(value: object) -> int | None:
        if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
            raise TypeError(value)
        return value

    def flag(value: object) -> bool:
        if not isinstance(value, bool):
            raise TypeError(value)
        return value

    apps = data["django_apps"]
    if not isinstance(apps, dict):
        raise TypeError(apps)
    return RepoLayout(
        manager=manager(data["manager"]), requirements=texts(data["requirements"]),
        lockfile=maybe(data["lockfile"]), alembic_versions=texts(data["alembic_versions"]),
        django_apps={text(k): text(v) for k, v in apps.items()},
        alembic_chains=tuple(AlembicChain(text(c), text(s), texts(v))
                             for c, s, v in data["alembic_chains"]),
        projects=tuple(Project(text(d), manager(m), text(f), maybe(lock))
                       for d, m, f, lock in data["projects"]),
        problems=[InputError(text(message), maybe(path), line(number), blocking=flag(blocks))
                  for message, path, number, blocks in data["problems"]],
        attribute_files=tuple((text(mode), text(kind), text(oid), text(path))
                              for mode, kind, oid, path in data["attribute_files"]))
