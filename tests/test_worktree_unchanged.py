"""The hook proves, without a git process, that another worktree changes nothing where the
staged change can collide (its index file, lstat, its content hashed as git hashes a
blob); everything else is read by git as before. Each case: what the proof says, and what
the long way (git's own `status` in a directory of ours) says — the proof may only ever say
"unchanged" where git does, and where git sees a change, the proof must step aside."""

from __future__ import annotations

import fnmatch
import json
import os
import subprocess
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analyzer.sources.git.index_file import IndexEntry, Unreadable, read_index
from analyzer.sources.git_repo import GitRepo
from tests.conftest import commit_on_main, git, write_files

SCOPE = ("requirements.txt", ":(glob)requirements*.txt", ":(glob)requirements/*.txt",
         ":(glob)*.lock", "shop/migrations/")
MIGRATION = "from django.db import migrations\n"


def base(repo) -> Path:
    return repo({"requirements.txt": "django==4.2\n", "requirements/dev.txt": "pytest\n",
                 "uv.lock": "version = 1\n", "shop/migrations/__init__.py": "",
                 "shop/migrations/0001_initial.py": MIGRATION, "shop/views.py": "A = 1\n",
                 # names that sort beside the folder: a tree orders them as git does
                 "shop/migrations.py": "", "shop/migrations-old/0001.py": "",
                 "blog/views.py": "B = 1\n"})


def worktree(root: Path, name: str = "other") -> Path:
    tree = root.parent / name
    git(root, "worktree", "add", "-q", "-b", name, str(tree), "main")
    return tree


def decide(root: Path, tree: Path, scope: tuple[str, ...] = SCOPE) -> tuple[str, bool]:
    """How the worktree was read — "unchanged" (its HEAD, proven without git), "edited"
    (a snapshot written in Python) or "git" — and whether git, the long way, reads it as
    unchanged. A snapshot taken without git must be git's, byte for byte."""
    head = git(tree, "rev-parse", "HEAD").strip()
    repo = GitRepo(str(root))
    try:
        settled = repo.settle_worktrees([(str(tree), head)], scope) == 1
        ours = repo.snapshot_worktree(str(tree), head, paths=scope)
    finally:
        repo.close()
    repo = GitRepo(str(root))
    try:
        by_git = repo.snapshot_worktree(str(tree), head, paths=scope)
    finally:
        repo.close()
    assert ours == by_git, "a snapshot taken without git differs from git's"
    return ("unchanged" if ours == head else "edited") if settled else "git", by_git == head


def age(tree: Path, *paths: str) -> None:
    """Files older than their index entry's index (not racily clean): stat data trusted."""
    for path in paths:
        os.utime(tree / path, ns=(1_600_000_000_000_000_000,) * 2)
    git(tree, "update-index", "--really-refresh")


def test_a_clean_worktree_is_proven_unchanged(repo) -> None:
    root = base(repo)
    tree = worktree(root)
    write_files(tree, {"blog/views.py": "B = 2\n", "blog/new.py": "x\n"})  # out of scope
    git(tree, "add", "blog/new.py")
    assert decide(root, tree) == ("unchanged", True)  # fresh: racily clean, hashed


def test_clean_files_with_trusted_stat_data_are_proven_unchanged(repo) -> None:
    root = base(repo)
    tree = worktree(root)
    age(tree, "requirements.txt", "uv.lock", "shop/migrations/0001_initial.py")
    assert decide(root, tree) == ("unchanged", True)


@pytest.mark.parametrize("change", ["unstaged", "unstaged-deep", "staged-then-restored",
                                    "new-migration", "new-requirements",
                                    "new-requirements-folder"])
def test_an_edit_of_tracked_files_is_snapshot_without_git(repo, change: str) -> None:
    """The only changes within the scope are the content of files the index tracks and
    files no ignore pattern could match: the snapshot (blobs, the folders on their way,
    new ones too, the commit) is written in Python, and it is git's own, object for object
    (`decide` compares the commits)."""
    root = base(repo)
    tree = worktree(root)
    if change == "unstaged":
        write_files(tree, {"requirements.txt": "django==5.0\n", "uv.lock": "version = 2\n"})
    elif change == "unstaged-deep":
        write_files(tree, {"shop/migrations/0001_initial.py": MIGRATION + "# more\n"})
    elif change == "staged-then-restored":  # the index differs from HEAD, the file too
        write_files(tree, {"requirements.txt": "django==5.0\n"})
        git(tree, "add", "requirements.txt")
        write_files(tree, {"requirements.txt": "django==4.2\n"})
    elif change == "new-migration":
        write_files(tree, {"shop/migrations/0002_more.py": MIGRATION,
                           "shop/migrations/squashed/0001_all.py": MIGRATION})
    elif change == "new-requirements":
        write_files(tree, {"requirements-test.txt": "pytest\n"})
        os.symlink("requirements.txt", tree / "requirements-link.txt")
    else:
        write_files(tree, {"requirements/test.txt": "pytest\n"})
    assert decide(root, tree) == ("edited", False)


