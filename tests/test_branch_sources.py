"""Where workstreams come from: refs, worktrees and their local changes, and bad input."""

from __future__ import annotations

import hashlib
import os
import subprocess
from pathlib import Path

from tests.conftest import branch, git, write_files

UTIL = "def f():\n    return 1\n" + "\n" * 8 + "def g():\n    return 2\n"


def test_worktree_changes_count_staged_unstaged_and_untracked(repo, branches, tmp_path):
    root = repo({"app/util.py": UTIL, "app/b.py": "b = 1\n", "app/c.py": "c = 1\n"})
    branch(root, "other", {"app/util.py": UTIL.replace("return 1", "return 10"),
                           "app/b.py": "b = 2\n", "app/new.py": "x = 1\n"})
    wt = tmp_path / "wt"
    git(root, "worktree", "add", "-q", "-b", "mine", str(wt))
    write_files(wt, {"app/util.py": UTIL.replace("return 1", "return 11")})  # unstaged
    write_files(wt, {"app/b.py": "b = 3\n"})
    git(wt, "add", "app/b.py")  # staged
    write_files(wt, {"app/new.py": "y = 2\n"})  # untracked
    result = branches(root)
    names = {w["id"]: w["name"] for w in result.json["workstreams"]}
    assert names["mine"] == "mine (worktree wt)"
    conflicts = {f[1] for f in result.findings() if f[0] == "CS103"}
    assert conflicts == {"app/util.py", "app/b.py", "app/new.py"}


def test_named_refs_tags_shas_and_pull_refs(repo, branches):
    root = repo({"app/util.py": UTIL})
    branch(root, "a", {"app/util.py": UTIL.replace("return 1", "return 10")})
    branch(root, "b", {"app/util.py": UTIL.replace("return 1", "return 11")})
    git(root, "tag", "v-b", "b")
    sha = git(root, "rev-parse", "a").strip()
    git(root, "update-ref", "refs/pull/7/head", "b")
    for refs in ((sha, "v-b"), ("a", "refs/pull/7/head")):
        result = branches(root, *refs, "--no-worktrees")
        assert [w["id"] for w in result.json["workstreams"]] == list(refs)
        assert "CS103" in result.rules()


def test_remote_branches_by_pattern_and_origin_head_as_base(repo, branches, tmp_path):
    origin = repo({"app/util.py": UTIL}, name="origin")
    branch(origin, "feat-a", {"app/util.py": UTIL.replace("return 1", "return 10")})
    branch(origin, "feat-b", {"app/util.py": UTIL.replace("return 1", "return 11")})
    branch(origin, "other", {"app/util.py": UTIL.replace("return 1", "return 12")})
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(origin), str(clone)], check=True)
    result = branches(clone, "--remote", "origin/feat-*", "--no-worktrees")
    assert result.json["shape"] == "against origin/main"
    assert sorted(w["id"] for w in result.json["workstreams"]) == ["origin/feat-a",
                                                                   "origin/feat-b"]


def test_detached_worktree(repo, branches, tmp_path):
    root = repo({"app/util.py": UTIL})
    branch(root, "a", {"app/util.py": UTIL.replace("return 1", "return 10")})
    git(root, "worktree", "add", "-q", "--detach", str(tmp_path / "det"), "main")
    write_files(tmp_path / "det", {"app/util.py": UTIL.replace("return 1", "return 11")})
    result = branches(root)
    assert any(w["name"].startswith("detached at ") for w in result.json["workstreams"])
    assert "CS103" in result.rules()


def test_renames_deletions_binaries_and_odd_paths(repo, branches):
    root = repo({"app/util.py": UTIL, "app/gone.py": "x = 1\n", "data/blob.bin": "x"})
    (root / "data" / "blob.bin").write_bytes(b"\x00\x01\x02")
    git(root, "commit", "-qam", "binary")
    git(root, "checkout", "-q", "-b", "a")
    git(root, "mv", "app/util.py", "app/helpers.py")
    git(root, "rm", "-q", "app/gone.py")
    (root / "data" / "blob.bin").write_bytes(b"\x00\x09\x09")
    (root / "caf\xe9.txt").write_text("latin\n", encoding="utf-8")
    (root / "notes.txt").write_bytes(b"caf\xe9 latin-1 bytes\n")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "a")
    git(root, "checkout", "-q", "main")
    branch(root, "b", {"app/util.py": UTIL.replace("return 1", "return 11"),
                       "app/gone.py": "x = 2\n"})
    (root / "data" / "blob.bin").write_bytes(b"\x00\x08\x08")
    result = branches(root, "a", "b", "--no-worktrees", expect=0)
    touched = {t["key"]: t["detail"] for w in result.json["workstreams"] if w["id"] == "a"
               for t in w["touches"]}
    assert touched["app/helpers.py"] == "renamed from app/util.py"
    assert touched["app/gone.py"] == "deleted"
    assert "café.txt" in touched and "notes.txt" in touched
    assert {f[1] for f in result.findings() if f[0] == "CS103"} >= {"app/gone.py"}


def test_submodule_change(repo, branches, tmp_path):
    lib = repo({"lib.py": "x = 1\n"}, name="lib")
    root = repo({"README.md": "x\n"})
    git(root, "-c", "protocol.file.allow=always", "submodule", "add", "-q", str(lib), "vendor/lib")
    git(root, "commit", "-qm", "submodule")
    git(lib, "commit", "-q", "--allow-empty", "-m", "next")
    git(root, "checkout", "-q", "-b", "a")
    git(root / "vendor" / "lib", "-c", "protocol.file.allow=always", "pull", "-q")
    git(root, "commit", "-qam", "bump submodule")
    git(root, "checkout", "-q", "main")
    git(root, "submodule", "update", "-q")
    result = branches(root, "a", "--no-worktrees", expect=0)
    assert any(t["key"] == "vendor/lib" for t in result.json["workstreams"][0]["touches"])


