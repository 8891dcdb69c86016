"""Predict what a planned task touches from its text: paths, shell commands and plain intent.

Precision matters more than recall here: a plan reader that sees a dependency in "add login
for users" makes every report noisy. So commands are read only where text is code (a fenced
block, a `code span`, a line that starts with the command), and plain-language intent needs a
strong signal (a well-known package name, or the words package/library/dependency).
"""

from __future__ import annotations

import functools
import itertools
import posixpath
import re
from collections.abc import Iterable, Iterator, Sequence
from typing import NamedTuple

from analyzer.model import WHOLE_AREA, Kind, Mode, Resource
from analyzer.parsers.envfile import database_key, is_port
from analyzer.parsers.names import canonicalize_name
from analyzer.shared_paths import is_manifest
from analyzer.sources.plan_across_tasks import (
    all_of_a_directory,
    inherit_named_places,
    resolve_names,
    routes_into_the_app,
)
from analyzer.sources.plan_facts import PlanFacts, plan_facts
from analyzer.sources.plan_packages import PackageNames, named_packages, package_names
from analyzer.sources.plan_paths import (
    PathMention,
    TreeWalker,
    is_tree_line,
    looks_like_path,
    norm,
    path_mentions,
    single_path,
)
from analyzer.sources.plan_predicted import PredictedTouch as PredictedTouch  # re-exported
from analyzer.sources.plan_predicted import TaskText
from analyzer.sources.plan_predicted import dedupe as dedupe  # re-exported
from analyzer.sources.plan_sweeps import sweeps
from analyzer.sources.plan_text import (
    SERVER_DEFAULTS,
    VerbIndex,
    code_segments,
    folded,
    is_venv_path,
    may_mention,
    may_mention_folded,
    needed,
    option,
    pip_install_args,
    requirement_name,
    server_port,
    split_command,
)
from analyzer.sources.repo_files import tracked_files
from analyzer.sources.repo_layout import LOCKFILES, RepoLayout

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
    r"(?:the |all |pending |existing ){0,3}migrations?\b|\bupgrade head\b|"
    r"\bmigrations?\s+(?:to|on|at)\s+(?:the\s+)?(?:container\s+|app\s+)?start",
    re.IGNORECASE)
_DB_URL = re.compile(
    r"\b((?:postgres(?:ql)?|mysql|mariadb|sqlite|mssql|oracle)(?:\+\w+)?://[^\s`'\")]*)")
_VENV_DEFAULT = ".venv"
_ALL_FILES = re.compile(r"\b(?:all|every|each)\b(?: of)?(?: the)?(?: \w+)? (?:files?|modules?|"
                        r"routes?|templates?|components?|endpoints?|tests?) (?:in|under|of)\b",
                        re.IGNORECASE)
_TEST_RUN = re.compile(r"(?:(?:python3?|\./)?\s?manage\.py test|(?:python3? -m |uv run |"
                       r"poetry run )?pytest)\b")
_VENV_VALUE_OPTIONS = frozenset(("-p", "--python", "--prompt", "--seed", "--index-url",
                                 "--relocatable-python", "--extra-search-dir"))
_PROSE_FENCES = frozenset(("markdown", "md", "text", "txt", "plain", "plaintext"))
_DJANGO_SETTINGS = frozenset((
    "INSTALLED_APPS", "DATABASES", "TEMPLATES", "MIDDLEWARE", "STATIC_URL", "STATIC_ROOT",
    "STATICFILES_DIRS", "MEDIA_URL", "MEDIA_ROOT", "ALLOWED_HOSTS", "AUTH_USER_MODEL", "CACHES",
    "LOGGING", "REST_FRAMEWORK", "CORS_ALLOWED_ORIGINS", "CSRF_TRUSTED_ORIGINS", "ROOT_URLCONF",
    "WSGI_APPLICATION", "DEFAULT_AUTO_FIELD", "AUTHENTICATION_BACKENDS", "SECRET_KEY",
))
_NODE_INIT = re.compile(
    r"\b(?:initiali[sz]e|create|set up|scaffold|bootstrap)\b[^.;]{0,40}?\b(?:next\.js|node|"
    r"react|vite|vue|nuxt|svelte|angular|express|nestjs)\b[^.;]{0,30}?\bproject\b|"
    r"\bcreate-next-app\b|\bnpm init\b", re.IGNORECASE)
_NODE_SIDE = re.compile(r"\b(?:frontend|front-end|client-side|react|next\.js|npm|typescript|"
                        r"tsx|vue|svelte|ui components?)\b", re.IGNORECASE)
