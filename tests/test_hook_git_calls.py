"""The hook's fixed cost in git processes: what one process already answered is not asked
again. The base's tree is listed once (`ls-tree -r`); the layout, the listing of a migration
chain's folders and the .gitattributes files on a merge's paths all come from that listing,
and the layout's files are read by the ids it gave. Each answer from the listing is held
equal to git's own (the near misses: a folder named like the start of another, an
executable .gitattributes, a nested one)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from analyzer.sources import git_repo as git_repo_module
from analyzer.sources.git import scratch as scratch_module
from analyzer.sources.git_repo import GitRepo
from tests.conftest import git, write_files

MIGRATION = ("from django.db import migrations\n\n\nclass Migration(migrations.Migration):\n"
             "    dependencies = {deps}\n    operations = []\n")


def recorded(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """Every git command a run starts (git itself runs: this only writes the names down)."""
    calls: list[list[str]] = []
    for module in (git_repo_module, scratch_module):
        real = module.run_git

        def run(args, *rest, _real=real, **options):  # type: ignore[no-untyped-def]
            args = list(args)
            calls.append(args)
            return _real(args, *rest, **options)

        monkeypatch.setattr(module, "run_git", run)
    return calls


def tree_repo(repo) -> Path:
    root = repo({"alembic/versions/a1_first.py": "revision = 'a1'\ndown_revision = None\n",
                 "alembic/versions2/b1.py": "x = 1\n", "alembic/versions.txt": "x\n",
                 "alembic.ini": "[alembic]\nscript_location = alembic\n",
                 "shop/migrations/__init__.py": "",
                 "shop/migrations/0001_initial.py": MIGRATION.format(deps="[]"),
                 ".gitattributes": "*.lock merge=binary\n",
                 "shop/.gitattributes": "*.txt merge=union\n",
                 "shop/migrations/.gitattributes": "*.py -merge\n",
                 "requirements.txt": "django==4.2\n"})
    (root / "blog").mkdir()
    (root / "blog" / ".gitattributes").write_text("*.txt merge=binary\n")
    (root / "blog" / ".gitattributes").chmod(0o755)  # not a regular attributes file to git
    git(root, "add", "-A")
    git(root, "commit", "-qm", "executable attributes")
    return root


def test_folder_listings_from_the_known_tree_are_gits(repo) -> None:
    root = tree_repo(repo)
    folders = [["alembic/versions"], ["alembic/versions/"], ["alembic"],
               ["shop/migrations", "alembic/versions"], ["requirements.txt"], ["nowhere"]]
    asked = GitRepo(str(root))
    commit = asked.resolve("main")
    by_git = [asked.list_tree(commit, f) for f in folders]
    known = GitRepo(str(root))
    known.tree_entries(commit)
    assert [known.list_tree(commit, f) for f in folders] == by_git
    assert by_git[0] == ["alembic/versions/a1_first.py"]  # not versions2/ nor versions.txt


def test_attributes_from_the_known_tree_are_gits(repo) -> None:
    root = tree_repo(repo)
    paths = ["blog/x.txt", "shop/x.txt", "shop/migrations/0002_x.py", "uv.lock", "a/b/c.txt"]
    asked = GitRepo(str(root))
    commit = asked.resolve("main")
    by_git = asked.merge_attributes(commit, paths)
    known = GitRepo(str(root))
    known.tree_entries(commit)
    try:
        assert known.merge_attributes(commit, paths) == by_git
        assert by_git["shop/x.txt"] == "union" and by_git["blog/x.txt"] == "unspecified"
    finally:
        asked.close()
        known.close()


def test_the_hook_lists_the_base_tree_once(repo, cli, tmp_path, monkeypatch) -> None:
    """A staged migration and another worktree's in the same app, and a requirement both
    change (merged): one `ls-tree` in the run, the layout's (before, the app's folder and
    the .gitattributes on the merged path were listed again)."""
    root = tree_repo(repo)
    other = tmp_path / "other"
    git(root, "worktree", "add", "-q", "-b", "other", str(other), "main")
    write_files(other, {"shop/migrations/0002_theirs.py":
                        MIGRATION.format(deps="[('shop', '0001_initial')]"),
                        "requirements.txt": "django==5.0\n"})
    git(root, "checkout", "-q", "-b", "mine")
    write_files(root, {"shop/migrations/0002_mine.py":
                       MIGRATION.format(deps="[('shop', '0001_initial')]"),
                       "requirements.txt": "django==4.1\n"})
    git(root, "add", "-A")
    monkeypatch.chdir(root)
    calls = recorded(monkeypatch)
    report = cli("check", "--format", "json", "--fail-on", "never").json
    rules = {f["rule"] for f in report["findings"]
             if set(f["workstreams"]) == {"staged", "other"}}
    assert "CS103" in rules and any(r.startswith("CS3") for r in rules), report["findings"]
    listings = [c for c in calls if "ls-tree" in c]
    assert len(listings) == 1 and "-r" in listings[0], listings
    # the next commit on the same base: the layout is kept, with the tree's .gitattributes;
    # the app's migrations folder is read as a tree, with the texts read ahead: no ls-tree,
    # and one cat-file for the texts and that folder, one for the base's migrations in it
    calls.clear()
    assert cli("check", "--format", "json", "--fail-on", "never").json == report
    assert not [c for c in calls if "ls-tree" in c], calls
    assert len([c for c in calls if "cat-file" in c]) == 2, calls


def test_a_commit_with_no_other_workstream_walks_no_ref(repo, cli, monkeypatch) -> None:
    """The hook's own branch is no workstream to compare: with no other branch or worktree,
    no `for-each-ref --contains` walk, nor with a worktree still on the base's tip (its
    changes uncommitted); the near miss, a worktree with a commit of its own, asks it once."""
    root = repo({"requirements.txt": "django==4.2\n"})
    git(root, "checkout", "-q", "-b", "mine")
    write_files(root, {"requirements.txt": "django==4.1\n"})
    git(root, "add", "-A")
    monkeypatch.chdir(root)
    calls = recorded(monkeypatch)
    assert cli("check", "--format", "json").code == 0
    assert not [c for c in calls if "--contains" in c], calls
    other = root.parent / "other"
    git(root, "worktree", "add", "-q", "-b", "other", str(other), "main")
    write_files(other, {"requirements.txt": "django==4.2\nhttpx\n"})
    calls.clear()
    assert cli("check", "--format", "json", "--fail-on", "never").code == 0
    assert not [c for c in calls if "--contains" in c], calls  # a worktree on the base's tip
    git(root, "commit", "-q", "--allow-empty", "-m", "mine")  # a branch off the base's tip
    write_files(root, {"requirements.txt": "django==4.0\n"})
    git(root, "add", "-A")
    git(other, "commit", "-qam", "theirs")
    calls.clear()
    assert cli("check", "--format", "json", "--fail-on", "never").code == 0
    assert len([c for c in calls if "--contains" in c]) == 1, calls


def test_the_evidence_lines_come_from_the_texts_read(repo, cli, tmp_path, monkeypatch) -> None:
    """A requirement both change, in conflict: the checks read the file of each side, and
    the report's evidence (the same files at the same commits) reads none again: one
    `cat-file`. The near miss: what a reader asks by branch name is read each time."""
    root = repo({"requirements.txt": "django==4.2\n"})
    other = tmp_path / "other"
    git(root, "worktree", "add", "-q", "-b", "other", str(other), "main")
    write_files(other, {"requirements.txt": "django==5.0\n"})
    git(root, "checkout", "-q", "-b", "mine")
    write_files(root, {"requirements.txt": "django==4.1\n"})
    git(root, "add", "-A")
    monkeypatch.chdir(root)
    calls = recorded(monkeypatch)
    report = cli("check", "--format", "json").json
    assert {f["rule"] for f in report["findings"]} >= {"CS103"}, report["findings"]
    assert len([c for c in calls if "cat-file" in c]) == 1, calls
    git_repo = GitRepo(str(root))
    calls.clear()
    for _ in range(2):
        assert git_repo.read_blobs(["main:requirements.txt"]) == {
            "main:requirements.txt": "django==4.2\n"}
    assert len([c for c in calls if "cat-file" in c]) == 2, calls


def test_the_configuration_is_read_once_a_run(repo, cli, monkeypatch) -> None:
    """`[tool.conflictscan]` is read (pyproject.toml parsed whole) once a run, not by each of
    the hook's steps; what it says still holds (the near miss: its severity)."""
    from analyzer import config as config_module

    root = repo({"requirements.txt": "django==4.2\n",
                 "pyproject.toml": "[tool.conflictscan]\nseverity = { CS103 = 'note' }\n"})
    other = root.parent / "other"
    git(root, "worktree", "add", "-q", "-b", "other", str(other), "main")
    write_files(other, {"requirements.txt": "django==5.0\n"})
    git(root, "checkout", "-q", "-b", "mine")
    write_files(root, {"requirements.txt": "django==4.1\n"})
    git(root, "add", "-A")
    read: list[str] = []
    original = config_module.load_config

    def load(path):  # type: ignore[no-untyped-def]
        read.append(path)
        return original(path)

    import analyzer.commands.check  # noqa: F401 - imported before the names are counted
    for module in [m for name, m in sys.modules.items() if name.startswith("analyzer")]:
        if getattr(module, "load_config", None) is original:  # every name it is called by
            monkeypatch.setattr(module, "load_config", load)
    monkeypatch.chdir(root)
    report = cli("check", "--format", "json", "--fail-on", "never").json
    assert {(f["rule"], f["severity"]) for f in report["findings"]} >= {("CS103", "note")}
    assert len(read) == 1, read


