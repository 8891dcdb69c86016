"""What the semantic checks need from git, read once and parsed: merge simulations for the
pairs that share a file, and the parsed contents of the few files that carry meaning
(requirements, pyproject.toml, alembic revisions, Django migrations).

Only resources that two or more workstreams touch, or that the base changed since a
workstream forked, are simulated: the cost follows the overlaps, not the number of pairs.
"""

from __future__ import annotations

import os
import posixpath
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from analyzer.errors import InputError
from analyzer.hunks import closest
from analyzer.index import ResourceIndex, identical
from analyzer.model import Kind, Touch
from analyzer.parsers.alembic import Revision, parse_revision
from analyzer.parsers.django_migrations import DjangoMigration, migration_identity, parse_migration
from analyzer.parsers.pyproject import PyprojectFacts, parse_pyproject
from analyzer.parsers.requirements import RequirementsFacts, parse_requirements
from analyzer.sources.branches import BranchScan, GitWorkstream
from analyzer.sources.repo_layout import RepoLayout, is_requirements

BASE = "(base)"
_Reqs = RequirementsFacts | None
_Project = PyprojectFacts | None  # the base branch's current tip, as the other side of a merge


def pair(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a <= b else (b, a)


@dataclass
class GitFacts:
    base_name: str
    conflicts: dict[tuple[str, str], tuple[str, ...]] = field(default_factory=dict)
    base_changed: dict[str, set[str]] = field(default_factory=dict)  # ws -> paths base changed
    # (ws, path) -> (at its merge-base, in the workstream), for requirements and pyprojects
    requirements: dict[tuple[str, str], tuple[_Reqs, _Reqs]] = field(default_factory=dict)
    pyprojects: dict[tuple[str, str], tuple[_Project, _Project]] = field(default_factory=dict)
    alembic_base: dict[str, Revision] = field(default_factory=dict)  # at the base tip
    alembic_added: dict[str, list[Revision]] = field(default_factory=dict)
    django_base: dict[str, dict[str, DjangoMigration]] = field(default_factory=dict)
    django_added: dict[str, list[DjangoMigration]] = field(default_factory=dict)
    max_migration_apps: set[str] = field(default_factory=set)
    venv_targets: dict[str, tuple[str, str]] = field(default_factory=dict)  # ws -> (link, target)
    problems: list[InputError] = field(default_factory=list)

    def conflicting(self, a: str, b: str) -> tuple[str, ...]:
        return self.conflicts.get(pair(a, b), ())


def gather(scan: BranchScan, index: ResourceIndex, layout: RepoLayout,
           progress: Callable[[str], None] = lambda _: None) -> GitFacts:
    facts = GitFacts(scan.base_name)
    streams = {s.workstream.id: s for s in scan.streams}
    _simulate(scan, index, streams, facts, progress)
    _read_semantic(scan, layout, streams, facts)
    return facts


# --- merge simulation -------------------------------------------------------------------


def _simulate(scan: BranchScan, index: ResourceIndex, streams: dict[str, GitWorkstream],
              facts: GitFacts, progress: Callable[[str], None]) -> None:
    git = scan.git
    # Pairs whose edits of every shared file are far apart on the same merge-base merge
    # cleanly: only the others are confirmed with a real merge.
    maybe: dict[tuple[str, str], bool] = {}
    for _, writers in index.shared(Kind.FILE):
        for i, mine in enumerate(writers):
            for theirs in writers[i + 1:]:
                key = pair(mine.workstream, theirs.workstream)
                same_base = (streams[mine.workstream].merge_base
                             == streams[theirs.workstream].merge_base)
                maybe[key] = maybe.get(key, False) or not same_base or may_conflict(mine, theirs)
    pairs = {key for key, suspicious in maybe.items() if suspicious}
    # A workstream that is the base's own changes since a fork (pr mode) already meets the
    # workstreams of that fork pair by pair: no separate merge with the base tip for them.
    covered = {s.merge_base for s in streams.values() if s.commit == scan.base_commit}
    changed_since: dict[str, set[str]] = {}
    for ws_id, stream in streams.items():
        if stream.merge_base == scan.base_commit or stream.merge_base in covered:
            continue
        if stream.merge_base not in changed_since:
            changed_since[stream.merge_base] = git.changed_paths(stream.merge_base,
                                                                 scan.base_commit)
        paths = {t.resource.key for t in stream.workstream.touches if t.resource.kind is Kind.FILE}
        overlap = paths & changed_since[stream.merge_base]
        if overlap:
            facts.base_changed[ws_id] = overlap
            pairs.add(pair(BASE, ws_id))
    commits: dict[str, str] = {BASE: scan.base_commit}

    def commit_of(ws_id: str) -> str:
        if ws_id not in commits:
            stream = streams[ws_id]
            if stream.worktree:
                commits[ws_id] = git.snapshot_worktree(stream.worktree, stream.commit,
                                                       staged_only=stream.staged)
            else:
                commits[ws_id] = stream.commit
        return commits[ws_id]

    _custom_drivers(scan, index, pairs)
    ordered = sorted(pairs)
    jobs = [(commit_of(a), commit_of(b)) for a, b in ordered]
    # merge-tree runs are independent processes: run them side by side
    with ThreadPoolExecutor(max_workers=min(8, os.cpu_count() or 2)) as pool:
        results = pool.map(lambda job: git.merge_conflicts(*job), jobs)
        for (a, b), conflicted in zip(ordered, results, strict=True):
            progress(f"merged {a} with {b}")
            if conflicted:
                facts.conflicts[(a, b)] = tuple(conflicted)


def _custom_drivers(scan: BranchScan, index: ResourceIndex,
                    pairs: set[tuple[str, str]]) -> None:
    """A file the repository merges with its own driver: git's built-in merge is what we
    can simulate (the driver never runs here), so say that the prediction may differ."""
    if not pairs or scan.git.bare:
        return
    shared = [resource.key for resource, _ in index.shared(Kind.FILE)]
    for path, driver in sorted(scan.git.custom_merge_drivers(shared).items()):
        scan.notes.append(f"{path} is merged by the repository's own merge driver "
                          f"'{driver}'; conflictscan never runs it, so its conflict prediction "
                          "for this file is git's built-in text merge")


_SAFE_GAP = 3  # lines between two hunks that git's merge never joins, with margin


def may_conflict(a: Touch, b: Touch) -> bool:
    """Whether two diffs of one file, on one merge-base, could conflict: overlapping,
    adjacent or same-point hunks, or a change that is not a plain edit of lines."""
    if identical([a, b]):
        return False  # the same new content on both sides merges into itself
    if a.detail != "modified" or b.detail != "modified":
        return True
    nearest = closest(a.hunks, b.hunks)
    return nearest is None or nearest[0] <= _SAFE_GAP


# --- semantic contents ------------------------------------------------------------------


def _in_versions(path: str, layout: RepoLayout) -> bool:
    return path.endswith(".py") and not path.endswith("__init__.py") and any(
        path.startswith(loc.rstrip("/") + "/") for loc in layout.alembic_versions)


def _read_semantic(scan: BranchScan, layout: RepoLayout, streams: dict[str, GitWorkstream],
                   facts: GitFacts) -> None:
    git = scan.git
    wanted: list[tuple[str, str, str]] = []  # (ws, path, which: old/new)
    django_apps: dict[str, str] = {}
    for ws_id, stream in streams.items():
        for touch in stream.workstream.touches:
            if touch.resource.kind is not Kind.FILE or not touch.mode.writes:
                continue
            path, deleted = touch.resource.key, touch.detail == "deleted"
            if is_requirements(path) or posixpath.basename(path) == "pyproject.toml":
                wanted += [(ws_id, path, "old"), (ws_id, path, "new")]
            elif not deleted and _in_versions(path, layout):
                wanted.append((ws_id, path, "new"))
            elif not deleted and migration_identity(path):
                wanted.append((ws_id, path, "new"))
                django_apps[migration_identity(path)[0]] = posixpath.dirname(path)  # type: ignore[index]
        _venv_target(stream, facts)
    texts = _texts(scan, streams, wanted)
    for (ws_id, path, which), text in zip(wanted, texts, strict=True):
        _parse_into(facts, ws_id, path, which, text)
    for path, target in dict.fromkeys(git.links_out):
        facts.problems.append(InputError("is a symbolic link to outside the repository "
                                         f"({_printable(target)}); not followed", path))
    # the base's history matters only for the chains some workstream adds to
    alembic_dirs = layout.alembic_versions if facts.alembic_added or facts.problems else ()
    tip_files = git.list_tree(scan.base_commit, [*alembic_dirs, *django_apps.values()])
    specs = [f"{scan.base_commit}:{f}" for f in tip_files
             if _in_versions(f, layout) or migration_identity(f)]
    blobs = git.read_blobs(specs)
    for spec, text in blobs.items():
        path = spec.split(":", 1)[1]
        if text is not None:
            _parse_base(facts, path, text, layout)
    facts.max_migration_apps = {posixpath.basename(posixpath.dirname(posixpath.dirname(f)))
                                for f in tip_files if f.endswith("migrations/max_migration.txt")}


def _texts(scan: BranchScan, streams: dict[str, GitWorkstream],
           wanted: list[tuple[str, str, str]]) -> list[str | None]:
    """Each wanted version from git's objects: a worktree's files from its snapshot (never
    from the file system, where a link could point anywhere)."""
    git = scan.git

    def rev(ws_id: str, which: str) -> str:
        stream = streams[ws_id]
        if which == "old":
            return stream.merge_base
        if stream.worktree:
            return git.snapshot_worktree(stream.worktree, stream.commit,
                                         staged_only=stream.staged)
        return stream.commit

    specs = [f"{rev(ws_id, which)}:{path}" for ws_id, path, which in wanted]
    blobs = git.read_blobs(list(dict.fromkeys(specs)))
    return [blobs.get(spec) for spec in specs]


def _parse_into(facts: GitFacts, ws_id: str, path: str, which: str, text: str | None) -> None:
    try:
        if is_requirements(path):
            old, new = facts.requirements.get((ws_id, path), (None, None))
            parsed = parse_requirements(text) if text is not None else None
            facts.requirements[(ws_id, path)] = (parsed, new) if which == "old" else (old, parsed)
            if parsed and which == "new":
                facts.problems += [InputError(f"invalid requirement: {message} (in {ws_id})",
                                              path, line) for line, message in parsed.invalid]
        elif posixpath.basename(path) == "pyproject.toml":
            old_p, new_p = facts.pyprojects.get((ws_id, path), (None, None))
            parsed_p = parse_pyproject(text, path) if text is not None else None
            facts.pyprojects[(ws_id, path)] = ((parsed_p, new_p) if which == "old"
                                               else (old_p, parsed_p))
        elif text is not None and migration_identity(path):
            migration = parse_migration(text, path)
            if migration:
                facts.django_added.setdefault(ws_id, []).append(migration)
        elif text is not None:
            revision = parse_revision(text, path)
            if revision:
                facts.alembic_added.setdefault(ws_id, []).append(revision)
    except InputError as problem:
        problem.message = f"{problem.message} (in {ws_id})"
        facts.problems.append(problem)


def _parse_base(facts: GitFacts, path: str, text: str, layout: RepoLayout) -> None:
    try:
        if migration_identity(path):
            migration = parse_migration(text, path)
            if migration:
                facts.django_base.setdefault(migration.app, {})[migration.name] = migration
        elif _in_versions(path, layout):
            revision = parse_revision(text, path)
            if revision:
                facts.alembic_base[revision.revision] = revision
    except InputError as problem:
        problem.message = f"{problem.message} (on {facts.base_name})"
        facts.problems.append(problem)


def _printable(text: str) -> str:
    clean = "".join(ch if ch.isprintable() else "?" for ch in text)
    return clean if len(clean) <= 80 else clean[:80] + "…"


def _venv_target(stream: GitWorkstream, facts: GitFacts) -> None:
    if not stream.worktree or stream.staged:
        return
    for name in ("venv", ".venv"):
        link = os.path.join(stream.worktree, name)
        if os.path.islink(link):
            facts.venv_targets[stream.workstream.id] = (name, os.path.realpath(link))
            return
