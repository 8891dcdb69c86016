"""Our private scratch repository: where merge simulations and worktree snapshots write.

It lives in conflictscan's own temporary directory, reads no configuration but ours (see
runner), and borrows the scanned repository's objects read-only through an alternate, so
the scanned repository's object store, index and configuration never take part in a write.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import threading
import zlib
from collections.abc import Iterable, Mapping

from analyzer.sources.git.objects import object_id, stored
from analyzer.sources.git.runner import run_git
from analyzer.tempfiles import private_dir, release

SNAPSHOT_MESSAGE = "conflictscan snapshot"
_IDENTITY = {"GIT_AUTHOR_NAME": "conflictscan", "GIT_AUTHOR_EMAIL": "conflictscan@localhost",
             "GIT_COMMITTER_NAME": "conflictscan", "GIT_COMMITTER_EMAIL": "conflictscan@localhost",
             "GIT_AUTHOR_DATE": "1700000000 +0000", "GIT_COMMITTER_DATE": "1700000000 +0000"}


def _init_bare(git_dir: str, object_format: str) -> None:
    """What `git init --bare --template=` writes, written directly (a process saved on every
    run): HEAD, an empty object store and ref tree, and the format in the configuration."""
    for folder in ("", "objects", "objects/info", "objects/pack", "refs", "refs/heads",
                   "refs/tags"):  # mkdir, never makedirs: see write_object
        os.mkdir(os.path.join(git_dir, folder))
    with open(os.path.join(git_dir, "HEAD"), "w", encoding="utf-8") as handle:
        handle.write("ref: refs/heads/main\n")
    version, extension = ("1", "[extensions]\n\tobjectformat = sha256\n") \
        if object_format == "sha256" else ("0", "")
    with open(os.path.join(git_dir, "config"), "w", encoding="utf-8") as handle:
        handle.write(f"[core]\n\trepositoryformatversion = {version}\n\tbare = true\n"
                     f"{extension}")


class ScratchRepo:
    def __init__(self, objects_dir: str, object_format: str, shallow_file: str | None,
                 config: Iterable[tuple[str, str]] = ()):
        self.dir = private_dir()
        self.git_dir = os.path.join(self.dir, "scratch.git")
        # safe settings copied from the scanned repository; and no preloading threads: they
        # stat the whole index in parallel (~15 ms a worktree on a busy machine) where the
        # pathspecs leave a few entries to look at
        self.config = (*tuple(config), ("core.preloadIndex", "false"))
        self._lock = threading.Lock()
        self._indexes = 0
        _init_bare(self.git_dir, object_format)
        self.objects_dir = os.path.join(self.git_dir, "objects")
        # Files we hash go into a store of their own that sees no other: git "freshens" (sets
        # the mtime of) an object it would write when any store it sees has it already.
        self.hashed_dir = os.path.join(self.dir, "hashed-objects")
        for folder in ("", "info", "pack"):
            os.mkdir(os.path.join(self.hashed_dir, folder))
        with open(os.path.join(self.objects_dir, "info", "alternates"), "w",
                  encoding="utf-8") as handle:
            handle.write(f"{objects_dir}\n{self.hashed_dir}\n")
        if shallow_file and os.path.isfile(shallow_file):
            # a shallow clone's history ends where its `shallow` file says: copy the list
            shutil.copyfile(shallow_file, os.path.join(self.git_dir, "shallow"))

    def run(self, *args: str, cwd: str | None = None, work_tree: str | None = None,
            index: str | None = None, stdin: bytes | None = None, ok: Iterable[int] = (0,),
            env: Mapping[str, str] | None = None) -> bytes:
        """A git command inside the scratch repository (optionally on a worktree's files and
        an index file, read-only unless the index is one of ours)."""
        extra = {"GIT_DIR": self.git_dir, **_IDENTITY, **(env or {})}
        if work_tree:
            extra["GIT_WORK_TREE"] = work_tree
        if index:
            extra["GIT_INDEX_FILE"] = index
        return run_git(args, cwd or work_tree or self.dir, env=extra, stdin=stdin, ok=ok,
                       isolated=True, config=self.config)

    def hash_files(self, work_tree: str, paths: list[bytes]) -> list[str]:
        """Store worktree files as git would (line endings by the worktree's attributes; no
        filter is defined here, so none runs) into the store that sees no other."""
        out = self.run("hash-object", "-w", "--stdin-paths", work_tree=work_tree, cwd=work_tree,
                       stdin=b"".join(p + b"\n" for p in paths),
                       env={"GIT_OBJECT_DIRECTORY": self.hashed_dir})
        return out.decode().split()

    def new_index(self) -> str:
        with self._lock:
            self._indexes += 1
            return os.path.join(self.dir, f"index-{self._indexes}")

    def write_blob(self, data: bytes, object_format: str) -> str:
        """Store a blob (a symlink's target) ourselves: git would follow the link to hash it."""
        return self.write_object("blob", data, object_format)

    def write_commit(self, tree: str, parent: str, object_format: str) -> str:
        """A snapshot commit, written as `git commit-tree` with our fixed identity writes it
        (the same object, byte for byte): a process saved per snapshot."""
        stamp = f"{_IDENTITY['GIT_AUTHOR_NAME']} <{_IDENTITY['GIT_AUTHOR_EMAIL']}> " \
                f"{_IDENTITY['GIT_AUTHOR_DATE']}"
        body = (f"tree {tree}\nparent {parent}\nauthor {stamp}\ncommitter {stamp}\n\n"
                f"{SNAPSHOT_MESSAGE}\n")
        return self.write_object("commit", body.encode(), object_format)

    def write_object(self, kind: str, data: bytes, object_format: str) -> str:
        """A loose object in the scratch store, named by its hash (sha1 or sha256)."""
        digest = object_id(kind, data, object_format)
        path = os.path.join(self.objects_dir, digest[:2], digest[2:])
        if not os.path.exists(path):
            # mkdir, never makedirs: once a signal has removed our directory, a thread still
            # writing must fail rather than create it again (and leave it behind)
            with contextlib.suppress(FileExistsError):
                os.mkdir(os.path.dirname(path))
            temporary = f"{path}.{threading.get_ident()}.tmp"
            with open(temporary, "wb") as handle:
                handle.write(zlib.compress(stored(kind, data)))
            os.replace(temporary, path)
        return digest

    def status_dir(self, head: str, exclude: str | None) -> str:
        """A git directory of our own for reading one worktree with `git status`: its HEAD is
        the worktree's commit (status compares the index with HEAD), its objects are the
        scratch store's (GIT_OBJECT_DIRECTORY), its excludes a copy of the repository's
        `info/exclude`. Nothing in it is the scanned repository's."""
        with self._lock:
            self._indexes += 1
            git_dir = os.path.join(self.dir, f"status-{self._indexes}")
        for folder in ("", "refs", "info"):  # mkdir: see write_object
            os.mkdir(os.path.join(git_dir, folder))
        with open(os.path.join(git_dir, "HEAD"), "w", encoding="utf-8") as handle:
            handle.write(f"{head}\n")
        shutil.copyfile(os.path.join(self.git_dir, "config"), os.path.join(git_dir, "config"))
        if exclude and os.path.isfile(exclude):
            shutil.copyfile(exclude, os.path.join(git_dir, "info", "exclude"))
        return git_dir

    def close(self) -> None:
        release(self.dir)