def _staged_tree(root: Path) -> str:
    """The tree of the change being committed as the hook snapshots it."""
    git_repo = GitRepo(str(root))
    try:
        head = git_repo.resolve("HEAD")
        commit = git_repo.snapshot_worktree(str(root), head, staged_only=True)
        return git_repo.run("rev-parse", f"{commit}^{{tree}}").strip()
    finally:
        git_repo.close()


@pytest.mark.parametrize("stage", [
    lambda root: write_files(root, {"requirements.txt": "django==5.0\n"}),
    lambda root: write_files(root, {"shop/migrations/0002_new.py": "x = 2\n",
                                    "deep/er/still/new.txt": "new\n"}),
    lambda root: write_files(root, {"shop/migrations/__init__.py": None}),
    lambda root: (root / "requirements.txt").chmod(0o755),
    lambda root: (root / "link").symlink_to("requirements.txt"),
    lambda root: git(root, "rm", "-r", "-q", "--cached", "."),  # every folder written anew
], ids=["root file", "new folders", "deletion", "mode", "symlink", "everything"])
def test_the_staged_tree_is_gits_without_git(repo, monkeypatch, stage) -> None:
    """The change being committed is the index as it is: its tree is built from the index
    file (the folders the cache-tree holds reused, those on the way to what was staged
    written anew), the same tree `git write-tree` writes, and no process writes it."""
    root = tree_repo(repo)
    stage(root)
    git(root, "add", "-A")
    calls = recorded(monkeypatch)
    ours = _staged_tree(root)
    assert not [c for c in calls if "write-tree" in c], calls
    assert ours == git(root, "write-tree").strip()


