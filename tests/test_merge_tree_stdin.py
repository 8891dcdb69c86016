"""`git merge-tree --stdin --messages` output (git 2.40+), read as git documents it: per merge
its status, then what one merge prints (tree, conflicted paths, an empty field, messages),
then an empty field. The git here may be older (then each pair is merged by its own process,
as every other test exercises), so the reader is tested on the documented bytes, against the
reader of a single merge."""

from __future__ import annotations

import pytest

from analyzer.errors import InputError
from analyzer.sources.git_repo import GitRepo, read_merge, read_merges

TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"
CONFLICTED = (f"{TREE}\0requirements.txt\0\0"
              "1\0requirements.txt\0Auto-merging\0Auto-merging requirements.txt\n\0"
              "1\0requirements.txt\0CONFLICT (contents)\0CONFLICT (content): Merge conflict"
              " in requirements.txt\n\0")
RENAMED = (f"{TREE}\0b.txt\0c.txt\0\0"
           "3\0a.txt\0b.txt\0c.txt\0CONFLICT (rename/rename)\0CONFLICT (rename/rename): a.txt"
           " renamed to b.txt and to c.txt\n\0")


def test_each_merge_of_a_batch_reads_as_that_merge_alone() -> None:
    clean = f"{TREE}\0\0"  # --messages: an empty field even when there is nothing to say
    out = f"1\0{clean}\0" + f"0\0{CONFLICTED}\0" + f"0\0{RENAMED}\0"
    results = read_merges(out, 3)
    assert results[0].conflicted == ()
    assert results[1] == read_merge(CONFLICTED.split("\0"), 0)[0]
    assert results[1].conflicted == ("requirements.txt",)
    assert results[2].conflicts[0].kind == "rename/rename"
    assert results[2].conflicts[0].paths == ("a.txt", "b.txt", "c.txt")


def test_a_short_answer_is_an_error() -> None:
    with pytest.raises(InputError):
        read_merges(f"1\0{TREE}\0\0\0", 2)


def test_this_git_is_asked_its_version_once(repo) -> None:
    git = GitRepo(str(repo({"a.txt": "a\n"})))
    try:
        assert git.git_version() >= (2, 0) and git.git_version() is git.git_version()
    finally:
        git.close()
