"""Helpers shared by the tests: run the real CLI, write plans, build real git repositories."""

from __future__ import annotations

import json
import subprocess
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from analyzer.cli import main

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"


@dataclass
class Result:
    code: int
    out: str
    err: str

    @property
    def json(self) -> Any:
        return json.loads(self.out)

    def findings(self) -> list[tuple[str, str | None, tuple[str, ...]]]:
        return [(f["rule"], f["resource"] and f["resource"]["key"], tuple(f["workstreams"]))
                for f in self.json["findings"]]

    def rules(self) -> set[str]:
        return {f["rule"] for f in self.json["findings"]}


@pytest.fixture(autouse=True)
def layout_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test keeps what runs keep between them (layouts, catalog, index walks, trees,
    config) in a cache of its own: the suite runs with the cache on, as users do, and none
    of it reaches the user's ~/.cache."""
    folder = tmp_path / "layout-cache"
    monkeypatch.setenv("CONFLICTSCAN_CACHE_DIR", str(folder))
    return folder


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]):
    """Run `conflictscan ARGS` in process, through the same main() the console script calls."""

    def run(*args: str) -> Result:
        code = main([str(a) for a in args])
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return run


@pytest.fixture
def plan(tmp_path: Path):
    """Write a plan file (dedented) and return its path."""

    def write(text: str, name: str = "tasks.md") -> Path:
        path = tmp_path / name
        path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
        return path

    return write


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True,
                          check=True)
    return done.stdout


@pytest.fixture
def repo(tmp_path: Path):
    """A real git repository with the given files committed on main."""

    def build(files: dict[str, str], name: str = "repo") -> Path:
        root = tmp_path / name
        root.mkdir()
        git(root, "init", "-q", "-b", "main")
        git(root, "config", "user.email", "test@example.com")
        git(root, "config", "user.name", "Test")
        for rel, content in files.items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(content).lstrip(), encoding="utf-8")
        git(root, "add", "-A")
        git(root, "commit", "-q", "-m", "initial")
        return root

    return build


def write_files(root: Path, files: dict[str, str | None]) -> None:
    """Write (dedented) or, for None, delete files under root."""
    for rel, content in files.items():
        path = root / rel
        if content is None:
            path.unlink()
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(content).lstrip(), encoding="utf-8")


def branch(root: Path, name: str, files: dict[str, str | None], base: str = "main") -> None:
    """Commit files on a new branch `name` started from `base`, then go back."""
    git(root, "checkout", "-q", "-b", name, base)
    write_files(root, files)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", f"work on {name}")
    git(root, "checkout", "-q", "-")


def commit_on_main(root: Path, files: dict[str, str | None]) -> None:
    write_files(root, files)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "main moves on")


@pytest.fixture
def branches(cli):
    """Run `conflictscan branches` on a repository and return the JSON report."""

    def run(root: Path, *args: str, expect: int | None = None) -> Result:
        result = cli("branches", "--repo", root, "--format", "json", "--fail-on", "never", *args)
        if expect is not None:
            assert result.code == expect, result.err
        return result

    return run
