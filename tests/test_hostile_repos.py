"""Hostile and odd repositories: nothing runs, nothing is written, for every command.

Each repository kind gets every setting that makes git run a program (fsmonitor, hooks,
filters, merge and diff drivers, pagers, helpers, includes, transports) pointed at a trap
script that records its call, and Python files that record an import. Every file under the
repository (its .git, every worktree, submodules) is fingerprinted — content, mode, mtime —
before and after each command: nothing may change, no trap may fire.
"""

from __future__ import annotations

import hashlib
import os
import stat
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import git, write_files

HOOKS = ("pre-commit", "post-index-change", "reference-transaction", "post-checkout",
         "post-merge", "pre-auto-gc", "post-rewrite", "fsmonitor-watchman", "post-commit",
         "prepare-commit-msg", "commit-msg", "pre-push", "push-to-checkout")
REQUIREMENTS = "django==4.2\nrequests==2.31\n"
ALEMBIC_INI = "[alembic]\nscript_location = migrations\n"
PYTHON_TRAP = "open({marks!r} + '/imported-{name}', 'w').close()\n"


def revision(rev: str, down: str | None, marks: str) -> str:
    trap = PYTHON_TRAP.format(marks=marks, name=rev)
    return f'revision = "{rev}"\ndown_revision = {down!r}\n{trap}'


@dataclass
class Scene:
    root: Path  # where commands run (a checkout, or a bare repository)
    marks: Path
    watched: list[Path]  # every tree that must stay byte-for-byte the same
    kind: str


def _trap(tmp: Path, marks: Path) -> Path:
    script = tmp / "trap.sh"
    script.write_text(f'#!/bin/sh\necho "$0 $*" >> "{marks}/ran"\ncat\n')
    script.chmod(0o755)
    return script


def _arm(repo: Path, trap: Path, tmp: Path) -> None:
    """Every executing setting of git-config(1) we know of, pointed at the trap."""
    hooks = tmp / f"hooks-{repo.name}"
    hooks.mkdir(exist_ok=True)
    git_dir = Path(git(repo, "rev-parse", "--absolute-git-dir").strip())
    for folder in (hooks, git_dir / "hooks"):
        folder.mkdir(exist_ok=True)
        for hook in HOOKS:
            (folder / hook).write_text(f"#!/bin/sh\n{trap} hook-{hook}\n")
            (folder / hook).chmod(0o755)
    included = tmp / f"included-{repo.name}.cfg"
    included.write_text(f'[filter "inc"]\n\tclean = {trap} include-clean\n'
                        f'\tsmudge = {trap} include-smudge\n[core]\n'
                        f'\tfsmonitor = {trap} include-fsmonitor\n'
                        f'[merge "evil"]\n\tdriver = {trap} include-merge %O %A %B\n')
    settings = {
        "core.fsmonitor": f"{trap} fsmonitor", "core.hooksPath": str(hooks),
        "core.pager": f"{trap} pager", "pager.diff": f"{trap} pager-diff",
        "core.askPass": f"{trap} askpass", "core.sshCommand": f"{trap} ssh",
        "credential.helper": f"!{trap} credential", "gpg.program": f"{trap} gpg",
        "log.showSignature": "true", "diff.external": f"{trap} external",
        "diff.evil.command": f"{trap} diff-command", "diff.evil.textconv": f"{trap} textconv",
        "filter.evil.clean": f"{trap} clean", "filter.evil.smudge": f"{trap} smudge",
        "filter.evil.process": f"{trap} process", "filter.evil.required": "true",
        "filter.lfs.clean": f"{trap} lfs-clean", "filter.lfs.smudge": f"{trap} lfs-smudge",
        "filter.lfs.process": f"{trap} lfs-process",
        "merge.evil.driver": f"{trap} merge %O %A %B", "merge.default": "evil",
        "merge.text.driver": f"{trap} merge-text %O %A %B",
        "protocol.allow": "always", "protocol.file.allow": "always",
        "protocol.ext.allow": "always", "core.alternateRefsCommand": f"{trap} alt-refs",
        "gc.auto": "1", "maintenance.auto": "true", "core.untrackedCache": "true",
        "core.splitIndex": "true", "include.path": str(included),
    }
    for key, value in settings.items():
        git(repo, "config", key, value)


def _python_traps(marks: Path) -> dict[str, str]:
    trap = PYTHON_TRAP
    return {name: trap.format(marks=str(marks), name=name.replace("/", "_"))
            for name in ("conftest.py", "setup.py", "manage.py", "migrations/env.py",
                         "shop/migrations/0001_initial.py")}


