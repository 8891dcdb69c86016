"""What a real repository says about its shared resources (`--repo`), read-only.

A plan says "add pyjwt"; whether that writes `requirements/base.txt` or `pyproject.toml` and
`uv.lock` depends on the repository. Everything here is read from files (configparser,
TOML) and from `git ls-files` / `git check-ignore`; nothing of the user's is imported or run.
"""

from __future__ import annotations

import configparser
import os
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from analyzer.errors import InputError, reading
from analyzer.parsers.toml_tables import TomlDocument, load_toml
from analyzer.safe_files import read_repo_text

LOCKFILES = {
    "poetry.lock": "poetry",
    "uv.lock": "uv",
    "pdm.lock": "pdm",
    "Pipfile.lock": "pipenv",
}
LOCK_COMMANDS = {
    "poetry": "poetry lock",
    "uv": "uv lock",
    "pdm": "pdm lock",
    "pipenv": "pipenv lock",
    "pip": "pip-compile",
}
MANIFESTS = {"poetry": "pyproject.toml", "uv": "pyproject.toml", "pdm": "pyproject.toml",
             "pipenv": "Pipfile", "pip": "requirements.txt"}
_REQUIREMENTS = re.compile(r"(^|/)requirements[^/]*\.(txt|in)$|(^|/)requirements/[^/]+\.(txt|in)$")
VENV_NAMES = ("venv", ".venv", "env", ".env-venv")
_SKIP_DIRS = {".git", "node_modules", "__pycache__", ".tox", ".nox", "site-packages", "build",
              "dist", ".mypy_cache", ".pytest_cache", ".ruff_cache"}


@dataclass(frozen=True)
class Venv:
    path: str
    is_symlink: bool
    target: str
    ignored: bool | None  # None when not known (no git repository)


@dataclass
class RepoLayout:
    """The shared resources of a repository, or the usual conventions when there is none."""

    root: str | None = None
    manager: str = "pip"
    requirements: tuple[str, ...] = ()
    lockfile: str | None = None
    alembic_versions: tuple[str, ...] = ("alembic/versions",)
    django_apps: dict[str, str] = field(default_factory=dict)  # label -> migrations directory
    venvs: dict[str, Venv] = field(default_factory=dict)

    @property
    def manifest(self) -> str:
        """The file a new dependency goes into: the main requirements file, by name."""
        if self.manager == "pip" and self.requirements:
            return min(self.requirements, key=_main_requirements_first)
        return MANIFESTS[self.manager]

    @property
    def lock_command(self) -> str:
        return LOCK_COMMANDS[self.manager]

    def venv(self, path: str) -> Venv | None:
        return self.venvs.get(path.rstrip("/"))


_MAIN_REQUIREMENTS = ("requirements.txt", "base.txt", "common.txt", "main.txt", "prod.txt",
                      "production.txt", "requirements.in", "base.in")


def _main_requirements_first(path: str) -> tuple[int, int, str]:
    name = PurePosixPath(path).name
    rank = _MAIN_REQUIREMENTS.index(name) if name in _MAIN_REQUIREMENTS else len(_MAIN_REQUIREMENTS)
    return (rank, path.count("/"), path)


def is_requirements(path: str) -> bool:
    return bool(_REQUIREMENTS.search(path))


def conventions() -> RepoLayout:
    return RepoLayout()


def read_layout(root: str) -> RepoLayout:
    base = Path(root)
    if not base.is_dir():
        raise InputError("--repo must be a directory", root)
    files = _list_files(base)
    layout = RepoLayout(root=str(base))
    layout.requirements = tuple(sorted(f for f in files if is_requirements(f)))
    pyproject = _read_toml(base / "pyproject.toml", base) if "pyproject.toml" in files else {}
    layout.manager, layout.lockfile = _manager(files, pyproject)
    layout.alembic_versions = _alembic_versions(base, files, pyproject)
    layout.django_apps = {
        str(PurePosixPath(f).parent.parent.name): str(PurePosixPath(f).parent)
        for f in sorted(files)
        if f.endswith("migrations/__init__.py") and "/" in f
    }
    layout.venvs = _venvs(base)
    return layout


def _list_files(base: Path) -> set[str]:
    """Tracked and untracked-but-not-ignored files: what the project really consists of."""
    result = _git(base, "ls-files", "-z", "--cached", "--others", "--exclude-standard")
    if result is not None:
        return {p for p in result.split("\0") if p}
    found: set[str] = set()
    for dirpath, dirnames, filenames in os.walk(base):
        dirnames[:] = [d for d in dirnames if d not in _SKIP_DIRS
                       and not (Path(dirpath) / d / "pyvenv.cfg").exists()]
        rel = Path(dirpath).relative_to(base)
        found.update(str(PurePosixPath(*rel.parts, name)) for name in filenames)
    return found


