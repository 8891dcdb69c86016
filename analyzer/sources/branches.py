"""Branches and worktrees as workstreams: one diff per workstream against its merge-base.

The diff gives the touches (files with their hunks, renames as two paths, ports and
databases that changed config lines set). The contents that semantic checks need are read
afterwards, only for the few files that matter, through one `git cat-file --batch`.
"""

from __future__ import annotations

import fnmatch
import os
import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from analyzer.errors import InputError
from analyzer.model import Evidence, Hunk, Kind, Mode, Resource, Touch, Workstream
from analyzer.parallel import parallel_map
from analyzer.shared_paths import is_env_file
from analyzer.sources.git_repo import GitRepo, Worktree

_INDEX_LINE = re.compile(r"^index [0-9a-f]+\.\.([0-9a-f]+)")
_CONFIG_WITH_PORTS = ("docker-compose.yml", "docker-compose.yaml", "compose.yml", "compose.yaml")


@dataclass
class GitWorkstream:
    """Where a workstream's version of the files lives."""

    workstream: Workstream
    commit: str  # the branch tip, or the worktree's HEAD
    merge_base: str
    worktree: str | None = None  # the worktree's files on disk are its version
    staged: bool = False  # the worktree's index is its version: the change being committed
    overlay: dict[str, str] = field(default_factory=dict)  # path -> text about to be written
    # the pathspecs that bound the worktree's snapshot: every reader of its files (merges,
    # contents, suppressions) asks for that same snapshot, taken once, never an unbounded one
    paths: tuple[str, ...] = ()


@dataclass
class BranchSelection:
    """Which branches and worktrees a scan compares, and how."""

    refs: list[str] = field(default_factory=list)
    all_local: bool = False
    remote_patterns: list[str] = field(default_factory=list)
    worktrees: bool = True
    staged_in: str | None = None  # a worktree whose staged change is the workstream to check
    # with staged_in: the pathspecs the staged paths can collide through (the others are
    # read only there, and only pairs with the staged change are merged)
    scope: Callable[[list[str]], tuple[str, ...]] | None = None
    as_committed: bool = False  # with staged_in: that worktree's branch without the staged part
    ref_patterns: list[str] = field(default_factory=list)  # any refs: 'refs/pull/*/head'
    base_since_fork: bool = False  # the base's own changes since the first ref forked
    keep_worktree: str | None = None  # kept even when clean: where an edit is about to happen;
    # its workstream is then the focus: only the pairs that involve it are merged
    paths: tuple[str, ...] = ()  # git pathspecs that limit every diff (the pre-edit question)


@dataclass
class BranchScan:
    """The workstreams of a scan against their base."""

    git: GitRepo
    base_name: str
    base_commit: str
    streams: list[GitWorkstream]
    notes: list[str] = field(default_factory=list)  # worktrees left out or read partly, why
    focus: str | None = None  # a workstream id: merge simulations only for its pairs
    paths: tuple[str, ...] = ()  # the pathspecs that bounded the diffs, if any

    @property
    def workstreams(self) -> list[Workstream]:
        return [s.workstream for s in self.streams]


