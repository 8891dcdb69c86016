"""The pre-edit question: `conflictscan hook agent` fed the JSON Claude Code sends, and
`branches --file`, its view for people and scripts. Real repositories and worktrees."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from tests.conftest import ROOT, git, write_files
from tests.test_gates import ALEMBIC_INI, revision


def hook(payload: object, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """The hook as the agent runs it: a new process, the tool call as JSON on stdin."""
    text = payload if isinstance(payload, str) else json.dumps(payload)
    return subprocess.run([sys.executable, "-m", "analyzer", "hook", "agent", *args],
                          input=text, capture_output=True, text=True, check=False,
                          cwd=cwd or ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})


def call(tool: str, cwd: Path, **tool_input: object) -> dict[str, object]:
    """A PreToolUse payload as Claude Code sends it."""
    return {"session_id": "abc", "transcript_path": "/tmp/t.jsonl", "cwd": str(cwd),
            "permission_mode": "default", "hook_event_name": "PreToolUse", "tool_name": tool,
            "tool_input": tool_input}


@pytest.fixture
def two_worktrees(repo, tmp_path):
    """main holds a1 and a lockfile; worktree 'other' adds c3 on a1 and regenerates the lock
    (uncommitted), and changes the port in .env; the agent works in 'mine'."""
    root = repo({"alembic.ini": ALEMBIC_INI, "migrations/versions/a1.py": revision("a1", None),
                 "uv.lock": "# lock\n", "pyproject.toml": "[project]\nname = 'x'\n",
                 "app/main.py": "x = 1\n", ".env.example": "PORT=8000\n"})
    other = tmp_path / "other"
    git(root, "worktree", "add", "-q", "-b", "other", str(other))
    write_files(other, {"migrations/versions/c3.py": revision("c3", "a1"),
                        "uv.lock": "# lock other\n", ".env": "PORT=8001\n"})
    mine = tmp_path / "mine"
    git(root, "worktree", "add", "-q", "-b", "mine", str(mine))
    return mine


def test_blocks_a_revision_that_would_fork_the_chain(two_worktrees):
    mine = two_worktrees
    target = mine / "migrations" / "versions" / "d4.py"
    done = hook(call("Write", mine, file_path=str(target), content=revision("d4", "a1")))
    assert done.returncode == 2, done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert "CS301" in done.stderr and "alembic merge" in done.stderr
    assert not target.exists()  # the hook only answers


def test_lets_an_unshared_file_through(two_worktrees):
    mine = two_worktrees
    done = hook(call("Edit", mine, file_path=str(mine / "app" / "main.py"),
                     old_string="x = 1", new_string="x = 2"))
    assert done.returncode == 0 and done.stderr == ""


def test_lockfile_is_the_scan_s_error_and_env_its_warning(two_worktrees):
    mine = two_worktrees
    lock = hook(call("Edit", mine, file_path=str(mine / "uv.lock"),
                     old_string="# lock", new_string="# lock mine"))
    assert lock.returncode == 2 and "CS202" in lock.stderr and "uv lock" in lock.stderr
    env = call("Write", mine, file_path=str(mine / ".env"), content="PORT=8001\n")
    assert hook(env).returncode == 0  # a warning: below the default fail-on (error)
    warned = hook(env, "--fail-on", "warning")
    assert warned.returncode == 2 and "8001" in warned.stderr


@pytest.mark.parametrize("payload", [
    {"tool_name": "Read", "tool_input": {"file_path": "/etc/hosts"}},
    {"tool_name": "Bash", "tool_input": {"command": "ls"}},
    {"tool_name": "Write", "tool_input": {"file_path": "/nonexistent/dir/x.py", "content": ""}},
    {"hook_event_name": "PreToolUse"},
])
def test_tools_that_edit_nothing_in_a_repository_pass(payload):
    done = hook(payload)
    assert done.returncode == 0 and done.stderr == ""


def test_a_broken_payload_never_blocks():
    done = hook("{not json")
    assert done.returncode == 1 and "not checked" in done.stderr


def test_file_view_gives_the_same_answer(two_worktrees, cli, monkeypatch):
    mine = two_worktrees
    (mine / "uv.lock").write_text("# lock mine\n")  # both regenerate it: git will conflict
    monkeypatch.chdir(mine)
    result = cli("branches", "--file", "uv.lock", "--file", "app/main.py", "--format", "json")
    schema = json.loads((ROOT / "docs" / "file-query.schema.json").read_text())
    jsonschema.validate(result.json, schema)
    files = {f["path"]: f for f in result.json["files"]}
    assert [f["rule"] for f in files["uv.lock"]["findings"]] == ["CS202"]
    assert files["uv.lock"]["findings"][0]["severity"] == "error"
    assert files["app/main.py"]["findings"] == []
    assert result.code == 1 and result.json["collides"] is True
    assert cli("branches", "--file", "uv.lock", "--fail-on", "never").code == 0
    assert cli("branches", "--file", "app/main.py", "--fail-on", "note").code == 0
    text = cli("branches", "--file", "uv.lock")
    assert "CS202" in text.out and "uv lock" in text.out


def test_an_inline_suppression_in_the_new_text_is_honoured(two_worktrees):
    mine = two_worktrees
    target = mine / "migrations" / "versions" / "d4.py"
    text = revision("d4", "a1").replace("down_revision: str | None = 'a1'",
                                        "down_revision: str | None = 'a1'  # conflictscan: "
                                        "ignore[CS301]")
    assert "ignore[CS301]" in text
    done = hook(call("Write", mine, file_path=str(target), content=text))
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("object_format", ["sha1", "sha256"])
@pytest.mark.parametrize("content, blocked", [("v2\n", False), ("v3\n", True)])
def test_the_same_change_as_another_worktree_is_one_change(tmp_path, object_format, content,
                                                           blocked):
    """The edit's new text is named as git names it in this repository's object format, so
    writing what another worktree already wrote is the same change, not a collision (in a
    sha256 repository it was named by sha1 and never matched, and a file git does not merge
    was a certain conflict); the near miss writes something else."""
    root = tmp_path / "repo"
    git(tmp_path, "init", "-q", "-b", "main", f"--object-format={object_format}", str(root))
    write_files(root, {"data.cfg": "v1\n", ".gitattributes": "data.cfg -merge\n"})
    git(root, "add", "-A")
    git(root, "-c", "user.name=T", "-c", "user.email=t@example.com", "commit", "-qm", "i")
    for name in ("other", "mine"):
        git(root, "worktree", "add", "-q", "-b", name, str(tmp_path / name))
    write_files(tmp_path / "other", {"data.cfg": "v2\n"})
    mine = tmp_path / "mine"
    done = hook(call("Write", mine, file_path=str(mine / "data.cfg"), content=content))
    assert (done.returncode == 2) is blocked, done.stderr