def _project(marks: Path) -> dict[str, str]:
    return {
        "requirements.txt": REQUIREMENTS, "alembic.ini": ALEMBIC_INI,
        "pyproject.toml": '[project]\nname = "x"\ndependencies = ["django"]\n',
        "migrations/versions/a1.py": revision("a1", None, str(marks)),
        "shop/migrations/__init__.py": "",
        "notes.txt": "one\ntwo\nthree\n", "inc.txt": "included\n",
        "model.bin": "version https://git-lfs.github.com/spec/v1\noid sha256:"
                     + "0" * 64 + "\nsize 3\n",
        ".gitattributes": "* filter=evil merge=evil diff=evil\ninc.txt filter=inc\n"
                          "*.bin filter=lfs diff=lfs merge=lfs -text\n",
        **_python_traps(marks),
    }


def _history(root: Path, marks: Path) -> None:
    """main, and branches a and b that change the same lines (a real content merge)."""
    for name, dep, rev in (("a", "httpx==0.27", "b2"), ("b", "httpx==0.26", "c3")):
        git(root, "checkout", "-q", "-b", name, "main")
        write_files(root, {"requirements.txt": REQUIREMENTS + dep + "\n",
                           "notes.txt": f"one\n{name}\nthree\n",
                           f"migrations/versions/{rev}.py": revision(rev, "a1", str(marks))})
        git(root, "add", "-A")
        git(root, "commit", "-q", "-m", f"work on {name}")
    git(root, "checkout", "-q", "main")


def _source(tmp: Path, marks: Path) -> Path:
    root = tmp / "src"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.email", "t@example.com")
    git(root, "config", "user.name", "T")
    write_files(root, _project(marks))
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "initial")
    _history(root, marks)
    return root


def _racy(worktree: Path, path: str) -> None:
    """Make a file racily clean: git would re-read it (and filter it) to compare."""
    index = Path(git(worktree, "rev-parse", "--path-format=absolute", "--git-path",
                     "index").strip())
    info = os.stat(worktree / path)
    os.utime(index, ns=(info.st_atime_ns, info.st_mtime_ns))


def build_scene(kind: str, tmp: Path) -> Scene:
    marks = tmp / "marks"
    marks.mkdir()
    trap = _trap(tmp, marks)
    src = _source(tmp, marks)
    if kind == "worktrees":
        root, watched = src, [src]
        other = tmp / "wt-b"
        git(root, "worktree", "add", "-q", str(other), "b")
        write_files(other, {"requirements.txt": REQUIREMENTS + "httpx==0.26\nrich\n",
                            ".env": "PORT=8000\n", "untracked.txt": "new\n",
                            # back to main's content: a blob the repository already has
                            "notes.txt": "one\ntwo\nthree\n"})
        git(root, "checkout", "-q", "-b", "mine")
        write_files(root, {"requirements.txt": REQUIREMENTS + "httpx==0.25\n"})
        git(root, "add", "requirements.txt")
        watched.append(other)
        _arm(root, trap, tmp)
        _racy(other, "notes.txt")
    elif kind == "submodule":
        root, watched = src, [src]
        lib = tmp / "lib"
        lib.mkdir()
        git(lib, "init", "-q", "-b", "main")
        write_files(lib, {"lib.py": "x = 1\n"})
        git(lib, "add", "-A")
        git(lib, "-c", "user.name=T", "-c", "user.email=t@e", "commit", "-q", "-m", "lib")
        git(root, "-c", "protocol.file.allow=always", "submodule", "add", "-q", str(lib),
            "vendor/lib")
        git(root, "commit", "-q", "-m", "submodule")
        write_files(root / "vendor" / "lib", {"lib.py": "x = 2\n", "new.py": "y\n"})
        write_files(root, {"requirements.txt": REQUIREMENTS + "rich\n"})
        git(root, "add", "requirements.txt")
        sub_git = Path(git(root / "vendor" / "lib", "rev-parse", "--absolute-git-dir").strip())
        _arm(root / "vendor" / "lib", trap, tmp)
        git(root / "vendor" / "lib", "config", "core.fsmonitor", f"{trap} sub-fsmonitor")
        _arm(root, trap, tmp)
        watched += [lib, sub_git]
    elif kind == "partial":
        git(src, "config", "uploadpack.allowFilter", "true")
        root = tmp / "partial"
        git(tmp, "clone", "-q", "--filter=blob:none", f"file://{src}", str(root))
        for name in ("a", "b"):
            git(root, "branch", "-q", name, f"origin/{name}")
        git(root, "config", "user.email", "t@example.com")
        git(root, "config", "user.name", "T")
        write_files(root, {"requirements.txt": REQUIREMENTS + "rich\n"})
        git(root, "add", "requirements.txt")
        _arm(root, trap, tmp)
        watched = [root, src]
    elif kind == "bare":
        root = tmp / "bare.git"
        git(tmp, "clone", "-q", "--bare", str(src), str(root))
        _arm(root, trap, tmp)
        watched = [root]
    else:
        raise AssertionError(kind)
    for path in marks.iterdir():  # what setting up ran (our own git commands) does not count
        path.unlink()
    return Scene(root, marks, watched, kind)


