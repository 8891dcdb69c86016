"""The hook reads the other workstreams only where the staged change can collide: its files
and their families. Each family's collision is still found (the case it must flag), and
what lies outside the scope costs nothing (the near miss)."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import git, write_files


def migration(app: str, parent: str | None) -> str:
    deps = f"[('{app}', '{parent}')]" if parent else "[]"
    return ("from django.db import migrations\n\n\nclass Migration(migrations.Migration):\n"
            f"    dependencies = {deps}\n    operations = []\n")


def base(repo) -> Path:
    return repo({"requirements.txt": "django==4.2\n", "requirements/dev.txt": "pytest\n",
                 "shop/migrations/__init__.py": "",
                 "shop/migrations/0001_initial.py": migration("shop", None),
                 "shop/views.py": "A = 1\n", "blog/views.py": "B = 1\n"})


def worktree(root: Path, tmp_path: Path, name: str, files: dict[str, str]) -> Path:
    tree = tmp_path / name
    git(root, "worktree", "add", "-q", "-b", name, str(tree), "main")
    write_files(tree, files)  # uncommitted, some untracked: the worktree as it is
    return tree


def check(cli, root: Path, monkeypatch, *paths: str) -> dict:
    git(root, "add", *paths)
    monkeypatch.chdir(root)
    return cli("check", "--format", "json", "--fail-on", "never").json


def test_a_new_migration_in_another_worktree_of_the_same_app(repo, cli, tmp_path,
                                                             monkeypatch):
    root = base(repo)
    worktree(root, tmp_path, "other", {"shop/migrations/0002_theirs.py":
                                       migration("shop", "0001_initial")})
    git(root, "checkout", "-q", "-b", "mine")
    write_files(root, {"shop/migrations/0002_mine.py": migration("shop", "0001_initial")})
    report = check(cli, root, monkeypatch, "shop/migrations/0002_mine.py")
    assert any(set(f["workstreams"]) == {"staged", "other"} and f["rule"].startswith("CS3")
               for f in report["findings"]), report["findings"]


def test_another_requirements_file_is_in_scope(repo, cli, tmp_path, monkeypatch):
    root = base(repo)
    worktree(root, tmp_path, "other", {"requirements/dev.txt": "pytest\nhttpx==0.27\n"})
    git(root, "checkout", "-q", "-b", "mine")
    write_files(root, {"requirements.txt": "django==4.2\nhttpx==0.28\n"})
    report = check(cli, root, monkeypatch, "requirements.txt")
    # the family is read: the other worktree's requirements/dev.txt is in the scan, as the
    # dependency checks (the same package pinned differently) need it to be
    others = {ws["id"]: ws for ws in report["workstreams"]}
    assert [t["key"] for t in others["other"]["touches"]] == ["requirements/dev.txt"]


def test_what_the_commit_does_not_touch_is_not_read(repo, cli, tmp_path, monkeypatch):
    root = base(repo)
    worktree(root, tmp_path, "other", {"blog/views.py": "B = 2\n", "requirements.txt":
                                       "django==5.0\n", "new.txt": "x\n"})
    worktree(root, tmp_path, "third", {"blog/views.py": "B = 3\n"})
    git(root, "checkout", "-q", "-b", "mine")
    write_files(root, {"shop/views.py": "A = 2\n"})
    report = check(cli, root, monkeypatch, "shop/views.py")
    assert report["findings"] == []  # other and third collide in blog/: not this commit's
    others = {ws["id"]: ws for ws in report["workstreams"]}
    assert "other" not in others or not others["other"].get("touches")



def test_another_worktree_is_snapshot_once_within_the_scope(repo, cli, tmp_path, monkeypatch):
    """The scan snapshots the other worktree within the commit's pathspecs; the merges and
    contents that follow must use that snapshot, not take a second, unbounded one (which
    stats and hashes the whole worktree: ~0.1 s a worktree on a large repository)."""
    from analyzer.sources.git_repo import GitRepo

    seen: list[GitRepo] = []
    close = GitRepo.close

    def keep(self: GitRepo) -> None:
        seen.append(self)
        close(self)

    monkeypatch.setattr(GitRepo, "close", keep)
    root = base(repo)
    tree = worktree(root, tmp_path, "other", {"requirements.txt": "django==5.0\n",
                                              "blog/views.py": "B = 2\n"})
    git(root, "checkout", "-q", "-b", "mine")
    write_files(root, {"requirements.txt": "django==4.1\n"})
    report = check(cli, root, monkeypatch, "requirements.txt")
    assert any(f["rule"] == "CS103" for f in report["findings"]), report["findings"]
    taken = [key for git_repo in seen for key in git_repo._snapshots
             if key[0] == str(tree.resolve()) and not key[1]]
    assert len(taken) == 1 and taken[0][2], taken  # one snapshot, bounded by pathspecs


def test_an_unchanged_worktree_within_the_scope_is_its_head(repo, cli, tmp_path, monkeypatch):
    """Near miss: a worktree whose changes all lie outside the scope is its HEAD commit."""
    root = base(repo)
    worktree(root, tmp_path, "other", {"blog/views.py": "B = 2\n"})
    git(root, "checkout", "-q", "-b", "mine")
    write_files(root, {"requirements.txt": "django==4.1\n"})
    report = check(cli, root, monkeypatch, "requirements.txt")
    assert report["findings"] == []
    assert "other" not in {ws["id"] for ws in report["workstreams"]}


def test_a_conflict_the_branch_committed_earlier_is_not_the_commits(repo, cli, tmp_path,
                                                                   monkeypatch):
    """The branch as committed already conflicts in the staged file's family: the second
    scan runs and takes that conflict out; an earlier commit elsewhere in the tree (the
    near miss) lets the second scan be skipped, and the commit's own conflict is reported."""
    root = base(repo)
    worktree(root, tmp_path, "other", {"requirements/dev.txt": "pytest==8.0\n",
                                       "requirements.txt": "django==5.0\n"})
    git(root, "checkout", "-q", "-b", "mine")
    write_files(root, {"requirements/dev.txt": "pytest==7.0\n"})
    git(root, "commit", "-qam", "pin pytest")  # conflicts with other's dev.txt already
    write_files(root, {"requirements/dev.txt": "pytest==7.0\nhttpx\n"})
    report = check(cli, root, monkeypatch, "requirements/dev.txt")
    assert report["findings"] == [], report["findings"]

    git(root, "reset", "-q", "--hard", "main")
    write_files(root, {"blog/views.py": "B = 9\n"})
    git(root, "commit", "-qam", "elsewhere")
    write_files(root, {"requirements.txt": "django==4.1\n"})
    report = check(cli, root, monkeypatch, "requirements.txt")
    assert {f["rule"] for f in report["findings"]} == {"CS103", "CS203"}, report["findings"]