@pytest.mark.parametrize("case", ["intent to add", "no cache-tree"])
def test_an_index_not_read_here_is_written_by_git(repo, tmp_path, monkeypatch, case) -> None:
    """Near misses: an intent-to-add entry where a folder is written anew, and an index
    without a cache-tree (a commit hook's temporary index may have none): git writes the
    tree, the same one."""
    root = tree_repo(repo)
    write_files(root, {"requirements.txt": "django==5.0\n", "later.txt": "x\n"})
    git(root, "add", "requirements.txt")
    if case == "intent to add":
        git(root, "add", "-N", "later.txt")
    else:
        index = tmp_path / "hook-index"
        listing = git(root, "ls-files", "-s", "-z")
        subprocess.run(["git", "-C", str(root), "update-index", "--add", "-z",
                        "--index-info"], input=listing.encode(), check=True,
                       env={**os.environ, "GIT_INDEX_FILE": str(index)})
        monkeypatch.setenv("GIT_INDEX_FILE", str(index))
    calls = recorded(monkeypatch)
    ours = _staged_tree(root)
    assert [c for c in calls if "write-tree" in c], calls
    assert ours == git(root, "write-tree").strip()


def test_a_migrations_folder_with_folders_inside_is_listed_by_git(repo, cli, tmp_path,
                                                                  monkeypatch) -> None:
    """Near miss of the folder read ahead: a folder inside the app's migrations is git's
    to list (recursively), and the report is the same."""
    root = tree_repo(repo)
    write_files(root, {"shop/migrations/old/0000_gone.py": "x = 1\n"})
    git(root, "add", "-A")
    git(root, "commit", "-qm", "a folder inside")
    other = tmp_path / "other"
    git(root, "worktree", "add", "-q", "-b", "other", str(other), "main")
    write_files(other, {"shop/migrations/0002_theirs.py":
                        MIGRATION.format(deps="[('shop', '0001_initial')]")})
    git(root, "checkout", "-q", "-b", "mine")
    write_files(root, {"shop/migrations/0002_mine.py":
                       MIGRATION.format(deps="[('shop', '0001_initial')]")})
    git(root, "add", "-A")
    monkeypatch.chdir(root)
    calls = _second_run(cli, monkeypatch)  # the layout is kept now: only the folder is listed
    listings = [c for c in calls if "ls-tree" in c]
    assert len(listings) == 1 and listings[0][-1] == "shop/migrations", listings