@pytest.mark.parametrize("where, pattern, ignored, how", [
    (".gitignore", "*.py[cod]\n*.log\n/docs/\nbuild/\n", False, "edited"),  # none could
    # vim's swap files, any folder's *.pyc, an escaped #, a `**` past a first part elsewhere
    (".gitignore", "[._]*.s[a-v][a-z]\n**/*.pyc\n\\#*\\#\n.github/x/**/y/\n", False, "edited"),
    (".gitignore", "shop/migrations/0002_*\n", True, "git"),
    (".gitignore", "0002*\n", True, "git"),
    (".gitignore", "**/0002_*\n", True, "git"),
    (".gitignore", "migrations/\n", True, "git"),  # a folder on the way: nothing below listed
    ("shop/.gitignore", "*.py\n", True, "git"),
    (".gitignore", "*.p[xy]\n", True, "git"),
    (".gitignore", "shop/**/tmp\n", False, "git"),  # `**`: read as "could"; git does not
    (".gitignore", "[!a]*.txt\n", False, "git"),  # a negated class: read as "could"
    ("info/exclude", "0002_more.py\n", True, "git"),
    ("excludesFile", "*.py\n", True, "git"),
])
def test_an_untracked_file_that_could_be_ignored_is_left_to_git(
        repo, tmp_path: Path, where: str, pattern: str, ignored: bool, how: str) -> None:
    root = base(repo)
    tree = worktree(root)
    if where == "info/exclude":
        (root / ".git" / "info").mkdir(exist_ok=True)
        (root / ".git" / "info" / "exclude").write_text(pattern)
    elif where == "excludesFile":
        (tmp_path / "ignore").write_text(pattern)
        git(root, "config", "core.excludesFile", str(tmp_path / "ignore"))
    else:
        write_files(tree, {where: pattern})
        git(tree, "add", where)
        git(tree, "commit", "-qm", "ignore")
    write_files(tree, {"shop/migrations/0002_more.py": MIGRATION})
    assert decide(root, tree) == (how, ignored)


@pytest.mark.parametrize("elsewhere", ["staged", "autocrlf"])
def test_an_edit_git_could_store_otherwise_is_left_to_git(repo, elsewhere: str) -> None:
    """A file staged outside the scope since git wrote the cache-tree: the folders around
    it are git's to write. A CRLF file under core.autocrlf: git stores it with LF."""
    root = base(repo)
    tree = worktree(root)
    if elsewhere == "staged":
        write_files(tree, {"blog/views.py": "B = 2\n"})
        git(tree, "add", "blog/views.py")
        write_files(tree, {"requirements.txt": "django==5.0\n"})
    else:
        git(root, "config", "core.autocrlf", "true")
        write_files(tree, {"requirements.txt": "django==5.0\r\n"})
    assert decide(root, tree) == ("git", False)


def test_a_conflict_elsewhere_in_the_index_leaves_an_edit_to_git(repo) -> None:
    """Stages of a conflict outside the scope (no MERGE_HEAD: a `checkout -m` leaves them
    so): git cannot write that index's tree, and its long way keeps HEAD's version there;
    the edit inside the scope must not get a tree of ours."""
    root = base(repo)
    tree = worktree(root)
    blob = git(tree, "rev-parse", "HEAD:blog/views.py").strip()
    subprocess.run(["git", "-C", str(tree), "update-index", "--index-info"], check=True,
                   input=f"0 {'0' * 40}\tblog/views.py\n100644 {blob} 1\tblog/views.py\n"
                         f"100644 {blob} 2\tblog/views.py\n", text=True)
    assert "blog/views.py" in git(tree, "diff", "--name-only", "--diff-filter=U")
    write_files(tree, {"requirements.txt": "django==5.0\n"})
    assert decide(root, tree) == ("git", False)


