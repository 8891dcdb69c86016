"""Predict what a planned task touches from its text: paths, shell commands and plain intent.

Precision matters more than recall here: a plan reader that sees a dependency in "add login
for users" makes every report noisy. So commands are read only where text is code (a fenced
block, a `code span`, a line that starts with the command), and plain-language intent needs a
strong signal (a well-known package name, or the words package/library/dependency).
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TypeVar

from packaging.utils import canonicalize_name

from analyzer.model import Kind, Mode, Resource, Touch
from analyzer.parsers.envfile import database_key, is_port
from analyzer.shared_paths import is_manifest
from analyzer.sources.plan_text import (
    SERVER_DEFAULTS,
    code_segments,
    is_venv_path,
    looks_like_path,
    mode_of,
    norm,
    option,
    path_tokens,
    pip_install_args,
    requirement_name,
    server_port,
    split_command,
)
from analyzer.sources.repo_layout import LOCKFILES, RepoLayout


@dataclass(frozen=True)
class PredictedTouch:
    resource: Resource
    mode: Mode
    line: int
    text: str
    detail: str = ""


_DB_SUFFIXES = (".db", ".sqlite", ".sqlite3")
_READ_COMMANDS = re.compile(
    r"^(pytest|py\.test|python3? -m pytest|python3? -m unittest|cat|less|head|tail|grep|rg|ls|"
    r"cd|source|\.(?=\s)|diff|mypy|ruff check|flake8|pylint|coverage run|tox|nox|bandit|"
    r"pip3? install -[rc]|uv pip install -[rc]|pip3? install --requirement|python3? [\w/.-]+\.py)\b"
)
_MAYBE_COMMAND = re.compile(
    r"^\s*\$?\s*(?:export\s+)?(?:[A-Z_][A-Z0-9_]*=|(?:\S*/)?(?:python3?|pip3?|poetry|uv|pdm|pipenv|"
    r"pip-compile|alembic|flask|uvicorn|gunicorn|hypercorn|daphne|fastapi|streamlit|jupyter|"
    r"mkdocs|django-admin|manage\.py|virtualenv|ln|createdb|dropdb)\b)")
_DEP_WORDS = re.compile(r"\b(packages?|librar(y|ies)|dependenc(y|ies)|requirements?|pyproject|"
                        r"pip install|extras?)\b", re.IGNORECASE)
_INTENT_DEP = re.compile(
    r"\b(?:add|adds|adding|install|installs|installing|introduce|include|pin|upgrade|bump|"
    r"require|requires|need|needs|depend on)\s+(?:the\s+|a\s+)?(?:new\s+)?"
    r"(?:(?:python\s+)?(?:package|library|dependency|lib)\s+)?"
    r"([`'\"]?)([A-Za-z][A-Za-z0-9._-]*(?:\[[\w,-]+\])?)\1"
    r"(\s*(?:===|==|>=|<=|~=|!=|<|>)\s*[\w.*+!-]+)?",
    re.IGNORECASE,
)
_DEP_LIST = re.compile(r"^[\s>*_-]*(?:new\s+)?(?:python\s+)?(?:packages|libraries|requirements)"
                       r"\s*[*_]*:\s*[*_]*(.+)$", re.IGNORECASE)
_MIGRATION_INTENT = re.compile(
    r"\b(add|adds|adding|create|creates|creating|write|writes|generate|generates|new|make|"
    r"autogenerate|include|includes)\b[^.;]{0,60}?\bmigrations?\b|\bmigrations?\s+(for|to add|to "
    r"create|that adds|adding|creating)\b",
    re.IGNORECASE,
)
_MIGRATION_APPLY = re.compile(
    r"\b(run|apply|applies|applying|upgrade|downgrade|execute|squash)\s+"
    r"(the\s+|all\s+|pending\s+|existing\s+)*migrations?\b", re.IGNORECASE)
_DB_URL = re.compile(
    r"\b((?:postgres(?:ql)?|mysql|mariadb|sqlite|mssql|oracle)(?:\+\w+)?://[^\s`'\")]*)")
_VENV_DEFAULT = ".venv"
INTENT_DETAIL = "planned in prose"  # a migration the text asks for, chain not named
_GUESSED = "adds"  # the detail of a manifest write inferred from a dependency, not named


def predict_touches(lines: list[tuple[int, str]], layout: RepoLayout,
                    known_packages: frozenset[str],
                    declared: Iterable[tuple[str, Mode, int]] = ()) -> list[PredictedTouch]:
    """All touches a task's text predicts, plus the files it declares outright."""
    reader = _TaskReader(layout, known_packages)
    for path, mode, number in declared:
        reader.declared_file(path, mode, number)
    for number, line, is_code in _classify(lines):
        reader.read_line(number, line, is_code)
    return reader.finish()