def test_not_a_git_repository(cli, tmp_path):
    result = cli("branches", "--repo", tmp_path)
    assert result.code == 2 and "not a git repository" in result.err


def test_unknown_base(repo, cli):
    root = repo({"a.txt": "a\n"})
    result = cli("branches", "--repo", root, "--base", "nope")
    assert result.code == 2 and "unknown revision 'nope'" in result.err


def test_no_default_base(repo, cli):
    root = repo({"a.txt": "a\n"})
    git(root, "branch", "-m", "trunk")
    result = cli("branches", "--repo", root)
    assert result.code == 2 and "name it with --base" in result.err


def test_shallow_clone_says_how_to_fix(repo, cli, tmp_path):
    origin = repo({"a.txt": "a\n"}, name="origin")
    for i in range(3):
        (origin / "a.txt").write_text(f"{i}\n")
        git(origin, "commit", "-qam", f"c{i}")
    branch(origin, "feature", {"b.txt": "b\n"}, base="main~3")
    clone = tmp_path / "shallow"
    subprocess.run(["git", "clone", "-q", "--depth", "1", "--no-single-branch",
                    f"file://{origin}", str(clone)], check=True)
    result = cli("branches", "--repo", clone, "origin/feature", "--no-worktrees")
    assert result.code == 2
    assert "git fetch --unshallow" in result.err and "fetch-depth: 0" in result.err


def test_file_query_for_a_pre_edit_hook(repo, cli, tmp_path, monkeypatch):
    root = repo({"app/util.py": UTIL, "app/free.py": "x = 1\n"})
    branch(root, "other", {"app/util.py": UTIL.replace("return 1", "return 10")})
    wt = tmp_path / "mine"
    git(root, "worktree", "add", "-q", "-b", "mine", str(wt))
    write_files(wt, {"app/util.py": UTIL.replace("return 1", "return 11")})
    monkeypatch.chdir(wt)
    busy = cli("branches", "--file", "app/util.py")
    assert busy.code == 1
    assert "CS103" in busy.out and "other" in busy.out and "will conflict" in busy.out
    free = cli("branches", "--file", "app/free.py")
    assert free.code == 0 and "no collision" in free.out


def _store_fingerprint(root: Path) -> str:
    digest = hashlib.sha256()
    git_dir = root / ".git"
    for path in sorted(git_dir.rglob("*")):
        if path.is_file() and "logs" not in path.parts:
            digest.update(str(path.relative_to(git_dir)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def test_scan_writes_nothing_to_the_repository(repo, branches, tmp_path):
    root = repo({"app/util.py": UTIL})
    branch(root, "a", {"app/util.py": UTIL.replace("return 1", "return 10")})
    wt = tmp_path / "wt"
    git(root, "worktree", "add", "-q", "-b", "b", str(wt))
    write_files(wt, {"app/util.py": UTIL.replace("return 1", "return 11"), "new.txt": "n\n"})
    before = (_store_fingerprint(root), git(wt, "status", "--porcelain"),
              os.stat(root / ".git" / "index").st_mtime_ns)
    result = branches(root)
    assert "CS103" in result.rules()  # the merge simulation ran, with the worktree snapshot
    after = (_store_fingerprint(root), git(wt, "status", "--porcelain"),
             os.stat(root / ".git" / "index").st_mtime_ns)
    assert after == before


def test_names_resolved_together_as_git_resolves_each(repo) -> None:
    """Many names in one rev-parse: a tag that shares a branch's name wins as in git; a name
    that does not resolve leaves the others to be resolved one by one, and is named."""
    import pytest

    from analyzer.errors import InputError
    from analyzer.sources.git_repo import GitRepo

    root = repo({"a.txt": "a\n"})
    branch(root, "same", {"a.txt": "branch\n"})
    branch(root, "other", {"a.txt": "other\n"})
    git(root, "tag", "same", "main")
    git_repo = GitRepo(str(root))
    try:
        git_repo.resolve_all(["same", "other", "main"])
        expected = {name: git(root, "rev-parse", f"{name}^{{commit}}").strip()
                    for name in ("same", "other", "main")}
        assert {name: git_repo.resolve(name) for name in expected} == expected
        assert expected["same"] == expected["main"]  # the tag's commit
        git_repo.resolve_all(["other", "missing"])
        with pytest.raises(InputError, match="missing"):
            git_repo.resolve("missing")
    finally:
        git_repo.close()


def test_the_default_base_follows_origin_head(repo, tmp_path) -> None:
    """origin/HEAD names the base (read from the one ref listing, its symbolic target);
    the near miss: without it, main."""
    from analyzer.sources.git_repo import GitRepo

    root = repo({"a.txt": "a\n"})
    branch(root, "develop", {"a.txt": "d\n"})
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(root), str(clone)], check=True)

    def default_base() -> str:
        opened = GitRepo(str(clone))
        try:
            return opened.default_base()
        finally:
            opened.close()

    git(clone, "remote", "set-head", "origin", "develop")
    assert default_base() == "origin/develop"
    git(clone, "remote", "set-head", "origin", "--delete")
    assert default_base() == "main"
