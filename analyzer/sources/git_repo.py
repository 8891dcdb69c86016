"""Read-only access to the scanned repository: refs, diffs, blobs, merge simulations.

Every git process goes through `analyzer.sources.git.runner` (hardened options). Everything
that could write — a merge simulation, a snapshot of a worktree's uncommitted changes —
happens in our private scratch repository (`analyzer.sources.git.scratch`), which borrows
the repository's objects as an alternate: the user's object store, indexes and
configuration take no part in a write, and no filter or merge driver of theirs runs.
"""

from __future__ import annotations

import fnmatch
import os
import posixpath
import re
import shutil
import stat
import threading
from collections.abc import Callable, Iterable
from typing import NamedTuple, TypeVar, cast

from analyzer.errors import InputError
from analyzer.sources.git.objects import id_bytes, parse_tree
from analyzer.sources.git.runner import GitError, run_git
from analyzer.sources.git.scratch import ScratchRepo

T = TypeVar("T")
_HEX = re.compile(r"[0-9a-f]{40}([0-9a-f]{24})?")
_KEPT_CHARS = 16_000_000  # texts a run keeps (a backtest reads thousands of files)
# Settings of the scanned repository that describe its files (not programs): copied into the
# scratch repository so that it reads the worktrees as git does.
_FILE_SETTINGS = ("core.filemode", "core.symlinks", "core.ignorecase", "core.precomposeunicode",
                  "core.autocrlf", "core.eol", "core.checkstat", "core.trustctime")
_IN_PROGRESS = (("MERGE_HEAD", "a merge"), ("rebase-merge", "a rebase"),
                ("rebase-apply", "a rebase"), ("CHERRY_PICK_HEAD", "a cherry-pick"),
                ("REVERT_HEAD", "a revert"))


class MergeConflict(NamedTuple):
    """One conflict git reports: its kind (`contents`, `rename/delete`, `file location` …),
    every path it involves (a rename's source and destinations) and git's own sentence."""

    kind: str
    paths: tuple[str, ...]
    message: str


class MergeResult(NamedTuple):
    """What `git merge-tree` gives for two commits."""

    tree: str  # the merged tree, in the scratch object store (conflict markers and all)
    conflicted: tuple[str, ...]
    conflicts: tuple[MergeConflict, ...]


class Worktree(NamedTuple):
    """One entry of `git worktree list`."""

    path: str
    head: str  # commit sha ("" when the branch is unborn)
    branch: str | None  # short branch name, None when detached
    is_main: bool
    missing: bool = False  # its folder is gone (prunable, or locked on an absent disk)
    locked: bool = False