@pytest.mark.parametrize("change", ["staged", "deleted", "intent-to-add",
                                    "replaced-by-folder"])
def test_a_change_in_scope_is_left_to_git(repo, change: str) -> None:
    root = base(repo)
    tree = worktree(root)
    if change == "staged":
        write_files(tree, {"uv.lock": "version = 2\n"})
        git(tree, "add", "uv.lock")
    elif change == "deleted":
        (tree / "shop/migrations/0001_initial.py").unlink()
    elif change == "intent-to-add":
        write_files(tree, {"requirements-dev.txt": "x\n"})
        git(tree, "add", "-N", "requirements-dev.txt")
    elif change == "replaced-by-folder":
        (tree / "uv.lock").unlink()
        write_files(tree, {"uv.lock/x": "x\n"})
    assert decide(root, tree) == ("git", False)


def test_a_racily_clean_edit_is_read(repo) -> None:
    """Rewritten, same size, in the second the index was written: the stat data matches and
    cannot be trusted; the content says it changed."""
    root = base(repo)
    tree = worktree(root)
    moment = 1_700_000_000_000_000_000
    index = Path(git(tree, "rev-parse", "--path-format=absolute", "--git-path",
                     "index").strip())
    os.utime(tree / "requirements.txt", ns=(moment, moment))
    git(tree, "update-index", "--really-refresh")
    write_files(tree, {"requirements.txt": "django==5.2\n"})
    os.utime(tree / "requirements.txt", ns=(moment, moment))
    os.utime(index, ns=(moment, moment))
    assert decide(root, tree) == ("edited", False)


def test_a_mode_change_is_left_to_git_unless_filemode_is_off(repo) -> None:
    root = base(repo)
    tree = worktree(root)
    (tree / "requirements.txt").chmod(0o755)
    assert decide(root, tree) == ("git", False)
    git(root, "config", "core.fileMode", "false")
    assert decide(root, tree) == ("unchanged", True)


def test_symlinks_are_compared_by_target(repo) -> None:
    root = base(repo)
    os.symlink("requirements/dev.txt", root / "requirements-dev.txt")
    git(root, "add", "requirements-dev.txt")
    git(root, "commit", "-qm", "link")
    tree = worktree(root)
    assert decide(root, tree) == ("unchanged", True)
    (tree / "requirements-dev.txt").unlink()
    os.symlink("requirements.txt", tree / "requirements-dev.txt")
    assert decide(root, tree) == ("edited", False)  # a link is stored by its target


def test_a_linked_folder_on_the_way_is_left_to_git(repo) -> None:
    root = base(repo)
    tree = worktree(root)
    os.rename(tree / "shop", tree / "shop-real")
    os.symlink("shop-real", tree / "shop")
    assert decide(root, tree)[0] == "git"


@pytest.mark.parametrize("version", ["2", "3", "4"])
def test_every_index_version_reads_alike(repo, version: str) -> None:
    root = base(repo)
    tree = worktree(root)
    git(tree, "update-index", "--index-version", version)
    assert decide(root, tree) == ("unchanged", True)
    write_files(tree, {"requirements.txt": "django==5.0\n"})
    assert decide(root, tree) == ("edited", False)


def test_index_versions_give_the_same_entries(repo, tmp_path: Path) -> None:
    deep = "/".join(["d" * 200] * 22) + "/file.txt"  # a name over 4095 bytes
    root = repo({"a.txt": "a\n", "b/c.txt": "c\n"})
    blob = git(root, "hash-object", "-w", "a.txt").strip()
    git(root, "update-index", "--add", "--cacheinfo", f"100644,{blob},{deep}")  # no such file
    git(root, "update-index", "--chmod=+x", "a.txt")

    def entries(version: str) -> list[IndexEntry]:
        git(root, "update-index", "--index-version", version)
        index = read_index(str(root / ".git" / "index"), "sha1")
        assert index.version == int(version) or version == "3"  # v2 without extended flags
        return [index.entry(n) for n in range(index.size)]

    assert entries("2") == entries("3") == entries("4")
    assert [e.path for e in entries("4")] == [b"a.txt", b"b/c.txt", deep.encode()]
    assert entries("2")[0].mode == 0o100755
    git(root, "update-index", "--skip-worktree", "b/c.txt")  # extended flags: version 3+
    assert read_index(str(root / ".git" / "index"), "sha1").version == 3
    assert entries("3")[1].skip_worktree and entries("4")[1].skip_worktree
    assert entries("3") == entries("4")