def collect(git: GitRepo, selection: BranchSelection, base: str | None,
            progress: Callable[[str], None] = lambda _: None,
            expect: Callable[[int], None] = lambda _: None) -> BranchScan:
    base_name = base or git.default_base()
    base_commit = git.resolve(base_name)
    notes: list[str] = []
    paths = selection.paths
    candidates = _candidates(git, selection, base_name, notes)
    expect(len(candidates))
    streams: list[GitWorkstream] = []
    if selection.staged_in:
        current = git.current_worktree(selection.staged_in)
        candidates = [c for c in candidates
                      if c[4] is None or os.path.realpath(c[4]) != os.path.realpath(current.path)]
        if current.branch:
            candidates = [c for c in candidates if c[0] != current.branch]
        streams.append(_staged_stream(git, current, base_commit, base_name,
                                      selection.as_committed))
        if selection.scope is not None and not selection.as_committed:
            staged_paths = [t.resource.key for t in streams[0].workstream.touches
                            if t.resource.kind is Kind.FILE]
            paths = selection.scope(staged_paths)
            if not paths:
                candidates = []  # nothing of the commit's to collide with
    # one ref walk answers "already contains the base" for many; none asked, none walked
    # (the hook's own branch is none: a commit with no other workstream walks nothing; nor
    # do worktrees still on the base's tip, their changes uncommitted: they are the base)
    up_to_date = git.commits_containing(base_commit) if any(
        c[3] != base_commit for c in candidates) else set()
    for ws_id, name, origin, commit, worktree in candidates:
        progress(name)
        merge_base = base_commit if commit in up_to_date else git.merge_base(base_commit, commit)
        if merge_base is None:
            raise InputError(_no_merge_base(git, name, base_name), git.root)
        workstream = Workstream(ws_id, name, origin, Evidence(worktree or git.root, None, name))
        streams.append(GitWorkstream(workstream, commit, merge_base, worktree))
    if selection.base_since_fork and streams and streams[0].merge_base != base_commit:
        since = Workstream(f"{base_name} since fork", f"{base_name} since the fork", "branch",
                           Evidence(git.root, None, base_name))
        streams.append(GitWorkstream(since, base_commit, streams[0].merge_base))
    # a worktree is its snapshot (staged, unstaged, untracked files) in the scratch store;
    # then every diff comes from one git process
    on_disk = [s for s in streams if s.worktree and not s.staged]
    # most worktrees change nothing where the commit can collide, and most others only
    # edit tracked files there: read so from their index files and lstat, they take no
    # git process (the others are read by git as before)
    git.settle_worktrees([(s.worktree or "", s.commit) for s in on_disk], paths)
    snapshots = parallel_map(lambda s: git.snapshot_worktree(s.worktree or "", s.commit,
                                                             paths=paths), on_disk)
    untracked = [git.untracked(s.worktree or "", paths) for s in on_disk]  # asked already
    for stream in on_disk:
        stream.paths = paths
    new_commit = {id(s): c for s, c in zip(on_disk, snapshots, strict=True)}
    local = {id(s): u for s, u in zip(on_disk, untracked, strict=True)}
    pending = [s for s in streams if not s.staged]
    texts = git.diffs([(s.merge_base, new_commit.get(id(s), s.commit)) for s in pending],
                      paths)
    for stream, text in zip(pending, texts, strict=True):
        stream.workstream.touches = touches_from_diff(stream.workstream.id, text,
                                                      local.get(id(stream), []),
                                                      stream.worktree)
    keep = os.path.realpath(selection.keep_worktree) if selection.keep_worktree else None
    streams = [s for s in streams if s.workstream.touches or not s.worktree or s.staged
               or os.path.realpath(s.worktree) == keep]
    focus = next((s.workstream.id for s in streams
                  if s.worktree and os.path.realpath(s.worktree) == keep), None)
    if selection.staged_in:  # the hook judges the commit: only its pairs are merged
        focus = STAGED
    return BranchScan(git, base_name, base_commit, streams, notes, focus, paths)


STAGED = "staged"


def version_of(git: GitRepo, stream: GitWorkstream) -> str:
    """The commit that holds a workstream's files: a branch's tip, or a worktree's snapshot
    (the one the scan took, within its pathspecs; the staged change's index), asked once."""
    if not stream.worktree:
        return stream.commit
    return git.snapshot_worktree(stream.worktree, stream.commit, staged_only=stream.staged,
                                 paths=stream.paths, overlay=stream.overlay)


def _staged_stream(git: GitRepo, current: Worktree, base_commit: str,
                   base_name: str, as_committed: bool = False) -> GitWorkstream:
    """The change being committed: the branch so far plus what is staged, in one diff; or,
    as_committed, the branch so far alone (its diff is read with the other commits')."""
    merge_base = git.merge_base(base_commit, current.head)
    if merge_base is None:
        raise InputError(_no_merge_base(git, "HEAD", base_name), git.root)
    label = current.branch or f"detached at {current.head[:8]}"
    workstream = Workstream(STAGED, f"staged changes on {label}", "staged",
                            Evidence(current.path, None, label))
    if as_committed:
        return GitWorkstream(workstream, current.head, merge_base)
    text = git.staged_diff(merge_base, current.path)
    workstream.touches = touches_from_diff(STAGED, text, [], None)
    return GitWorkstream(workstream, current.head, merge_base, current.path, staged=True)


