"""What the semantic checks need from git, read once and parsed: merge simulations for the
pairs that share a file, and the parsed contents of the few files that carry meaning
(requirements, pyproject.toml; migrations are read by migration_facts).

Only resources that two or more workstreams touch, or that the base changed since a
workstream forked, are simulated: the cost follows the overlaps, not the number of pairs.
"""

from __future__ import annotations

import os
import posixpath
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from analyzer.errors import InputError
from analyzer.hunks import closest
from analyzer.index import ResourceIndex, identical
from analyzer.model import Hunk, Kind, Touch
from analyzer.parallel import parallel_map
from analyzer.shared_paths import is_lockfile
from analyzer.sources.branches import BranchScan, GitWorkstream, version_of
from analyzer.sources.certain_conflicts import confirmed, same_point_insertion
from analyzer.sources.git_repo import GitRepo, MergeConflict, MergeResult
from analyzer.sources.migration_facts import (
    MigrationFacts,
    added_migrations,
    base_folders,
    read_migrations,
)
from analyzer.sources.repo_layout import RepoLayout, is_requirements

if TYPE_CHECKING:  # the parsers load when a file of theirs is read (the hook reads few)
    from analyzer.parsers.lockfiles import LockFacts, Version
    from analyzer.parsers.pyproject import PyprojectFacts
    from analyzer.parsers.requirements import RequirementsFacts

    _Reqs = RequirementsFacts | None
    _Project = PyprojectFacts | None  # the base branch's tip, as the other side of a merge

BASE = "(base)"