class GitRepo:
    def __init__(self, path: str):
        # git sets GIT_INDEX_FILE for a hook: the index being committed (maybe a temporary one)
        hook_index = os.environ.get("GIT_INDEX_FILE")
        self.hook_index = os.path.abspath(hook_index) if hook_index else None
        if not os.path.isdir(path):
            raise InputError("not a directory", path)
        self._opened = os.path.realpath(path)  # the folder asked about: its top is `root`
        asked = ["rev-parse", "--is-bare-repository", "--absolute-git-dir",
                 "--path-format=absolute", "--git-common-dir", "--show-object-format"]
        try:
            try:  # the top of the work tree in the same process; a bare repository has none
                out = run_git([*asked, "--show-toplevel"], path)
            except GitError as error:
                if "not a git repository" in error.message:
                    raise
                out = run_git(asked, path)
        except GitError as error:
            if "not a git repository" in error.message:
                raise InputError("not a git repository (or any parent up to the root)",
                                 path) from None
            raise
        lines = out.decode("utf-8", "surrogateescape").splitlines()
        bare, self.git_dir, common, self.object_format = lines[:4]
        self.bare = bare == "true"
        if self.bare:
            self.root = self.git_dir
        else:
            top = lines[4] if len(lines) > 4 else run_git(
                ["rev-parse", "--show-toplevel"], path).decode("utf-8", "surrogateescape").strip()
            if not os.path.lexists(os.path.join(top, ".git")):
                # core.worktree (or GIT_WORK_TREE) names another folder: reading "the
                # repository's files" there could mean any folder of the machine
                raise InputError(f"the repository's work tree is configured elsewhere ({top}, "
                                 "core.worktree); run conflictscan in a checkout whose .git "
                                 "is at its top", path)
            self.root = top
        self.common_dir = common
        self.objects_dir = os.path.join(common, "objects")
        self._scratch: ScratchRepo | None = None
        # (worktree, staged only, pathspecs, overlay) -> the snapshot commit
        self._snapshots: dict[tuple[object, ...], str] = {}
        self._refs: dict[str, str] | None = None
        self._version: tuple[int, int] | None = None
        self._answers: dict[tuple[str, ...], object] = {}  # what git said, asked once a run
        self._every_ref = False
        self._symrefs: dict[str, str] = {}  # a symbolic ref of the listing -> its target
        self._worktrees: list[Worktree] | None = None
        self.links_out: list[tuple[str, str]] = []  # committed links leaving the repository
        self._untracked: dict[tuple[str, tuple[str, ...]], list[str]] = {}
        self._git_dirs: dict[str, str] = {}
        self._lock = threading.Lock()
        self.unreadable: dict[str, str] = {}  # `rev:path` -> why git could not read it
        self._texts: dict[str, str | None] = {}  # `commit:path` -> its text, read once a run
        self._trees: dict[str, tuple[str, bytes] | None] = {}  # `commit:dir` read ahead
        self._kept_trees: dict[str, tuple[str, bytes] | None] | None = None
        self._kept_chars = 0

    # -- plain commands ------------------------------------------------------------------

    def run(self, *args: str, cwd: str | None = None, env: dict[str, str] | None = None,
            ok: Iterable[int] = (0,)) -> str:
        return self.run_bytes(*args, cwd=cwd, env=env, ok=ok).decode("utf-8", "surrogateescape")

    def run_bytes(self, *args: str, cwd: str | None = None, env: dict[str, str] | None = None,
                  ok: Iterable[int] = (0,), stdin: bytes | None = None) -> bytes:
        """A git command in the repository, hardened. Objects of our scratch repository
        (snapshots, merge results) are readable too."""
        extra = dict(env or {})
        if self._scratch is not None and "GIT_ALTERNATE_OBJECT_DIRECTORIES" not in extra:
            extra["GIT_ALTERNATE_OBJECT_DIRECTORIES"] = self._scratch.objects_dir
        try:
            return run_git(args, cwd or self.root, env=extra, stdin=stdin, ok=ok)
        except GitError as error:
            raise _explained(error) from None

    def remember(self, key: tuple[str, ...], compute: Callable[[], T]) -> T:
        """What `compute` answers about the repository, asked once a run (a commit's layout
        read by both of the hook's scans)."""
        if key not in self._answers:
            self._answers[key] = compute()
        return cast(T, self._answers[key])

    # -- refs ----------------------------------------------------------------------------

    def _all_refs(self, everything: bool = False) -> dict[str, str]:
        """Branch refs (local and remote) -> the commit each points to, read once with one
        `for-each-ref`; with `everything`, every ref (tags too: thousands in a large
        repository, each peeled, so only when a pattern may name one)."""
        if self._refs is None or (everything and not self._every_ref):
            where = [] if everything else ["refs/heads/", "refs/remotes/"]
            out = self.run("for-each-ref", "--format=%(refname)%00%(objectname)%00"
                           "%(*objectname)%00%(objecttype)%00%(symref)", *where)
            refs: dict[str, str] = {}
            for line in out.splitlines():
                name, obj, peeled, kind, target = [*line.split("\0"), "", "", "", ""][:5]
                if target:
                    self._symrefs[name] = target
                if kind == "commit":
                    refs[name] = obj
                elif kind == "tag" and peeled:
                    refs[name] = peeled
            self._refs, self._every_ref = refs, everything
        return self._refs

    def branch_commit(self, name: str) -> str:
        """The commit of a local branch listed by `local_branches` (by its full ref name: a
        tag of the same name does not shadow it), from the one ref listing."""
        return self._all_refs().get(f"refs/heads/{name}") or self.resolve(name)

    def resolve(self, ref: str) -> str:
        """The commit a name means, asked once a run (refs do not move under a scan)."""
        key = ("resolve", ref)
        if key not in self._answers:
            self._answers[key] = self._resolve(ref)
        return str(self._answers[key])

    def resolve_all(self, refs: Iterable[str]) -> None:
        """Resolve many names with one `rev-parse` (git's own rules: a tag of the same name
        wins, with git's warning), so `resolve` answers them without a process each; when
        any name does not resolve, each is left to `resolve` alone (which says which)."""
        names = [r for r in dict.fromkeys(refs)
                 if ("resolve", r) not in self._answers and not r.startswith("-")]
        if len(names) < 2:
            return
        out = self.run("rev-parse", "--end-of-options", *(f"{r}^{{commit}}" for r in names),
                       ok=(0, 1, 128)).split()
        if out[:1] == ["--end-of-options"]:
            out = out[1:]  # git < 2.4x echoes it (no name here starts with "-")
        if len(out) == len(names) and all(_HEX.fullmatch(sha) for sha in out):
            for name, sha in zip(names, out, strict=True):
                self._answers[("resolve", name)] = sha

    def _resolve(self, ref: str) -> str:
        out = self.run("rev-parse", "--verify", "--quiet", "--end-of-options",
                       f"{ref}^{{commit}}", ok=(0, 1)).strip()
        if not _HEX.fullmatch(out):
            raise InputError(f"unknown revision {ref!r}: not a branch, tag or commit here",
                             self.root)
        return out

    def default_base(self) -> str:
        """origin/HEAD, else main, else master: what most teams merge into (asked once)."""
        if ("base",) not in self._answers:
            self._answers[("base",)] = self._default_base()
        return str(self._answers[("base",)])

    def _default_base(self) -> str:
        refs = self._all_refs()  # origin/HEAD is in the listing, with what it points to
        target = self._symrefs.get("refs/remotes/origin/HEAD", "").removeprefix(
            "refs/remotes/")
        if target and f"refs/remotes/{target}" in refs:
            return target
        names = set(self.local_branches())
        for candidate in ("main", "master"):
            if candidate in names:
                return candidate
        raise InputError("cannot tell the base branch (no origin/HEAD, main or master); "
                         "name it with --base", self.root)

    def local_branches(self) -> list[str]:
        return [r.removeprefix("refs/heads/") for r in self._all_refs()
                if r.startswith("refs/heads/")]

    def remote_branches(self) -> list[str]:
        return [r.removeprefix("refs/remotes/") for r in self._all_refs()
                if r.startswith("refs/remotes/") and not r.endswith("/HEAD")]

    def refs_matching(self, pattern: str) -> list[str]:
        """Refs matching a pattern, full (`refs/pull/*/head`) or short (`origin/pr-*`)."""
        result = []
        for ref in self._all_refs(everything=True):
            short = ref.split("/", 2)[-1] if ref.startswith(("refs/heads/", "refs/remotes/",
                                                             "refs/tags/")) else ref
            if fnmatch.fnmatchcase(ref, pattern) or fnmatch.fnmatchcase(short, pattern):
                result.append(short)
        return result

    def pull_request_heads(self) -> dict[str, str]:
        """Pull request number -> head commit, from `refs/pull/N/head` (GitHub's layout)."""
        out = self.run("for-each-ref", "--format=%(objectname) %(refname)", "refs/pull/")
        result = {}
        for line in out.splitlines():
            sha, _, name = line.partition(" ")
            parts = name.split("/")
            if len(parts) == 4 and parts[3] == "head":
                result[parts[2]] = sha
        return result

    def worktrees(self) -> list[Worktree]:
        """The repository's worktrees, main first; none for a bare repository without any."""
        if self._worktrees is not None:
            return self._worktrees
        if self.bare and not os.path.isdir(os.path.join(self.common_dir, "worktrees")):
            return []
        listing = self.run("worktree", "list", "--porcelain", "-z")
        result: list[Worktree] = []
        for number, block in enumerate(listing.split("\0\0")):
            fields = dict(_field(f) for f in block.split("\0") if f)
            if "worktree" not in fields or "bare" in fields:
                continue
            head = fields.get("HEAD", "")
            branch = fields.get("branch", "").removeprefix("refs/heads/") or None
            missing = "prunable" in fields or not os.path.isdir(fields["worktree"])
            result.append(Worktree(fields["worktree"], "" if set(head) <= {"0"} else head,
                                   branch, number == 0, missing, "locked" in fields))
        self._worktrees = result  # asked once a run: the hook and the scan share it
        return result

    def current_worktree(self, directory: str) -> Worktree:
        """The worktree that holds `directory`: where a commit is being made."""
        top = os.path.realpath(self.root) if not self.bare and os.path.realpath(
            directory) == self._opened else os.path.realpath(
            self.run("rev-parse", "--show-toplevel", cwd=directory).strip())
        for worktree in self.worktrees():
            if os.path.realpath(worktree.path) == top:
                return worktree
        raise InputError("not inside a worktree of this repository", directory)

    def in_progress(self, worktree: str) -> str | None:
        """'a merge', 'a rebase' … when the worktree is in the middle of one, else None."""
        git_dir = self.worktree_git_dir(worktree)
        for name, what in _IN_PROGRESS:
            if os.path.lexists(os.path.join(git_dir, name)):
                return what
        return None

    def rebasing_branch(self, worktree: str) -> str | None:
        """The branch a rebase in this worktree is rewriting (its HEAD is detached meanwhile)."""
        from analyzer.safe_files import read_bytes

        git_dir = self.worktree_git_dir(worktree)
        for folder in ("rebase-merge", "rebase-apply"):
            path = os.path.join(git_dir, folder, "head-name")
            if os.path.isfile(path):
                try:
                    name = read_bytes(path, root=git_dir, max_bytes=4096).decode(
                        "utf-8", "surrogateescape").strip()
                except InputError:
                    return None
                return name.removeprefix("refs/heads/") if name.startswith("refs/heads/") \
                    else None
        return None

    def is_shallow(self) -> bool:
        return self.run("rev-parse", "--is-shallow-repository").strip() == "true"

    def merge_base(self, a: str, b: str) -> str | None:
        key = ("merge-base", a, b)
        if a == b and _HEX.fullmatch(a):
            return a  # a commit is its own merge-base with itself
        if key not in self._answers:
            out = self.run("merge-base", "--end-of-options", a, b, ok=(0, 1)).strip()
            self._answers[key] = out or None
        answer = self._answers[key]
        return str(answer) if answer else None

    def merge_bases(self, a: str, b: str) -> list[str]:
        """Every best common ancestor: more than one after a criss-cross merge, where git
        merges against a virtual base that no single commit stands for."""
        return self.run("merge-base", "--all", "--end-of-options", a, b, ok=(0, 1)).split()

    # -- diffs and contents --------------------------------------------------------------

    def worktree_diff(self, old: str, worktree: str, paths: Iterable[str] = ()) -> str:
        """Zero-context diff from commit `old` to the files of a worktree (staged, unstaged
        and untracked), through a snapshot: the worktree's index is never refreshed.
        `paths` (pathspecs) bound the diff."""
        head = self.run("rev-parse", "--verify", "HEAD", cwd=worktree).strip()
        return self.diffs([(old, self.snapshot_worktree(worktree, head))], paths)[0]

    def staged_diff(self, old: str, worktree: str) -> str:
        """Zero-context diff from commit `old` to the index of a worktree (or a commit hook's
        GIT_INDEX_FILE): one `diff-index --cached`, read-only, in the scratch repository."""
        index = self.hook_index or os.path.join(self.worktree_git_dir(worktree), "index")
        return self.remember(("staged diff", old, index), lambda: self.scratch().run(
            "diff-index", "--cached", "-p", "-U0", "--full-index", "--no-color",
            "--no-ext-diff", "--no-textconv", "--find-renames", "--src-prefix=a/",
            "--dst-prefix=b/", "--submodule=short", old, index=index,
        ).decode("utf-8", "surrogateescape"))

    def diffs(self, pairs: list[tuple[str, str]], paths: Iterable[str] = ()) -> list[str]:
        """Zero-context diffs old..new for many commit pairs through one `git diff-tree`,
        bounded by `paths` (pathspecs) when given."""
        if not pairs:
            return []
        try:
            return self._diffs(pairs, tuple(paths))
        except InputError as exc:
            if len(pairs) > 1:  # one pair git cannot diff does not cost the others theirs
                return [d for p in pairs for d in self.diffs([p], paths)]
            self.unreadable[f"{pairs[0][1]}"] = exc.message
            return [self._names_only(*pairs[0], tuple(paths))]

    def _names_only(self, old: str, new: str, paths: tuple[str, ...] = ()) -> str:
        """A diff of names alone, for when a blob is missing (a partial clone): each changed
        file reads as a binary change, so it is merged for real rather than assumed clean."""
        specs, env = pathspec_args(paths)
        out = self.run("diff-tree", "-r", "-z", "--no-renames", "--raw", old, new, *specs,
                       env=env)
        fields = out.split("\0")
        text = []
        for meta, path in zip(fields[0::2], fields[1::2], strict=False):
            parts = meta.lstrip(":").split()
            if len(parts) < 5:
                continue
            text.append(f"diff --git a/{path} b/{path}\nindex {parts[2]}..{parts[3]} {parts[1]}\n"
                        f"Binary files a/{path} and b/{path} differ\n")
        return "".join(text)

    def _diffs(self, pairs: list[tuple[str, str]], paths: tuple[str, ...]) -> list[str]:
        stdin = "".join(f"{new} {old}\n" for old, new in pairs).encode()
        specs, env = pathspec_args(paths)
        out = self.run_bytes("diff-tree", "--stdin", "--always", "-r", "-p", "-U0",
                             "--full-index", "--no-color", "--no-ext-diff", "--no-textconv",
                             "--find-renames", "--src-prefix=a/", "--dst-prefix=b/",
                             "--submodule=short", *specs, stdin=stdin,
                             env=env).decode("utf-8", "surrogateescape")
        chunks: list[list[str]] = []
        for line in out.splitlines(keepends=True):
            if len(line.rstrip("\n")) in (40, 64) and _HEX.fullmatch(line.rstrip("\n")):
                chunks.append([])  # a commit line: the next diff starts; diff lines never match
            elif chunks:
                chunks[-1].append(line)
        if len(chunks) != len(pairs):
            raise InputError(f"git diff-tree answered {len(chunks)} diffs for {len(pairs)}",
                             self.root)
        return ["".join(chunk) for chunk in chunks]

    def commits_containing(self, commit: str) -> set[str]:
        """Tips of the branches (local and remote) that already contain `commit`: their
        merge-base with it is it. Tags are left out: a large repository has thousands, and
        walking to each costs seconds (any other ref gets its own `merge-base`)."""
        key = ("contains", commit)
        if key not in self._answers:
            out = self.run("for-each-ref", "--contains", commit, "--format=%(objectname)",
                           "refs/heads/", "refs/remotes/")
            self._answers[key] = " ".join(out.split())
        return set(str(self._answers[key]).split())

    def changed_paths(self, old: str, new: str, paths: Iterable[str] = ()) -> set[str]:
        """Paths that differ from old to new, within `paths` (pathspecs) when given."""
        specs, env = pathspec_args(tuple(paths))
        out = self.run("diff-tree", "-r", "--name-only", "-z", "--no-renames", old, new,
                       *specs, env=env)
        return {p for p in out.split("\0") if p}

    def changes(self, old: str, new: str) -> tuple[set[str], set[str]]:
        """(paths changed, paths added) from old to new, renames as a delete and an add."""
        out = self.run("diff-tree", "-r", "--name-status", "-z", "--no-renames", old,
                       new).split("\0")
        pairs = list(zip(out[::2], out[1::2], strict=False))  # a trailing "" is left over
        return {p for _, p in pairs}, {p for status, p in pairs if status == "A"}

    def remember_untracked(self, cwd: str, paths: tuple[str, ...], found: list[str]) -> None:
        """What a snapshot's `git status` listed as untracked: `untracked` answers from it."""
        self._untracked.setdefault((os.path.realpath(cwd), paths), found)

    def untracked(self, cwd: str, paths: tuple[str, ...] = ()) -> list[str]:
        """Untracked, not ignored files of a worktree (asked once per worktree, run and
        pathspecs)."""
        key = (os.path.realpath(cwd), paths)
        if key not in self._untracked:
            specs, env = pathspec_args(paths)
            out = self.run("ls-files", "-z", "--others", "--exclude-standard", *specs,
                           cwd=cwd, env=env)
            self._untracked[key] = [p for p in out.split("\0") if p]
        return self._untracked[key]

    def worktree_git_dir(self, worktree: str) -> str:
        """The git directory of a worktree (.git, or .git/worktrees/<name>), asked once."""
        key = os.path.realpath(worktree)
        if key == self._opened and not self.bare and os.path.realpath(self.root) == key:
            return self.git_dir  # the folder we were opened in is this worktree's top
        if key not in self._git_dirs:
            self._git_dirs[key] = self._linked_git_dir(key) or self._main_git_dir(key) or \
                self.run("rev-parse", "--absolute-git-dir", cwd=worktree).strip()
        return self._git_dirs[key]

    def _main_git_dir(self, worktree: str) -> str | None:
        """The main worktree's `.git` folder is the common directory itself."""
        dot_git = os.path.join(worktree, ".git")
        if os.path.isdir(dot_git) and not os.path.islink(dot_git) and \
                os.path.realpath(dot_git) == os.path.realpath(self.common_dir):
            return os.path.realpath(self.common_dir)
        return None

    def _linked_git_dir(self, worktree: str) -> str | None:
        """A linked worktree's `.git` file names its git directory, which git keeps under
        the common directory's `worktrees/`: read it without a process when it says so
        plainly; anything else is git's to answer."""
        dot_git = os.path.join(worktree, ".git")
        if os.path.islink(dot_git) or not os.path.isfile(dot_git):
            return None
        try:
            with open(dot_git, "rb") as handle:
                text = handle.read(4097).decode("utf-8", "strict")
        except (OSError, UnicodeDecodeError):
            return None
        if not text.startswith("gitdir: ") or text.count("\n") > 1 or len(text) > 4096:
            return None
        target = os.path.realpath(os.path.join(worktree, text[len("gitdir: "):].strip()))
        home = os.path.realpath(os.path.join(self.common_dir, "worktrees"))
        if os.path.dirname(target) != home or not os.path.isfile(
                os.path.join(target, "HEAD")):
            return None
        return target

    def list_tree(self, commit: str, directories: Iterable[str]) -> list[str]:
        dirs = [d for d in directories if d]
        if not dirs:
            return []
        known = self.known_files(commit, dirs)  # the whole tree, or these folders' trees
        if known is not None:
            return known
        out = self.run("ls-tree", "-r", "--name-only", "-z", commit, "--", *dirs)
        return [p for p in out.split("\0") if p]

    def _folders_read(self, commit: str, dirs: list[str]) -> list[str] | None:
        """The files below these folders of a commit (as `ls-tree -r` lists them) from
        their trees read ahead (`read_ahead`), when each holds files only or is absent;
        else None."""
        paths: list[str] = []
        for folder in dirs:
            key = f"{commit}:{folder}"
            if key not in self._trees or folder.endswith("/"):
                return None
            got = self._trees[key]
            if got is None:
                continue  # no such folder (nor file) there: nothing listed
            if got[0] != "tree":
                return None  # a file by that name: git's to list
            try:
                entries = parse_tree(got[1], id_bytes(self.object_format))
            except ValueError:
                return None
            if any(mode == 0o40000 for mode, _ in entries.values()):
                return None  # folders inside: git lists them recursively
            paths += [f"{folder}/{name.decode('utf-8', 'surrogateescape')}" for name in entries]
        return sorted(dict.fromkeys(paths), key=lambda p: p.encode("utf-8", "surrogateescape"))

    def read_ahead(self, specs: Iterable[str], folders: Iterable[str] = ()) -> None:
        """Read now, with one `cat-file`, what this run's readers ask for in turn:
        `rev:path` texts (`read_blobs` then answers them without a process) and `rev:dir`
        folders (`list_tree`). Only what reads plainly is kept: a text that could be a
        symbolic link, a missing, binary or unreadable file is left for its reader to ask
        again (and report), and a failed read keeps nothing."""
        texts = [s for s in dict.fromkeys(specs) if s not in self._texts and ":" in s
                 and _HEX.fullmatch(s.partition(":")[0])]
        trees = [f for f in dict.fromkeys(folders) if f not in self._trees and ":" in f
                 and _HEX.fullmatch(f.partition(":")[0])]
        names = [*texts, *trees]
        if not names or self._kept_chars >= _KEPT_CHARS:
            return
        try:
            found = self._objects(names)
        except InputError:
            return
        for spec in texts:
            text = _text_of(found[spec])
            if text is None:
                continue
            if ("\n" in text or len(text) >= 4096) and self._kept_chars < _KEPT_CHARS:
                self._texts[spec] = text  # one line could be a link's target: not kept
                self._kept_chars += len(text)
        for folder in trees:
            self._trees[folder] = found[folder]

    def tree_entries(self, commit: str) -> list[tuple[str, str, str, str]]:
        """(mode, type, object id, path) of every entry of a commit's tree, in git's order,
        from one `ls-tree -r`, asked once a run: the layout reads it, and the listings of
        its folders (`list_tree`) and of its .gitattributes come from it then."""
        def read() -> list[tuple[str, str, str, str]]:
            out = self.run("ls-tree", "-r", "-z", "--full-tree", commit)
            entries = []
            for entry in out.split("\0"):
                meta, _, path = entry.partition("\t")
                if path:
                    mode, kind, oid = meta.split(" ", 2)
                    entries.append((mode, kind, oid, path))
            return entries
        for key in [k for k in self._answers if k[0] == "tree" and k != ("tree", commit)]:
            del self._answers[key]  # one listing at a time: backtest lists thousands of bases
        return self.remember(("tree", commit), read)

    def attribute_files(self, commit: str) -> list[tuple[str, str, str, str]] | None:
        """The .gitattributes entries (mode, type, id, path) of a commit's tree when its
        listing is known: this run's `tree_entries`, or what the layout kept from an earlier
        run said (`know_attribute_files`); None when it is not."""
        listed = self._answers.get(("tree", commit))
        if isinstance(listed, list):
            return attribute_entries(listed)
        kept = self._answers.get(("attribute files", commit))
        return kept if isinstance(kept, list) else None

    def know_attribute_files(self, commit: str,
                             entries: Iterable[tuple[str, str, str, str]]) -> None:
        """What a kept layout says of a commit's .gitattributes files (no listing this run)."""
        self._answers.setdefault(("attribute files", commit), list(entries))

    def read_objects(self, objects: dict[str, str]) -> dict[str, str | None]:
        """`rev:path` -> text, read by the blob ids a tree listing gave for regular files
        (through one `git cat-file --batch`): git looks up no path and no link is followed,
        as none can be one. A blob git cannot produce is None, listed in `unreadable` under
        its `rev:path` as `read_blobs` lists it."""
        texts = self._read_blobs(list(dict.fromkeys(objects.values())), None)
        missing = {oid: self.unreadable.pop(oid) for oid in objects.values()
                   if oid in self.unreadable}
        for name, oid in objects.items():
            if oid in missing:
                self.unreadable[name] = missing[oid]
        return {name: texts.get(oid) for name, oid in objects.items()}

    def read_blobs(self, specs: list[str], cwd: str | None = None) -> dict[str, str | None]:
        """`rev:path` -> text (None when absent or binary), through one `git cat-file --batch`.
        Blobs are read raw (no filter runs). A committed symlink is resolved inside the
        commit's own tree; one that leaves the repository reads as None and is listed in
        `links_out` — the file system is never consulted. `:path` reads the index of the
        worktree at `cwd`. What a commit's file reads as is kept for the run (a commit never
        changes; up to _KEPT_CHARS): the report's evidence lines come from the texts the
        checks read, without another process."""
        asked = [s for s in specs if s not in self._texts]
        found = self._read_resolved(asked, cwd) if asked else {}
        for spec, text in found.items():
            if self._kept_chars < _KEPT_CHARS and _HEX.fullmatch(spec.partition(":")[0]):
                self._texts[spec] = text
                self._kept_chars += len(text or "")
        return {s: found[s] if s in found else self._texts[s] for s in specs}

    def _read_resolved(self, specs: list[str], cwd: str | None) -> dict[str, str | None]:
        result = self._read_blobs(specs, cwd)
        maybe = [s for s, text in result.items() if text is not None and "\n" not in text
                 and len(text) < 4096 and not s.startswith(":")]
        for _ in range(5):  # links to links, a few deep
            links = self._links(maybe)
            if not links:
                break
            inside: dict[str, str] = {}
            for spec, target in links.items():
                rev, _, path = spec.partition(":")
                resolved = posixpath.normpath(posixpath.join(posixpath.dirname(path), target))
                if target.startswith("/") or resolved == ".." or resolved.startswith("../"):
                    result[spec] = None
                    self.links_out.append((path, target))
                else:
                    inside[spec] = f"{rev}:{resolved}"
            texts = self._read_blobs(list(inside.values()), cwd)
            for spec, real in inside.items():
                result[spec] = texts.get(real)
            maybe = [s for s in inside if result[s] is not None]
        return result

    def _links(self, specs: list[str]) -> dict[str, str]:
        """Which `rev:path` specs are symlinks (mode 120000) -> their target, by ls-tree."""
        by_rev: dict[str, list[str]] = {}
        for spec in specs:
            rev, _, path = spec.partition(":")
            by_rev.setdefault(rev, []).append(path)
        links: dict[str, str] = {}
        for rev, paths in by_rev.items():
            out = self.run("ls-tree", "-z", rev, "--", *paths, ok=(0, 128))
            for entry in out.split("\0"):
                meta, _, path = entry.partition("\t")
                if meta.startswith("120000 "):
                    links[f"{rev}:{path}"] = ""
        if links:
            texts = self._read_blobs(list(links), None)
            links = {spec: texts.get(spec) or "" for spec in links}
        return links

    def _read_blobs(self, specs: list[str], cwd: str | None) -> dict[str, str | None]:
        """A blob git cannot produce (missing from a partial clone) is None and listed in
        `unreadable`: one lost object never stops the scan."""
        if not specs:
            return {}
        try:
            stdin = _batch_input(specs)
            if cwd is not None and any(s.startswith(":") for s in specs):
                # `:path` is the staged change: a commit hook's own index when there is one
                index = self.hook_index or os.path.join(self.worktree_git_dir(cwd), "index")
                out = self.scratch().run("cat-file", "--batch", index=index, stdin=stdin)
            else:
                out = self.run_bytes("cat-file", "--batch", cwd=cwd, stdin=stdin)
            found = _batch_output(out, specs)
        except InputError as exc:
            if len(specs) == 1:
                self.unreadable[specs[0]] = exc.message
                return {specs[0]: None}
            half = len(specs) // 2  # find the unreadable ones, keep the rest
            return {**self._read_blobs(specs[:half], cwd), **self._read_blobs(specs[half:], cwd)}
        return {spec: _text_of(got) for spec, got in found.items()}

    # -- merge simulation in a scratch repository ----------------------------------------

    def scratch(self) -> ScratchRepo:
        with self._lock:  # merge simulations run in threads
            if self._scratch is None:
                shallow = os.path.join(self.common_dir, "shallow")
                self._scratch = ScratchRepo(self.objects_dir, self.object_format, shallow,
                                            self._file_settings())
        return self._scratch

    def _settings(self) -> list[tuple[str, str]]:
        """The repository's settings conflictscan reads (how files are read and ignored,
        which merge drivers are defined), from one `git config`, asked once."""
        def read() -> list[tuple[str, str]]:
            out = self.run("config", "-z", "--get-regexp",
                           r"^core\.(filemode|symlinks|ignorecase|precomposeunicode|autocrlf|"
                           r"eol|checkstat|trustctime|excludesfile)$|^merge\..+\.(driver)$|"
                           r"^merge\.default$", ok=(0, 1))
            return [(key, value) for key, _, value in
                    (entry.partition("\n") for entry in out.split("\0")) if key]
        return self.remember(("settings",), read)

    def _file_settings(self) -> list[tuple[str, str]]:
        """The settings that say how to read the worktrees' files, and which files are
        ignored (core.excludesFile, a path: git reads it, runs nothing), as git sees them."""
        settings = []
        for key, value in self._settings():
            plain = key in _FILE_SETTINGS and re.fullmatch(r"[A-Za-z0-9_-]{1,16}", value)
            if plain or (key == "core.excludesfile" and value.isprintable() and value):
                settings.append((key, value))
        return settings

    def snapshot_worktree(self, worktree: str, head: str, staged_only: bool = False,
                          paths: tuple[str, ...] = (),
                          overlay: dict[str, str] | None = None) -> str:
        """A commit of the worktree as it is (staged, unstaged, untracked), or of its index
        alone, written only to the scratch repository; `head` when nothing changed.
        `paths` (pathspecs) bound what is looked at on disk: only those files are stat'ed,
        hashed and listed (a freshly made worktree is "racily clean": git would re-hash
        every file of it on every run otherwise). `overlay` puts in the files an edit is
        about to write (path -> text)."""
        key = _snapshot_key(worktree, staged_only, paths, overlay)
        with self._lock:
            done = self._snapshots.get(key)
        if done is None:
            # a commit hook's index (GIT_INDEX_FILE) is what is being committed
            index = self.hook_index if staged_only else None
            done = _Snapshot(self, worktree, head, index, paths, overlay).commit(staged_only)
            with self._lock:
                self._snapshots[key] = done
        return done

    def settle_worktrees(self, worktrees: list[tuple[str, str]], paths: tuple[str, ...]) -> int:
        """Snapshot without a git process each the worktrees (path, HEAD) whose state within
        `paths` is known from their index files and disk: one that provably changes nothing
        there is its HEAD; one whose only change there is the content of tracked files gets
        a snapshot written in Python (blobs, the folders on their way, the commit: the same
        objects git writes). Every other worktree is read by git as before. How many."""
        from analyzer.sources.git.unchanged import Asked, settle_worktrees

        if not paths:
            return 0
        with self._lock:  # a second scan of the same run (the hook's) has them already
            worktrees = [(path, head) for path, head in worktrees
                         if _snapshot_key(path, False, paths) not in self._snapshots]
        if not worktrees:
            return 0  # no settings read, no ignore files: nothing to settle
        asked = [Asked(path, os.path.join(self.worktree_git_dir(path), "index"), head)
                 for path, head in worktrees]
        heads = dict(worktrees)
        settings = dict(self._file_settings())
        settled = settle_worktrees(asked, tuple(paths), settings, self.object_format,
                                   self._head_trees, self._exclude_files(settings))
        done: dict[str, str] = {}
        untracked = {path: [p.decode("utf-8", "surrogateescape") for p in found.untracked]
                     for path, found in settled.items()}
        for path, found in settled.items():
            if found.tree is None:
                done[path] = heads[path]
                continue
            scratch = self.scratch()
            for kind, data in found.objects:
                scratch.write_object(kind, data, self.object_format)
            done[path] = scratch.write_commit(found.tree, heads[path], self.object_format)
        with self._lock:
            for path, commit in done.items():
                self._snapshots.setdefault(_snapshot_key(path, False, paths), commit)
        for path in done:
            self.remember_untracked(path, tuple(paths), untracked[path])
        return len(done)

    def _exclude_files(self, settings: dict[str, str]) -> list[str] | None:
        """The ignore files git reads for every worktree in our scratch `status`: the
        repository's info/exclude (copied there) and core.excludesFile, else the user's
        XDG one. None when git would look elsewhere (a relative excludes file)."""
        files = [os.path.join(self.common_dir, "info", "exclude")]
        configured = settings.get("core.excludesfile")
        if configured:
            path = os.path.expanduser(configured) if configured.startswith("~/") \
                else configured
            if not os.path.isabs(path):
                return None
            return [*files, path]
        xdg = os.environ.get("XDG_CONFIG_HOME")
        home = os.environ.get("HOME")
        if xdg:
            files.append(os.path.join(xdg, "git", "ignore"))
        elif home:
            files.append(os.path.join(home, ".config", "git", "ignore"))
        return files

    def _head_trees(self, names: list[str]) -> dict[str, tuple[str, bytes] | None]:
        """The worktrees' HEAD trees the proof asks for, from earlier runs where they kept
        them (`kept_trees`), else from git (and kept). A folder's (`<commit>:<dir>`) is kept
        for the run too: on the base's commit, where fresh worktrees start, it is the folder
        `list_tree` lists for the migrations a commit adds.

        Read as the objects are, not through replace refs (`git replace`): git's snapshot of
        a worktree is its index's tree by id, which a replacement of HEAD's tree does not
        change, so a replaced tree that reads like the index made a staged change
        "unchanged"; the trees kept are then the same in every repository and at any time.
        `list_tree` reads through them (as `ls-tree` does): where the repository may have
        replace refs, the proof's trees are not its answers."""
        from analyzer.sources.git import kept_trees

        if self._kept_trees is None:
            self._kept_trees = kept_trees.load()
        known = self._kept_trees
        asked = [name for name in names if name not in known]
        fetched = self._objects(asked, env={"GIT_NO_REPLACE_OBJECTS": "1"})
        new = kept_trees.keepable(fetched)
        if new:  # this run's answers first: those it read from the kept ones too
            kept_trees.store({**{n: known[n] for n in names if n in known}, **new}, known)
            known.update(new)
        found = {name: known[name] if name in known else fetched[name] for name in names}
        if not self._may_replace():
            for name, got in found.items():
                rev, colon, _ = name.partition(":")
                if colon and _HEX.fullmatch(rev):
                    self._trees.setdefault(name, got)
        return found

    def _may_replace(self) -> bool:
        """Whether the repository may have replace refs (`refs/replace/`): loose ones, packed
        ones, or a reftable (not read here)."""
        common = self.common_dir
        if os.path.exists(os.path.join(common, "reftable")):
            return True
        for _, _, files in os.walk(os.path.join(common, "refs", "replace")):
            if files:
                return True
        try:
            with open(os.path.join(common, "packed-refs"), "rb") as packed:
                return any(b" refs/replace/" in line for line in packed)
        except OSError:
            return False

    def known_files(self, commit: str, directories: list[str]) -> list[str] | None:
        """The files below these folders of a commit when they are known without a
        process (see `list_tree`), else None."""
        listed = self._answers.get(("tree", commit))
        if isinstance(listed, list):
            return [path for _, _, _, path in listed if _under(path, directories)]
        return self._folders_read(commit, directories)

    def _objects(self, names: list[str], env: dict[str, str] | None = None
                 ) -> dict[str, tuple[str, bytes] | None]:
        """Objects by name (`<rev>:<path>`, an id) -> (type, raw content), None when git
        has none by that name, through one `cat-file --batch`."""
        if not names:
            return {}
        return _batch_output(self.run_bytes("cat-file", "--batch", env=env,
                                            stdin=_batch_input(names)), names)

    def merge_commits(self, ref: str, since: str | None, last: int | None) -> list[list[str]]:
        """[commit, committer date, first parent, second parent] of the two-parent merges
        reachable from ref, newest first."""
        args = ["log", "--min-parents=2", "--max-parents=2", "--format=%H %cI %P"]
        if since:
            args.append(f"--since={since}")
        if last is not None:
            args.append(f"--max-count={last}")
        return [line.split() for line in self.run(*args, ref, "--").splitlines() if line]

    def first_parent_log(self, ref: str, since: str | None) -> list[tuple[list[str], str]]:
        """([commit, committer date, parents…], subject) along ref's first-parent line."""
        args = ["log", "--first-parent", "--format=%H %cI %P%x00%s"]
        if since:
            args.append(f"--since={since}")
        result = []
        for line in self.run(*args, ref, "--").splitlines():
            head, _, subject = line.partition("\0")
            result.append((head.split(), subject))
        return result

    def merge(self, a: str, b: str) -> MergeResult:
        """`git merge-tree --write-tree` of a and b inside the scratch repository (no merge
        driver or filter of the repository's configuration or attributes is used: built-in
        text merge for every file): the merged tree, the conflicted paths and each conflict
        with every path it involves (renames name source and destination)."""
        out = self.scratch().run("merge-tree", "--write-tree", "--name-only", "-z", a, b,
                                 ok=(0, 1)).decode("utf-8", "surrogateescape")
        return read_merge(out.split("\0"), 0)[0]

    def merges(self, pairs: list[tuple[str, str]]) -> list[MergeResult] | None:
        """Many merges in one `git merge-tree --stdin` process (git 2.40+); None where git
        has no --stdin, or the batch failed: the caller merges pair by pair then."""
        if len(pairs) < 2 or self.git_version() < (2, 40):
            return None
        stdin = "".join(f"{a} {b}\n" for a, b in pairs).encode()
        try:
            # --messages: without it git decides by the first merge whether all show them
            out = self.scratch().run("merge-tree", "--stdin", "--write-tree", "--name-only",
                                     "--messages", stdin=stdin, ok=(0, 1))
            return read_merges(out.decode("utf-8", "surrogateescape"), len(pairs))
        except InputError:
            return None

    def git_version(self) -> tuple[int, int]:
        """(major, minor) of the git on PATH, asked once."""
        if self._version is None:
            words = self.run("version").split()
            found = re.match(r"(\d+)\.(\d+)", words[2] if len(words) > 2 else "")
            self._version = (int(found.group(1)), int(found.group(2))) if found else (0, 0)
        return self._version

    def merge_attributes(self, commit: str, paths: list[str]) -> dict[str, str]:
        """path -> its `merge` attribute as the .gitattributes files of `commit` set it
        ("set", "unset", "unspecified" or a driver name), matched by git itself.

        `check-attr --source` needs git 2.40; on older gits the .gitattributes blobs of the
        commit go into a scratch index that `check-attr --cached` reads. Only the files on
        the paths' own directories are needed, and only they are put there."""
        if not paths:
            return {}
        dirs = {posixpath.dirname(p) for p in paths}
        candidates = {posixpath.join(d, ".gitattributes") for d in _ancestors(dirs)}
        known = self.attribute_files(commit)
        if known is not None:  # the tree's listing is known already: no process
            entries = [f"{mode} {kind} {oid}\t{path}" for mode, kind, oid, path in known
                       if mode == "100644" and path in candidates]
        else:
            listed = self.run("ls-tree", "-z", commit, "--", *sorted(candidates))
            entries = [e for e in listed.split("\0") if e and e.split(" ", 1)[0] == "100644"]
        if not entries:  # only the scratch repository's own (empty) attributes would apply
            return dict.fromkeys(paths, "unspecified")
        scratch = self.scratch()
        index = scratch.new_index()
        scratch.run("update-index", "--index-info", index=index, stdin="".join(
            f"{e}\n" for e in entries).encode("utf-8", "surrogateescape"))
        out = scratch.run("check-attr", "--cached", "--stdin", "-z", "merge", index=index,
                          stdin="".join(f"{p}\0" for p in paths).encode(
                              "utf-8", "surrogateescape")).decode("utf-8", "surrogateescape")
        fields = out.split("\0")
        return {fields[i]: fields[i + 2] for i in range(0, len(fields) - 2, 3)}

    def custom_merge_drivers(self, paths: Iterable[str]) -> dict[str, str]:
        """path -> the repository's own merge driver git would run on it in a real merge
        (`.gitattributes` merge=<name>, or merge.default, with merge.<name>.driver set).
        Read from configuration and attributes only: the driver never runs here."""
        defined, default = set(), None
        for key, value in self._settings():
            if key == "merge.default":
                default = value
            elif key.startswith("merge.") and key.endswith(".driver") and value:
                defined.add(key[len("merge."):-len(".driver")])
        paths = list(paths)
        if not defined or not paths:
            return {}
        stdin = "".join(f"{p}\0" for p in paths).encode("utf-8", "surrogateescape")
        attrs = self.run_bytes("check-attr", "-z", "--stdin", "merge", stdin=stdin,
                               env={"GIT_LITERAL_PATHSPECS": "0"}).decode("utf-8",
                                                                          "surrogateescape")
        parts = attrs.split("\0")
        result = {}
        for i in range(0, len(parts) - 2, 3):
            path, value = parts[i], parts[i + 2]
            name = default if value == "unspecified" else value
            if name in defined:
                result[path] = name
        return result

    def close(self) -> None:
        if self._scratch is not None:
            self._scratch.close()
            self._scratch = None


