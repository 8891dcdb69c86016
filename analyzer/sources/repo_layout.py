"""What a real repository says about its shared resources (`--repo`), read-only.

A plan says "add pyjwt"; whether that writes `requirements/base.txt` or `pyproject.toml` and
`uv.lock` depends on the repository. Everything here comes from the list of files (one `git
ls-files` for a worktree, one `git ls-tree -r` for a commit) and the few files that configure
things, parsed (configparser, TOML, `ast`); nothing of the user's is imported or run, and no
file outside the repository is read.
"""

from __future__ import annotations

import ast
import os
import posixpath
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from analyzer.errors import InputError
from analyzer.parsers.django_migrations import (
    NUMBERED,
    DjangoMigration,
    default_label,
    own_label,
    parse_migration,
)
from analyzer.parsers.python_ast import PARSE_ERRORS, parse_source
from analyzer.parsers.toml_tables import TomlDocument
from analyzer.safe_files import read_repo_text

if TYPE_CHECKING:
    from analyzer.sources.branches import BranchScan
    from analyzer.sources.git_repo import GitRepo

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
    """A virtual-environment folder of the repository, or one a plan's task creates."""

    path: str
    is_symlink: bool
    target: str
    ignored: bool | None  # None when not known (no git repository)


@dataclass(frozen=True)
class AlembicChain:
    """One alembic environment: the file that configures it, its scripts and version files."""

    config: str  # "migrations/alembic.ini", "db.ini [reporting]", "pyproject.toml", "x/env.py"
    script_location: str
    version_locations: tuple[str, ...]


@dataclass(frozen=True)
class Project:
    """A Python project in the tree (the root or a sub-project) and where its dependencies go."""

    directory: str  # "" for the root
    manager: str
    manifest: str  # repository path of the file a new dependency goes into
    lockfile: str | None


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
    alembic_chains: tuple[AlembicChain, ...] = ()  # every environment found, the root's first
    projects: tuple[Project, ...] = ()  # the root's and every sub-project's, by directory
    problems: list[InputError] = field(default_factory=list)  # config files that do not parse
    # (mode, type, id, path) of each .gitattributes of a commit's tree: merges read them
    attribute_files: tuple[tuple[str, str, str, str], ...] = ()

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

    def alembic_chain(self, path: str) -> str | None:
        """The chain (its script location) that a revision file at `path` belongs to."""
        if not path.endswith(".py") or posixpath.basename(path).startswith("__init__"):
            return None
        inside = [loc for loc in self.alembic_versions
                  if path.startswith(loc.rstrip("/") + "/")]
        if not inside:
            return None
        location = max(inside, key=len)
        for chain in self.alembic_chains:
            if location in chain.version_locations:
                return chain.script_location
        return location

    def django_label(self, directory: str) -> str | None:
        """The app label of a known migrations directory."""
        for label, known in self.django_apps.items():
            if known == directory:
                return label
        return None

    def project_of(self, path: str) -> Project | None:
        """The innermost project whose directory holds `path`."""
        holding = [p for p in self.projects
                   if not p.directory or path.startswith(p.directory + "/")]
        return max(holding, key=lambda p: len(p.directory), default=None)


_MAIN_REQUIREMENTS = ("requirements.txt", "base.txt", "common.txt", "main.txt", "prod.txt",
                      "production.txt", "requirements.in", "base.in")


def _main_requirements_first(path: str) -> tuple[int, int, str]:
    name = PurePosixPath(path).name
    rank = _MAIN_REQUIREMENTS.index(name) if name in _MAIN_REQUIREMENTS else len(_MAIN_REQUIREMENTS)
    return (rank, path.count("/"), path)


def is_requirements(path: str) -> bool:
    # (the pattern has no literal start, so it is tried at every character: most paths are
    # no requirements file, and say so without it)
    return "requirements" in path and bool(_REQUIREMENTS.search(path))


def conventions() -> RepoLayout:
    return RepoLayout()


# --- where the files come from: a worktree on disk, or a commit's tree -------------------

Reader = Callable[[list[str], list[InputError]], dict[str, "str | None"]]