def pair(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a <= b else (b, a)


@dataclass
class GitFacts:
    """Merge simulations and parsed contents, read once for every check."""

    base_name: str
    conflicts: dict[tuple[str, str], tuple[str, ...]] = field(default_factory=dict)
    # every conflict of a pair merged for real, with all the paths it involves (renames)
    details: dict[tuple[str, str], tuple[MergeConflict, ...]] = field(default_factory=dict)
    merged: dict[tuple[str, str], str] = field(default_factory=dict)  # pair -> merged tree
    unmerged: set[tuple[str, str]] = field(default_factory=set)  # git could not merge them
    commits: dict[str, str] = field(default_factory=dict)  # ws -> the commit that was merged
    # path -> its `merge` attribute at the merge-base, when it is not a plain text merge
    attributes: dict[str, str] = field(default_factory=dict)
    # pair -> paths both change that .gitattributes marks binary: git will conflict on them
    decided: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    locks: dict[str, LockVerdict] = field(default_factory=dict)
    base_changed: dict[str, set[str]] = field(default_factory=dict)  # ws -> paths base changed
    # (ws, path) -> (at its merge-base, in the workstream), for requirements and pyprojects
    requirements: dict[tuple[str, str], tuple[_Reqs, _Reqs]] = field(default_factory=dict)
    pyprojects: dict[tuple[str, str], tuple[_Project, _Project]] = field(default_factory=dict)
    migrations: MigrationFacts = field(default_factory=MigrationFacts)
    venv_targets: dict[str, tuple[str, str]] = field(default_factory=dict)  # ws -> (link, target)
    problems: list[InputError] = field(default_factory=list)

    def conflicting(self, a: str, b: str) -> tuple[str, ...]:
        return self.conflicts.get(pair(a, b), ())

    def involved(self, a: str, b: str) -> set[str]:
        """Every path a conflict of the pair names, rename sources and destinations too."""
        key = pair(a, b)
        return set(self.conflicts.get(key, ())) | {
            p for c in self.details.get(key, ()) for p in c.paths}


@dataclass(frozen=True)
class LockVerdict:
    """What merging a lockfile written by several gives: `conflict` (git conflicts),
    `mismatch` (merges, no longer the manifest's lock), `valid` (merges and still matches),
    `unknown` (merges, nothing in the lock to check it by) or `unmerged`."""

    verdict: str
    reason: str


def gather(scan: BranchScan, index: ResourceIndex, layout: RepoLayout,
           progress: Callable[[str], None] = lambda _: None,
           expect: Callable[[int], None] = lambda _: None) -> GitFacts:
    facts = GitFacts(scan.base_name)
    streams = {s.workstream.id: s for s in scan.streams}
    _read_ahead(scan, layout, streams)
    _simulate(scan, index, streams, facts, progress, expect)
    _read_semantic(scan, layout, streams, facts)
    _judge_locks(scan, index, streams, facts)
    for spec, why in scan.git.unreadable.items():
        rev, _, path = spec.partition(":")
        what = f"git cannot read it at {rev[:12]}" if path else (
            f"git cannot diff {rev[:12]}; its files are compared by name only")
        facts.problems.append(InputError(f"{what}: {why}", path or None, blocking=False))
    return facts


# --- merge simulation -------------------------------------------------------------------

_BINARY = {"unset": "-merge", "binary": "merge=binary"}  # git keeps one side and conflicts
BUILTIN_DRIVERS = {"set", "unspecified", "text", "union", *_BINARY}


def _simulate(scan: BranchScan, index: ResourceIndex, streams: dict[str, GitWorkstream],
              facts: GitFacts, progress: Callable[[str], None],
              expect: Callable[[int], None]) -> None:
    git = scan.git
    _read_attributes(git, index, streams, facts)
    # Pairs whose edits of every shared file are far apart on the same merge-base merge
    # cleanly: only the others are confirmed with a real merge. Lockfiles are merged pair
    # by pair below, until one pair answers whether git conflicts on them.
    maybe: dict[tuple[str, str], bool] = {}
    insertions: dict[tuple[str, str], list[tuple[str, Hunk, Hunk]]] = {}
    lock_pairs: dict[str, list[tuple[str, str]]] = {}
    for resource, writers in index.shared(Kind.FILE):
        for i, mine in enumerate(writers):
            for theirs in writers[i + 1:]:
                key = pair(mine.workstream, theirs.workstream)
                same_base = (streams[mine.workstream].merge_base
                             == streams[theirs.workstream].merge_base)
                attribute = facts.attributes.get(resource.key, "unspecified")
                if attribute in _BINARY and not identical([mine, theirs]):
                    facts.decided.setdefault(key, []).append(resource.key)
                    continue
                if is_lockfile(resource.key) and not identical([mine, theirs]):
                    lock_pairs.setdefault(resource.key, []).append(key)
                suspicious = not same_base or may_conflict(mine, theirs, attribute)
                same_point = same_point_insertion(mine, theirs, attribute) if (
                    suspicious and same_base and not is_lockfile(resource.key)) else None
                if same_point:  # a certain conflict, once confirmed below
                    insertions.setdefault(key, []).append((resource.key, *same_point))
                    suspicious = False
                maybe[key] = maybe.get(key, False) or suspicious
    renames = _directory_renames(scan, streams)
    # pairs whose only reason to merge is a certain conflict are told it without a merge
    told = confirmed(git, streams, {
        key: found for key, found in insertions.items() if not maybe[key]
        and key not in renames and (scan.focus is None or scan.focus in key)})
    pairs = {key for key, suspicious in maybe.items() if suspicious} | renames | (
        set(insertions) - set(told))
    if scan.focus is not None:  # the hook: only what involves the change being committed
        pairs = {key for key in pairs if scan.focus in key}
        lock_pairs = {path: [key for key in keys if scan.focus in key]
                      for path, keys in lock_pairs.items()}
    # A workstream that is the base's own changes since a fork (pr mode) already meets the
    # workstreams of that fork pair by pair: no separate merge with the base tip for them.
    covered = {s.merge_base for s in streams.values() if s.commit == scan.base_commit}
    changed_since: dict[str, set[str]] = {}
    for ws_id, stream in streams.items():
        if stream.merge_base == scan.base_commit or stream.merge_base in covered or (
                scan.focus is not None and ws_id != scan.focus):
            continue
        if stream.merge_base not in changed_since:
            changed_since[stream.merge_base] = git.changed_paths(stream.merge_base,
                                                                 scan.base_commit)
        paths = {t.resource.key for t in stream.workstream.touches if t.resource.kind is Kind.FILE}
        overlap = paths & changed_since[stream.merge_base]
        if overlap:
            facts.base_changed[ws_id] = overlap
            pairs.add(pair(BASE, ws_id))
    for key, decided in facts.decided.items():
        facts.conflicts[key] = tuple(sorted(set(decided)))
    for key, conflicts in told.items():
        facts.details[key] = conflicts
        facts.conflicts[key] = tuple(sorted({*facts.conflicts.get(key, ()),
                                             *(c.paths[0] for c in conflicts)}))
    commits: dict[str, str] = {BASE: scan.base_commit}

    def commit_of(ws_id: str) -> str:
        if ws_id not in commits:
            commits[ws_id] = version_of(git, streams[ws_id])
        return commits[ws_id]

    def merge(key: tuple[str, str]) -> MergeResult | None:
        try:
            return git.merge(commit_of(key[0]), commit_of(key[1]))
        except InputError as problem:  # e.g. a blob a partial clone does not have
            facts.problems.append(InputError(
                f"cannot merge '{key[0]}' with '{key[1]}' to check them: {problem.message}",
                blocking=False))
            return None

    _custom_drivers(scan, index, set(maybe))
    ordered = sorted(pairs)
    failed: set[str] = set()
    for ws_id in sorted({ws for key in ordered for ws in key}):  # snapshots first, in turn
        try:
            commit_of(ws_id)
        except InputError as problem:  # a worktree file git cannot read
            failed.add(ws_id)
            facts.problems.append(InputError(f"cannot snapshot '{ws_id}' to merge it: "
                                             f"{problem.message}", blocking=False))
    facts.unmerged |= {key for key in ordered if failed & set(key)}
    ordered = [key for key in ordered if not failed & set(key)]
    expect(len(ordered))
    # merge-tree runs are independent processes: run them side by side
    # one merge-tree --stdin process where git has it; else merge-tree runs side by side
    batched = git.merges([(commit_of(a), commit_of(b)) for a, b in ordered])
    results = batched if batched is not None else parallel_map(merge, ordered)
    for key, result in zip(ordered, results, strict=True):
        progress(f"merged {key[0]} with {key[1]}")
        _record(facts, key, result)
    for lockfile, candidates in lock_pairs.items():
        _merge_locks(git, lockfile, candidates, facts, merge, commit_of, progress)
    facts.commits = commits


def _merge_locks(git: GitRepo, lockfile: str, candidates: list[tuple[str, str]],
                 facts: GitFacts, merge: Callable[[tuple[str, str]], MergeResult | None],
                 commit_of: Callable[[str], str], progress: Callable[[str], None]) -> None:
    """The pairs that write a lockfile, merged in order until the first one git conflicts
    on (that answers the question): in growing batches (one `merge-tree --stdin`, or side
    by side), each batch's results kept up to its first conflict only, as if merged in turn."""
    start, size = 0, 4
    while start < len(candidates):
        batch: list[tuple[str, str]] = []
        end = start
        while end < len(candidates) and len(batch) < size:
            key = candidates[end]
            if lockfile in facts.conflicting(*key):
                break  # known already: the batch before it is all that is still asked
            if key not in facts.merged and key not in facts.unmerged and key not in batch:
                batch.append(key)
            end += 1
        found = git.merges([(commit_of(a), commit_of(b)) for a, b in batch]) if batch else []
        results = found if found is not None else parallel_map(merge, batch)
        for key, result in zip(batch, results, strict=True):
            progress(f"merged {key[0]} with {key[1]}")
            _record(facts, key, result)
            if lockfile in facts.conflicting(*key):
                return  # the pairs after it in the batch are dropped, never recorded
        if end < len(candidates) and lockfile in facts.conflicting(*candidates[end]):
            return
        start, size = end, size * 2


def _record(facts: GitFacts, key: tuple[str, str], result: MergeResult | None) -> None:
    """Keep what git says, except the content conflicts that .gitattributes takes out of its
    hands at the merge-base: a union merge never conflicts, a custom driver decides."""
    if result is None:
        facts.unmerged.add(key)
        return
    facts.merged[key] = result.tree
    kept = tuple(c for c in result.conflicts if c.kind != "contents"
                 or facts.attributes.get(c.paths[0], "unspecified") in BUILTIN_DRIVERS - {"union"})
    dropped = {p for c in result.conflicts if c not in kept for p in c.paths}
    dropped -= {p for c in kept for p in c.paths}
    conflicted = (set(result.conflicted) - dropped) | set(facts.decided.get(key, ()))
    facts.details[key] = kept
    if conflicted:
        facts.conflicts[key] = tuple(sorted(conflicted))


def _read_attributes(git: GitRepo, index: ResourceIndex, streams: dict[str, GitWorkstream],
                     facts: GitFacts) -> None:
    """The `merge` attribute of every shared file, from the .gitattributes of the merge-base
    its writers forked from (not the working tree's): git's own matching decides."""
    by_base: dict[str, set[str]] = {}
    for resource, writers in index.shared(Kind.FILE):
        for touch in writers:
            by_base.setdefault(streams[touch.workstream].merge_base, set()).add(resource.key)
    for merge_base, paths in by_base.items():
        for path, value in git.merge_attributes(merge_base, sorted(paths)).items():
            if value not in ("unspecified", "set", "text"):
                facts.attributes.setdefault(path, value)


def _directory_renames(scan: BranchScan, streams: dict[str, GitWorkstream]
                       ) -> set[tuple[str, str]]:
    """Pairs where one side moves files out of a directory and the other adds a file there:
    git's directory-rename detection moves the new file along and reports it. They share no
    path, so nothing else would merge them."""
    moved_out: dict[str, set[str]] = {}
    for ws_id, stream in streams.items():
        for touch in stream.workstream.touches:
            if touch.resource.kind is Kind.FILE and touch.detail.startswith("renamed to "):
                source = posixpath.dirname(touch.resource.key)
                if source != posixpath.dirname(touch.detail.removeprefix("renamed to ")):
                    moved_out.setdefault(source, set()).add(ws_id)
    pairs: set[tuple[str, str]] = set()
    if not moved_out:
        return pairs
    for ws_id, stream in streams.items():
        for touch in stream.workstream.touches:
            if touch.resource.kind is Kind.FILE and (
                    touch.detail in ("added", "untracked") or touch.detail.startswith(
                        "renamed from ")):
                for other in moved_out.get(posixpath.dirname(touch.resource.key), ()):
                    if other != ws_id and streams[other].merge_base == stream.merge_base:
                        pairs.add(pair(ws_id, other))
    return pairs


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


def may_conflict(a: Touch, b: Touch, attribute: str = "unspecified") -> bool:
    """Whether two diffs of one file, on one merge-base, could conflict: overlapping,
    adjacent or same-point hunks, or a change that is not a plain edit of lines. A union
    merge or a custom driver (its .gitattributes `merge` attribute) never conflicts on lines."""
    if identical([a, b]):
        return False  # the same new content on both sides merges into itself
    if a.detail != "modified" or b.detail != "modified":
        return True
    if attribute in _BINARY:
        return True
    if attribute not in BUILTIN_DRIVERS or attribute == "union":
        return False
    nearest = closest(a.hunks, b.hunks)
    return nearest is None or nearest[0] <= _SAFE_GAP


# --- lockfiles ------------------------------------------------------------------------


def _judge_locks(scan: BranchScan, index: ResourceIndex, streams: dict[str, GitWorkstream],
                 facts: GitFacts) -> None:
    """For each lockfile several workstreams write: does git conflict on it, and if it merges,
    does the merged lock still belong to the merged manifest? Judged on real merges only."""
    asked: dict[str, list[tuple[str, str]]] = {}
    for resource, writers in index.shared(Kind.FILE):
        name = posixpath.basename(resource.key)
        if not is_lockfile(resource.key):
            continue
        keys = [pair(a.workstream, b.workstream) for i, a in enumerate(writers)
                for b in writers[i + 1:] if not identical([a, b])]
        clash = next((k for k in keys if resource.key in facts.conflicting(*k)), None)
        if clash is not None:
            how = facts.attributes.get(resource.key, "")
            facts.locks[resource.key] = LockVerdict(
                "conflict", f"marked {_BINARY[how]} in .gitattributes" if how in _BINARY else "")
        elif name in ("uv.lock", "poetry.lock") and any(k in facts.merged for k in keys):
            asked[resource.key] = [k for k in keys if k in facts.merged]
        elif any(k in facts.merged for k in keys):
            facts.locks[resource.key] = LockVerdict("unknown", "")
        else:
            facts.locks[resource.key] = LockVerdict("unmerged", "")
    specs: list[str] = []
    for lock, keys in asked.items():
        manifest = posixpath.join(posixpath.dirname(lock), "pyproject.toml")
        for a, b in keys:
            revs = [facts.merged[(a, b)], streams[a].merge_base, facts.commits[a],
                    facts.commits[b]]
            specs += [f"{rev}:{path}" for rev in revs for path in (lock, manifest)]
    if not asked:
        return
    from analyzer.parsers.lockfiles import MATCHES, NO_MATCH, UNKNOWN, lock_matches

    texts = scan.git.read_blobs(specs)
    read = _Versions(texts)
    for lock, keys in asked.items():
        uv = posixpath.basename(lock) == "uv.lock"
        verdicts = []
        for a, b in keys:  # the first pair that no longer matches is the answer: stop there
            merged = read.version(facts.merged[(a, b)], lock)
            sides = [read.version(rev, lock) for rev in (streams[a].merge_base,
                                                         facts.commits[a], facts.commits[b])]
            verdicts.append(lock_matches(merged, sides, uv))
            if verdicts[-1][0] == NO_MATCH:
                break
        worst = next((v for v in verdicts if v[0] == NO_MATCH), None) or next(
            (v for v in verdicts if v[0] == UNKNOWN), verdicts[0])
        kind = {NO_MATCH: "mismatch", UNKNOWN: "unknown", MATCHES: "valid"}[worst[0]]
        facts.locks[lock] = LockVerdict(kind, worst[1])


class _Versions:
    """A lock and its manifest, beside it, as one revision has them; each text parsed once
    (many pairs share a side: the merge-base, a branch met by several others)."""

    def __init__(self, texts: dict[str, str | None]):
        self.texts = texts
        self.locks: dict[tuple[str, str], LockFacts | None] = {}
        self.manifests: dict[tuple[str | None, bool], str | None] = {}
        self.pieces: dict[str, dict[str, Any]] = {}  # a lock's tables, each parsed once

    def version(self, rev: str, lock: str) -> Version:
        from analyzer.parsers.lockfiles import Version, manifest_fingerprint, parse_lock

        text = self.texts.get(f"{rev}:{lock}")
        manifest = self.texts.get(
            f"{rev}:{posixpath.join(posixpath.dirname(lock), 'pyproject.toml')}")
        uv = posixpath.basename(lock) == "uv.lock"
        if text is not None and (lock, text) not in self.locks:
            self.locks[(lock, text)] = parse_lock(text, lock, self.pieces)
        if (manifest, uv) not in self.manifests:
            self.manifests[(manifest, uv)] = manifest_fingerprint(manifest, uv)
        return Version(self.locks[(lock, text)] if text is not None else None,
                       self.manifests[(manifest, uv)])


# --- semantic contents ------------------------------------------------------------------


def _read_ahead(scan: BranchScan, layout: RepoLayout,
                streams: dict[str, GitWorkstream]) -> None:
    """What the readers below ask git for one after another — the dependency files of each
    side and of its merge-base (the latter also the common version `certain_conflicts`
    reads when two sides append to one), the migrations added and the base's folders of
    them — read at once: one `cat-file` where there were up to four processes (a snapshot
    a workstream cannot take is left to its readers, which say so)."""
    wanted = [*_dependency_files(streams), *added_migrations(streams, layout)[0]]
    if not wanted:
        return
    specs = []
    for ws_id, path, which in wanted:
        try:
            specs.append(f"{_rev(scan.git, streams[ws_id], which)}:{path}")
        except InputError:
            continue
    folders = base_folders([w for w in wanted if w[2] == "new"], layout)
    # the base's migrations there, when those folders are known already (the proof read
    # them for a worktree on the base's commit): in the same process
    on_base = scan.git.known_files(scan.base_commit, folders) if folders else None
    specs += [f"{scan.base_commit}:{path}" for path in on_base or ()]
    scan.git.read_ahead(specs, [f"{scan.base_commit}:{folder}" for folder in folders])


def _dependency_files(streams: dict[str, GitWorkstream]) -> list[tuple[str, str, str]]:
    """(ws, path, which: old/new) of every requirements file and pyproject.toml written."""
    wanted: list[tuple[str, str, str]] = []
    for ws_id, stream in streams.items():
        for touch in stream.workstream.touches:
            if touch.resource.kind is not Kind.FILE or not touch.mode.writes:
                continue
            path = touch.resource.key
            if is_requirements(path) or posixpath.basename(path) == "pyproject.toml":
                wanted += [(ws_id, path, "old"), (ws_id, path, "new")]
    return wanted


def _read_semantic(scan: BranchScan, layout: RepoLayout, streams: dict[str, GitWorkstream],
                   facts: GitFacts) -> None:
    wanted = _dependency_files(streams)
    for stream in streams.values():
        _venv_target(stream, facts)
    read = _texts(scan, streams, wanted)
    lost = {(ws_id, path) for (ws_id, path, _), (_, unreadable) in zip(wanted, read, strict=True)
            if unreadable}
    facts.problems += [InputError(f"cannot read it in '{ws_id}'; its dependencies are not "
                                  "compared", path, blocking=False)
                       for ws_id, path in sorted(lost) if streams[ws_id].worktree]
    for (ws_id, path, which), (text, _) in zip(wanted, read, strict=True):
        if (ws_id, path) not in lost:
            _parse_into(facts, ws_id, path, which, text)
    facts.migrations = read_migrations(
        scan.git, scan.base_commit, scan.base_name, layout, streams,
        lambda w: [text for text, _ in _texts(scan, streams, w)], facts.problems)
    for path, target in dict.fromkeys(scan.git.links_out):
        facts.problems.append(InputError("is a symbolic link to outside the repository "
                                         f"({_printable(target)}); not followed", path))


def _texts(scan: BranchScan, streams: dict[str, GitWorkstream],
           wanted: list[tuple[str, str, str]]) -> list[tuple[str | None, bool]]:
    """Each wanted version from git's objects: a worktree's files from its snapshot (never
    from the file system, where a link could point anywhere). With each, whether it exists
    but could not be read (a blob a partial clone lacks, a worktree git cannot snapshot)."""
    git = scan.git
    failed: set[str] = set()

    def rev(ws_id: str, which: str) -> str:
        try:
            return _rev(git, streams[ws_id], which)
        except InputError:
            failed.add(ws_id)
            return ""

    specs = [f"{rev(ws_id, which)}:{path}" for ws_id, path, which in wanted]
    blobs = git.read_blobs([s for s in dict.fromkeys(specs) if not s.startswith(":")])
    links_out = {path for path, _ in git.links_out}  # reported as such, never followed
    return [(blobs.get(spec), (ws_id in failed and which == "new") or spec in git.unreadable
             or (blobs.get(spec) is None and path in links_out))
            for spec, (ws_id, path, which) in zip(specs, wanted, strict=True)]


def _rev(git: GitRepo, stream: GitWorkstream, which: str) -> str:
    """The commit that holds a workstream's old (its merge-base) or new version of a file;
    InputError when its worktree cannot be snapshot."""
    if which == "old":
        return stream.merge_base
    return version_of(git, stream) if stream.worktree else stream.commit


def _parse_into(facts: GitFacts, ws_id: str, path: str, which: str, text: str | None) -> None:
    try:
        if is_requirements(path):
            from analyzer.parsers.requirements import parse_requirements

            old, new = facts.requirements.get((ws_id, path), (None, None))
            parsed = parse_requirements(text) if text is not None else None
            facts.requirements[(ws_id, path)] = (parsed, new) if which == "old" else (old, parsed)
            if parsed and which == "new":
                # a broken line the branch brings blocks; one it inherits is only reported
                inherited = {message for _, message in old.invalid} if old else set()
                facts.problems += [InputError(f"invalid requirement: {message} (in {ws_id})",
                                              path, line, blocking=message not in inherited)
                                   for line, message in parsed.invalid]
                known = {r.text for r in old.requirements} if old else set()
                facts.problems += [InputError(
                    f"'{r.text}' is not a PEP 440 specifier; read as text, compared as written "
                    f"(in {ws_id})", path, r.line, blocking=False)
                    for r in parsed.requirements if r.legacy and r.text not in known]
        elif posixpath.basename(path) == "pyproject.toml":
            from analyzer.parsers.pyproject import parse_pyproject

            old_p, new_p = facts.pyprojects.get((ws_id, path), (None, None))
            parsed_p = parse_pyproject(text, path) if text is not None else None
            facts.pyprojects[(ws_id, path)] = ((parsed_p, new_p) if which == "old"
                                               else (old_p, parsed_p))
    except InputError as problem:
        problem.message = f"{problem.message} (in {ws_id})"
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