class _Snapshot:
    """The tree a worktree would commit with `git add -A`, built without `git add` (which
    runs clean filters and hooks) and without refreshing the worktree's index: files whose
    stat data changed are hashed by the scratch repository, which knows no filter."""

    def __init__(self, repo: GitRepo, worktree: str, head: str, index: str | None = None,
                 paths: tuple[str, ...] = (), overlay: dict[str, str] | None = None):
        self.repo, self.worktree, self.head = repo, worktree, head
        self.overlay = overlay or {}
        self.scratch = repo.scratch()
        self.index = index or os.path.join(repo.worktree_git_dir(worktree), "index")
        self.null = "0" * (64 if repo.object_format == "sha256" else 40)
        self.paths = paths
        self.specs, self.spec_env = pathspec_args(paths)

    def commit(self, staged_only: bool) -> str:
        if staged_only and not self.overlay:
            tree = self._index_tree() or self._index_as_it_is()
            if tree:
                return self.scratch.write_commit(tree, self.head, self.repo.object_format)
        overlay = [f"100644 {self._blob(text)}\t".encode()
                   + path.encode("utf-8", "surrogateescape") + b"\0"
                   for path, text in self.overlay.items()]  # last: an entry's later line wins
        read = None if staged_only else self._from_status()
        if read is not None:
            changed, on_disk = read
            if not changed and not overlay:
                return self.head
            tree = self._tree_with(on_disk, overlay)
            if tree:
                return self.scratch.write_commit(tree, self.head, self.repo.object_format)
        staged, unmerged = self._staged()
        changes = [] if staged_only else self._unstaged_and_untracked()
        if not staged and not unmerged and not changes and not overlay:
            return self.head
        scratch_index = self.scratch.new_index()
        try:
            # a copy of the worktree's index already holds HEAD and what is staged, with
            # its cached trees: only the changed directories are hashed again
            tree = self._write_tree(scratch_index, self._copy_of_index,
                                    [*unmerged, *changes, *overlay])
        except (GitError, OSError):
            # an index git cannot read alone (a split index's shared part stays behind)
            tree = self._write_tree(scratch_index, self._read_head, [*staged, *changes,
                                                                      *overlay])
        return self.scratch.write_commit(tree, self.head, self.repo.object_format)

    def _tree_with(self, on_disk: list[bytes], overlay: list[bytes]) -> str:
        """The tree of a copy of the worktree's index with the files `status` found changed
        on disk put in by `update-index --add --remove` itself (stored as git would: line
        endings by the attributes, links as links; no filter is defined here), into the
        store that sees no other. "" when git cannot (the long way then)."""
        paths = [p for p in on_disk if self._kind(p) != "other"]
        scratch_index = self.scratch.new_index()
        try:
            self._copy_of_index(scratch_index)
            if paths:
                self.scratch.run("update-index", "--add", "--remove", "-z", "--stdin",
                                 work_tree=self.worktree, cwd=self.worktree,
                                 index=scratch_index, stdin=b"".join(p + b"\0" for p in paths),
                                 env={"GIT_OBJECT_DIRECTORY": self.scratch.hashed_dir})
            if overlay:
                self.scratch.run("update-index", "-z", "--index-info", index=scratch_index,
                                 stdin=b"".join(overlay))
            return self.scratch.run("write-tree", index=scratch_index).decode().strip()
        except (GitError, OSError):
            return ""
        finally:
            if os.path.lexists(scratch_index):
                os.unlink(scratch_index)

    def _index_tree(self) -> str:
        """The tree of the index as `git write-tree` writes it, built from the index file
        (`index_tree`: the folders the cache-tree holds reused, those on the way to what was
        staged since written into the scratch store), a process saved on every commit; ""
        when the index is not one read here (then git writes it)."""
        from analyzer.sources.git.index_file import Unreadable, read_index
        from analyzer.sources.git.index_tree import index_tree

        try:
            tree, written = index_tree(read_index(self.index, self.repo.object_format),
                                       self.repo.object_format)
        except Unreadable:
            return ""
        for kind, data in written:
            self.scratch.write_object(kind, data, self.repo.object_format)
        return tree

    def _index_as_it_is(self) -> str:
        """The tree of the index, written from a copy of it (what is being committed); ""
        when git cannot write it so (an unresolved conflict, a split index): the long way."""
        if not os.path.exists(self.index):
            return ""
        scratch_index = self.scratch.new_index()
        try:
            return self._write_tree(scratch_index, self._copy_of_index, [])
        except (GitError, OSError):
            return ""

    def _blob(self, text: str) -> str:
        return self.scratch.write_blob(text.encode("utf-8", "surrogateescape"),
                                       self.repo.object_format)

    def _from_status(self) -> tuple[bool, list[bytes]] | None:
        """The worktree's changes within the pathspecs from one `git status` (staged,
        unstaged and untracked at once, compared in memory: the index is never written),
        run in a git directory of ours whose HEAD is the worktree's commit: whether anything
        differs from HEAD, and the paths to read from disk. None when the worktree has an
        unresolved conflict (read the long way) or status cannot run."""
        if not os.path.exists(self.index):
            return None
        exclude = os.path.join(self.repo.common_dir, "info", "exclude")
        git_dir = self.scratch.status_dir(self.head, exclude)
        try:
            out = self.scratch.run(
                "status", "--porcelain=v2", "-z", "--untracked-files=all", "--no-renames",
                "--ignore-submodules=all", *self.specs, work_tree=self.worktree,
                index=self.index, env={**self.spec_env, "GIT_DIR": git_dir,
                                       "GIT_OBJECT_DIRECTORY": self.scratch.objects_dir})
        except GitError:
            return None
        finally:
            shutil.rmtree(git_dir, ignore_errors=True)
        changed = False
        on_disk: list[bytes] = []
        untracked: list[str] = []
        for entry in out.split(b"\0"):
            if entry.startswith(b"1 "):
                fields = entry.split(b" ", 8)
                changed = True
                if fields[1][1:2] != b".":  # changed on disk since the index: read it there
                    on_disk.append(fields[8])
            elif entry.startswith(b"? "):
                changed = True
                on_disk.append(entry[2:])
                untracked.append(entry[2:].decode("utf-8", "surrogateescape"))
            elif entry[:2] in (b"u ", b"2 "):
                return None
        self.repo.remember_untracked(self.worktree, self.paths, untracked)
        return changed, on_disk

    def _write_tree(self, scratch_index: str, start: Callable[[str], None],
                    lines: list[bytes]) -> str:
        try:
            start(scratch_index)
            if lines:
                self.scratch.run("update-index", "-z", "--index-info", index=scratch_index,
                                 stdin=b"".join(lines))
            return self.scratch.run("write-tree", index=scratch_index).decode().strip()
        finally:
            if os.path.lexists(scratch_index):
                os.unlink(scratch_index)

    def _copy_of_index(self, scratch_index: str) -> None:
        """The worktree's index, copied byte for byte into our directory (never written),
        with its modification time: git trusts an entry's stat data only when the file is
        older than the index, so a newer copy would make a racily clean file (written in the
        index's second, same size) look unchanged to `update-index`, and its edit be lost."""
        shutil.copyfile(self.index, scratch_index)
        status = os.stat(self.index)
        os.utime(scratch_index, ns=(status.st_atime_ns, status.st_mtime_ns))

    def _read_head(self, scratch_index: str) -> None:
        self.scratch.run("read-tree", self.head, index=scratch_index)

    def _staged(self) -> tuple[list[bytes], list[bytes]]:
        """Index entries that differ from HEAD, read from the index file (never written);
        and for each unresolved conflict, HEAD's version (what the snapshot keeps)."""
        if not os.path.exists(self.index):
            return [], []
        out = self.scratch.run("diff-index", "--cached", "-z", "--raw", "--no-renames",
                               "--ignore-submodules", self.head, *self.specs,
                               index=self.index, env=self.spec_env)
        lines, unmerged = [], []
        for meta, path in _raw_entries(out):
            old_mode, new_mode, old_oid, new_oid, status = meta.lstrip(":").split()
            if status == "D":
                lines.append(self._removal(path))
            elif status == "U":  # unresolved conflict: keep HEAD's version
                unmerged.append(self._removal(path) if set(old_mode) == {"0"}
                                else f"{old_mode} {old_oid}\t".encode() + path + b"\0")
            else:
                lines.append(f"{new_mode} {new_oid}\t".encode() + path + b"\0")
        return lines, unmerged

    def _unstaged_and_untracked(self) -> list[bytes]:
        changed: list[bytes] = []
        removed: list[bytes] = []
        index_oid: dict[bytes, str] = {}
        if os.path.exists(self.index):
            out = self.scratch.run("diff-files", "-z", "--raw", "--ignore-submodules",
                                   *self.specs, work_tree=self.worktree, index=self.index,
                                   env=self.spec_env)
            for meta, path in _raw_entries(out):
                _, _, old_oid, _, status = meta.split()
                if status == "D":
                    removed.append(path)
                elif status != "U":
                    changed.append(path)
                    index_oid[path] = old_oid
        untracked = [p.encode("utf-8", "surrogateescape")
                     for p in self.repo.untracked(self.worktree, self.paths)]
        return [*(self._removal(p) for p in removed),
                *self._from_disk([*changed, *untracked], index_oid)]

    def _from_disk(self, paths: list[bytes], index_oid: dict[bytes, str]) -> list[bytes]:
        """Index lines for files as they are on disk: links stored by target, regular files
        hashed (those whose content is the index's drop out), the rest removed or left."""
        lines: list[bytes] = []
        regular: list[tuple[bytes, str]] = []
        for path in paths:
            kind = self._kind(path) if b"\n" not in path else "other"
            if kind == "gone":
                lines.append(self._removal(path))
            elif kind == "link":
                target = os.readlink(os.path.join(os.fsencode(self.worktree), path))
                oid = self.scratch.write_blob(target, self.repo.object_format)
                lines.append(f"120000 {oid}\t".encode() + path + b"\0")
            elif kind in ("100644", "100755"):
                regular.append((path, kind))
        if regular:
            oids = self.scratch.hash_files(self.worktree, [p for p, _ in regular])
            for (path, mode), oid in zip(regular, oids, strict=True):
                if index_oid.get(path) != oid:  # stat-dirty but unchanged files drop out
                    lines.append(f"{mode} {oid}\t".encode() + path + b"\0")
        return lines

    def _removal(self, path: bytes) -> bytes:
        return f"0 {self.null}\t".encode() + path + b"\0"  # mode 0 removes the entry

    def _kind(self, path: bytes) -> str:
        """A worktree entry by lstat: never follows a link, never opens a FIFO or device, and
        never leaves the worktree through a linked directory."""
        root = os.path.realpath(os.fsencode(self.worktree))
        full = os.path.join(os.fsencode(self.worktree), path)
        try:
            parent = os.path.realpath(os.path.dirname(full))
            if parent != root and not parent.startswith(root + b"/"):
                return "gone"
            info = os.lstat(full)
        except OSError:
            return "gone"
        if stat.S_ISLNK(info.st_mode):
            return "link"
        if stat.S_ISREG(info.st_mode):
            return "100755" if info.st_mode & 0o111 else "100644"
        return "other"  # a directory (submodule, nested repository), FIFO, socket, device