def read_layout(root: str) -> RepoLayout:
    """The layout of the files in a directory: the tracked ones of a git worktree, as they
    are on disk now (what a plan will be carried out on)."""
    base = Path(root)
    if not base.is_dir():
        raise InputError("--repo must be a directory", root)
    layout = layout_of(_list_files(base), lambda paths, problems: _read_on_disk(base, paths,
                                                                                 problems))
    layout.root = str(base)
    layout.venvs = _venvs(base)
    return layout


def read_layout_at(git: GitRepo, commit: str,
                   brought: Mapping[str, str] | None = None, keep: bool = True) -> RepoLayout:
    """The layout in a commit's tree: branches are compared on the base's files, whatever the
    working tree happens to have checked out. `brought` (path -> the commit that adds it) are
    files the workstreams add, read as part of the tree: an alembic environment a branch
    brings is a chain too, and its forks are found like any other. The base's own layout
    is kept between runs (`layout_cache`): a commit's tree never changes. `keep=False`
    where the next run will not ask for this commit again (backtest's replayed bases)."""
    if brought or not keep:
        layout = _layout_in_tree(git, commit, brought or {})
    else:
        from analyzer.sources.layout_cache import cached_layout

        def whole() -> tuple[RepoLayout, bool]:
            unread = len(git.unreadable)
            return _layout_in_tree(git, commit, {}), len(git.unreadable) == unread

        layout = cached_layout(commit, whole)
        git.know_attribute_files(commit, layout.attribute_files)
    layout.root = git.root
    layout.venvs = {} if git.bare else _venvs(Path(git.root))
    return layout


def _layout_in_tree(git: GitRepo, commit: str, brought: Mapping[str, str]) -> RepoLayout:
    """The layout of a commit's tree and the files `brought` adds to it, from one listing."""
    from analyzer.sources.git_repo import attribute_entries  # loaded with `git` already

    entries = git.tree_entries(commit)
    blobs = {path: oid for mode, _, oid, path in entries if mode in _REGULAR}
    files = blobs.keys() | brought.keys()

    def read(paths: list[str], problems: list[InputError]) -> dict[str, str | None]:
        # the base's files by the ids its listing gave (no path to look up again); a file a
        # branch brings by its path in that branch, where it may be a link
        listed = {f"{commit}:{p}": blobs[p] for p in paths if p not in brought}
        texts = git.read_objects(listed) if listed else {}
        texts.update(git.read_blobs([f"{brought[p]}:{p}" for p in paths if p in brought]))
        return {p: texts.get(f"{brought.get(p, commit)}:{p}") for p in paths}

    layout = layout_of(files, read)
    layout.attribute_files = tuple(attribute_entries(entries))
    return layout


_REGULAR = ("100644", "100755")  # a commit's symlinks (120000) and submodules are not files
_ALEMBIC_FILES = ("alembic.ini", "env.py", "script.py.mako", "pyproject.toml")


def with_brought(git: GitRepo, commit: str, layout: RepoLayout, scan: BranchScan) -> RepoLayout:
    """The layout read again with the files the committed workstreams add, when those can
    change where alembic revisions live; else the layout as it is (one more tree read only
    for the rare branch that brings an environment)."""
    from analyzer.model import Kind, Mode

    brought = {t.resource.key: stream.commit for stream in scan.streams
               if stream.worktree is None for t in stream.workstream.touches
               if t.resource.kind is Kind.FILE and t.mode is Mode.CREATE}
    if not brings_alembic(layout, brought):
        return layout
    return read_layout_at(git, commit, brought)


def brings_alembic(layout: RepoLayout, added: Iterable[str]) -> bool:
    """Whether files the workstreams add can change where alembic revisions live: a config,
    an env.py or a script template, or a revision in a `versions` folder no chain knows yet
    (git keeps no empty folder, so an environment's first revision creates it)."""
    for path in added:
        folder, _, name = path.rpartition("/")
        if name in _ALEMBIC_FILES or (
                posixpath.basename(folder) == "versions" and name.endswith(".py")
                and layout.alembic_chain(path) is None):
            return True
    return False