def test_a_split_index_is_left_to_git(repo) -> None:
    root = base(repo)
    tree = worktree(root)
    git(root, "config", "extensions.worktreeConfig", "true")
    git(tree, "config", "--worktree", "core.splitIndex", "true")
    git(tree, "update-index", "--split-index")
    with pytest.raises(Unreadable):
        read_index(git(tree, "rev-parse", "--path-format=absolute", "--git-path",
                       "index").strip(), "sha1")
    assert decide(root, tree) == ("git", True)


def test_a_sparse_checkout_honours_skip_worktree(repo) -> None:
    """Files outside the cone are not on disk and marked skip-worktree: git reads them as
    unchanged, and so does the proof; a sparse index (directories as entries) is git's."""
    root = base(repo)
    tree = worktree(root)
    git(tree, "sparse-checkout", "set", "blog")
    assert not (tree / "shop").exists()
    assert decide(root, tree) == ("unchanged", True)
    git(tree, "sparse-checkout", "set", "--sparse-index", "blog")
    assert decide(root, tree) == ("git", True)


def test_skip_worktree_and_assume_unchanged_are_honoured_as_git_does(repo) -> None:
    root = base(repo)
    tree = worktree(root)
    write_files(tree, {"requirements.txt": "django==5.0\n", "uv.lock": "version = 9\n"})
    git(tree, "update-index", "--skip-worktree", "requirements.txt")
    git(tree, "update-index", "--assume-unchanged", "uv.lock")
    assert decide(root, tree) == ("unchanged", True)


def test_crlf_files_under_autocrlf_are_left_to_git(repo) -> None:
    """With core.autocrlf git stores the file's lines with LF: its bytes hash to another
    blob, so only git can say it is unchanged."""
    root = base(repo)
    git(root, "config", "core.autocrlf", "true")
    tree = worktree(root)
    assert (tree / "requirements.txt").read_bytes() == b"django==4.2\r\n"
    assert decide(root, tree) == ("git", True)


@pytest.mark.parametrize("attributes, content, how", [
    ("* text=auto eol=lf\n*.png binary\n", "django==5.0\n", "edited"),  # LF: kept as is
    ("* text=auto eol=lf\n", "django==5.0\r\n", "git"),  # git stores the lines with LF
    ("*.txt ident\n", "django==5.0  # $Id$\n", "git"),  # git collapses $Id: …$
    ("*.txt ident\n", "django==5.0\n", "edited"),
    ("*.txt filter=secret\n", "django==5.0\n", "edited"),  # no driver runs, git's way too
    ("*.txt working-tree-encoding=UTF-16\n", "django==5.0\n", "git"),
])
def test_attributes_that_could_change_the_stored_bytes(repo, attributes: str, content: str,
                                                       how: str) -> None:
    """git stores a file as its bytes unless an attribute converts them: line endings
    (text, eol, crlf) touch only CRs, `ident` only `$Id`, a filter has no driver in the
    scratch repository; `working-tree-encoding` re-encodes everything."""
    root = base(repo)
    git(root, "config", "filter.secret.clean", "false")  # never run: no driver is read
    write_files(root, {".gitattributes": attributes})
    git(root, "add", ".gitattributes")
    git(root, "commit", "-qm", "attributes")
    tree = worktree(root)
    if "encoding" not in attributes:
        assert decide(root, tree) == ("unchanged", True)  # fresh: racily clean, hashed
    encoding = "utf-16" if "encoding" in attributes else "utf-8"
    (tree / "requirements.txt").write_bytes(content.encode(encoding))
    assert decide(root, tree) == (how, False)


def test_a_re_encoded_file_is_left_to_git_until_its_stat_data_is_trusted(repo) -> None:
    root = base(repo)
    write_files(root, {".gitattributes": "*.txt working-tree-encoding=UTF-16\n"})
    git(root, "add", ".gitattributes")
    git(root, "commit", "-qm", "attributes")
    tree = worktree(root)
    assert (tree / "requirements.txt").read_bytes().startswith(b"\xff\xfe")  # as checked out
    assert decide(root, tree) == ("git", True)
    age(tree, "requirements.txt", "requirements/dev.txt", "uv.lock",
        "shop/migrations/0001_initial.py", "shop/migrations/__init__.py")
    assert decide(root, tree) == ("unchanged", True)  # stat data trusted: no content read


