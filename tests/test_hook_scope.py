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

