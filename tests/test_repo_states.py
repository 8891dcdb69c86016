"""Odd repository states, each with a defined behaviour: a note and the scan goes on."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.conftest import ROOT, branch, git, write_files

PYPROJECT = '[project]\nname = "shop"\ndependencies = ["django"]\n'


def _shop(repo) -> Path:
    root = repo({"pyproject.toml": PYPROJECT, "requirements.txt": "django==4.2\n"})
    branch(root, "feat/billing", {"pyproject.toml": PYPROJECT.replace('"django"',
                                                                     '"django", "stripe"')})
    branch(root, "feat/search", {"pyproject.toml": PYPROJECT.replace('"django"',
                                                                    '"django", "whoosh"'),
                                 "requirements.txt": "django==4.2\nwhoosh\n"})
    return root


def _in_progress(root: Path, tmp_path: Path, operation: list[str]) -> Path:
    """A worktree on feat/billing stopped by a conflict in pyproject.toml."""
    wt = tmp_path / "billing"
    git(root, "worktree", "add", "-q", str(wt), "feat/billing")
    done = subprocess.run(["git", "-C", str(wt), *operation], capture_output=True, check=False)
    assert done.returncode != 0 and "<<<<<<<" in (wt / "pyproject.toml").read_text()
    return wt


@pytest.mark.parametrize("operation, what", [
    (["merge", "feat/search"], "a merge"),
    (["rebase", "feat/search"], "a rebase"),
    (["cherry-pick", "feat/search"], "a cherry-pick"),
])
def test_a_worktree_in_the_middle_of_an_operation(repo, branches, tmp_path, operation, what):
    root = _shop(repo)
    _in_progress(root, tmp_path, operation)
    result = branches(root, expect=0)
    notes = result.json["notes"]
    assert any(n.startswith("feat/billing is in the middle of " + what) for n in notes), notes
    assert result.json["problems"] == []  # no "does not parse as TOML" for conflict markers
    assert "feat/billing" in {w["id"] for w in result.json["workstreams"]}


@pytest.mark.parametrize("locked", [False, True])
def test_a_worktree_whose_folder_is_gone(repo, branches, tmp_path, locked):
    root = _shop(repo)
    wt = tmp_path / "gone"
    git(root, "worktree", "add", "-q", str(wt), "feat/billing")
    if locked:
        git(root, "worktree", "lock", str(wt))
    shutil.rmtree(wt)
    result = branches(root, expect=0)
    note = next(n for n in result.json["notes"] if "feat/billing" in n)
    assert ("locked" in note) is locked and "folder" in note
    ids = {w["id"] for w in result.json["workstreams"]}
    assert {"feat/billing", "feat/search"} <= ids  # its branch's commits still count


def test_an_unborn_worktree_is_skipped_and_the_scan_goes_on(repo, branches, tmp_path):
    root = _shop(repo)
    wt = tmp_path / "orphan"
    git(root, "worktree", "add", "-q", "--detach", str(wt))
    git(wt, "checkout", "-q", "--orphan", "fresh")
    result = branches(root, expect=0)
    assert any("no commit yet" in n for n in result.json["notes"])
    assert "feat/search" in {w["id"] for w in result.json["workstreams"]}


def test_a_detached_worktree_is_a_workstream(repo, branches, tmp_path):
    root = _shop(repo)
    wt = tmp_path / "detached"
    git(root, "worktree", "add", "-q", "--detach", str(wt), "feat/search")
    write_files(wt, {"requirements.txt": "django==4.2\nwhoosh\nredis\n"})
    result = branches(root, expect=0)
    assert any(w["name"].startswith("detached at ") for w in result.json["workstreams"])


def test_a_bare_repository_with_explicit_refs(repo, branches, tmp_path):
    root = _shop(repo)
    bare = tmp_path / "shop.git"
    git(tmp_path, "clone", "-q", "--bare", str(root), str(bare))
    result = branches(bare, "feat/billing", "feat/search", "--base", "main", expect=0)
    assert ("CS201", "pyproject.toml", ("feat/billing", "feat/search")) in result.findings() \
        or any(f["resource"] and f["resource"]["key"] == "pyproject.toml"
               for f in result.json["findings"]), result.out


def test_file_names_git_quotes(repo, branches):
    root = repo({"README.md": "x\n"})
    names = ['requirements "dev".txt', "tab\there.txt", "café.txt"]
    git(root, "checkout", "-q", "-b", "odd")
    for name in names:
        with open(os.fsencode(root) + b"/" + os.fsencode(name), "wb") as handle:
            handle.write(b"django\n")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "odd names")
    git(root, "checkout", "-q", "main")
    result = branches(root, "odd", expect=0)
    keys = {t["key"] for w in result.json["workstreams"] for t in w["touches"]}
    assert set(names) <= keys


def test_sigterm_removes_every_temporary_file(tmp_path):
    """The handler conflictscan installs: a stopped scan leaves no conflictscan-* behind."""
    script = textwrap.dedent("""
        import os, sys, time
        from analyzer.tempfiles import install_cleanup, private_dir
        install_cleanup()
        folder = private_dir()
        open(os.path.join(folder, "copy-of-requirements.txt"), "w").write("django\\n")
        print(folder, flush=True)
        time.sleep(60)
    """)
    env = {**os.environ, "TMPDIR": str(tmp_path), "PYTHONPATH": str(ROOT)}
    for number in (signal.SIGTERM, signal.SIGINT):
        child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE,
                                 env=env, text=True)
        assert child.stdout is not None
        folder = child.stdout.readline().strip()
        assert os.path.isdir(folder)
        child.send_signal(number)
        assert child.wait(timeout=30) == -number
        assert not os.path.exists(folder)
    assert list(tmp_path.glob("conflictscan-*")) == []


def test_a_signal_while_threads_make_scratch_files_leaves_nothing(tmp_path):
    """The race between the cleanup and the threads still working: a thread between making
    a directory and registering it, or writing an object into a scratch repository the
    handler has just removed (which must not create it again). Stopped three times, each
    with threads busy making scratch repositories and objects."""
    script = textwrap.dedent("""
        import sys, threading, time
        from analyzer.tempfiles import install_cleanup
        from analyzer.sources.git.scratch import ScratchRepo
        install_cleanup()
        def work():
            try:
                while True:
                    scratch = ScratchRepo(sys.argv[1], "sha1", None)
                    for n in range(40):
                        scratch.write_blob(str(n).encode(), "sha1")
            except Exception:
                pass
        for _ in range(3):
            threading.Thread(target=work, daemon=True).start()
        print("busy", flush=True)
        time.sleep(60)
    """)
    env = {**os.environ, "TMPDIR": str(tmp_path), "PYTHONPATH": str(ROOT)}
    objects = tmp_path / "objects"
    objects.mkdir()
    for delay in (0.05, 0.15, 0.3):
        child = subprocess.Popen([sys.executable, "-c", script, str(objects)],
                                 stdout=subprocess.PIPE, env=env, text=True)
        assert child.stdout is not None and child.stdout.readline().strip() == "busy"
        subprocess.run(["sleep", str(delay)], check=False)
        child.send_signal(signal.SIGTERM)
        assert child.wait(timeout=30) == -signal.SIGTERM
        assert list(tmp_path.glob("conflictscan-*")) == []


def test_a_real_scan_stopped_mid_way_leaves_nothing(repo, tmp_path):
    root = _shop(repo)
    for n in range(12):
        wt = tmp_path / f"wt{n}"
        git(root, "worktree", "add", "-q", "-b", f"w{n}", str(wt), "feat/search")
        write_files(wt, {"requirements.txt": f"django==4.2\nwhoosh\npkg{n}\n"})
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    env = {**os.environ, "TMPDIR": str(scratch), "PYTHONPATH": str(ROOT)}
    child = subprocess.Popen([sys.executable, "-m", "analyzer", "branches", "--repo", str(root),
                              "--format", "json"], env=env, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    for _ in range(200):  # wait until the scratch repository exists, then stop the scan
        if list(scratch.glob("conflictscan-*")) or child.poll() is not None:
            break
        subprocess.run(["sleep", "0.02"], check=False)
    child.send_signal(signal.SIGTERM)
    child.wait(timeout=60)
    assert list(scratch.glob("conflictscan-*")) == []


def test_a_work_tree_configured_elsewhere_is_refused(repo, cli):
    root = _shop(repo)
    git(root, "config", "core.worktree", "/etc")
    result = cli("branches", "--repo", root, "--format", "json")
    assert result.code == 2 and "core.worktree" in result.err


@pytest.mark.xfail(strict=True, reason="known limit: git's object writer refreshes the mtime "
                   "of an object that already exists, even in an alternate (git 2.39 has no "
                   "switch); contents never change")
def test_a_merge_the_repository_already_has_touches_no_mtime(repo, branches):
    root = repo({"s.txt": "1\n2\n3\n"})
    branch(root, "a", {"s.txt": "1a\n2\n3\n"})
    branch(root, "b", {"s.txt": "1\n2\n3b\n"})
    git(root, "checkout", "-q", "-b", "ab", "a")
    git(root, "merge", "-q", "b", "-m", "integration")
    git(root, "checkout", "-q", "main")
    objects = root / ".git" / "objects"
    before = {p: p.stat().st_mtime_ns for p in objects.rglob("*") if p.is_file()}
    os.utime(objects, None)
    for path in before:  # age them, so that a refresh shows
        os.utime(path, ns=(before[path] - 10**10, before[path] - 10**10))
    before = {p: p.stat().st_mtime_ns for p in before}
    branches(root, "a", "b", "--no-worktrees", expect=0)
    assert {p: p.stat().st_mtime_ns for p in before} == before
