"""Files stay inside the repository: a link to /proc/self/environ or /etc/passwd is never
followed, by any command, and special files never block a scan."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from analyzer.errors import InputError
from analyzer.safe_files import read_text
from tests.conftest import ROOT, git, write_files

SECRET = "tok-3f9a1c-conflictscan-must-never-print-this"
PLAN = "## Task 1: A\nAdd `stripe` to requirements.txt.\n## Task 2: B\nAdd `rich` too.\n"


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CONFLICTSCAN_FAKE_TOKEN": SECRET, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "analyzer", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120, check=False)


def _leaks(done: subprocess.CompletedProcess[str]) -> bool:
    text = done.stdout + done.stderr
    return SECRET in text or "root:x:0" in text or "CONFLICTSCAN_FAKE_TOKEN" in text


@pytest.fixture
def hostile(repo, tmp_path):
    """main is sane; the pull request `evil` commits its config files as links out."""
    root = repo({"requirements.txt": "django==4.2\n", "alembic.ini":
                 "[alembic]\nscript_location = migrations\n",
                 "pyproject.toml": '[project]\nname = "x"\n'})
    git(root, "checkout", "-q", "-b", "evil")
    for name, target in (("alembic.ini", "/proc/self/environ"), ("requirements.txt",
                         "/etc/passwd"), ("pyproject.toml", "/proc/self/environ"),
                         ("migrations/versions/a1.py", "/proc/self/environ")):
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists():
            path.unlink()
        path.symlink_to(target)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "links out")
    return root


def test_pr_never_prints_the_environment(hostile):
    done = _run("pr", "--head", "evil", "--base", "main", cwd=hostile)
    assert not _leaks(done)
    assert done.returncode == 2 and "outside the repository" in done.stderr


def test_branches_never_follow_committed_or_worktree_links(hostile, tmp_path):
    git(hostile, "checkout", "-q", "main")
    wt = tmp_path / "wt"
    git(hostile, "worktree", "add", "-q", str(wt), "evil")
    (wt / ".env").symlink_to("/proc/self/environ")  # untracked, in a worktree
    (wt / "requirements-dev.txt").symlink_to("/etc/passwd")
    for args in (["branches", "--format", "json"], ["branches", "evil", "--no-worktrees",
                 "--format", "json"], ["branches", "--format", "sarif"]):
        done = _run(*args, cwd=hostile)
        assert not _leaks(done), args
        assert done.returncode == 2 and "link to outside the repository" in done.stderr, args
        assert "requirements.txt: is a symbolic link" in done.stderr


def test_plan_repo_refuses_a_link_out(hostile, tmp_path):
    plan = tmp_path / "tasks.md"
    plan.write_text(PLAN)
    done = _run("plan", str(plan), "--repo", str(hostile), cwd=tmp_path)
    assert not _leaks(done)
    assert done.returncode == 2 and "outside the repository" in done.stderr


def test_a_link_inside_the_repository_is_fine(repo):
    root = repo({"config/alembic.ini": "[alembic]\nscript_location = db\n"})
    (root / "alembic.ini").symlink_to("config/alembic.ini")
    assert "script_location" in read_text(str(root / "alembic.ini"), root=str(root))


def test_a_fifo_plan_is_refused_without_blocking(tmp_path, cli):
    fifo = tmp_path / "tasks.md"
    os.mkfifo(fifo)
    result = cli("plan", fifo)
    assert result.code == 2 and "not a regular file" in result.err


def test_devices_and_oversized_files_are_refused(tmp_path):
    with pytest.raises(InputError, match="not a regular file"):
        read_text("/dev/zero")
    big = tmp_path / "big.txt"
    big.write_bytes(b"x" * 2048)
    with pytest.raises(InputError, match="larger than"):
        read_text(str(big), max_bytes=1024)


def test_a_baseline_named_by_the_repository_stays_inside_it(repo, cli, monkeypatch):
    root = repo({"pyproject.toml": '[tool.conflictscan]\nbaseline = "../../../../etc/passwd"\n'})
    write_files(root, {})
    monkeypatch.chdir(root)
    result = cli("branches", "--repo", root)
    assert result.code == 2 and "root:x:0" not in result.out + result.err