def _git(base: Path, *args: str) -> str | None:
    """A git answer about the directory, hardened; None when it is no git checkout."""
    from analyzer.sources.git.runner import run_git

    try:
        # check-ignore refuses literal pathspecs; its names are ours (venv folders)
        literal = "0" if args[0] == "check-ignore" else "1"
        out = run_git(args, str(base), ok=(0, 1), env={"GIT_LITERAL_PATHSPECS": literal})
    except InputError:
        return None
    return out.decode("utf-8", "surrogateescape")


def _read_toml(path: Path, base: Path) -> dict[str, Any]:
    """The `tool` table of pyproject.toml: all that the layout needs from it."""
    text = read_repo_text(str(path), str(base))
    if text is None:
        return {}
    with reading(str(path)):
        doc = TomlDocument(load_toml(text, str(path)), str(path), text)
        tool = doc.table(doc.data, "tool")
        doc.table(tool, "alembic", "tool")  # the one table read below: check its type now
        return {"tool": tool}


def _manager(files: set[str], pyproject: dict[str, Any]) -> tuple[str, str | None]:
    for lockfile, manager in LOCKFILES.items():
        if lockfile in files:
            return manager, lockfile
    pylock = sorted(f for f in files if re.fullmatch(r"pylock(\.[^/]+)?\.toml", f))
    tool = pyproject.get("tool", {})
    for manager in ("poetry", "uv", "pdm"):
        if manager in tool:
            return manager, pylock[0] if pylock else None
    if "Pipfile" in files:
        return "pipenv", None
    return "pip", pylock[0] if pylock else None


def _alembic_versions(base: Path, files: set[str], pyproject: dict[str, Any]) -> tuple[str, ...]:
    """Where `alembic revision` writes: version_locations, else <script_location>/versions."""
    section: dict[str, Any] = pyproject.get("tool", {}).get("alembic", {})
    if not section and "alembic.ini" in files:
        parser = configparser.RawConfigParser()
        ini = str(base / "alembic.ini")
        try:
            parser.read_string(read_repo_text(ini, str(base)) or "", ini)
        except configparser.Error as exc:
            # configparser quotes the offending line: say where, never what
            line = getattr(exc, "lineno", None)
            raise InputError(f"does not parse as INI ({type(exc).__name__})", ini,
                             line) from None
        if parser.has_section("alembic"):
            section = dict(parser.items("alembic"))
    if not section:
        return conventions().alembic_versions
    script = _relative(base, str(section.get("script_location", "alembic")))
    locations = section.get("version_locations")
    if not locations:
        return (f"{script}/versions",)
    if isinstance(locations, str):
        locations = _split_locations(locations, section)
    if not isinstance(locations, list) or not locations:  # "," says nothing: alembic's default
        return (f"{script}/versions",)
    return tuple(_relative(base, str(loc)) for loc in locations)


def _split_locations(value: str, section: dict[str, Any]) -> list[str]:
    separator = str(section.get("path_separator") or section.get("version_path_separator") or "")
    named = {"os": os.pathsep, "space": " ", "newline": "\n", "colon": ":", "semicolon": ";"}
    if separator:
        sep = named.get(separator, separator)
        return [part.strip() for part in value.split(sep) if part.strip()]
    return [part for part in re.split(r"[\s,]+", value) if part]


def _relative(base: Path, location: str) -> str:
    location = location.replace("%(here)s", ".").strip()
    if ":" in location and not location.startswith((".", "/")):
        # a package resource ("myapp:migrations"): the package's directory in the repo
        package, _, sub = location.partition(":")
        location = "/".join([*package.split("."), sub])
    return str(PurePosixPath(os.path.normpath(location)))


def _venvs(base: Path) -> dict[str, Venv]:
    candidates = [
        name for name in VENV_NAMES
        if (base / name).is_symlink() or (base / name / "pyvenv.cfg").exists()
    ]
    ignored = _ignored(base, candidates)
    result: dict[str, Venv] = {}
    for name in candidates:
        link = base / name
        target = os.readlink(link) if link.is_symlink() else ""
        result[name] = Venv(name, link.is_symlink(), target,
                            None if ignored is None else name in ignored)
    return result


def add_planned_venvs(layout: RepoLayout, paths: list[str]) -> None:
    """Learn, in one git call, whether venvs that tasks will create would be ignored."""
    unknown = [p.rstrip("/") for p in paths if layout.root and p.rstrip("/") not in layout.venvs]
    if not unknown or layout.root is None:
        return
    inside = {f"{p}/pyvenv.cfg": p for p in unknown}  # a directory-only pattern needs a child
    ignored = _ignored(Path(layout.root), list(inside))
    for probe, path in inside.items():
        layout.venvs[path] = Venv(path, False, "", None if ignored is None else probe in ignored)


def _ignored(base: Path, names: list[str]) -> set[str] | None:
    """Which venv names git ignores, asked once. A symlink is a file to git, so a `venv/`
    pattern does not ignore a `venv` symlink: git check-ignore answers that truthfully."""
    if not names:
        return set()
    out = _git(base, "check-ignore", "--", *names)
    if out is None:
        return None
    return {line.strip() for line in out.splitlines()} & set(names)