def _list_files(base: Path) -> set[str]:
    """Tracked files (a tracked link is read only if it stays inside the repository); a
    directory that is not a git repository is walked instead."""
    result = _git(base, "ls-files", "-z")
    if result is not None:
        return {path for path in result.split("\0") if path}
    found: set[str] = set()
    for dirpath, dirnames, filenames in os.walk(base):
        dirnames[:] = [d for d in dirnames if d not in _SKIP_DIRS
                       and not (Path(dirpath) / d / "pyvenv.cfg").exists()]
        rel = Path(dirpath).relative_to(base)
        found.update(str(PurePosixPath(*rel.parts, name)) for name in filenames)
    return found


def _read_on_disk(base: Path, paths: list[str],
                  problems: list[InputError]) -> dict[str, str | None]:
    """Files of the worktree through the one safe reader: a link out of the repository, a
    FIFO or a huge file is a problem in the report, never read."""
    result: dict[str, str | None] = {}
    for path in paths:
        try:
            result[path] = read_repo_text(str(base / path), str(base))
        except InputError as problem:
            problem.path = path
            problems.append(problem)
            result[path] = None
    return result


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


# --- the layout of a list of files --------------------------------------------------------


def layout_of(files: Iterable[str], read: Reader) -> RepoLayout:
    """Everything a layout holds, from the paths and the few files that configure them, read
    in one batch: every alembic.ini and pyproject.toml, settings modules, the env.py of an
    alembic folder without a config, and the newest migration of each candidate folder."""
    tree = _Tree(files)
    candidates = _MigrationFolders(tree)
    wanted = sorted({*tree.named("alembic.ini"), *tree.named("pyproject.toml"),
                     *tree.settings, *candidates.env_files, *candidates.samples.values()})
    layout = RepoLayout()
    texts = read(wanted, layout.problems)
    pyprojects: dict[str, dict[str, Any]] = {}
    for path in tree.named("pyproject.toml"):
        pyprojects[path] = _toml(texts.get(path), path, layout.problems)
    layout.projects = _projects(tree, pyprojects)
    root = next((p for p in layout.projects if not p.directory), None)
    layout.requirements = tuple(tree.requirements)
    if root is not None:
        layout.manager, layout.lockfile = root.manager, root.lockfile
    layout.alembic_chains = _alembic_chains(tree, texts, pyprojects, candidates, layout.problems)
    if layout.alembic_chains:
        layout.alembic_versions = tuple(dict.fromkeys(
            loc for chain in layout.alembic_chains for loc in chain.version_locations))
    scripts = {c.script_location for c in layout.alembic_chains}
    versions = set(layout.alembic_versions)
    layout.django_apps = _django_apps(tree, texts, candidates, scripts | versions)
    return layout


class _Tree:
    """The paths of a repository, indexed by folder and by name (monorepos list 100k files)."""

    def __init__(self, files: Iterable[str]):
        self.files = set(files)
        self.dirs: set[str] = set()
        self.children: dict[str, list[str]] = defaultdict(list)  # folder -> file names
        self.by_name: dict[str, list[str]] = defaultdict(list)  # file name -> paths
        for path in sorted(self.files):
            parent, _, name = path.rpartition("/")
            self.children[parent].append(name)
            self.by_name[name].append(path)
            while parent and parent not in self.dirs:
                self.dirs.add(parent)
                parent = parent.rpartition("/")[0]
        in_settings = [f"{d}/{n}" for d in self.dirs if d.rpartition("/")[2] == "settings"
                       for n in self.children.get(d, ()) if n.endswith(".py")]
        named = [p for n, paths in self.by_name.items() if "settings" in n and n.endswith(".py")
                 for p in paths]
        self.settings = sorted({*in_settings, *named})[:200]
        self.requirements = sorted(f for f in self.files if is_requirements(f))

    def named(self, name: str) -> list[str]:
        return self.by_name.get(name, [])

    def has_dir(self, path: str) -> bool:
        return path == "" or path in self.dirs