def pathspec_args(paths: tuple[str, ...]) -> tuple[list[str], dict[str, str]]:
    """`-- <pathspecs>` and the environment that lets git read their magic. Every pathspec
    says what it is: ours carry `:(glob)`; a plain path is taken literally (`:(literal)`),
    so a file named like pathspec magic stays a file name."""
    if not paths:
        return [], {}
    specs = [p if p.startswith((":(glob)", ":(literal)")) else f":(literal){p}"
             for p in paths]
    return ["--", *specs], {"GIT_LITERAL_PATHSPECS": "0"}


def _batch_input(names: list[str]) -> bytes:
    """`cat-file --batch` input: a name a line (one with a newline would be read as two)."""
    if any("\n" in name for name in names):
        raise InputError("a name git cat-file cannot take (a newline)")
    return "".join(f"{name}\n" for name in names).encode("utf-8", "surrogateescape")


def _text_of(got: tuple[str, bytes] | None) -> str | None:
    """A blob's text as every reader takes it; None for no blob, or a binary one (a NUL in
    its first 8,000 bytes, git's own test)."""
    if got is None or got[0] != "blob" or b"\0" in got[1][:8000]:
        return None
    return got[1].decode("utf-8", "replace")


def _batch_output(out: bytes, names: list[str]) -> dict[str, tuple[str, bytes] | None]:
    """`cat-file --batch` output: name -> (type, raw content), None when git has nothing by
    that name (`<name> missing`, `<name> ambiguous`; a name may hold spaces)."""
    result: dict[str, tuple[str, bytes] | None] = {}
    position = 0
    for name in names:
        newline = out.find(b"\n", position)
        if newline < 0:
            raise InputError(f"git cat-file answered {len(result)} objects of {len(names)}")
        header = out[position:newline].rsplit(b" ", 2)
        position = newline + 1
        if len(header) != 3 or not header[2].isdigit() or not _HEX.fullmatch(
                header[0].decode("ascii", "replace")):
            result[name] = None
            continue
        size = int(header[2])
        result[name] = (header[1].decode("ascii", "replace"), out[position:position + size])
        position += size + 1
    return result


