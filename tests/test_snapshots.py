"""Worktree snapshots start from a copy of the worktree's index: what a split index, an
unresolved conflict or a pathspec does to them, and that the worktree's index is never
written."""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

import pytest

from analyzer.sources.git.scratch import SNAPSHOT_MESSAGE
from analyzer.sources.git_repo import GitRepo
from tests.conftest import git, write_files


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def snapshot(root: Path, paths: tuple[str, ...] = ()) -> dict[str, str | None]:
    """path -> text in the snapshot (read before the scratch repository goes)."""
    repo = GitRepo(str(root))
    try:
        head = git(root, "rev-parse", "HEAD").strip()
        commit = repo.snapshot_worktree(str(root), head, paths=paths)
        names = [p for p in repo.run("ls-tree", "-r", "-z", "--name-only", commit).split("\0")
                 if p]
        texts = repo.read_blobs([f"{commit}:{name}" for name in names])
        return {spec.split(":", 1)[1]: text for spec, text in texts.items()}
    finally:
        repo.close()


def test_staged_unstaged_and_untracked_all_land(repo) -> None:
    root = repo({"a.txt": "a\n", "b.txt": "b\n", "dir/c.txt": "c\n"})
    write_files(root, {"a.txt": "staged\n", "dir/c.txt": "unstaged\n", "new.txt": "new\n"})
    git(root, "add", "a.txt")
    (root / "b.txt").unlink()
    before = digest(root / ".git" / "index")
    files = snapshot(root)
    assert files == {"a.txt": "staged\n", "dir/c.txt": "unstaged\n", "new.txt": "new\n"}
    assert digest(root / ".git" / "index") == before


def test_a_split_index_is_read_through_head(repo) -> None:
    root = repo({"a.txt": "a\n", "b.txt": "b\n"})
    git(root, "update-index", "--split-index")
    write_files(root, {"a.txt": "changed\n"})
    git(root, "add", "a.txt")
    write_files(root, {"b.txt": "also\n"})
    index_files = sorted((root / ".git").glob("*index*"))
    before = {p.name: digest(p) for p in index_files}
    assert snapshot(root) == {"a.txt": "changed\n", "b.txt": "also\n"}
    assert {p.name: digest(p) for p in sorted((root / ".git").glob("*index*"))} == before


def test_an_unresolved_conflict_keeps_heads_version(repo) -> None:
    root = repo({"a.txt": "a\n", "b.txt": "b\n"})
    head_a = git(root, "rev-parse", "HEAD:a.txt").strip()
    other = fed(root, "theirs\n", "hash-object", "-w", "--stdin").strip()
    entries = "".join(f"100644 {oid} {stage}\ta.txt\n"
                      for oid, stage in ((head_a, 1), (head_a, 2), (other, 3)))
    fed(root, "0 " + "0" * 40 + "\ta.txt\n" + entries, "update-index", "--index-info")
    assert "a.txt" in git(root, "diff", "--name-only", "--diff-filter=U")
    write_files(root, {"b.txt": "changed\n"})
    assert snapshot(root) == {"a.txt": "a\n", "b.txt": "changed\n"}


def test_pathspecs_bound_what_is_read_from_disk(repo) -> None:
    root = repo({"a.txt": "a\n", "requirements.txt": "x\n", "deep/requirements.txt": "y\n"})
    write_files(root, {"a.txt": "changed\n", "requirements.txt": "x\nz\n",
                       "deep/requirements.txt": "y\nz\n", "other.txt": "new\n"})
    files = snapshot(root, ("requirements.txt",))
    assert files == {"a.txt": "a\n", "requirements.txt": "x\nz\n",  # out of scope: HEAD's
                     "deep/requirements.txt": "y\n"}
    files = snapshot(root, (":(glob)**/requirements.txt",))
    assert files["deep/requirements.txt"] == "y\nz\n" and "other.txt" not in files


def fed(root: Path, text: str, *args: str) -> str:
    return subprocess.run(["git", "-C", str(root), *args], input=text, capture_output=True,
                          text=True, check=True).stdout


@pytest.mark.parametrize("object_format", ["sha1", "sha256"])
def test_the_snapshot_commit_is_the_one_git_writes(tmp_path: Path, object_format: str) -> None:
    """The snapshot's commit object is written by us, not by `git commit-tree`: it must be
    the very object git writes, in either hash (a sha256 repository included)."""
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main", f"--object-format={object_format}")
    git(root, "config", "user.email", "t@example.com")
    git(root, "config", "user.name", "T")
    write_files(root, {"a.txt": "a\n", "dir/b.txt": "b\n"})
    git(root, "add", "-A")
    git(root, "commit", "-qm", "initial")
    write_files(root, {"dir/b.txt": "changed\n", "new.txt": "new\n"})
    repo = GitRepo(str(root))
    try:
        head = git(root, "rev-parse", "HEAD").strip()
        commit = repo.snapshot_worktree(str(root), head)
        tree = repo.run("rev-parse", f"{commit}^{{tree}}").strip()
        by_git = repo.scratch().run("commit-tree", tree, "-p", head, "-m",
                                    SNAPSHOT_MESSAGE).decode().strip()
        assert commit == by_git and len(commit) == (64 if object_format == "sha256" else 40)
        assert repo.run("cat-file", "-t", commit).strip() == "commit"
        assert repo.run("rev-parse", f"{commit}^").strip() == head
        assert repo.read_blobs([f"{commit}:new.txt"]) == {f"{commit}:new.txt": "new\n"}
    finally:
        repo.close()


def test_ignored_files_stay_out_of_the_snapshot(repo, tmp_path: Path) -> None:
    """Untracked files are read with the repository's own ignore rules: .gitignore,
    .git/info/exclude and a configured core.excludesFile (the near miss: the rest lands)."""
    root = repo({".gitignore": "*.log\n", "a.txt": "a\n"})
    (root / ".git" / "info").mkdir(exist_ok=True)
    (root / ".git" / "info" / "exclude").write_text("local.cfg\n")
    (tmp_path / "global-ignore").write_text("*.swp\n")
    git(root, "config", "core.excludesFile", str(tmp_path / "global-ignore"))
    write_files(root, {"x.log": "1\n", "local.cfg": "2\n", "a.txt.swp": "3\n",
                       "kept.txt": "4\n"})
    files = snapshot(root)
    assert set(files) == {".gitignore", "a.txt", "kept.txt"}


@pytest.mark.parametrize("untracked", [False, True], ids=["alone", "beside-untracked"])
def test_a_racily_clean_edit_is_not_lost(repo, untracked) -> None:
    """A file rewritten, same size, in the second its index was written (a worktree just
    added, then edited by an agent): git trusts its stat data only if the file is older than
    the index, so the index copy must keep the index's time (it once got the copy's, and
    `update-index` kept the old blob: a fresh worktree's change vanished)."""
    import os

    root = repo({"requirements.txt": "requests==2.31.0\n"})
    moment = 1_700_000_000_000_000_000  # one instant: the entry's, the file's, the index's
    os.utime(root / "requirements.txt", ns=(moment, moment))
    git(root, "add", "requirements.txt")  # the index entry records that instant
    write_files(root, {"requirements.txt": "requests==2.32.0\n",
                       **({"notes.txt": "new\n"} if untracked else {})})
    os.utime(root / "requirements.txt", ns=(moment, moment))
    os.utime(root / ".git" / "index", ns=(moment, moment))
    before = digest(root / ".git" / "index")
    assert snapshot(root)["requirements.txt"] == "requests==2.32.0\n"
    assert digest(root / ".git" / "index") == before
