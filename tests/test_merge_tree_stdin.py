"""`git merge-tree --stdin` output (git 2.40+), read as git documents it: per merge its
status, the tree, the conflicted paths (--name-only) and an empty field; NUL-separated.
The machine's git may be older (the per-pair path is then the one that runs and is tested
everywhere else), so the reader is tested on the documented bytes."""

from __future__ import annotations

import pytest

from analyzer.errors import InputError
from analyzer.sources.git_repo import parse_merge_tree_stdin

TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"


def test_clean_and_conflicted_merges_in_order() -> None:
    out = (f"1\0{TREE}\0\0"  # clean
           f"0\0{TREE}\0requirements.txt\0uv.lock\0\0"  # two conflicted files
           f"0\0{TREE}\0a b.txt\0\0")  # a name with a space, unquoted under -z
    assert parse_merge_tree_stdin(out, 3) == [[], ["requirements.txt", "uv.lock"], ["a b.txt"]]


def test_a_path_listed_twice_counts_once() -> None:
    assert parse_merge_tree_stdin(f"0\0{TREE}\0x\0x\0\0", 1) == [["x"]]


def test_fewer_merges_than_asked_is_an_error() -> None:
    with pytest.raises(InputError):
        parse_merge_tree_stdin(f"1\0{TREE}\0\0", 2)