class _MigrationFolders:
    """Folders that may hold migrations: alembic script folders without a config (their
    env.py is read), and packages of numbered modules (their newest module is read)."""

    def __init__(self, tree: _Tree):
        self.env_files = [f for f in tree.named("env.py")
                          if tree.has_dir(posixpath.join(posixpath.dirname(f), "versions"))]
        # Flask-Alembic: a script template and the revisions, no env.py nor alembic.ini
        self.templates = [posixpath.dirname(f) for f in tree.named("script.py.mako")
                          if posixpath.join(posixpath.dirname(f), "env.py") not in tree.files]
        numbered: dict[str, list[str]] = {}
        for name, paths in tree.by_name.items():
            if NUMBERED.fullmatch(name):
                for path in paths:
                    directory = path.rpartition("/")[0]
                    if f"{directory}/__init__.py" in tree.files:
                        numbered.setdefault(directory, []).append(path)
        self.numbered = numbered
        self.samples = {d: max(paths) for d, paths in numbered.items()}


def _toml(text: str | None, path: str, problems: list[InputError]) -> dict[str, Any]:
    if text is None:
        return {}
    from analyzer.compat import tomllib  # when a layout is computed, not read back

    try:
        data: dict[str, Any] = tomllib.loads(text)
        document = TomlDocument(data, path, text)
        document.table(document.table(data, "tool"), "alembic", "tool")  # read below: typed
        return data
    except InputError as wrong:
        problems.append(wrong)
        return {}
    except (tomllib.TOMLDecodeError, RecursionError, ValueError) as exc:
        if path == "pyproject.toml":  # a sub-project's is reported where a branch changes it
            problems.append(InputError(f"does not parse as TOML: {exc}", path))
        return {}


def _projects(tree: _Tree, pyprojects: dict[str, dict[str, Any]]) -> tuple[Project, ...]:
    """Every directory with a manifest or a lockfile is a project (monorepos have several)."""
    markers = {"pyproject.toml", "Pipfile", "setup.py", *LOCKFILES}
    directories = {path.rpartition("/")[0] for name, paths in tree.by_name.items()
                   if name in markers or _PYLOCK.fullmatch(name) for path in paths}
    for path in tree.requirements:  # requirements/base.txt belongs to the folder above
        folder = path.rpartition("/")[0]
        directories.add(folder.rpartition("/")[0] if folder.rpartition("/")[2] == "requirements"
                        else folder)
    projects = []
    for directory in sorted(directories):
        names = set(tree.children.get(directory, ()))
        pyproject = pyprojects.get(posixpath.join(directory, "pyproject.toml"), {})
        manager, lockfile = _manager(names, pyproject)
        nested = posixpath.join(directory, "requirements")
        requirements = sorted(path for folder in (directory, nested)
                              for name in tree.children.get(folder, ())
                              if is_requirements(path := posixpath.join(folder, name)))
        if manager == "pip" and requirements:
            manifest = min(requirements, key=_main_requirements_first)
        elif manager == "pip" and "pyproject.toml" in names:
            manifest = posixpath.join(directory, "pyproject.toml")
        else:
            manifest = posixpath.join(directory, MANIFESTS[manager])
        projects.append(Project(directory, manager, manifest,
                                posixpath.join(directory, lockfile) if lockfile else None))
    return tuple(projects)


_PYLOCK = re.compile(r"pylock(\.[^/]+)?\.toml")


def _manager(names: set[str], pyproject: dict[str, Any]) -> tuple[str, str | None]:
    for lockfile, manager in LOCKFILES.items():
        if lockfile in names:
            return manager, lockfile
    pylock = sorted(n for n in names if _PYLOCK.fullmatch(n))
    tool = pyproject.get("tool", {})
    for manager in ("poetry", "uv", "pdm"):
        if isinstance(tool, dict) and manager in tool:
            return manager, pylock[0] if pylock else None
    if "Pipfile" in names:
        return "pipenv", None
    return "pip", pylock[0] if pylock else None


# --- alembic ------------------------------------------------------------------------------


