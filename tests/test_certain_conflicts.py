"""Two branches inserting different lines at one place conflict, and conflictscan says so
without merging them — only where git certainly agrees. Each case is a real repository: the
decision (told, or left to a real merge) and the report are both held against what
`git merge-tree` itself answers for the pair."""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analyzer.sources.branches import BranchSelection, collect
from analyzer.sources.certain_conflicts import confirmed, same_point_insertion
from analyzer.sources.git_facts import pair
from analyzer.sources.git_repo import GitRepo
from tests.conftest import branch, commit_on_main, git

REQUIREMENTS = "".join(f"package{i}=={i}.0\n" for i in range(10))


def git_conflicts(root: Path, a: str, b: str) -> bool:
    done = subprocess.run(["git", "-C", str(root), "merge-tree", "--write-tree", "--name-only",
                           a, b], capture_output=True, text=True, check=False)
    assert done.returncode in (0, 1), done.stderr
    return done.returncode == 1


def told(root: Path, a: str, b: str) -> bool:
    """Whether the pair's conflict on requirements.txt is told without a merge."""
    repo = GitRepo(str(root))
    try:
        scan = collect(repo, BranchSelection(refs=[a, b], worktrees=False), "main")
        streams = {s.workstream.id: s for s in scan.streams}
        mine, theirs = (next(t for t in streams[ws].workstream.touches
                             if t.resource.key == "requirements.txt") for ws in (a, b))
        found = same_point_insertion(mine, theirs, "unspecified")
        if found is None:
            return False
        key = pair(a, b)
        return key in confirmed(repo, streams, {key: [("requirements.txt", *found)]})
    finally:
        repo.close()


def cs103(branches, root: Path, a: str, b: str) -> list[str]:
    result = branches(root, a, b, "--base", "main", "--no-worktrees")
    return [f["resource"]["key"] for f in result.json["findings"] if f["rule"] == "CS103"]


def test_two_appends_at_the_end_are_told_and_git_agrees(repo, branches):
    root = repo({"requirements.txt": REQUIREMENTS, "app.py": "A = 1\n"})
    branch(root, "one", {"requirements.txt": REQUIREMENTS + "httpx==0.27\n"})
    branch(root, "two", {"requirements.txt": REQUIREMENTS + "redis==5.0\n", "app.py": "A = 2\n"})
    assert told(root, "one", "two")
    assert git_conflicts(root, "one", "two")
    result = branches(root, "one", "two", "--base", "main", "--no-worktrees")
    found = [f for f in result.json["findings"] if f["rule"] == "CS103"]
    assert [f["resource"]["key"] for f in found] == ["requirements.txt"]
    assert "both insert after line 10" in found[0]["message"]


def test_insertions_in_the_middle_with_several_lines_each(repo, branches):
    lines = REQUIREMENTS.splitlines(keepends=True)
    one = "".join([*lines[:4], "httpx==0.27\n", "anyio==4\n", *lines[4:]])
    two = "".join([*lines[:4], "redis==5.0\n", *lines[4:]])
    root = repo({"requirements.txt": REQUIREMENTS})
    branch(root, "one", {"requirements.txt": one})
    branch(root, "two", {"requirements.txt": two})
    assert told(root, "one", "two") and git_conflicts(root, "one", "two")
    assert cs103(branches, root, "one", "two") == ["requirements.txt"]


@pytest.mark.parametrize("one, two", [
    # the same insertion on both sides merges into one (and the rest of the edits apart)
    ("package0==0.1\n" + REQUIREMENTS[len("package0==0.0\n"):] + "httpx==0.27\n",
     REQUIREMENTS + "httpx==0.27\n"),
    # an inserted line the file already has: where git's diff puts it is git's choice
    (REQUIREMENTS + "package9==9.0\nhttpx==0.27\n", REQUIREMENTS + "redis==5.0\n"),
    # insertions at two different places, one line apart
    (REQUIREMENTS.replace("package5==5.0\n", "package5==5.0\nhttpx==0.27\n"),
     REQUIREMENTS.replace("package6==6.0\n", "package6==6.0\nredis==5.0\n")),
])
def test_near_misses_are_left_to_a_real_merge(repo, branches, one, two):
    root = repo({"requirements.txt": REQUIREMENTS})
    branch(root, "one", {"requirements.txt": one})
    branch(root, "two", {"requirements.txt": two})
    assert not told(root, "one", "two")
    expected = ["requirements.txt"] if git_conflicts(root, "one", "two") else []
    assert cs103(branches, root, "one", "two") == expected