@pytest.mark.parametrize("ignore, ignored, how", [
    ("__pycache__/\n*.py[cod]\n", True, "unchanged"),
    ("*.pyc\n", True, "unchanged"),  # __pycache__ holds only ignored files
    ("", False, "edited"),  # nothing ignores them: two untracked files
    ("__pycache__/\n*.pyc\n!keep.pyc\n!/docs/*.md\n!shop/other/\n", True, "unchanged"),
    ("__pycache__/\n*.pyc\n!old.pyc\n", False, "git"),  # takes old.pyc back
    ("__pycache__/\n*.pyc\n!*.py[co]\n", False, "git"),
    ("__pycache__/\n*.pyc\n!shop/**\n", False, "git"),
    ("*.pyc\n!__pycache__/\n", True, "unchanged"),  # the folder is read, its files ignored
])
def test_python_caches_in_a_migrations_folder(repo, ignore: str, ignored: bool,
                                              how: str) -> None:
    """`__pycache__` beside migrations is everywhere; a `.gitignore` that names it proves
    git ignores it, unless a `!` line could take it back (read by its last part: a pattern
    with `**`, `[` or `\\` could take back anything). Anything else is git's to judge."""
    root = base(repo)
    if ignore:
        commit_on_main(root, {".gitignore": ignore})
    tree = worktree(root)
    write_files(tree, {"shop/migrations/__pycache__/0001_initial.cpython-311.pyc": "x",
                       "shop/migrations/old.pyc": "y"})
    assert decide(root, tree) == (how, ignored)


def test_a_nested_repository_in_scope_is_left_to_git(repo) -> None:
    root = base(repo)
    tree = worktree(root)
    nested = tree / "shop" / "migrations" / "vendored"
    nested.mkdir()
    git(nested, "init", "-q")
    assert decide(root, tree)[0] == "git"