def _alembic_chains(tree: _Tree, texts: dict[str, str | None],
                    pyprojects: dict[str, dict[str, Any]], candidates: _MigrationFolders,
                    problems: list[InputError]) -> tuple[AlembicChain, ...]:
    """Every alembic environment: each section of each alembic.ini that names a script
    location (or a Flask-Migrate folder: alembic.ini beside env.py), [tool.alembic] in any
    pyproject.toml, script folders that only have env.py and versions/, and Flask-Alembic's
    folders: script.py.mako with the revisions in versions/ or beside it."""
    chains: list[AlembicChain] = []
    for path in tree.named("alembic.ini"):
        chains += _ini_chains(tree, path, texts.get(path), problems)
    for path, data in pyprojects.items():
        tool = data.get("tool", {})
        section = tool.get("alembic") if isinstance(tool, dict) else None
        if isinstance(section, dict) and section.get("script_location"):
            chain = _chain(tree, path, posixpath.dirname(path), section)
            if chain:
                chains.append(chain)
    known = {c.script_location for c in chains}
    for env in candidates.env_files:
        folder = posixpath.dirname(env)
        text = texts.get(env) or ""
        if folder not in known and (posixpath.join(folder, "script.py.mako") in tree.files
                                    or _ALEMBIC_IMPORT.search(text)):
            chains.append(AlembicChain(env, folder, (posixpath.join(folder, "versions"),)))
    known |= {c.script_location for c in chains}
    for folder in candidates.templates:
        versions = posixpath.join(folder, "versions")
        if folder not in known and tree.has_dir(versions):
            chains.append(AlembicChain(posixpath.join(folder, "script.py.mako"), folder,
                                       (versions,)))
        elif folder not in known and any(n.endswith(".py") and not n.startswith("__init__")
                                         for n in tree.children.get(folder, ())):
            chains.append(AlembicChain(posixpath.join(folder, "script.py.mako"), folder,
                                       (folder,)))  # Flask-Alembic's default: beside it
    unique = {chain.version_locations: chain for chain in reversed(chains)}
    return tuple(sorted(unique.values(), key=lambda c: (c.config.count("/"), c.config)))


_ALEMBIC_IMPORT = re.compile(r"^\s*(from\s+alembic\s+import|import\s+alembic)", re.MULTILINE)


def _ini_chains(tree: _Tree, path: str, text: str | None,
                problems: list[InputError]) -> list[AlembicChain]:
    if text is None:
        return []
    import configparser  # only where an alembic.ini is

    parser = configparser.RawConfigParser(strict=False)
    try:
        parser.read_string(text, source=path)
    except configparser.Error as exc:
        # configparser quotes the offending line: say where, never what
        problems.append(InputError(f"does not parse as INI ({type(exc).__name__})", path,
                                   getattr(exc, "lineno", None)))
        return []
    here = posixpath.dirname(path)
    chains = []
    for section in parser.sections():
        options = dict(parser.items(section))
        if "script_location" not in options:
            # Flask-Migrate writes migrations/alembic.ini without one: the folder is the script
            if section != "alembic" or posixpath.join(here, "env.py") not in tree.files:
                continue
            options["script_location"] = "%(here)s"
        config = path if section == "alembic" else f"{path} [{section}]"
        chain = _chain(tree, config, here, options)
        if chain:
            chains.append(chain)
    return chains


def _chain(tree: _Tree, config: str, here: str, options: dict[str, Any]) -> AlembicChain | None:
    script = _resolve(tree, str(options["script_location"]), here)
    if script is None:
        return None
    raw = options.get("version_locations")
    if isinstance(raw, str):
        raw = _split_locations(raw, options)
    locations = [_resolve(tree, str(loc), here) for loc in raw or ()]
    versions = tuple(loc for loc in locations if loc is not None)
    return AlembicChain(config, script, versions or (posixpath.join(script, "versions"),))


def _split_locations(value: str, section: dict[str, Any]) -> list[str]:
    separator = section.get("path_separator") or section.get("version_path_separator")
    named = {"os": os.pathsep, "space": " ", "newline": "\n", "colon": ":", "semicolon": ";"}
    if separator:
        sep = named.get(separator, separator)
        return [part.strip() for part in value.split(sep) if part.strip()]
    return [part for part in re.split(r"[\s,]+", value) if part]


