"""Read-only access to the scanned repository: refs, diffs, blobs, merge simulations.

Everything that could write (a merge simulation, a snapshot of a worktree's uncommitted
changes) goes into a temporary object directory that borrows the repository's objects as an
alternate, and a temporary index file: the user's object store and index are never touched.
"""

from __future__ import annotations

import fnmatch
import os
import re
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Iterable
from dataclasses import dataclass

from analyzer.errors import InputError

_HEX = re.compile(r"[0-9a-f]{40}")
_IDENTITY = {"GIT_AUTHOR_NAME": "conflictscan", "GIT_AUTHOR_EMAIL": "conflictscan@localhost",
             "GIT_COMMITTER_NAME": "conflictscan", "GIT_COMMITTER_EMAIL": "conflictscan@localhost"}


@dataclass(frozen=True)
class Worktree:
    path: str
    head: str  # commit sha
    branch: str | None  # short branch name, None when detached
    is_main: bool


class GitRepo:
    def __init__(self, path: str):
        from git import InvalidGitRepositoryError, NoSuchPathError, Repo

        try:
            self.repo = Repo(path, search_parent_directories=True)
        except (InvalidGitRepositoryError, NoSuchPathError):
            raise InputError("not a git repository (or any parent up to the root)", path) from None
        if self.repo.bare or not self.repo.working_tree_dir:
            raise InputError("a bare repository has no worktrees to compare; run it in a "
                             "checkout", path)
        self.root = str(self.repo.working_tree_dir)
        common = self.run("rev-parse", "--path-format=absolute", "--git-common-dir").strip()
        self.objects_dir = os.path.join(common, "objects")
        self._scratch: tempfile.TemporaryDirectory[str] | None = None
        self._snapshots = 0
        self._lock = threading.Lock()

    # -- plain commands ------------------------------------------------------------------

    def run(self, *args: str, cwd: str | None = None, env: dict[str, str] | None = None,
            ok: Iterable[int] = (0,)) -> str:
        return self.run_bytes(*args, cwd=cwd, env=env, ok=ok).decode("utf-8", "surrogateescape")

    def run_bytes(self, *args: str, cwd: str | None = None, env: dict[str, str] | None = None,
                  ok: Iterable[int] = (0,), stdin: bytes | None = None) -> bytes:
        command = ["git", "-c", "core.quotePath=false", *args]
        done = subprocess.run(command, cwd=cwd or self.root, capture_output=True, input=stdin,
                              env={**os.environ, **(env or {})}, check=False)
        if done.returncode not in tuple(ok):
            message = done.stderr.decode("utf-8", "replace").strip().splitlines()
            raise InputError(f"git {args[0]} failed: {message[-1] if message else done.returncode}",
                             cwd or self.root)
        return done.stdout

    # -- refs ----------------------------------------------------------------------------

    def resolve(self, ref: str) -> str:
        try:
            return str(self.repo.rev_parse(f"{ref}^{{commit}}").hexsha)
        except Exception:
            raise InputError(f"unknown revision {ref!r}: not a branch, tag or commit here",
                             self.root) from None

    def default_base(self) -> str:
        """origin/HEAD, else main, else master: what most teams merge into."""
        try:
            target = self.repo.git.symbolic_ref("refs/remotes/origin/HEAD", short=True)
            if target:
                return str(target)
        except Exception:
            pass
        names = {head.name for head in self.repo.heads}
        for candidate in ("main", "master"):
            if candidate in names:
                return candidate
        raise InputError("cannot tell the base branch (no origin/HEAD, main or master); "
                         "name it with --base", self.root)

    def local_branches(self) -> list[str]:
        return [head.name for head in self.repo.heads]

    def remote_branches(self) -> list[str]:
        return [ref.name for remote in self.repo.remotes for ref in remote.refs
                if not ref.name.endswith("/HEAD")]

    def refs_matching(self, pattern: str) -> list[str]:
        """Refs matching a pattern, full (`refs/pull/*/head`) or short (`origin/pr-*`)."""
        out = self.run("for-each-ref", "--format=%(refname)")
        result = []
        for ref in out.split():
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
        listing = self.run("worktree", "list", "--porcelain", "-z")
        result: list[Worktree] = []
        for block in listing.split("\0\0"):
            fields = dict(_field(f) for f in block.split("\0") if f)
            if "worktree" not in fields or "bare" in fields or "HEAD" not in fields:
                continue
            branch = fields.get("branch", "").removeprefix("refs/heads/") or None
            result.append(Worktree(fields["worktree"], fields["HEAD"], branch, not result))
        return result

    def current_worktree(self, directory: str) -> Worktree:
        """The worktree that holds `directory`: where a commit is being made."""
        top = os.path.realpath(self.run("rev-parse", "--show-toplevel", cwd=directory).strip())
        for worktree in self.worktrees():
            if os.path.realpath(worktree.path) == top:
                return worktree
        raise InputError("not inside a worktree of this repository", directory)

    def is_shallow(self) -> bool:
        return self.run("rev-parse", "--is-shallow-repository").strip() == "true"

    def merge_base(self, a: str, b: str) -> str | None:
        out = self.run("merge-base", a, b, ok=(0, 1)).strip()
        return out or None

    # -- diffs and contents --------------------------------------------------------------

    def worktree_diff(self, old: str, worktree: str) -> str:
        """Zero-context diff from commit `old` to the files of a worktree (staged or not)."""
        return self.run("diff", "-U0", "--full-index", "--no-color", "--no-ext-diff",
                        "--no-textconv", "--find-renames", "--src-prefix=a/", "--dst-prefix=b/",
                        "--submodule=short", old, cwd=worktree)

    def diffs(self, pairs: list[tuple[str, str]]) -> list[str]:
        """Zero-context diffs old..new for many commit pairs through one `git diff-tree`."""
        if not pairs:
            return []
        stdin = "".join(f"{new} {old}\n" for old, new in pairs).encode()
        out = self.run_bytes("diff-tree", "--stdin", "--always", "-r", "-p", "-U0", "--full-index",
                             "--no-color", "--no-ext-diff", "--no-textconv", "--find-renames",
                             "--src-prefix=a/", "--dst-prefix=b/", "--submodule=short",
                             stdin=stdin).decode("utf-8", "surrogateescape")
        chunks: list[list[str]] = []
        for line in out.splitlines(keepends=True):
            if len(line.rstrip("\n")) == 40 and _HEX.fullmatch(line.rstrip("\n")):
                chunks.append([])  # a commit line: the next diff starts; diff lines never match
            elif chunks:
                chunks[-1].append(line)
        if len(chunks) != len(pairs):
            raise InputError(f"git diff-tree answered {len(chunks)} diffs for {len(pairs)}",
                             self.root)
        return ["".join(chunk) for chunk in chunks]

    def commits_containing(self, commit: str) -> set[str]:
        """Tips of all refs that already contain `commit`: their merge-base with it is it."""
        out = self.run("for-each-ref", "--contains", commit, "--format=%(objectname)")
        return set(out.split())

    def changed_paths(self, old: str, new: str) -> set[str]:
        out = self.run("diff", "--name-only", "-z", "--no-renames", old, new)
        return {p for p in out.split("\0") if p}

    def changes(self, old: str, new: str) -> tuple[set[str], set[str]]:
        """(paths changed, paths added) from old to new, renames as a delete and an add."""
        out = self.run("diff", "--name-status", "-z", "--no-renames", old, new).split("\0")
        pairs = list(zip(out[::2], out[1::2], strict=False))  # a trailing "" is left over
        return {p for _, p in pairs}, {p for status, p in pairs if status == "A"}

    def untracked(self, cwd: str) -> list[str]:
        out = self.run("ls-files", "-z", "--others", "--exclude-standard", cwd=cwd)
        return [p for p in out.split("\0") if p]

    def list_tree(self, commit: str, directories: Iterable[str]) -> list[str]:
        dirs = [d for d in directories if d]
        if not dirs:
            return []
        out = self.run("ls-tree", "-r", "--name-only", "-z", commit, "--", *dirs)
        return [p for p in out.split("\0") if p]

    def read_blobs(self, specs: list[str], cwd: str | None = None,
                   env: dict[str, str] | None = None) -> dict[str, str | None]:
        """`rev:path` -> text (None when absent or binary), through one `git cat-file --batch`."""
        if not specs:
            return {}
        out = self.run_bytes("cat-file", "--batch", cwd=cwd, env=env, stdin="".join(
            f"{s}\n" for s in specs).encode("utf-8", "surrogateescape"))
        result: dict[str, str | None] = {}
        position = 0
        for spec in specs:
            newline = out.index(b"\n", position)
            header = out[position:newline].decode("utf-8", "replace").split()
            position = newline + 1
            if len(header) < 3 or header[1] != "blob":
                result[spec] = None
                continue
            size = int(header[2])
            data = out[position:position + size]
            position += size + 1
            result[spec] = None if b"\0" in data[:8000] else data.decode("utf-8", "replace")
        return result

    # -- merge simulation in a scratch object store --------------------------------------

    def _scratch_env(self) -> dict[str, str]:
        with self._lock:  # merge simulations run in threads
            if self._scratch is None:
                self._scratch = tempfile.TemporaryDirectory(prefix="conflictscan-")
                os.makedirs(os.path.join(self._scratch.name, "objects", "info"))
        return {"GIT_OBJECT_DIRECTORY": os.path.join(self._scratch.name, "objects"),
                "GIT_ALTERNATE_OBJECT_DIRECTORIES": self.objects_dir, **_IDENTITY}

    def snapshot_worktree(self, worktree: str, head: str, staged_only: bool = False) -> str:
        """A commit of the worktree as it is (staged, unstaged, untracked), or of its index
        alone, written only to the scratch object store through a scratch index."""
        env = self._scratch_env()
        self._snapshots += 1
        assert self._scratch is not None
        scratch_index = os.path.join(self._scratch.name, f"index-{self._snapshots}")
        # Start from a copy of the worktree's own index: its stat data lets `git add` hash
        # only the files that changed, and the real index is never written.
        real_index = self.run("rev-parse", "--path-format=absolute", "--git-path", "index",
                              cwd=worktree).strip()
        if os.path.exists(real_index):
            shutil.copyfile(real_index, scratch_index)
            env["GIT_INDEX_FILE"] = scratch_index
        else:
            env["GIT_INDEX_FILE"] = scratch_index
            self.run("read-tree", head, cwd=worktree, env=env)
        if not staged_only:
            self.run("add", "-A", "--", ".", cwd=worktree, env=env)
        tree = self.run("write-tree", cwd=worktree, env=env).strip()
        return self.run("commit-tree", tree, "-p", head, "-m", "conflictscan snapshot",
                        cwd=worktree, env=env).strip()

    def merge_tree(self, a: str, b: str) -> tuple[str, list[str]]:
        """The tree `git merge-tree --write-tree` makes of a and b (in the scratch object
        store, conflict markers and all) and the paths it reports as conflicted."""
        out = self.run("merge-tree", "--write-tree", "--name-only", "--no-messages", "-z", a, b,
                       env=self._scratch_env(), ok=(0, 1))
        parts = out.split("\0")
        return parts[0].strip(), sorted({p for p in parts[1:] if p})

    def scratch_files(self, tree: str, directories: Iterable[str]) -> list[str]:
        """`list_tree` for trees that may exist only in the scratch object store."""
        dirs = [d for d in directories if d]
        if not dirs:
            return []
        out = self.run("ls-tree", "-r", "--name-only", "-z", tree, "--", *dirs,
                       env=self._scratch_env())
        return [p for p in out.split("\0") if p]

    def scratch_blobs(self, specs: list[str]) -> dict[str, str | None]:
        """`read_blobs` for trees that may exist only in the scratch object store."""
        return self.read_blobs(specs, env=self._scratch_env())

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

    def merge_conflicts(self, a: str, b: str) -> list[str]:
        """Paths `git merge-tree --write-tree` reports as conflicted when merging a and b."""
        out = self.run("merge-tree", "--write-tree", "--name-only", "--no-messages", "-z", a, b,
                       env=self._scratch_env(), ok=(0, 1))
        parts = out.split("\0")
        return sorted({p for p in parts[1:] if p})

    def close(self) -> None:
        if self._scratch is not None:
            self._scratch.cleanup()
            self._scratch = None
        self.repo.close()


def _field(text: str) -> tuple[str, str]:
    name, _, value = text.partition(" ")
    return name, value