def fingerprint(trees: list[Path]) -> dict[str, tuple[object, ...]]:
    """Every entry under the trees: type and mode, mtime, and content (or link target)."""
    seen: dict[str, tuple[object, ...]] = {}
    for tree in trees:
        for folder, dirs, files in os.walk(tree):
            for name in [*dirs, *files]:
                path = os.path.join(folder, name)
                info = os.lstat(path)
                if stat.S_ISREG(info.st_mode):
                    with open(path, "rb") as handle:
                        content = hashlib.sha256(handle.read()).hexdigest()
                elif stat.S_ISLNK(info.st_mode):
                    content = os.readlink(path)
                else:
                    content = ""
                seen[path] = (info.st_mode, info.st_mtime_ns, info.st_size, content)
    return seen


def _commands(scene: Scene, plan: Path) -> list[tuple[str, list[str], set[int]]]:
    repo = ["--repo", str(scene.root)]
    if scene.kind == "bare":
        return [("branches", ["branches", "a", "b", "--base", "main", *repo], {0, 1}),
                ("pr", ["pr", "--head", "a", "--base", "main", *repo], {0, 1})]
    if scene.kind == "partial":  # the branches' contents are not here, and are not fetched:
        # each missing blob is a note on its path and the scan goes on (issue 8)
        return [("plan", ["plan", str(plan), *repo], {0, 1}),
                ("branches", ["branches", *repo], {0, 1}),
                ("check", ["check", *repo], {0, 1}),
                ("pr", ["pr", "--head", "a", "--base", "main", *repo], {0, 1})]
    return [("plan", ["plan", str(plan), *repo], {0, 1}),
            ("branches", ["branches", *repo], {0, 1}),
            ("check", ["check", *repo], {0, 1}),
            ("pr", ["pr", "--head", "a", "--base", "main", *repo], {0, 1})]


PLAN = """\
## Task 1: Payments
Add `stripe` to requirements.txt and a migration.
## Task 2: Search
Add `elasticsearch` to requirements.txt and a migration.
"""


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["worktrees", "submodule", "partial", "bare"])
def test_nothing_runs_and_nothing_is_written(kind, tmp_path, cli, monkeypatch):
    scene = build_scene(kind, tmp_path)
    plan = tmp_path / "tasks.md"
    plan.write_text(PLAN)
    monkeypatch.chdir(scene.root)
    for name, args, codes in _commands(scene, plan):
        before = fingerprint(scene.watched)
        result = cli(*args, "--format", "json")
        assert result.code in codes, f"{name}: {result.code} {result.err}"
        assert sorted(os.listdir(scene.marks)) == [], \
            f"{name} ran: {(scene.marks / 'ran').read_text()}"
        after = fingerprint(scene.watched)
        changed = sorted(p for p in before.keys() | after.keys()
                         if before.get(p) != after.get(p))
        assert changed == [], f"{name} wrote: {changed[:5]}"
        if kind == "partial" and name not in ("plan", "check"):  # check: nothing staged
            assert "never downloads" in result.err


def test_the_merge_simulation_ignores_a_custom_merge_driver(tmp_path, cli, monkeypatch):
    """Both branches change the same line: git's own text merge says "conflict"; the
    repository's merge driver (which would say "clean", and run) is never consulted."""
    scene = build_scene("worktrees", tmp_path)
    result = cli("branches", "a", "b", "--no-worktrees", "--repo", scene.root,
                 "--format", "json", "--fail-on", "never")
    assert ("CS101", "notes.txt", ("a", "b")) in result.findings() or any(
        f["rule"].startswith("CS1") and f["resource"]["key"] == "notes.txt"
        for f in result.json["findings"]), result.out
    assert any(n.startswith("notes.txt is merged by the repository's own merge driver 'evil'")
               for n in result.json["notes"]), result.json["notes"]
    assert not (scene.marks / "ran").exists()


def test_the_traps_are_live(tmp_path):
    """The control: plain git on the same repository does run them, so the tests above
    would see a hook, filter, fsmonitor or merge driver that conflictscan let run."""
    scene = build_scene("worktrees", tmp_path)
    wt = tmp_path / "wt-b"
    for where, args in ((wt, ["status", "--short"]), (wt, ["add", "-A"]),
                        (scene.root, ["merge-tree", "--write-tree", "a", "b"]),
                        (scene.root, ["hook", "run", "post-index-change"])):
        subprocess.run(["git", "-C", str(where), *args], capture_output=True, check=False)
    ran = (scene.marks / "ran").read_text()
    for traps in (("fsmonitor",), ("clean", "process"), ("merge",), ("hook-post-index-change",)):
        assert any(f"trap.sh {t}" in ran or f"trap.sh include-{t}" in ran for t in traps), ran