_PYTHON_SIDE = re.compile(r"\b(?:backend|back-end|python|fastapi|django|flask|pip|uv|poetry)\b",
                          re.IGNORECASE)
_NODE_SUFFIXES = (".ts", ".tsx", ".js", ".jsx", ".mjs", ".cjs", ".vue", ".svelte", ".css")
_NODE_DIRS = frozenset(("frontend", "web", "client", "ui", "app-web"))
_CONSTANT = re.compile(r"\b[A-Z][A-Z0-9_]{2,40}\b")
_SQL_MIGRATION = re.compile(r"(?:^|/)(?:migrations|migrate|db/migrate|sql/migrations)/"
                            r"(?=\d+[_-][^/]*\.sql$|\*\*?$|\*[^/]*\.sql$|\d+[_-]?\*?$)")
_MODEL_FILE = re.compile(r"(?:^|/)models(?:\.py|/(?!__init__\.py$|base\.py$)[\w-]+\.py)$")
_METADATA_LINE = re.compile(r"^[-*\s]*(?:\*\*|__)?(?:branch|worktree|pr target|base branch|"
                            r"target branch|merge into)\s*:", re.IGNORECASE)
_FENCE = re.compile(r"^(`{3,}|~{3,})\s{0,4}([\w+-]{0,20})")
_SHELL_SEPARATORS = re.compile(r"&&|\|\||;|\|")
_ASSIGNMENT = re.compile(r"^[A-Z_][A-Z0-9_]*=")
_DJANGO_MIGRATION_NAME = re.compile(r"\d{4}_")
_CODE_SPAN = re.compile(r"`[^`]*`")
# the command (its last path component) -> the _TaskReader method that reads it
_HANDLERS = {
    "pip": "_pip", "pip3": "_pip", "poetry": "_manager_cmd", "uv": "_manager_cmd",
    "pdm": "_manager_cmd", "pipenv": "_pipenv", "alembic": "_alembic", "flask": "_flask",
    "manage.py": "_django", "django-admin": "_django", "venv": "_venv", "virtualenv": "_venv",
    "ln": "_symlink", "createdb": "_createdb", "dropdb": "_createdb",
    "pip-compile": "_pip_compile",
}
# words _DEP_LIST and _INTENT_DEP each need: most prose lines have none
_DEP_LIST_WORDS = needed("packages", "libraries", "requirements")
_INTENT_WORDS = needed("add", "install", "introduce", "include", "pin", "upgrade", "bump",
                       "require", "need", "depend on")
_MIGRATION_WORDS = needed("migration")
_ALL_WORDS = needed("all", "every", "each")
_DEP_WORDS_NEED = needed("package", "librar", "dependenc", "requirement", "pyproject",
                         "pip install", "extra")
INTENT_DETAIL = "planned in prose"  # a migration the text asks for, chain not named
TEST_RUN_DETAIL = "runs tests"  # a test database inferred from a test run, not named
_GUESSED = "adds"  # the detail of a manifest write inferred from a dependency, not named


def predict_touches(lines: list[tuple[int, str]], layout: RepoLayout,
                    known_packages: frozenset[str],
                    declared: Iterable[tuple[str, Mode, int]] = ()) -> list[PredictedTouch]:
    """All touches one task's text predicts, plus the files it declares outright."""
    return predict_plan_touches([(lines, list(declared))], layout, known_packages)[0]


def predict_plan_touches(tasks: Sequence[TaskText], layout: RepoLayout,
                         known_packages: frozenset[str] = frozenset(), context: str = "",
                         ) -> list[list[PredictedTouch]]:
    """The touches of every task of one plan, in order.

    The plan is read twice: once for what it says about the project as a whole (its package
    manager, its migration chain, the full path behind a bare `main.py`), then task by task.
    `context`: the plan's text outside its tasks (preamble, architecture notes), read for the
    project's facts only.
    """
    # each line's paths are read once: here for the plan's facts, again per task from the memo
    memo: dict[str, list[PathMention]] = {}
    repeated: set[str] = set()  # the lines written more than once ("pip install -r …")
    mentioned = [m.path for lines, _ in tasks for _, line in lines
                 for m in _memo_mentions(memo, line.strip(), repeated) if not m.bare]
    mentioned += [norm(path) for _, declared in tasks for path, _, _ in declared]
    task_text = (line for lines, _ in tasks for _, line in lines)
    facts = plan_facts(itertools.chain([context], task_text), mentioned, layout,
                       tracked_files(layout))
    names = package_names()
    known = known_packages | names.python
    readers = []
    named_before: set[str] = set()
    readings = _Readings(memo, repeated)
    for lines, declared in tasks:
        reader = _TaskReader(facts, known, names, named_before, readings)
        for path, mode, number in declared:
            reader.declared_file(path, mode, number)
        walker: TreeWalker | None = None
        for number, line, text, fence in _classify(lines):
            if not text:
                continue  # a blank line says nothing
            if fence is None:
                walker = None
            elif walker is None or walker.fence != fence:
                walker = TreeWalker(fence)
            reader.read_line(number, line, text, walker)
        readers.append(reader)
    explicit_migrations = any(r.plans_migrations for r in readers)
    results = [resolve_names(r.finish(explicit_migrations), facts) for r in readers]
    read = [len(touches) for touches in results]  # each list deduplicated by now
    inherit_named_places(tasks, results)
    routes_into_the_app(tasks, results, [r.python_side for r in readers], facts)
    all_of_a_directory(tasks, results)
    sweeps(tasks, results)
    # the passes across tasks only append: a list they left alone has no duplicate
    return [dedupe(touches) if len(touches) != before else touches
            for touches, before in zip(results, read, strict=True)]