def _second_run(cli, monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """The git commands of a second hook run on a staged migration that forks the app's
    chain (a CS3 finding): its report is the first run's."""
    report = cli("check", "--format", "json", "--fail-on", "never").json
    assert any(f["rule"].startswith("CS3") for f in report["findings"]), report["findings"]
    calls = recorded(monkeypatch)
    assert cli("check", "--format", "json", "--fail-on", "never").json == report
    return calls


def test_texts_read_ahead_are_answered_and_links_still_found(repo, monkeypatch) -> None:
    """What is read ahead is answered without a process; the near miss, a one-line text
    (a symbolic link's target reads so), is read again by its reader, which finds the link
    leaving the repository and lists it."""
    root = repo({"requirements.txt": "django==4.2\nhttpx\n"})
    (root / "requirements-dev.txt").symlink_to("../../etc/passwd")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "a link out")
    git_repo = GitRepo(str(root))
    try:
        head = git_repo.resolve("HEAD")
        specs = [f"{head}:requirements.txt", f"{head}:requirements-dev.txt"]
        git_repo.read_ahead(specs)
        calls = recorded(monkeypatch)
        assert git_repo.read_blobs(specs[:1]) == {specs[0]: "django==4.2\nhttpx\n"}
        assert not calls
        assert git_repo.read_blobs(specs[1:]) == {specs[1]: None}
        assert calls and git_repo.links_out == [("requirements-dev.txt", "../../etc/passwd")]
    finally:
        git_repo.close()


def test_a_migration_commit_beside_a_worktree_on_the_base(repo, cli, tmp_path,
                                                          monkeypatch) -> None:
    """Another worktree on the base's commit, clean: the proof reads its HEAD's migrations
    folder, which is the base's (kept from the first run: no process); the migrations there
    are read with the added ones, in the one cat-file read ahead (no ls-tree, no other
    cat-file), and the report is the one the first run gave (the whole tree listed)."""
    root = tree_repo(repo)
    write_files(root, {"shop/migrations/0002_second.py":
                       MIGRATION.format(deps="[('shop', '0001_initial')]")})
    git(root, "add", "-A")
    git(root, "commit", "-qm", "second")
    git(root, "worktree", "add", "-q", "-b", "other", str(tmp_path / "other"), "main")
    git(root, "checkout", "-q", "-b", "mine")
    write_files(root, {"shop/migrations/0003_mine.py":
                       MIGRATION.format(deps="[('shop', '0001_initial')]")})
    git(root, "add", "-A")
    monkeypatch.chdir(root)
    calls = _second_run(cli, monkeypatch)
    assert not [c for c in calls if "ls-tree" in c], calls
    assert len([c for c in calls if "cat-file" in c]) == 1, calls


def _gitlink(root: Path) -> None:
    head = git(root, "rev-parse", "HEAD").strip()
    git(root, "update-index", "--add", "--cacheinfo", f"160000,{head},shop/vendored")


@pytest.mark.parametrize("stage", [
    _gitlink,  # a submodule's commit, as `git submodule add` stages it
    lambda root: write_files(root, {"shop-x.txt": "a\n", "shop.txt": "b\n", "shop0": "c\n",
                                    "shop/a b.txt": "d\n", "shop/\u00e9t\u00e9.txt": "e\n",
                                    "shop/migrations.py": "f\n", "shop/migrations-x/a": "g\n"}),
    lambda root: (write_files(root, {"shop/views.py": "x = 1\n"}),
                  git(root, "update-index", "--index-version", "4")),
    lambda root: (write_files(root, {"shop/views.py": "x = 1\n"}),
                  git(root, "add", "-A"),
                  git(root, "update-index", "--skip-worktree", "requirements.txt"),
                  git(root, "update-index", "--assume-unchanged", "alembic.ini")),
], ids=["gitlink", "names sorting beside a folder", "index v4", "skip-worktree"])
def test_the_staged_tree_is_gits_in_rarer_indexes(repo, monkeypatch, stage) -> None:
    """More states of the index the staged tree is built from: each is git's own tree."""
    root = tree_repo(repo)
    stage(root)
    git(root, "add", "-A")
    if stage is _gitlink:
        _gitlink(root)  # after `add -A`, which would stage the missing folder's deletion
    calls = recorded(monkeypatch)
    ours = _staged_tree(root)
    assert not [c for c in calls if "write-tree" in c], calls
    assert ours == git(root, "write-tree").strip()


def test_the_staged_tree_is_gits_in_sha256(tmp_path, monkeypatch) -> None:
    root = tmp_path / "r"
    git(tmp_path, "init", "-q", "--object-format=sha256", "-b", "main", str(root))
    write_files(root, {"a/b.txt": "x\n", "c.txt": "y\n"})
    git(root, "add", "-A")
    git(root, "-c", "user.name=a", "-c", "user.email=a@b", "commit", "-qm", "one")
    write_files(root, {"a/b/c.txt": "z\n", "a-b": "w\n"})
    git(root, "add", "-A")
    calls = recorded(monkeypatch)
    ours = _staged_tree(root)
    assert not [c for c in calls if "write-tree" in c], calls
    assert ours == git(root, "write-tree").strip()