def _candidates(git: GitRepo, selection: BranchSelection, base_name: str,
                notes: list[str]) -> list[tuple[str, str, str, str, str | None]]:
    """(id, name, origin, commit, worktree path) for every workstream asked for; a branch
    checked out in a worktree is taken from the worktree, uncommitted changes and all."""
    base_short = base_name.split("/", 1)[-1] if base_name.startswith("origin/") else base_name
    refs = list(selection.refs)
    default = not refs and not selection.all_local and not selection.remote_patterns
    listed: set[str] = set()  # local branches taken from the ref listing, not named by the user
    if selection.all_local or default:
        listed = {b for b in git.local_branches()
                  if b not in (base_name, base_short)} - set(selection.refs)
        refs += [b for b in git.local_branches() if b in listed and b not in refs]
    for pattern in selection.remote_patterns:
        matched = [r for r in git.remote_branches() if fnmatch.fnmatchcase(r, pattern)]
        if not matched:
            raise InputError(f"no remote branch matches {pattern!r}", git.root)
        refs += [r for r in matched if r != base_name]
    head = git.resolve(refs[0]) if refs and selection.ref_patterns else None
    for pattern in selection.ref_patterns:  # no match is fine: there may be no other PR
        # the head itself is no other pull request, by name or by commit
        refs += [r for r in git.refs_matching(pattern) if r not in refs and r != base_name
                 and git.resolve(r) != head]
    worktrees: list[Worktree] = git.worktrees() if selection.worktrees else []
    by_branch = {wt.branch: wt for wt in worktrees if wt.branch}
    result: list[tuple[str, str, str, str, str | None]] = []
    taken: set[str] = set()
    git.resolve_all(r for r in refs if r not in listed and r not in by_branch)
    for ref in dict.fromkeys(refs):
        worktree = by_branch.get(ref)
        if worktree is not None:
            continue  # listed below, with its local changes
        commit = git.branch_commit(ref) if ref in listed else git.resolve(ref)
        result.append((ref, ref, "branch", commit, None))
        taken.add(ref)
    for wt in worktrees:
        label = wt.branch or f"detached at {wt.head[:8]}"
        name = f"{label} (worktree {_short_path(git.root, wt.path)})"
        ws_id = wt.branch if wt.branch and wt.branch not in taken else name
        if not default and not selection.all_local and wt.branch not in refs and refs:
            continue  # named refs only: other worktrees are not asked for
        if wt.missing:
            why = "is locked and its folder is missing" if wt.locked else "has no folder"
            compare = wt.branch is not None and wt.branch not in taken and bool(wt.head)
            left = "only its branch's commits are compared" if compare else "skipped"
            notes.append(f"{name} {why} (see `git worktree list`): {left}")
            if compare:
                result.append((ws_id, name, "branch", wt.head, None))
        elif not wt.head:
            notes.append(f"{name} is on a branch with no commit yet (unborn): skipped")
        elif (busy := git.in_progress(wt.path)) is not None:
            # its files hold conflict markers: its commits only (a rebase: the branch as it
            # was before, which may be listed already)
            rebasing = None if wt.branch else git.rebasing_branch(wt.path)
            notes.append(f"{rebasing or label} is in the middle of {busy} (worktree "
                         f"{wt.path}): only its commits are compared until it is finished")
            if rebasing is None:
                result.append((ws_id, name, "branch", wt.head, None))
            elif rebasing not in taken:
                result.append((rebasing, rebasing, "branch", git.resolve(rebasing), None))
        else:
            result.append((ws_id, name, "worktree", wt.head, wt.path))
    return result


def _short_path(root: str, path: str) -> str:
    parent = os.path.dirname(root.rstrip("/"))
    rel = os.path.relpath(path, parent)
    return rel if not rel.startswith("..") else path


def _no_merge_base(git: GitRepo, name: str, base: str) -> str:
    if git.is_shallow():
        return (f"{name!r} and {base!r} have no common commit in this shallow clone. Fetch "
                "the history: `git fetch --unshallow` (or deepen as needed with `git fetch "
                "--deepen=200`); in GitHub Actions set `fetch-depth: 0` on actions/checkout, in "
                "GitLab CI set the variable `GIT_DEPTH: 0`")
    return f"{name!r} and {base!r} share no history (unrelated branches)"