def _memo_mentions(memo: dict[str, list[PathMention]], line: str,
                   repeated: set[str] | None = None) -> list[PathMention]:
    """path_mentions(line), read once per distinct line; `repeated` collects the lines met
    again (given on the first reading of the plan)."""
    found = memo.get(line)
    if found is None:
        found = memo[line] = path_mentions(line)
    elif repeated is not None:
        repeated.add(line)
    return found


def _classify(lines: list[tuple[int, str]]) -> Iterator[tuple[int, str, str, int | None]]:
    """Yield each line, stripped too, with the number of the fence it is in (None outside
    one)."""
    fence: str | None = None
    opened = 0
    prose = False  # a ```markdown block holds prose, not code
    for number, line in lines:
        stripped = line.strip()
        marker = _FENCE.match(stripped) if stripped[:1] in "`~" else None
        if marker:
            if fence is None:
                fence = marker.group(1)[0] * len(marker.group(1))
                opened = number
                prose = marker.group(2).lower() in _PROSE_FENCES
            elif stripped.startswith(fence):
                fence = None
            continue
        yield number, line, stripped, opened if fence is not None and not prose else None


class _TaskReader:
    def __init__(self, facts: PlanFacts, known: frozenset[str], names: PackageNames,
                 named_before: set[str], readings: _Readings):
        self.facts = facts
        self.layout = facts.layout
        self.migration_hint = _migration_hint(self.layout.alembic_versions)
        self.known = known  # the catalog's and the caller's package names, joined once
        self.names = names
        self.named_before = named_before  # packages earlier tasks named: installed by then
        self.readings = readings  # the plan's lines, each read once for every task
        self.touches: list[PredictedTouch] = []
        self.own_venv: str | None = None
        self.installs: list[tuple[int, str, str]] = []  # line, text, what
        self.django_migrations: list[tuple[int, str, list[str]]] = []
        self.plans_migrations = False  # the task itself makes a migration (command or words)
        self.test_runs: list[tuple[int, str, str]] = []  # line, text, runner
        self.cwd: str | None = None  # the directory the task `cd`s into
        self.own_worktrees: set[str] = set()  # directories it creates with `git worktree add`
        self.models: list[tuple[int, str, str]] = []  # model files the task writes

    # -- per line -------------------------------------------------------------------------

    def read_line(self, number: int, line: str, text: str, tree: TreeWalker | None = None,
                  ) -> None:
        """`text`: the line stripped, not empty."""
        if tree is not None and (is_tree_line(line) or tree.started or single_path(text)):
            path = tree.feed(line)
            if path:
                self.declared_file(path, Mode.WRITE, number, text)
            return
        reading = self.readings.of(text, tree is not None)
        for command in reading.commands:
            self._run(number, text, command)
        for token, mode, detail in reading.paths:
            self.declared_file(token, mode, number, text, detail)
        for key in reading.databases:
            self.add(Kind.DATABASE, key, Mode.WRITE, number, text)
        if tree is None:
            self._intent(number, text)

    def add(self, kind: Kind, key: str, mode: Mode, number: int, text: str,
            detail: str = "") -> None:
        self.touches.append(PredictedTouch(Resource(kind, key), mode, number, text, detail))

    # -- commands -------------------------------------------------------------------------

    def _run(self, number: int, text: str, command: _Command) -> None:
        if command.runner:
            self.test_runs.append((number, text, command.runner))
        if command.checkout is not None:
            self._checkout(number, text, command.checkout)
            return
        for name, value in command.ports:
            self.add(Kind.PORT, value, Mode.WRITE, number, text, f"{name}={value}")
        words = command.words
        if not words:
            return
        handler = _HANDLERS.get(command.head)
        if handler:
            getattr(self, handler)(number, text, words)
        if command.server is not None:
            self.add(Kind.PORT, command.server[0], Mode.WRITE, number, text, command.server[1])

    def _checkout(self, number: int, text: str, words: list[str]) -> None:
        """`cd ~/src/shop && git checkout feat/x`: the task switches a checkout it shares with
        whoever else `cd`s there; a worktree it adds itself is its own."""
        if words[:1] == ["cd"]:
            target = words[1] if len(words) > 1 else ""
            self.cwd = None if not target or "$" in target or target == "-" else norm(target)
            return
        if words[1:3] == ["worktree", "add"]:
            args = [w for w in words[3:] if not w.startswith("-")]
            if args:
                self.own_worktrees.add(norm(args[0]))
            return
        if len(words) < 3 or words[1] not in ("checkout", "switch") or self.cwd is None:
            return
        args = [w for w in words[2:] if not w.startswith("-")]
        if not args or "--" in words or args[0] in (".", "HEAD") or looks_like_path(args[0]):
            return  # restoring files, not switching branches
        if self.cwd in self.own_worktrees:
            return
        self.add(Kind.CHECKOUT, self.cwd, Mode.WRITE, number, text, f"git {words[1]} {args[0]}")

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
            self._dependency(number, text, spec, self.facts.manager)
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
        self.named_before.add(name)
        self.add(Kind.DEPENDENCY, name, Mode.WRITE, number, text, detail)
        manifest, lockfile = self._manifest_for(manager)
        self.add(Kind.FILE, manifest, Mode.WRITE, number, text, f"{_GUESSED} {spec}")
        if lockfile:
            self.add(Kind.FILE, lockfile, Mode.WRITE, number, text, f"relocks for {spec}")

    def _manifest_for(self, manager: str) -> tuple[str, str | None]:
        if manager == self.facts.manager:
            return self.facts.manifest, self.facts.lockfile
        lockfile = {v: k for k, v in LOCKFILES.items()}.get(manager)
        return ("Pipfile" if manager == "pipenv" else "pyproject.toml"), lockfile

    def _alembic(self, number: int, text: str, words: list[str]) -> None:
        if len(words) < 2 or words[1] not in ("revision", "merge"):
            return
        self.plans_migrations = True
        location = option(words, "--version-path") or self.facts.alembic_chain
        head = option(words, "--head") or ""
        label = head.split("@")[0] if "@" in head and head.split("@")[0] not in ("", "base") else ""
        labels = option(words, "--branch-label") or label
        key = f"alembic:{norm(location)}" + (f"@{labels}" if labels else "")
        self.add(Kind.MIGRATION, key, Mode.CREATE, number, text, "alembic " + words[1])

    def _flask(self, number: int, text: str, words: list[str]) -> None:
        if len(words) > 2 and words[1] == "db" and words[2] in ("migrate", "revision"):
            self.plans_migrations = True
            location = (self.layout.alembic_versions[0] if self.layout.root
                        else "migrations/versions")
            directory = option(words, "-d", "--directory")
            if directory:
                location = f"{directory}/versions"
            self.add(Kind.MIGRATION, f"alembic:{norm(location)}", Mode.CREATE, number, text,
                     "flask db migrate")

    def _django(self, number: int, text: str, words: list[str]) -> None:
        if len(words) > 1 and words[1] == "makemigrations" and "--merge" not in words:
            self.plans_migrations = True
            apps = [w for w in words[2:] if not w.startswith("-")]
            self.django_migrations.append((number, text, apps))

    def _venv(self, number: int, text: str, words: list[str],
              default: str | None = None) -> None:
        args = []
        skip = False
        for word in words[1:]:
            if skip:
                skip = False
            elif word in _VENV_VALUE_OPTIONS:
                skip = True  # `uv venv --python 3.13`: the value is no path
            elif not word.startswith("-"):
                args.append(word)
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

    # -- paths, intent ----------------------------------------------------------------------

    def declared_file(self, token: str, mode: Mode, number: int, text: str = "",
                      detail: str = "") -> None:
        path = norm(token)
        text = text or f"{mode.value}: {token}"
        if path.endswith(_DB_SUFFIXES):
            self.add(Kind.DATABASE, f"sqlite:{path}", Mode.WRITE, number, text)
            return
        kind = Kind.AREA if (path.endswith("/") or "*" in path or "?" in path
                             or "{" in path) else Kind.FILE
        self.add(kind, path, mode, number, text, detail if kind is Kind.AREA else "")
        if mode.writes:
            self._migration_from_path(number, text, path)

    def _migration_from_path(self, number: int, text: str, path: str) -> None:
        if not self.migration_hint.search(path):
            return  # most paths: no word of any migration chain or model file in them
        parent, name = posixpath.split(path.rstrip("/"))
        sql = _SQL_MIGRATION.search(path)
        if sql or path.rstrip("/").endswith("supabase/migrations"):
            # database/migrations/003_x.sql, supabase/migrations/**: numbered files, one chain
            chain = path[:sql.end()] if sql else path
            self.plans_migrations = True
            self.add(Kind.MIGRATION, f"sql:{chain.rstrip('/')}", Mode.CREATE, number, text, path)
            return
        if not path.endswith(".py") or "/" not in path:
            if _MODEL_FILE.search(path):
                self.models.append((number, text, path))
            return
        if parent in self.layout.alembic_versions or (
                not self.layout.root and (parent.endswith("/versions") or parent == "versions")):
            self.plans_migrations = True
            self.add(Kind.MIGRATION, f"alembic:{parent}", Mode.CREATE, number, text, path)
        elif posixpath.basename(parent) == "migrations" and _DJANGO_MIGRATION_NAME.match(name):
            self.plans_migrations = True
            app = posixpath.basename(posixpath.dirname(parent))
            self.add(Kind.MIGRATION, f"django:{app}", Mode.CREATE, number, text, path)
        elif _MODEL_FILE.search(path):
            self.models.append((number, text, path))

    def _intent(self, number: int, prose: str) -> None:
        plain = _CODE_SPAN.sub(_keep_one_word, prose) if "`" in prose else prose
        lower = folded(plain)
        has_dep_words: bool | None = None  # asked only of a quoted name: most lines have none
        listed = _DEP_LIST.match(plain) if may_mention_folded(lower, _DEP_LIST_WORDS) else None
        candidates: list[tuple[str, str]] = []
        if listed:
            candidates += [(name.strip(" `*_'\""), "")
                           for name in re.split(r",|\band\b", listed.group(1)) if name.strip()]
        intents = _INTENT_DEP.finditer(plain) if may_mention_folded(lower, _INTENT_WORDS) else ()
        for match in intents:
            quote, name, spec = match.group(1), match.group(2), match.group(3) or ""
            if looks_like_path(name):
                continue
            canonical = canonicalize_name(name.split("[")[0])
            if quote and has_dep_words is None:
                has_dep_words = may_mention_folded(lower, _DEP_WORDS_NEED) and bool(
                    _DEP_WORDS.search(plain))
            if canonical in self.known or spec or (quote and has_dep_words) or re.match(
                    r"\s*(package|library|dependency)\b", plain[match.end():], re.IGNORECASE):
                candidates.append((name, spec.replace(" ", "")))
        seen = None  # the task's dependencies so far, made once a name is found: most lines
        if candidates:  # name none
            seen = self._dependencies_so_far()
            self._add_candidates(number, prose, candidates, bool(listed), seen)
        self._named_packages(number, prose, plain, seen)
        if self.facts.uses_django:
            self._django_settings(number, prose, plain)
        if may_mention_folded(lower, _MIGRATION_WORDS) and _MIGRATION_INTENT.search(plain) \
                and not _MIGRATION_APPLY.search(plain):
            self.plans_migrations = True
            self._migration_intent(number, prose)

    def _add_candidates(self, number: int, prose: str, candidates: list[tuple[str, str]],
                        listed: bool, seen: set[str]) -> None:
        for name, spec in candidates:
            requirement = requirement_name(name)
            if not requirement or requirement in seen:
                continue
            if listed and not spec and requirement not in self.known and not re.search(
                    r"[<>=~]", name):
                continue
            seen.add(requirement)
            self._dependency(number, prose, name + spec, self.facts.manager)
            self.installs.append((number, prose, name + spec))

    def _dependencies_so_far(self) -> set[str]:
        return {t.resource.key for t in self.touches if t.resource.kind is Kind.DEPENDENCY}

    def _named_packages(self, number: int, prose: str, plain: str,
                        seen: set[str] | None) -> None:
        """Well-known packages named without a verb: the first task to name one adds it, to
        the manifest of the side of the project the task works on (a mixed repository has
        `backend/pyproject.toml` and `frontend/package.json`). `seen`: the task's dependencies
        so far (None: not asked yet)."""
        if _METADATA_LINE.match(plain):
            return
        node_side, python_side = self.sides(plain)
        if node_side and _NODE_INIT.search(plain):
            folder = next((m.path for m in path_mentions(plain) if m.path.endswith("/")), "")
            self._node_manifest(number, prose, "initialises the project",
                                posixpath.join(folder, "package.json"))
        for side, node in ((node_side, True), (python_side, False)):
            if not side:
                continue
            for name, _ in named_packages(plain, self.names, node):
                if seen is None:
                    seen = self._dependencies_so_far()
                key = f"npm:{name}" if node else name
                if key in seen or key in self.named_before:
                    continue
                seen.add(key)
                if node:
                    self.named_before.add(key)
                    self.add(Kind.DEPENDENCY, key, Mode.WRITE, number, prose, name)
                    self._node_manifest(number, prose, f"{_GUESSED} {name}",
                                        self.facts.node_manifest)
                else:
                    self._dependency(number, prose, name, self.facts.manager)
                    self.installs.append((number, prose, name))

    def sides(self, plain: str) -> tuple[bool, bool]:
        """(Node side, Python side) of the project that this task works on."""
        facts = self.facts
        if not facts.uses_node:
            return False, True
        if not facts.uses_python:
            return True, False
        written = [t.resource.key for t in self.touches
                   if t.resource.kind in (Kind.FILE, Kind.AREA)]
        node = bool(_NODE_SIDE.search(plain)) or any(
            p.endswith(_NODE_SUFFIXES) or p.split("/", 1)[0] in _NODE_DIRS for p in written)
        python = bool(_PYTHON_SIDE.search(plain)) or any(p.endswith(".py") for p in written)
        return node, python or not node

    def python_side(self, line: str) -> bool:
        return self.sides(line)[1]

    def _test_database(self) -> None:
        """Tests run against the plan's one database server: Django's `manage.py test` creates
        and drops `test_<name>` there, so two parallel runs collide; pytest suites that reset
        tables do too. Not when the task names its own database or the plan gives each
        session one."""
        facts = self.facts
        if (not self.test_runs or facts.server_database is None or facts.database_per_worktree
                or any(t.resource.kind is Kind.DATABASE for t in self.touches)):
            return
        number, text, runner = self.test_runs[0]
        self.add(Kind.DATABASE, f"{facts.server_database}:test_database", Mode.WRITE, number,
                 text, f"{TEST_RUN_DETAIL} ({runner})")

    def _node_manifest(self, number: int, prose: str, detail: str, manifest: str) -> None:
        lock = posixpath.join(posixpath.dirname(manifest), "package-lock.json")
        self.add(Kind.FILE, manifest, Mode.WRITE, number, prose, detail)
        self.add(Kind.FILE, lock, Mode.WRITE, number, prose, f"relocks: {detail}")

    def _django_settings(self, number: int, prose: str, plain: str) -> None:
        """`INSTALLED_APPS`, `DATABASES`, `MIDDLEWARE` … are lines of the settings module (asked
        in a Django project only)."""
        if not _names_setting(plain):
            return
        settings = self.facts.settings_file or "settings.py"
        mode = VerbIndex(plain).mode_at(len(plain))
        self.add(Kind.FILE, settings, mode if mode.writes else Mode.WRITE, number, prose,
                 "Django setting")

    def _migration_intent(self, number: int, prose: str) -> None:
        lower = prose.lower()
        if "django" in lower or "makemigrations" in lower or (
                self.facts.uses_django and not self.facts.uses_alembic):
            apps = [a for a in self.layout.django_apps if re.search(rf"\b{re.escape(a)}\b", lower)]
            self.django_migrations.append((number, prose, apps))
        else:
            key = f"alembic:{self.facts.alembic_chain}"
            self.add(Kind.MIGRATION, key, Mode.CREATE, number, prose, INTENT_DETAIL)

    # -- after the last line ----------------------------------------------------------------

    def finish(self, plan_makes_migrations: bool = True) -> list[PredictedTouch]:
        """`plan_makes_migrations`: some task of the plan makes migrations itself; otherwise a
        task that writes a model file makes the migration that goes with it."""
        if not plan_makes_migrations and not self.plans_migrations and self.models:
            number, text, path = self.models[0]
            if self.facts.uses_django and not self.facts.uses_alembic:
                app = path.split("/")[-3] if path.count("/") >= 2 and path.endswith(
                    "/models.py") else path.split("/")[-2] if "/" in path else "*"
                self.django_migrations.append((number, text, [app] if app else []))
            elif self.facts.uses_alembic:
                self.add(Kind.MIGRATION, f"alembic:{self.facts.alembic_chain}", Mode.CREATE,
                         number, text, f"model change in {path}")
        self._test_database()
        named_chain = any(t.resource.kind is Kind.MIGRATION and t.detail != INTENT_DETAIL
                          for t in self.touches)
        if named_chain:  # "create a migration in backend/alembic/versions/001_x.py": one chain
            self.touches = [t for t in self.touches if t.detail != INTENT_DETAIL]
        if self.django_migrations:
            self._django_migrations()
        if any(t.resource.kind is Kind.FILE and t.mode.writes and not t.detail.startswith(
                _GUESSED) and is_manifest(t.resource.key) for t in self.touches):
            # "add x (update backend/requirements.txt)": the plan says which manifest
            self.touches = [t for t in self.touches if not (
                t.resource.kind is Kind.FILE and t.detail.startswith(_GUESSED))]
        venv = self.own_venv or next(iter(self.layout.venvs), _VENV_DEFAULT)
        for number, text, what in self.installs:
            self.add(Kind.VENV, venv, Mode.WRITE, number, text, f"installs {what}")
        return dedupe(self.touches)

    def _django_migrations(self) -> None:
        """`makemigrations` with no app names the apps the task writes in."""
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


