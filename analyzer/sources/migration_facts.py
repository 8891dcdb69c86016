"""The migrations the workstreams add and the history they add to, read from git once.

Which files are revisions or migrations comes from the layout of the base's tree (every
alembic environment, every Django migrations package, wherever it lives) and, for Django,
from each file's content. Only the chains and apps some workstream adds to are read at the
base tip.
"""

from __future__ import annotations

import posixpath
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, TypeVar

from analyzer.errors import InputError
from analyzer.model import Kind
from analyzer.parsers.django_migrations import (
    NUMBERED,
    DjangoMigration,
    default_label,
    migration_name,
    own_label,
    parse_migration,
)
from analyzer.sources.branches import GitWorkstream
from analyzer.sources.git_repo import GitRepo
from analyzer.sources.repo_layout import RepoLayout

if TYPE_CHECKING:  # the alembic parser loads when a revision is read
    from analyzer.parsers.alembic import Revision

# (workstream, path, "new") -> the workstream's text of it, None when it cannot be read
Wanted = list[tuple[str, str, str]]
ReadTexts = Callable[[Wanted], list["str | None"]]
T = TypeVar("T")


@dataclass
class MigrationFacts:
    """The migrations on the base and those each workstream adds."""

    alembic_base: dict[str, dict[str, Revision]] = field(default_factory=dict)  # chain -> at tip
    alembic_added: dict[str, dict[str, list[Revision]]] = field(default_factory=dict)  # -> ws
    django_base: dict[str, dict[str, DjangoMigration]] = field(default_factory=dict)  # by label
    django_added: dict[str, list[DjangoMigration]] = field(default_factory=dict)  # ws -> new
    max_migration_files: dict[str, str] = field(default_factory=dict)  # label -> its path
    django_folders: dict[str, str] = field(default_factory=dict)  # directory -> its label


def read_migrations(git: GitRepo, base_commit: str, base_name: str, layout: RepoLayout,
                    streams: dict[str, GitWorkstream], read_texts: ReadTexts,
                    problems: list[InputError]) -> MigrationFacts:
    facts = MigrationFacts()
    wanted, removed = added_migrations(streams, layout)
    new_django: dict[str, list[tuple[str, str, str]]] = defaultdict(list)  # dir -> ws, path, text
    for (ws_id, path, _), text in zip(wanted, read_texts(wanted), strict=True):
        if text is None:
            problems.append(InputError(f"cannot be read (in {ws_id}); its migrations are not "
                                       "compared", path, blocking=False))
            continue
        chain = layout.alembic_chain(path)
        if chain is None:
            new_django[posixpath.dirname(path)].append((ws_id, path, text))
            continue
        revision = _parsed(_revision, text, path, f"in {ws_id}", problems)
        if revision:
            facts.alembic_added.setdefault(chain, {}).setdefault(ws_id, []).append(revision)
    # the base's history matters only for the chains and apps some workstream adds to
    alembic_dirs = [loc for loc in layout.alembic_versions
                    if layout.alembic_chain(f"{loc}/_.py") in facts.alembic_added]
    tip_files = [f for f in git.list_tree(base_commit, [*alembic_dirs, *new_django])
                 if f not in removed]
    base_revisions = [f for f in tip_files if layout.alembic_chain(f) in facts.alembic_added]
    base_django = [f for f in tip_files
                   if posixpath.dirname(f) in new_django and migration_name(f)
                   and not layout.alembic_chain(f)]
    blobs = git.read_blobs([f"{base_commit}:{f}" for f in [*base_revisions, *base_django]])
    for path in base_revisions:
        revision = _parsed(_revision, blobs.get(f"{base_commit}:{path}"), path,
                           f"on {base_name}", problems)
        if revision:
            chain = layout.alembic_chain(path) or ""
            facts.alembic_base.setdefault(chain, {})[revision.revision] = revision
    for directory, added in sorted(new_django.items()):
        on_base = [(p, blobs.get(f"{base_commit}:{p}")) for p in base_django
                   if posixpath.dirname(p) == directory]
        _django_folder(facts, layout, directory, added, on_base, base_name, problems)
        label = facts.django_folders.get(directory)
        if label and f"{directory}/max_migration.txt" in tip_files:
            facts.max_migration_files[label] = f"{directory}/max_migration.txt"
    return facts