def _raw_entries(out: bytes) -> list[tuple[str, bytes]]:
    """(":old new oid oid status", path) pairs of `--raw -z` output."""
    parts = out.split(b"\0")
    return [(parts[i].decode(), parts[i + 1]) for i in range(0, len(parts) - 1, 2)
            if parts[i].startswith(b":")]


def read_merge(parts: list[str], position: int) -> tuple[MergeResult, int]:
    """One merge of `merge-tree -z --name-only` output, its tree at `position`: the
    conflicted paths up to an empty field, then the messages (a count, that many paths, a
    kind, the text); and where the next field starts."""
    tree = parts[position]
    end = parts.index("", position + 1) if "" in parts[position + 1:] else len(parts)
    conflicted = tuple(sorted(set(parts[position + 1:end])))
    conflicts: list[MergeConflict] = []
    position = end + 1
    while position < len(parts) and parts[position].isdigit():
        count = int(parts[position])
        paths = tuple(parts[position + 1:position + 1 + count])
        kind, message = parts[position + 1 + count:position + 3 + count]
        position += count + 3
        if kind.startswith("CONFLICT ("):
            conflicts.append(MergeConflict(kind[len("CONFLICT ("):].rstrip(")"), paths,
                                           message.strip()))
    return MergeResult(tree, conflicted, tuple(conflicts)), position