# --- what one line's text says, whoever reads it -----------------------------------------------


class _Command(NamedTuple):
    """One shell command as written: what the reader acts on, without the reader."""

    runner: str  # "pytest" or "manage.py test" when it runs tests, else ""
    checkout: list[str] | None  # the words of a `cd` or `git` command
    ports: tuple[tuple[str, str], ...]  # (variable, port) set before the command
    head: str  # the program, without its directory ("python -m x" is x)
    words: list[str]  # the program and its arguments (handlers only read them)
    server: tuple[str, str] | None  # (port, server) of a dev server it starts


_NOT_A_COMMAND = _Command("", None, (), "", [], None)


def _parse_command(command: str) -> _Command:
    """A shell command's program, arguments, environment and the port of a server it starts.
    Pure: the same text is the same command in every task."""
    runner = _TEST_RUN.match(command.lstrip("$ "))
    test = ("manage.py test" if "manage.py" in runner.group(0) else "pytest") if runner else ""
    if command.startswith(("cd ", "git ")):
        return _Command(test, split_command(command), (), "", [], None)
    if not _MAYBE_COMMAND.match(command):
        return _Command(test, None, (), "", [], None) if test else _NOT_A_COMMAND
    words = split_command(command)
    env = {}
    while words and _ASSIGNMENT.match(words[0]):
        name, _, value = words.pop(0).partition("=")
        env[name] = value
    if words and words[0] == "export" and len(words) > 1 and "=" in words[1]:
        name, _, value = words[1].partition("=")
        env[name] = value
        words = []
    ports = tuple((name, value) for name, value in env.items()
                  if name.endswith("PORT") and is_port(value))
    if not words:
        return _Command(test, None, ports, "", [], None)
    head = words[0].rsplit("/", 1)[-1]
    words = [head, *words[1:]]  # /usr/local/bin/poetry is poetry
    if head in ("python", "python3") and len(words) > 2 and words[1] == "-m":
        head, words = words[2], words[2:]
    elif head in ("python", "python3") and len(words) > 1 and words[1].endswith("manage.py"):
        head, words = "manage.py", words[1:]
    elif head == "uv" and len(words) > 1 and words[1] == "pip":
        head, words = "pip", words[1:]
    return _Command(test, None, ports, head, words, _server(head, words, env))


