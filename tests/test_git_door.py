"""One door to git: no module but the runner starts git, and it runs hardened."""

from __future__ import annotations

import re

from analyzer.sources.git.runner import hardened_command, hardened_env
from tests.conftest import ROOT

_SPAWNS = re.compile(r"\bsubprocess\.(run|Popen|call|check_call|check_output|getoutput|"
                     r"getstatusoutput)\s*\(|from subprocess import|\basyncio\.create_subprocess"
                     r"|\bos\.(system|popen|exec\w*|spawn\w*|posix_spawn\w*|fork\w*)\s*\("
                     r"|^\s*(from git\b|import git\b)", re.MULTILINE)


def test_only_the_runner_starts_processes():
    package = ROOT / "analyzer"
    offenders = [str(path.relative_to(ROOT)) for path in sorted(package.rglob("*.py"))
                 if path.name != "runner.py" and _SPAWNS.search(path.read_text())]
    assert offenders == []


def test_every_command_carries_the_safety_options():
    command = hardened_command(["status"])
    pairs = {command[i + 1] for i, part in enumerate(command) if part == "-c"}
    for setting in ("core.fsmonitor=false", "core.hooksPath=/dev/null", "credential.helper=",
                    "protocol.allow=never", "gc.auto=0", "maintenance.auto=false",
                    "merge.renormalize=false", "core.splitIndex=false"):
        assert setting in pairs
    assert command[:2] == ["git", "--no-pager"] and command[-1] == "status"
    isolated = hardened_command(["merge-tree"], isolated=True)
    assert "core.attributesFile=/dev/null" in isolated


def test_environment_is_offline_lock_free_and_promptless(monkeypatch):
    monkeypatch.setenv("GIT_EXTERNAL_DIFF", "/bin/evil")
    monkeypatch.setenv("GIT_DIR", "/elsewhere")
    env = hardened_env()
    assert "GIT_EXTERNAL_DIFF" not in env and "GIT_DIR" not in env
    assert env["GIT_OPTIONAL_LOCKS"] == "0" and env["GIT_TERMINAL_PROMPT"] == "0"
    assert env["GIT_ALLOW_PROTOCOL"] and env["GIT_ASKPASS"] == "" and env["GIT_PAGER"] == "cat"
    isolated = hardened_env(isolated=True)
    assert isolated["GIT_CONFIG_NOSYSTEM"] == "1" and isolated["GIT_CONFIG_GLOBAL"] == "/dev/null"