def _resolve(tree: _Tree, location: str, here: str) -> str | None:
    """A location as a repository path: `%(here)s` is the config's folder; a plain relative
    path is taken from the config's folder or the root, whichever exists (alembic runs from
    where it is called); `package:folder` is found in the tree, an absolute path by its
    longest tail that is a folder of the tree. None when outside it."""
    location = location.strip()
    if "%(here)s" in location:
        options = [location.replace("%(here)s", here or ".")]
    elif ":" in location and not location.startswith((".", "/")) and "/" not in location.split(
            ":", 1)[0]:
        package, _, sub = location.partition(":")
        suffix = "/".join([*package.split("."), *([sub] if sub else [])])
        found = sorted((d for d in tree.dirs if d == suffix or d.endswith("/" + suffix)),
                       key=lambda d: (d.count("/"), d))
        options = [found[0] if found else suffix]
    else:
        options = [posixpath.join(here, location), location] if here else [location]
    resolved = []
    for option in options:
        if option.startswith("/"):  # where a container mounts it (/app/alembic): the tail
            parts = posixpath.normpath(option).strip("/").split("/")
            tails = ["/".join(parts[i:]) for i in range(1, len(parts))]
            resolved += [tail for tail in tails if tree.has_dir(tail)][:1]
            continue
        normal = posixpath.normpath(option)
        if normal == ".." or normal.startswith("../"):
            continue
        resolved.append("" if normal == "." else normal)
    existing = [r for r in resolved if tree.has_dir(r)]
    return (existing or resolved)[0] if resolved else None


# --- Django -------------------------------------------------------------------------------


def _django_apps(tree: _Tree, texts: dict[str, str | None], candidates: _MigrationFolders,
                 alembic_folders: set[str]) -> dict[str, str]:
    """label -> migrations folder: `<app>/migrations` packages, packages whose migrations say
    they are Django's (whatever their name), and MIGRATION_MODULES in settings."""
    apps: dict[str, str] = {}
    for path in tree.named("__init__.py"):
        directory = posixpath.dirname(path)
        if (posixpath.basename(directory) == "migrations" and "/" in path
                and directory not in candidates.samples
                and not _within(directory, alembic_folders)):
            apps.setdefault(default_label(directory), directory)
    for directory, sample in sorted(candidates.samples.items()):
        if _within(directory, alembic_folders):
            continue
        migration = _django_migration(texts.get(sample), sample)
        if migration is None:
            continue
        names = {posixpath.basename(p)[:-3] for p in candidates.numbered[directory]}
        label = own_label([migration], names, default_label(directory))
        apps.setdefault(label, directory)
    for path in tree.settings:
        for label, module in _migration_modules(texts.get(path)).items():
            suffix = module.replace(".", "/")
            found = sorted((d for d in tree.dirs if d == suffix or d.endswith("/" + suffix)),
                           key=lambda d: (d.count("/"), d))
            if found:  # the setting names the label: it replaces the folder's guess
                apps = {k: v for k, v in apps.items() if v != found[0]}
                apps[label] = found[0]
    return apps


def _within(directory: str, folders: set[str]) -> bool:
    return any(directory == f or directory.startswith(f + "/") for f in folders)


def _django_migration(text: str | None, path: str) -> DjangoMigration | None:
    if text is None:
        return None
    try:
        return parse_migration(text, path)
    except InputError:
        return None


def _migration_modules(text: str | None) -> dict[str, str]:
    """`MIGRATION_MODULES = {"label": "pkg.migrations"}` anywhere in a settings module, read
    with `ast`; labels set to None (migrations off) or computed are skipped."""
    if not text or "MIGRATION_MODULES" not in text:
        return {}
    try:
        tree = parse_source(text, "settings")
    except PARSE_ERRORS:
        return {}
    result: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Dict) and any(
                isinstance(t, ast.Name) and t.id == "MIGRATION_MODULES" for t in node.targets):
            for key, value in zip(node.value.keys, node.value.values, strict=True):
                if (isinstance(key, ast.Constant) and isinstance(key.value, str)
                        and isinstance(value, ast.Constant) and isinstance(value.value, str)):
                    result[key.value] = value.value
    return result


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