def read_merges(out: str, count: int) -> list[MergeResult]:
    """`merge-tree --stdin --messages` output (git 2.40+): per merge its status (1 clean,
    0 conflicted), then what one merge prints (tree, paths, an empty field, messages), then
    an empty field."""
    parts = out.split("\0")
    results: list[MergeResult] = []
    position = 0
    while len(results) < count:
        if position + 1 >= len(parts) or parts[position] not in ("0", "1"):
            raise InputError(f"git merge-tree --stdin answered {len(results)} merges of "
                             f"{count}")
        result, position = read_merge(parts, position + 1)
        results.append(result)
        if position < len(parts) and parts[position] == "":
            position += 1  # the empty field that ends this merge
    return results


def _snapshot_key(worktree: str, staged_only: bool, paths: Iterable[str],
                  overlay: dict[str, str] | None = None) -> tuple[object, ...]:
    """What makes two snapshots of a worktree the same: one taken once per run."""
    return (os.path.realpath(worktree), staged_only, tuple(paths),
            tuple(sorted((overlay or {}).items())))


def _explained(error: GitError) -> InputError:
    """git's message, with what to do when the cause is a partial clone's missing objects."""
    text = error.message
    if any(s in text for s in ("not allowed", "promisor", "unable to read", "bad object",
                               "missing blob", "Could not read")):
        return InputError(f"{text} — objects are missing here (a partial or incomplete "
                          "clone?); conflictscan never downloads anything: fetch the full "
                          "history first (a clone without --filter)", error.path)
    return error


def attribute_entries(entries: Iterable[tuple[str, str, str, str]]
                      ) -> list[tuple[str, str, str, str]]:
    """The .gitattributes files of a tree listing's (mode, type, id, path) entries."""
    return [e for e in entries if e[3].rpartition("/")[2] == ".gitattributes"]


def _under(path: str, pathspecs: list[str]) -> bool:
    """Whether literal pathspecs match a path as git matches them: the path itself, or
    anything inside it (`dir/` matches only inside)."""
    return any(path.startswith(spec) if spec.endswith("/") else
               path == spec or path.startswith(spec + "/") for spec in pathspecs)


def _ancestors(directories: Iterable[str]) -> set[str]:
    """Every directory on the way to these, the root ("") included."""
    result = {""}
    for directory in directories:
        while directory:
            result.add(directory)
            directory = posixpath.dirname(directory)
    return result


def _field(text: str) -> tuple[str, str]:
    name, _, value = text.partition(" ")
    return name, value
