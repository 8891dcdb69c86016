"""Git's objects as conflictscan names and reads them: ids computed in one place (the same
as git's in either object format), and one reader of `cat-file --batch` answers."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from analyzer.sources.git.objects import object_id
from analyzer.sources.git_repo import GitRepo
from tests.conftest import git, write_files


@pytest.mark.parametrize("object_format", ["sha1", "sha256"])
def test_object_ids_are_gits(tmp_path: Path, object_format: str) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main", f"--object-format={object_format}")
    for data in (b"", b"django==4.2\n", bytes(range(256)) * 3):
        done = subprocess.run(["git", "-C", str(root), "hash-object", "--stdin"], input=data,
                              capture_output=True, check=True)
        assert object_id("blob", data, object_format) == done.stdout.decode().strip()
    write_files(root, {"a.txt": "a\n", "shop/b.py": "b\n"})
    git(root, "add", "-A")
    tree = git(root, "write-tree").strip()
    raw = subprocess.run(["git", "-C", str(root), "cat-file", "tree", tree],
                         capture_output=True, check=True).stdout
    assert object_id("tree", raw, object_format) == tree


def test_a_missing_name_with_spaces_reads_as_missing(repo) -> None:
    """git answers `<name> missing`; a name holding ` blob` is not a blob's header (it was
    read as one, and the scan stopped on a size of 'missing')."""
    root = repo({"x.txt": "x\n", "a blob.txt": "kept\n"})
    git_ = GitRepo(str(root))
    try:
        found = git_.read_blobs(["HEAD:x.txt", "HEAD:gone blob", "HEAD:a blob.txt"])
        assert found == {"HEAD:x.txt": "x\n", "HEAD:gone blob": None,
                         "HEAD:a blob.txt": "kept\n"}
        assert git_._objects(["HEAD:gone blob", "HEAD:x.txt"]) == {
            "HEAD:gone blob": None, "HEAD:x.txt": ("blob", b"x\n")}
    finally:
        git_.close()


def test_a_name_with_a_newline_is_not_read_as_two(repo) -> None:
    """cat-file takes a name a line: `HEAD:a` and `x.txt` would answer for `HEAD:a\\nx.txt`
    (the text of another file). It is unreadable; the other names are read."""
    root = repo({"a": "not this\n", "x.txt": "x\n"})
    git_ = GitRepo(str(root))
    try:
        found = git_.read_blobs(["HEAD:a\nx.txt", "HEAD:x.txt"])
        assert found == {"HEAD:a\nx.txt": None, "HEAD:x.txt": "x\n"}
        assert "HEAD:a\nx.txt" in git_.unreadable
    finally:
        git_.close()