def added_migrations(streams: dict[str, GitWorkstream], layout: RepoLayout
                     ) -> tuple[Wanted, set[str]]:
    """The files each workstream writes that may be migrations (their new text to read),
    and the paths some workstream removes (gone once merged: a reset of an app's
    migrations, a move)."""
    wanted: Wanted = []
    removed: set[str] = set()
    for ws_id, stream in streams.items():
        for touch in stream.workstream.touches:
            path = touch.resource.key
            if touch.resource.kind is not Kind.FILE or not touch.mode.writes:
                continue
            if touch.detail == "deleted" or touch.detail.startswith("renamed to"):
                removed.add(path)
            elif layout.alembic_chain(path) or _django_candidate(path, layout):
                wanted.append((ws_id, path, "new"))
    return wanted, removed


def base_folders(wanted: Wanted, layout: RepoLayout) -> list[str]:
    """The folders of the base whose files `read_migrations` may list for these added
    files: their alembic chains' version locations and their own folders."""
    chains = {layout.alembic_chain(path) for _, path, _ in wanted} - {None}
    alembic = [loc for loc in layout.alembic_versions
               if layout.alembic_chain(f"{loc}/_.py") in chains]
    django = [posixpath.dirname(path) for _, path, _ in wanted
              if layout.alembic_chain(path) is None]
    return list(dict.fromkeys([*alembic, *django]))


def _revision(text: str, path: str) -> Revision | None:
    from analyzer.parsers.alembic import parse_revision  # loads when a revision is read

    return parse_revision(text, path)


def _django_candidate(path: str, layout: RepoLayout) -> bool:
    """A module of a known migrations package, or a numbered module anywhere (its content
    then says whether it is Django's)."""
    if migration_name(path) is None:
        return False
    directory = posixpath.dirname(path)
    return (directory in layout.django_apps.values()
            or bool(NUMBERED.fullmatch(posixpath.basename(path))))


def _django_folder(facts: MigrationFacts, layout: RepoLayout, directory: str,
                   added: list[tuple[str, str, str]], on_base: list[tuple[str, str | None]],
                   base_name: str, problems: list[InputError]) -> None:
    """One migrations folder: its new and base migrations, under the label they use."""
    new: list[tuple[str, DjangoMigration]] = []
    for ws_id, path, text in added:
        migration = _parsed(parse_migration, text, path, f"in {ws_id}", problems)
        if migration:
            new.append((ws_id, migration))
    if not new:
        return  # not Django's: another tool's numbered files, or South's
    base: list[DjangoMigration] = []
    for path, base_text in on_base:
        on_tip = _parsed(parse_migration, base_text, path, f"on {base_name}", problems)
        if on_tip:
            base.append(on_tip)
    names = {m.name for _, m in new} | {m.name for m in base}
    label = layout.django_label(directory) or own_label(
        [m for _, m in new] + base, names, default_label(directory))
    for ws_id, migration in new:
        facts.django_added.setdefault(ws_id, []).append(replace(migration, app=label))
    for migration in base:
        facts.django_base.setdefault(label, {})[migration.name] = replace(migration, app=label)
    facts.django_base.setdefault(label, {})
    facts.django_folders[directory] = label


def _parsed(parse: Callable[[str, str], T | None], text: str | None, path: str, where: str,
            problems: list[InputError]) -> T | None:
    """What a parser reads from a file, or None with its problem recorded, said where."""
    if text is None:
        return None
    try:
        return parse(text, path)
    except InputError as problem:
        problem.message = f"{problem.message} ({where})"
        problems.append(problem)
        return None