def _classify(lines: list[tuple[int, str]]) -> Iterator[tuple[int, str, bool]]:
    """Yield each line with whether it is code (inside a fence); code spans are split later."""
    fence: str | None = None
    for number, line in lines:
        stripped = line.strip()
        marker = re.match(r"^(`{3,}|~{3,})", stripped)
        if marker:
            if fence is None:
                fence = marker.group(1)[0] * len(marker.group(1))
            elif stripped.startswith(fence):
                fence = None
            continue
        yield number, line, fence is not None


class _TaskReader:
    def __init__(self, layout: RepoLayout, known_packages: frozenset[str]):
        self.layout = layout
        self.known = known_packages
        self.touches: list[PredictedTouch] = []
        self.own_venv: str | None = None
        self.installs: list[tuple[int, str, str]] = []  # line, text, what
        self.django_migrations: list[tuple[int, str, list[str]]] = []

    # -- per line -------------------------------------------------------------------------

    def read_line(self, number: int, line: str, in_fence: bool) -> None:
        text = line.strip()
        if not text:
            return
        commands = [text] if in_fence else code_segments(text)
        for command in commands:
            for part in re.split(r"&&|\|\||;|\|", command):
                self._command(number, text, part.strip())
        self._paths(number, text, commands)
        self._databases(number, text)
        if not in_fence:
            self._intent(number, text)

    def add(self, kind: Kind, key: str, mode: Mode, number: int, text: str,
            detail: str = "") -> None:
        self.touches.append(PredictedTouch(Resource(kind, key), mode, number, text, detail))

    # -- commands -------------------------------------------------------------------------

    def _command(self, number: int, text: str, command: str) -> None:
        if not _MAYBE_COMMAND.match(command):
            return
        words = split_command(command)
        env = {}
        while words and re.match(r"^[A-Z_][A-Z0-9_]*=", words[0]):
            name, _, value = words.pop(0).partition("=")
            env[name] = value
        if words and words[0] == "export" and len(words) > 1 and "=" in words[1]:
            name, _, value = words[1].partition("=")
            env[name] = value
            words = []
        for name, value in env.items():
            if name.endswith("PORT") and is_port(value):
                self.add(Kind.PORT, value, Mode.WRITE, number, text, f"{name}={value}")
        if not words:
            return
        head = words[0].rsplit("/", 1)[-1]
        words = [head, *words[1:]]  # /usr/local/bin/poetry is poetry
        if head in ("python", "python3") and len(words) > 2 and words[1] == "-m":
            head, words = words[2], words[2:]
        elif head in ("python", "python3") and len(words) > 1 and words[1].endswith("manage.py"):
            head, words = "manage.py", words[1:]
        elif head == "uv" and len(words) > 1 and words[1] == "pip":
            head, words = "pip", words[1:]
        handler = {
            "pip": self._pip, "pip3": self._pip, "poetry": self._manager_cmd,
            "uv": self._manager_cmd, "pdm": self._manager_cmd, "pipenv": self._pipenv,
            "alembic": self._alembic, "flask": self._flask, "manage.py": self._django,
            "django-admin": self._django, "venv": self._venv, "virtualenv": self._venv,
            "ln": self._symlink, "createdb": self._createdb, "dropdb": self._createdb,
            "pip-compile": self._pip_compile,
        }.get(head)
        if handler:
            handler(number, text, words)
        self._server(number, text, head, words, env)

    def _pip(self, number: int, text: str, words: list[str]) -> None:
        if len(words) > 1 and words[1] == "freeze" and ">" in words:
            target = words[words.index(">") + 1] if words.index(">") + 1 < len(words) else ""
            if target:
                self.add(Kind.FILE, norm(target), Mode.WRITE, number, text, "pip freeze")
            return
        if len(words) < 2 or words[1] != "install":
            return
        packages, reads = pip_install_args(words[2:])
        for path in reads:
            self.add(Kind.FILE, norm(path), Mode.READ, number, text, "pip install -r")
        for spec in packages:
            self._dependency(number, text, spec, self.layout.manager)
        what = " ".join(packages) or " ".join(f"-r {r}" for r in reads) or "the project"
        self.installs.append((number, text, what if packages else f"{what} (unchanged)"))

    def _manager_cmd(self, number: int, text: str, words: list[str]) -> None:
        manager, verb = words[0], words[1] if len(words) > 1 else ""
        lockfile = {"poetry": "poetry.lock", "uv": "uv.lock", "pdm": "pdm.lock"}[manager]
        if verb in ("add", "remove"):
            specs = [w for w in words[2:] if not w.startswith("-")]
            for spec in specs:
                self._dependency(number, text, spec, manager, remove=verb == "remove")
            self.installs.append((number, text, " ".join(specs)))
        elif verb == "lock":
            self.add(Kind.FILE, lockfile, Mode.WRITE, number, text, f"{manager} lock")
        elif verb in ("install", "sync"):
            self.add(Kind.FILE, lockfile, Mode.READ, number, text)
            self.installs.append((number, text, f"{lockfile} (unchanged)"))
        elif manager == "uv" and verb == "venv":
            self._venv(number, text, ["venv", *words[2:]], default=_VENV_DEFAULT)

    def _pipenv(self, number: int, text: str, words: list[str]) -> None:
        if len(words) > 1 and words[1] == "install":
            specs = [w for w in words[2:] if not w.startswith("-")]
            for spec in specs:
                self._dependency(number, text, spec, "pipenv")
            self.installs.append((number, text, " ".join(specs) or "Pipfile.lock (unchanged)"))
        elif len(words) > 1 and words[1] == "lock":
            self.add(Kind.FILE, "Pipfile.lock", Mode.WRITE, number, text, "pipenv lock")

    def _pip_compile(self, number: int, text: str, words: list[str]) -> None:
        output = option(words, "-o", "--output-file")
        sources = [w for w in words[1:] if w.endswith((".in", ".toml")) and w != output]
        if not output and sources and sources[0].endswith(".in"):
            output = sources[0][:-3] + ".txt"
        if output:
            self.add(Kind.FILE, norm(output), Mode.WRITE, number, text, "pip-compile")

    def _dependency(self, number: int, text: str, spec: str, manager: str,
                    remove: bool = False) -> None:
        name = requirement_name(spec)
        if not name:
            return
        detail = ("remove " if remove else "") + spec
        self.add(Kind.DEPENDENCY, name, Mode.WRITE, number, text, detail)
        manifest, lockfile = self._manifest_for(manager)
        self.add(Kind.FILE, manifest, Mode.WRITE, number, text, f"{_GUESSED} {spec}")
        if lockfile:
            self.add(Kind.FILE, lockfile, Mode.WRITE, number, text, f"relocks for {spec}")

    def _manifest_for(self, manager: str) -> tuple[str, str | None]:
        if manager == self.layout.manager:
            return self.layout.manifest, self.layout.lockfile
        lockfile = {v: k for k, v in LOCKFILES.items()}.get(manager)
        return ("Pipfile" if manager == "pipenv" else "pyproject.toml"), lockfile

    def _alembic(self, number: int, text: str, words: list[str]) -> None:
        if len(words) < 2 or words[1] not in ("revision", "merge"):
            return
        location = option(words, "--version-path") or self.layout.alembic_versions[0]
        head = option(words, "--head") or ""
        label = head.split("@")[0] if "@" in head and head.split("@")[0] not in ("", "base") else ""
        labels = option(words, "--branch-label") or label
        key = f"alembic:{norm(location)}" + (f"@{labels}" if labels else "")
        self.add(Kind.MIGRATION, key, Mode.CREATE, number, text, "alembic " + words[1])

    def _flask(self, number: int, text: str, words: list[str]) -> None:
        if len(words) > 2 and words[1] == "db" and words[2] in ("migrate", "revision"):
            location = (self.layout.alembic_versions[0] if self.layout.root
                        else "migrations/versions")
            directory = option(words, "-d", "--directory")
            if directory:
                location = f"{directory}/versions"
            self.add(Kind.MIGRATION, f"alembic:{norm(location)}", Mode.CREATE, number, text,
                     "flask db migrate")

    def _django(self, number: int, text: str, words: list[str]) -> None:
        if len(words) > 1 and words[1] == "makemigrations" and "--merge" not in words:
            apps = [w for w in words[2:] if not w.startswith("-")]
            self.django_migrations.append((number, text, apps))

    def _venv(self, number: int, text: str, words: list[str],
              default: str | None = None) -> None:
        args = [w for w in words[1:] if not w.startswith("-")]
        path = norm(args[0]) if args else default
        if path:
            self.own_venv = path
            self.add(Kind.VENV, path, Mode.CREATE, number, text, "creates")

    def _symlink(self, number: int, text: str, words: list[str]) -> None:
        args = [w for w in words[1:] if not w.startswith("-")]
        if len(args) == 2 and posixpath.basename(args[1].rstrip("/")) in ("venv", ".venv", "env"):
            self.add(Kind.VENV, norm(args[1]), Mode.READ, number, text, f"symlink -> {args[0]}")

    def _createdb(self, number: int, text: str, words: list[str]) -> None:
        args = [w for w in words[1:] if not w.startswith("-")]
        if args:
            self.add(Kind.DATABASE, f"postgresql://localhost/{args[-1]}", Mode.WRITE, number, text)

    def _server(self, number: int, text: str, head: str, words: list[str],
                env: dict[str, str]) -> None:
        kind = head
        if head == "flask" and (len(words) < 2 or words[1] != "run"):
            return
        if head == "manage.py" or head == "django-admin":
            if len(words) < 2 or words[1] != "runserver":
                return
            kind = "runserver"
        if head == "fastapi" and (len(words) < 2 or words[1] not in ("dev", "run")):
            return
        if head in ("jupyter",) and (len(words) < 2 or words[1] not in ("notebook", "lab")):
            return
        if head == "streamlit" and (len(words) < 2 or words[1] != "run"):
            return
        if head == "mkdocs" and (len(words) < 2 or words[1] != "serve"):
            return
        if kind not in SERVER_DEFAULTS:
            return
        port = server_port(kind, words, env)
        if port:
            self.add(Kind.PORT, str(port), Mode.WRITE, number, text, kind)

    # -- paths, databases, intent -----------------------------------------------------------

    def _paths(self, number: int, text: str, commands: list[str]) -> None:
        # paths given to a reading command (pytest, cat, pip install -r …) are reads
        read_args = " ".join(c for c in commands if _READ_COMMANDS.match(c.lstrip("$ ").strip()))
        for token, start in path_tokens(text):
            path = norm(token)
            if is_venv_path(path):
                continue
            clause = re.split(r"[.;:(]\s|,\s(?=\w+ )", text[:start])[-1]
            mode = Mode.READ if token in read_args else mode_of(clause)
            self.declared_file(token, mode, number, text)

    def declared_file(self, token: str, mode: Mode, number: int, text: str = "") -> None:
        path = norm(token)
        text = text or f"{mode.value}: {token}"
        if path.endswith(_DB_SUFFIXES):
            self.add(Kind.DATABASE, f"sqlite:{path}", Mode.WRITE, number, text)
            return
        kind = Kind.AREA if path.endswith("/") or any(c in path for c in "*?[{") else Kind.FILE
        self.add(kind, path, mode, number, text)
        self._migration_from_path(number, text, path, mode)

    def _migration_from_path(self, number: int, text: str, path: str, mode: Mode) -> None:
        if not mode.writes or not path.endswith(".py") or "/" not in path:
            return
        parent, name = posixpath.split(path)
        if parent in self.layout.alembic_versions or (
                not self.layout.root and parent.endswith("/versions")):
            self.add(Kind.MIGRATION, f"alembic:{parent}", Mode.CREATE, number, text, path)
        elif posixpath.basename(parent) == "migrations" and re.match(r"\d{4}_", name):
            app = posixpath.basename(posixpath.dirname(parent))
            self.add(Kind.MIGRATION, f"django:{app}", Mode.CREATE, number, text, path)

    def _databases(self, number: int, text: str) -> None:
        for match in _DB_URL.finditer(text):
            key = database_key(match.group(1))
            if key:
                self.add(Kind.DATABASE, key, Mode.WRITE, number, text)

    def _intent(self, number: int, prose: str) -> None:
        plain = re.sub(r"`[^`]*`", lambda m: m.group(0) if " " not in m.group(0) else "", prose)
        has_dep_words = bool(_DEP_WORDS.search(plain))
        listed = _DEP_LIST.match(plain)
        candidates: list[tuple[str, str]] = []
        if listed:
            candidates += [(name.strip(" `*_'\""), "")
                           for name in re.split(r",|\band\b", listed.group(1)) if name.strip()]
        for match in _INTENT_DEP.finditer(plain):
            quote, name, spec = match.group(1), match.group(2), match.group(3) or ""
            if looks_like_path(name):
                continue
            canonical = canonicalize_name(name.split("[")[0])
            if canonical in self.known or spec or (quote and has_dep_words) or re.match(
                    r"\s*(package|library|dependency)\b", plain[match.end():], re.IGNORECASE):
                candidates.append((name, spec.replace(" ", "")))
        seen = {t.resource.key for t in self.touches if t.resource.kind is Kind.DEPENDENCY}
        for name, spec in candidates:
            requirement = requirement_name(name)
            if not requirement or requirement in seen:
                continue
            if listed and not spec and requirement not in self.known and not re.search(
                    r"[<>=~]", name):
                continue
            seen.add(requirement)
            self._dependency(number, prose, name + spec, self.layout.manager)
            self.installs.append((number, prose, name + spec))
        if _MIGRATION_INTENT.search(plain) and not _MIGRATION_APPLY.search(plain):
            self._migration_intent(number, prose)

    def _migration_intent(self, number: int, prose: str) -> None:
        lower = prose.lower()
        if "django" in lower or "makemigrations" in lower or (
                self.layout.django_apps and "alembic" not in lower
                and self.layout.alembic_versions == ("alembic/versions",)):
            apps = [a for a in self.layout.django_apps if re.search(rf"\b{re.escape(a)}\b", lower)]
            self.django_migrations.append((number, prose, apps))
        else:
            key = f"alembic:{self.layout.alembic_versions[0]}"
            self.add(Kind.MIGRATION, key, Mode.CREATE, number, prose, INTENT_DETAIL)

    # -- after the last line ----------------------------------------------------------------

    def finish(self) -> list[PredictedTouch]:
        written_apps = {
            t.resource.key.split("/", 1)[0] for t in self.touches
            if t.resource.kind in (Kind.FILE, Kind.AREA) and t.mode.writes
            and "/" in t.resource.key.rstrip("/")
        }
        known_apps = set(self.layout.django_apps) or written_apps
        for number, text, apps in self.django_migrations:
            inferred = apps or sorted(written_apps & known_apps) or ["*"]
            for app in inferred:
                self.add(Kind.MIGRATION, f"django:{app}", Mode.CREATE, number, text,
                         "makemigrations")
        named = [t for t in self.touches if t.resource.kind is Kind.FILE and t.mode.writes
                 and is_manifest(t.resource.key) and not t.detail.startswith(_GUESSED)]
        if named:  # "add x (update backend/requirements.txt)": the plan says which manifest
            self.touches = [t for t in self.touches if not (
                t.resource.kind is Kind.FILE and t.detail.startswith(_GUESSED))]
        venv = self.own_venv or next(iter(self.layout.venvs), _VENV_DEFAULT)
        for number, text, what in self.installs:
            self.add(Kind.VENV, venv, Mode.WRITE, number, text, f"installs {what}")
        return dedupe(self.touches)


# --- small helpers --------------------------------------------------------------------------


_T = TypeVar("_T", PredictedTouch, Touch)


def dedupe(touches: list[_T]) -> list[_T]:
    """One touch per resource and mode: the first line that shows it is the evidence."""
    first: dict[tuple[Resource, Mode], _T] = {}
    for touch in touches:
        first.setdefault((touch.resource, touch.mode), touch)
    return list(first.values())
