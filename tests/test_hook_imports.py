"""The pre-commit path loads only what a commit needs.

`conflictscan check --format json` runs on every commit; each heavy module it imports is paid
every time (issue 11 measured ~300 ms of imports). This runs the real hook command as a new
process with `python -X importtime`, with a staged requirement, a migration and another
branch and worktree to compare, and fails when a module on the list below is loaded.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.conftest import branch, git, write_files

# Heavy, or only for other commands: each with why it stays off the hook path.
FORBIDDEN = {
    "git": "GitPython: dropped, every git call goes through our runner",
    "rich": "terminal rendering: the hook's output is JSON or a pipe",
    "yaml": "plan files only",
    "markdown_it": "plan files only",
    "tomlkit": "editing TOML (fix) only; reading is tomllib",
    "analyzer.schedule": "plans only",
    "analyzer.reporters.text": "text output only",
    "analyzer.reporters.sarif": "sarif output only",
    "analyzer.sources.plan_readers": "plans only",
    "analyzer.sources.plan_touches": "plans only",
    "analyzer.sources.plan": "plans only",
    "analyzer.fixes": "fix only",
    "concurrent.futures": "imports logging; plain threads do",
    "logging": "nothing on the hook path logs",
    "packaging.tags": "loads platform; name normalisation is ours",
    "platform": "loads through packaging.tags",
    "unittest": "tests only",
    "asyncio": "never needed",
    "email": "never needed",
    "traceback": "an internal error's last resort (--debug) only",
    # each parser loads when a file of its kind is read: none here is alembic's, a lockfile
    # several workstreams write, an env or compose file, or an alembic.ini
    "analyzer.parsers.alembic": "alembic revisions only",
    "analyzer.parsers.lockfiles": "a lockfile several workstreams write only",
    "analyzer.parsers.envfile": "env and compose files only",
    "configparser": "an alembic.ini only",
}
# A commit of a source file reads no dependency file either.
FORBIDDEN_FOR_SOURCE = {
    **FORBIDDEN,
    "analyzer.parsers.requirements": "requirements files only",
    "analyzer.parsers.pyproject": "pyproject.toml only",
    "packaging": "comparing requirement specifiers only",
}


def imported_modules(stderr: str) -> set[str]:
    names = set()
    for line in stderr.splitlines():
        if line.startswith("import time:") and line.count("|") == 2:
            names.add(line.rsplit("|", 1)[1].strip())
    return names


def hook_imports(root: Path) -> set[str]:
    """The modules `conflictscan check --format json` loads in a new process."""
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "analyzer", "check",
                           "--format", "json"], cwd=root, capture_output=True, text=True,
                          check=False)
    assert done.returncode in (0, 1), done.stderr[-2000:]
    assert '"findings"' in done.stdout  # the scan really ran
    loaded = imported_modules(done.stderr)
    assert "analyzer.sources.git_facts" in loaded  # the control: this is the hook path
    return loaded


def heavy(loaded: set[str], forbidden: dict[str, str]) -> dict[str, str]:
    return {name: why for name, why in forbidden.items()
            if any(m == name or m.startswith(name + ".") for m in loaded)}


def test_a_source_commit_loads_no_parser_of_other_files(repo, tmp_path: Path) -> None:
    root = repo({"requirements.txt": "django==4.2\n", "pyproject.toml": "[project]\nname='x'\n",
                 "shop/views.py": "A = 1\n"})
    worktree = tmp_path / "wt"
    git(root, "worktree", "add", "-q", "-b", "task", str(worktree), "main")
    write_files(worktree, {"shop/views.py": "A = 2\n", "requirements.txt": "django==5.0\n"})
    write_files(root, {"shop/views.py": "A = 3\n"})
    git(root, "add", "-A")
    loaded = hook_imports(root)
    assert not heavy(loaded, FORBIDDEN_FOR_SOURCE), heavy(loaded, FORBIDDEN_FOR_SOURCE)
    # the near misses: a staged requirement is parsed; plain pins without packaging, a
    # compatible release (`~=`) with its specifiers
    write_files(root, {"requirements.txt": "django==4.2\nhttpx >= 0.27.0\n"})
    git(root, "add", "-A")
    loaded = hook_imports(root)
    assert "analyzer.parsers.requirements" in loaded and "packaging" not in loaded
    assert "analyzer.parsers.pyproject" not in loaded  # no pyproject.toml is staged
    write_files(root, {"requirements.txt": "django~=4.2\n"})
    git(root, "add", "-A")
    assert {"analyzer.parsers.requirements", "packaging.specifiers"} <= hook_imports(root)


def test_check_json_imports_nothing_heavy(repo, tmp_path: Path) -> None:
    root = repo({"requirements.txt": "django==4.2\n", "pyproject.toml": "[project]\nname='x'\n",
                 "shop/migrations/__init__.py": "",
                 "shop/migrations/0001_initial.py": "dependencies = []\n"})
    branch(root, "feature", {"requirements.txt": "django==4.2\nrequests==2.0\n"})
    worktree = tmp_path / "wt"
    git(root, "worktree", "add", "-q", "-b", "task", str(worktree), "main")
    write_files(worktree, {"requirements.txt": "django==4.2\nhttpx==0.1\n"})
    write_files(root, {"requirements.txt": "django==5.0\n",
                       "shop/migrations/0002_mine.py":
                       "dependencies = [('shop', '0001_initial')]\n"})
    git(root, "add", "-A")
    found = heavy(hook_imports(root), FORBIDDEN)
    assert not found, f"the hook imports heavy modules: {found}"


def test_the_scratch_store_goes_after_the_process_ends(repo, tmp_path: Path) -> None:
    """Deleted by a detached child once the report is out: the caller does not wait for it,
    and nothing is left behind."""
    import os
    import time

    root = repo({"requirements.txt": "django==4.2\n"})
    branch(root, "a", {"requirements.txt": "django==4.2\nhttpx\n"})
    branch(root, "b", {"requirements.txt": "httpx\ndjango==4.2\n"})
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    done = subprocess.run([sys.executable, "-m", "analyzer", "branches", "--format", "json"],
                          cwd=root, capture_output=True, text=True, check=False,
                          env={**os.environ, "TMPDIR": str(scratch)})
    assert done.returncode in (0, 1), done.stderr
    assert done.stdout.rstrip().endswith("}")  # the whole report came out first
    deadline = time.monotonic() + 10
    while list(scratch.glob("conflictscan-*")) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert list(scratch.glob("conflictscan-*")) == []


def test_every_dataclass_the_hook_loads_says_what_it_is(repo, tmp_path: Path) -> None:
    """A dataclass without a docstring gets one built by `inspect.signature` as its class is
    made (~0.15 ms each, on every commit); each one the hook loads has its own."""
    import dataclasses
    import importlib

    root = repo({"requirements.txt": "django==4.2\n", "shop/migrations/__init__.py": "",
                 "shop/migrations/0001_initial.py": "dependencies = []\n"})
    worktree = tmp_path / "wt"
    git(root, "worktree", "add", "-q", "-b", "task", str(worktree), "main")
    write_files(worktree, {"requirements.txt": "django==4.2\nhttpx==0.1\n"})
    write_files(root, {"requirements.txt": "django==5.0\n"})
    git(root, "add", "-A")
    ours = sorted(m for m in hook_imports(root) if m.startswith("analyzer"))
    bare = [f"{name}.{cls.__name__}" for name in ours
            for cls in vars(importlib.import_module(name)).values()
            if dataclasses.is_dataclass(cls) and isinstance(cls, type)
            and cls.__module__ == name and "__doc__" in vars(cls)
            and str(cls.__doc__).startswith(cls.__name__ + "(")]
    assert not bare, f"dataclasses without a docstring on the hook path: {bare}"