def touches_from_diff(ws_id: str, text: str, untracked: list[str],
                      worktree: str | None) -> list[Touch]:
    from unidiff.errors import UnidiffParseError
    from unidiff.patch import PatchSet

    touches: list[Touch] = []
    fresh = set(untracked)
    try:
        patch = PatchSet(text)
    except UnidiffParseError as exc:
        raise InputError(f"cannot read the diff of {ws_id!r}: {exc}") from None
    for patched in patch:
        path = _strip(patched.path if not patched.is_removed_file else patched.source_file)
        status = ("deleted" if patched.is_removed_file else "added" if patched.is_added_file
                  else "binary" if patched.is_binary_file else "modified")
        hunks = tuple(Hunk(h.source_start, h.source_length, h.target_start, h.target_length,
                           _inserted(h) if status == "modified" else ()) for h in patched)
        first = hunks[0].new_start if hunks else None
        blob = _new_blob(list(patched.patch_info or []))
        if patched.is_rename:
            source = _strip(patched.source_file)
            # the same rename on two sides is one change: the source's "content" is where it went
            touches.append(_file(ws_id, source, "renamed to " + path, (), None,
                                 f"{path}\0{blob}" if blob else ""))
            status = f"renamed from {source}"
        if status == "added" and path in fresh:
            status = "untracked"
        touches.append(_file(ws_id, path, status, hunks, first, blob))
        if is_env_file(path) or posixpath.basename(path) in _CONFIG_WITH_PORTS:
            added = [(line.target_line_no or 0, line.value.rstrip("\n"))
                     for hunk in patched for line in hunk if line.is_added]
            touches += _config_touches(ws_id, path, added)
    seen = {t.resource.key for t in touches if t.resource.kind is Kind.FILE}
    for path in untracked:  # those the snapshot left out: nested repositories, special files
        if path.rstrip("/") not in seen:
            touches.append(_file(ws_id, path, "untracked", (Hunk(0, 0, 1, 1),), 1))
    return touches


def _strip(path: str) -> str:
    path = unquote_c_style(path)
    return path[2:] if path.startswith(("a/", "b/")) else path


_ESCAPES = {"a": 7, "b": 8, "t": 9, "n": 10, "v": 11, "f": 12, "r": 13, '"': 34, "\\": 92}


def unquote_c_style(text: str) -> str:
    """A path as git C-quotes it in diff headers (`"requirements \\"dev\\".txt"`), unquoted;
    octal escapes are raw bytes, kept undecodable bytes as surrogates, like the rest."""
    if len(text) < 2 or not (text.startswith('"') and text.endswith('"')):
        return text
    body, out, i = text[1:-1], bytearray(), 0
    while i < len(body):
        ch = body[i]
        if ch == "\\" and i + 1 < len(body):
            nxt = body[i + 1]
            if nxt in _ESCAPES:
                out.append(_ESCAPES[nxt])
                i += 2
                continue
            if body[i + 1:i + 4].isdigit() and len(body[i + 1:i + 4]) == 3:
                out.append(int(body[i + 1:i + 4], 8) & 0xFF)
                i += 4
                continue
        out += ch.encode("utf-8", "surrogateescape")
        i += 1
    return out.decode("utf-8", "surrogateescape")


def _inserted(hunk: Any) -> tuple[str, ...]:
    """The lines of a hunk that only inserts (unidiff's values, line ends included)."""
    if hunk.source_length:
        return ()
    return tuple(line.value for line in hunk if line.is_added)


def _file(ws_id: str, path: str, status: str, hunks: tuple[Hunk, ...],
          line: int | None, blob: str = "") -> Touch:
    mode = Mode.CREATE if status in ("added", "untracked") else Mode.WRITE
    return Touch(ws_id, Resource(Kind.FILE, path), mode, Evidence(path, line or None, status),
                 status, hunks, blob)


def _new_blob(header: list[str]) -> str:
    """The new content's id from the diff's `index OLD..NEW` line (all zeros when deleted:
    two deletions are the same change); "" when absent."""
    for line in header:
        match = _INDEX_LINE.match(line)
        if match:
            return match.group(1)
    return ""


def _config_touches(ws_id: str, path: str, lines: list[tuple[int, str]]) -> list[Touch]:
    from analyzer.parsers.envfile import database_key, ports_and_databases  # env files only

    touches = []
    for number, line in lines:
        ports, databases = ports_and_databases(line)
        evidence = Evidence(path, number, line.strip())
        touches += [Touch(ws_id, Resource(Kind.PORT, p), Mode.WRITE, evidence, path) for p in ports]
        for value in databases:
            key = database_key(value)
            if key:
                touches.append(Touch(ws_id, Resource(Kind.DATABASE, key), Mode.WRITE, evidence,
                                     path))
    return touches


def read_worktree_file(path: str) -> str | None:
    """A worktree file's text; None when it is gone, binary, a link that leaves its folder,
    or not a regular file (a worktree changes under us). Scans read worktrees from their
    snapshots; this is for callers that need one file as it is on disk."""
    from analyzer.safe_files import read_bytes

    try:
        data = read_bytes(path, root=os.path.dirname(os.path.abspath(path)))
    except InputError:
        return None
    return None if b"\0" in data[:8000] else data.decode("utf-8", "replace")