def test_a_branch_built_on_the_other_is_merged_from_their_own_merge_base(repo, branches):
    """Against main both insert at the end; but 'two' started from 'one' and only changed
    the line 'one' added: git merges them cleanly."""
    root = repo({"requirements.txt": REQUIREMENTS})
    branch(root, "one", {"requirements.txt": REQUIREMENTS + "httpx==0.27\n"})
    branch(root, "two", {"requirements.txt": REQUIREMENTS + "httpx==0.28\n"}, base="one")
    assert not told(root, "one", "two")
    assert not git_conflicts(root, "one", "two")
    assert cs103(branches, root, "one", "two") == []


def test_a_branch_that_merged_the_base_in_is_left_to_a_real_merge(repo, branches):
    root = repo({"requirements.txt": REQUIREMENTS, "app.py": "A = 1\n"})
    branch(root, "one", {"requirements.txt": REQUIREMENTS + "httpx==0.27\n"})
    commit_on_main(root, {"app.py": "A = 2\n"})
    git(root, "checkout", "-q", "one")
    git(root, "merge", "-q", "--no-edit", "main")
    git(root, "checkout", "-q", "main")
    branch(root, "two", {"requirements.txt": REQUIREMENTS + "redis==5.0\n"})
    assert not told(root, "one", "two")  # its history holds main's first commit beside
    assert git_conflicts(root, "one", "two")
    assert cs103(branches, root, "one", "two") == ["requirements.txt"]


def test_a_union_merge_attribute_is_never_told(repo, branches):
    root = repo({"requirements.txt": REQUIREMENTS, ".gitattributes": "*.txt merge=union\n"})
    branch(root, "one", {"requirements.txt": REQUIREMENTS + "httpx==0.27\n"})
    branch(root, "two", {"requirements.txt": REQUIREMENTS + "redis==5.0\n"})
    assert cs103(branches, root, "one", "two") == []


WORDS = ["django==4.2", "httpx==0.27", "redis==5.0", "", "# tools", "pytest", "celery==5"]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(WORDS), min_size=1, max_size=6), st.data())
def test_whatever_is_told_git_reports(base: list[str], data: st.DataObject) -> None:
    """Random files and random insertions: a conflict told without merging is one git
    reports, every time."""
    def inserted() -> list[str]:
        at = data.draw(st.integers(0, len(base)))
        lines = data.draw(st.lists(st.sampled_from([*WORDS, "new==1", "new==2"]), min_size=1,
                                   max_size=3))
        return base[:at] + lines + base[at:]

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "repo"
        root.mkdir()
        git(root, "init", "-q", "-b", "main")
        git(root, "config", "user.email", "t@example.com")
        git(root, "config", "user.name", "T")
        (root / "requirements.txt").write_text("".join(f"{line}\n" for line in base))
        git(root, "add", "-A")
        git(root, "commit", "-q", "-m", "base")
        for name in ("one", "two"):
            git(root, "checkout", "-q", "-b", name, "main")
            (root / "requirements.txt").write_text("".join(f"{x}\n" for x in inserted()))
            git(root, "commit", "-q", "-am", name, "--allow-empty")
        if told(root, "one", "two"):
            assert git_conflicts(root, "one", "two")


def test_a_pair_with_another_file_to_merge_is_merged_whole(repo, branches):
    """The insertion alone would be told; the pair also changes app.py at one line, which
    only a real merge can judge, so git merges the pair and reports both files."""
    root = repo({"requirements.txt": REQUIREMENTS, "app.py": "A = 1\nB = 1\n"})
    branch(root, "one", {"requirements.txt": REQUIREMENTS + "httpx==0.27\n",
                         "app.py": "A = 2\nB = 1\n"})
    branch(root, "two", {"requirements.txt": REQUIREMENTS + "redis==5.0\n",
                         "app.py": "A = 3\nB = 1\n"})
    assert told(root, "one", "two") and git_conflicts(root, "one", "two")
    assert sorted(cs103(branches, root, "one", "two")) == ["app.py", "requirements.txt"]