def _server(head: str, words: list[str], env: dict[str, str]) -> tuple[str, str] | None:
    """(port, server) of the dev server a command starts."""
    kind = head
    if head == "flask" and (len(words) < 2 or words[1] != "run"):
        return None
    if head == "manage.py" or head == "django-admin":
        if len(words) < 2 or words[1] != "runserver":
            return None
        kind = "runserver"
    if head == "fastapi" and (len(words) < 2 or words[1] not in ("dev", "run")):
        return None
    if head in ("jupyter",) and (len(words) < 2 or words[1] not in ("notebook", "lab")):
        return None
    if head == "streamlit" and (len(words) < 2 or words[1] != "run"):
        return None
    if head == "mkdocs" and (len(words) < 2 or words[1] != "serve"):
        return None
    if kind not in SERVER_DEFAULTS:
        return None
    port = server_port(kind, words, env)
    return (str(port), kind) if port else None


class _Reading(NamedTuple):
    """What one line says before any task context: its commands, the paths it names with
    how each is touched, the databases in its URLs."""

    commands: tuple[_Command, ...]
    paths: tuple[tuple[str, Mode, str], ...]  # (path as written, mode, detail)
    databases: tuple[str, ...]


class _Readings:
    """What a line says, read apart from any task: a line means the same in every task.

    Each distinct command is parsed once for the whole plan (plans repeat their commands:
    the same install in every task). A line's reading is kept only for the lines the plan
    writes more than once (counted as its paths are read): keeping every line's cost 5 MB at
    5,000 tasks, as only 14% of the real plans' lines and 18% of the bench plan's repeat."""

    def __init__(self, mentions: dict[str, list[PathMention]], repeated: set[str]):
        self.mentions = mentions  # the paths of each line, shared with the plan's facts
        self.repeated = repeated
        self.commands: dict[str, _Command] = {}
        self.lines: dict[tuple[str, bool], _Reading] = {}

    def of(self, text: str, code: bool) -> _Reading:
        """`code`: the line is inside a fenced block, so all of it is a command."""
        if text not in self.repeated:
            return self._read(text, code)
        known = self.lines.get((text, code))
        if known is None:
            known = self.lines[(text, code)] = self._read(text, code)
        return known

    def _read(self, text: str, code: bool) -> _Reading:
        commands = [text] if code else code_segments(text)
        parsed = []
        for command in commands:
            # (most commands hold no separator: no split)
            parts = _SHELL_SEPARATORS.split(command) if (
                "&" in command or "|" in command or ";" in command) else (command,)
            for part in parts:
                part = part.strip()
                found = self.commands.get(part)
                if found is None:
                    found = self.commands[part] = _parse_command(part)
                if found is not _NOT_A_COMMAND:  # most code spans: a path, nothing to run
                    parsed.append(found)
        databases = tuple(key for key in map(database_key, _DB_URL.findall(text)) if key) \
            if "://" in text else ()  # every URL the pattern reads has one
        return _Reading(tuple(parsed), self._paths(text, commands), databases)

    def _paths(self, text: str, commands: list[str]) -> tuple[tuple[str, Mode, str], ...]:
        if _METADATA_LINE.match(text):
            return ()  # "**Branch:** feat/x", "**Worktree:** trees/a/": where work happens
        mentions = _memo_mentions(self.mentions, text)
        if not mentions:
            return ()
        # paths given to a reading command (pytest, cat, pip install -r …) are reads
        read_args = {w for c in commands if _READ_COMMANDS.match(c.lstrip("$ ").strip())
                     for w in c.split()} if commands else set()
        verbs: VerbIndex | None = None  # found at the first path a command does not read
        all_of = may_mention(text, _ALL_WORDS)
        paths = []
        for mention in mentions:
            if mention.path.endswith("/") and is_venv_path(mention.path):
                continue  # (only a directory is a venv: most paths skip the call)
            if read_args and (mention.path in read_args or any(
                    w.endswith(mention.path) for w in read_args if mention.path in w)):
                mode = Mode.READ
            else:
                if verbs is None:
                    verbs = VerbIndex(text)
                mode = verbs.mode_at(mention.start)
            whole = all_of and bool(_ALL_FILES.search(text, max(0, mention.start - 40),
                                                      mention.start))
            paths.append((mention.path, mode, WHOLE_AREA if whole else ""))
        return tuple(paths)


# --- small helpers --------------------------------------------------------------------------


@functools.lru_cache(maxsize=8)
def _migration_hint(alembic_versions: tuple[str, ...]) -> re.Pattern[str]:
    """A word every path _migration_from_path acts on holds: a migrations or versions
    directory (SQL, Django, alembic), a models file, or one of the layout's alembic chains."""
    words = ("migrat", "versions", "models", *alembic_versions)
    return re.compile("|".join(re.escape(word) for word in words))


def _keep_one_word(span: re.Match[str]) -> str:
    """A code span of one word stays in the prose (`httpx`); a command in one goes. (A
    function: in Python 3.11 a template such as r"\\1" is expanded in Python, 3x slower.)"""
    return span.group(0) if " " not in span.group(0) else ""


def _names_setting(text: str) -> bool:
    """A Django setting by name, or "PUBLIC_PATHS, AUTH_USERNAME settings"."""
    constants = list(_CONSTANT.finditer(text))
    if any(c.group(0) in _DJANGO_SETTINGS for c in constants):
        return True
    last = next((c for c in reversed(constants) if "_" in c.group(0)), None)
    return last is not None and bool(re.match(r"\s+settings?\b", text[last.end():]))