def test_sha256_repositories(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main", "--object-format=sha256")
    write_files(root, {"requirements.txt": "django\n"})
    git(root, "add", "-A")
    git(root, "-c", "user.name=T", "-c", "user.email=t@e", "commit", "-qm", "one")
    tree = worktree(root)
    assert decide(root, tree) == ("unchanged", True)
    write_files(tree, {"requirements.txt": "flask\n"})
    assert decide(root, tree) == ("edited", False)


def test_the_proof_runs_no_git_and_no_hostile_setting(repo, tmp_path: Path,
                                                       monkeypatch) -> None:
    """A worktree's own configuration names an fsmonitor: the proof starts no process in
    that worktree (only the one batched read of HEAD's trees, hardened, in the repository),
    so nothing of its configuration is ever read, let alone run."""
    root = base(repo)
    tree = worktree(root)
    mark = tmp_path / "ran"
    trap = tmp_path / "trap.sh"
    trap.write_text(f"#!/bin/sh\ntouch {mark}\n")
    trap.chmod(0o755)
    git(root, "config", "extensions.worktreeConfig", "true")
    git(tree, "config", "--worktree", "core.fsmonitor", str(trap))
    started: list[tuple[list[str], object]] = []
    popen = subprocess.Popen

    def counting(args, *rest, **options):  # type: ignore[no-untyped-def]
        started.append((list(args), options.get("cwd")))
        return popen(args, *rest, **options)

    head = git(root, "rev-parse", "HEAD").strip()
    repo_ = GitRepo(str(root))
    repo_._file_settings()
    monkeypatch.setattr(subprocess, "Popen", counting)
    try:
        assert repo_.settle_worktrees([(str(tree), head)], SCOPE) == 1
    finally:
        repo_.close()
    assert [cwd for _, cwd in started] == [str(root)], started  # the cat-file, nothing more
    assert not mark.exists()


def test_a_pathspec_folder_with_a_newline_is_left_to_git(repo, tmp_path: Path) -> None:
    """cat-file --batch cannot take such a name: the proof must not read the silence as
    "HEAD has no such folder" (a staged deletion there would be lost)."""
    root = base(repo)
    commit_on_main(root, {"a\nb/x.txt": "x\n"})
    tree = worktree(root)
    git(tree, "rm", "-q", "a\nb/x.txt")
    assert decide(root, tree, (":(glob)a\nb/*.txt",)) == ("git", False)


def test_many_worktrees_take_one_process(repo, monkeypatch) -> None:
    root = base(repo)
    trees = [worktree(root, f"w{n}") for n in range(4)]
    write_files(trees[1], {"requirements.txt": "django==5.0\n"})
    started: list[list[str]] = []
    popen = subprocess.Popen

    def counting(args, *rest, **options):  # type: ignore[no-untyped-def]
        started.append(list(args))
        return popen(args, *rest, **options)

    head = git(root, "rev-parse", "HEAD").strip()
    repo_ = GitRepo(str(root))
    repo_._file_settings()  # the configuration is read once a run anyway
    monkeypatch.setattr(subprocess, "Popen", counting)
    try:
        settled = repo_.settle_worktrees([(str(t), head) for t in trees], SCOPE)
        again = repo_.settle_worktrees([(str(t), head) for t in trees], SCOPE)
    finally:
        repo_.close()
    assert settled == 4  # three unchanged, one edited
    assert again == 0  # the hook's second scan: each snapshot is known, no index re-read
    assert len(started) == 1 and "cat-file" in started[0], started


def test_the_main_worktree_read_from_a_linked_one(repo) -> None:
    """The hook may run in a linked worktree: the main one is then another worktree."""
    root = base(repo)
    tree = worktree(root)
    assert decide(tree, root) == ("unchanged", True)
    write_files(root, {"requirements.txt": "django==5.0\n"})
    assert decide(tree, root) == ("edited", False)


def test_names_beyond_ascii(repo) -> None:
    root = base(repo)
    commit_on_main(root, {"requirements café.txt": "x\n"})
    tree = worktree(root)
    assert decide(root, tree) == ("unchanged", True)
    write_files(tree, {"requirements café.txt": "y\n"})
    assert decide(root, tree) == ("edited", False)
    write_files(tree, {"requirements-ü.txt": "new\n"})
    assert decide(root, tree) == ("edited", False)


def test_the_hook_reports_alike_with_and_without_the_proof(repo, cli, monkeypatch) -> None:
    """End to end: `check` with worktrees unchanged, edited, with a new migration and with
    a cache the .gitignore names gives the same report, byte for byte, as when every
    worktree is read by git."""
    root = base(repo)
    commit_on_main(root, {".gitignore": "__pycache__/\n"})
    trees = [worktree(root, f"w{n}") for n in range(5)]
    write_files(trees[1], {"requirements.txt": "django==5.0\n"})
    write_files(trees[2], {"shop/migrations/0002_theirs.py": MIGRATION})
    write_files(trees[3], {"shop/migrations/__pycache__/x.pyc": "x", "uv.lock": "v = 3\n"})
    write_files(trees[4], {"blog/views.py": "B = 4\n"})
    git(root, "checkout", "-q", "-b", "mine")
    write_files(root, {"requirements.txt": "django==4.1\n",
                       "shop/migrations/0002_mine.py": MIGRATION})
    git(root, "add", "-A")
    monkeypatch.chdir(root)
    settled: list[int] = []
    settle = GitRepo.settle_worktrees

    def counted(self: GitRepo, worktrees: list[tuple[str, str]], paths: tuple[str, ...]) -> int:
        settled.append(settle(self, worktrees, paths))
        return settled[-1]

    monkeypatch.setattr(GitRepo, "settle_worktrees", counted)
    fast = cli("check", "--format", "json", "--fail-on", "never")
    assert settled == [5], settled
    assert {f["rule"] for f in fast.json["findings"]} >= {"CS103"}, fast.out
    monkeypatch.setattr(GitRepo, "settle_worktrees", lambda self, worktrees, paths: 0)
    slow = cli("check", "--format", "json", "--fail-on", "never")
    assert fast.out == slow.out and fast.code == slow.code


def test_worktrees_on_one_head_parse_its_trees_once(repo, monkeypatch) -> None:
    """Fresh worktrees of one commit share HEAD: each of its trees is parsed once for all
    of them (not once per worktree), and each is still proven unchanged."""
    import analyzer.sources.git.unchanged as unchanged

    root = base(repo)
    trees = [worktree(root, f"w{n}") for n in range(3)]
    parsed: list[bytes] = []
    parse = unchanged.parse_tree

    def counting(data: bytes, size: int) -> unchanged.Listing:
        parsed.append(data)
        return parse(data, size)

    monkeypatch.setattr(unchanged, "parse_tree", counting)
    head = git(root, "rev-parse", "HEAD").strip()
    repo_ = GitRepo(str(root))
    try:
        assert repo_.settle_worktrees([(str(t), head) for t in trees], SCOPE) == 3
        assert all(repo_.snapshot_worktree(str(t), head, paths=SCOPE) == head for t in trees)
    finally:
        repo_.close()
    assert parsed and len(parsed) == len(set(parsed)), len(parsed)


def test_the_walk_of_an_index_is_kept_for_the_next_run(repo, layout_cache: Path,
                                                       monkeypatch) -> None:
    """Where each entry of another worktree's index starts is kept under the file's own
    checksum: the next run reads the same entries without walking the file; the near
    misses: an index git wrote again (another checksum) and a kept walk that is not this
    file's are walked, and read right."""
    from analyzer.sources.git import index_file

    root = base(repo)
    tree = worktree(root)
    index = str(root / ".git" / "worktrees" / "other" / "index")

    def entries(keep: bool) -> list[IndexEntry]:
        read = read_index(index, "sha1", keep=keep)
        return [read.entry(number) for number in range(read.size)]

    expected = entries(keep=False)
    walks: list[int] = []
    walk = index_file.IndexFile._walk

    def counting(self: index_file.IndexFile, count: int) -> tuple[list[int], int]:
        walks.append(count)
        return walk(self, count)

    monkeypatch.setattr(index_file.IndexFile, "_walk", counting)
    assert entries(keep=True) == expected and len(walks) == 1
    (kept,) = [p for p in layout_cache.iterdir() if p.name.startswith("index-")]
    assert entries(keep=True) == expected and len(walks) == 1  # read back, not walked
    write_files(tree, {"requirements.txt": "django==5.0\n", "blog/new.py": "x\n"})
    git(tree, "add", "requirements.txt", "blog/new.py")
    changed = entries(keep=True)
    assert len(walks) == 2 and changed != expected
    assert changed == entries(keep=False)
    assert len([p for p in layout_cache.iterdir() if p.name.startswith("index-")]) == 2
    data = json.loads(kept.read_text())  # the first file's walk (one entry fewer) put
    os.remove(kept)  # under the second file's name: not this file's, walked again
    (second,) = [p for p in layout_cache.iterdir() if p.name.startswith("index-")]
    second.write_text(json.dumps({**json.loads(second.read_text()), "value": data["value"]}))
    assert entries(keep=True) == changed and len(walks) == 4


def test_an_index_without_a_checksum_keeps_no_walk(repo, layout_cache: Path,
                                                   tmp_path: Path) -> None:
    """`index.skipHash` writes no checksum: nothing names the file's content, nothing is
    kept."""
    root = base(repo)
    data = (root / ".git" / "index").read_bytes()
    unsigned = tmp_path / "index"
    unsigned.write_bytes(data[:-20] + bytes(20))
    read = read_index(str(unsigned), "sha1", keep=True)
    assert read.size == read_index(str(root / ".git" / "index"), "sha1").size
    assert not list(layout_cache.glob("index-*"))


def test_head_trees_are_kept_for_the_next_run(repo, layout_cache: Path, monkeypatch) -> None:
    """A commit's trees never change: the next run proves the same worktrees with no
    process; the near miss, a worktree whose HEAD moved, has its new commit's trees read."""
    root = base(repo)
    trees = [worktree(root, f"w{n}") for n in range(3)]
    started: list[list[str]] = []
    popen = subprocess.Popen

    def counting(args, *rest, **options):  # type: ignore[no-untyped-def]
        started.append(list(args))
        return popen(args, *rest, **options)

    def settle() -> list[str]:
        heads = [git(t, "rev-parse", "HEAD").strip() for t in trees]
        repo_ = GitRepo(str(root))
        repo_._file_settings()
        monkeypatch.setattr(subprocess, "Popen", counting)
        try:
            asked = list(zip(map(str, trees), heads, strict=True))
            assert repo_.settle_worktrees(asked, SCOPE) == 3
            return [repo_.snapshot_worktree(str(t), h, paths=SCOPE)
                    for t, h in zip(trees, heads, strict=True)]
        finally:
            monkeypatch.setattr(subprocess, "Popen", popen)
            repo_.close()

    first = settle()
    assert len(started) == 1 and "cat-file" in started[0], started
    started.clear()
    assert settle() == first and not started  # read back: no process
    write_files(trees[2], {"requirements.txt": "django==5.0\n"})
    git(trees[2], "commit", "-qam", "moved")
    moved = settle()
    assert len(started) == 1 and "cat-file" in started[0], started
    assert moved[:2] == first[:2] and moved[2] == git(trees[2], "rev-parse", "HEAD").strip()


def test_only_what_holds_for_good_is_kept() -> None:
    """A path a commit lacks is kept only when git read that commit in the same answer (a
    commit missing from a partial clone is asked again); files are not trees."""
    from analyzer.sources.git.kept_trees import keepable

    c, d = "c" * 40, "d" * 40
    tree = ("tree", b"100644 a\0" + bytes(20))
    found = {f"{c}^{{tree}}": tree, f"{c}:requirements": None, f"{d}:requirements": None,
             f"{c}:setup.py": ("blob", b"x"), "e" * 40: tree}
    assert keepable(found) == {f"{c}^{{tree}}": tree, f"{c}:requirements": None,
                               "e" * 40: tree}


def test_a_damaged_kept_tree_file_is_not_trusted(repo, layout_cache: Path) -> None:
    root = base(repo)
    tree = worktree(root)
    head = git(root, "rev-parse", "HEAD").strip()
    assert decide(root, tree) == ("unchanged", True)
    (kept,) = layout_cache.glob("trees-*.json")
    data = json.loads(kept.read_text())
    kept.write_text(json.dumps({**data, "value": [[name, "zz"] for name, _ in data["value"]]}))
    assert decide(root, tree) == ("unchanged", True)
    again = json.loads(kept.read_text())["value"]  # read from git again, and kept anew
    assert any(name.startswith(head) for name, _ in again)
    assert all(value is None or bytes.fromhex(value) for _, value in again)


PIECES = [b"*", b"?", b"a", b"b", b".", b"\xe9", b"txt", b"**"]


@settings(max_examples=1500, deadline=None)
@given(st.one_of(st.lists(st.sampled_from(PIECES), max_size=8).map(
           b"".join), st.binary(max_size=10).map(lambda b: b.replace(b"/", b""))),
       st.lists(st.sampled_from(PIECES), max_size=7).map(b"".join))
def test_wildcards_match_as_fnmatch_does(name: bytes, pattern: bytes) -> None:
    """The proof's own `*` and `?` matcher (no regex to compile on every commit) answers as
    fnmatch, which reads those as git does."""
    from analyzer.sources.git.unchanged import _wildcards

    assert _wildcards(name, pattern) == fnmatch.fnmatchcase(name.decode("latin-1"),
                                                           pattern.decode("latin-1"))


@pytest.mark.parametrize("kept_first", [False, True], ids=["fresh", "kept before"])
def test_a_replace_ref_does_not_make_a_staged_change_unchanged(repo, layout_cache: Path,
                                                               kept_first: bool) -> None:
    """git's snapshot of a worktree is its index's tree by id; a replace ref (`git replace
    <HEAD's tree> <the index's tree>`) changes what HEAD's tree reads as, not its id: the
    proof must not read HEAD's tree through it and call the staged change "unchanged"."""
    root = base(repo)
    tree = worktree(root)
    if kept_first:
        assert decide(root, tree) == ("unchanged", True)
    write_files(tree, {"requirements.txt": "django==5.0\n"})
    git(tree, "add", "requirements.txt")
    staged = git(tree, "write-tree").strip()
    git(root, "replace", git(root, "rev-parse", "HEAD^{tree}").strip(), staged)
    assert decide(root, tree)[1] is False  # git: a change (and the proof agrees)


@pytest.mark.parametrize("replaced", [False, True])
def test_the_proofs_trees_list_a_folder_only_without_replace_refs(repo, replaced: bool
                                                                  ) -> None:
    """The proof reads HEAD's trees as they are stored; `list_tree` (as `ls-tree`) reads
    through replace refs: where the repository has one, the proof's folder is not its
    answer (a process lists it). Near miss: no replace ref, answered from the proof's."""
    root = base(repo)
    tree = worktree(root)
    head = git(root, "rev-parse", "HEAD").strip()
    if replaced:
        blob = git(root, "rev-parse", "HEAD:requirements.txt").strip()
        other = git(root, "rev-parse", "HEAD:uv.lock").strip()
        git(root, "replace", blob, other)
        git(root, "pack-refs", "--all")  # a packed replace ref is found too
        assert not list((root / ".git" / "refs" / "replace").rglob("*.*"))
    repo_ = GitRepo(str(root))
    try:
        assert repo_.settle_worktrees([(str(tree), head)], SCOPE) == 1
        known = repo_.known_files(head, ["shop/migrations"])
    finally:
        repo_.close()
    assert known == (None if replaced else ["shop/migrations/0001_initial.py",
                                            "shop/migrations/__init__.py"])
