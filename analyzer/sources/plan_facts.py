"""What a whole plan says about its project, read once before any task.

One task says "add bcrypt"; which manifest that edits, whether a new model needs a migration,
and which `main.py` a bare `main.py` is, are said elsewhere in the plan ("using uv",
"backend/alembic/", `src/backend/main.py`) or by the repository (`--repo`). Without either,
the conventions hold: pip and `requirements.txt`, `alembic/versions`.
"""

from __future__ import annotations

import posixpath
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from analyzer.sources.plan_text import folded
from analyzer.sources.repo_layout import LOCKFILES, MANIFESTS, RepoLayout, is_requirements

_MANAGER_WORDS = {
    "uv": re.compile(r"\buv (?:add|init|sync|lock|pip|venv|run)\b|\b(?:using|with|via) uv\b|"
                     r"\buv (?:package|project) manager\b|\buv\.lock\b", re.IGNORECASE),
    "poetry": re.compile(r"\bpoetry (?:add|init|install|lock|new)\b|\b(?:using|with|via) poetry\b|"
                         r"\bpoetry\.lock\b", re.IGNORECASE),
    "pdm": re.compile(r"\bpdm (?:add|init|install|lock)\b|\bpdm\.lock\b", re.IGNORECASE),
    "pipenv": re.compile(r"\bpipenv (?:install|lock)\b|\bPipfile\b"),
}
_ALEMBIC = re.compile(r"\balembic\b|\bflask[- ]migrate\b|\bflask db\b", re.IGNORECASE)
_DJANGO = re.compile(r"\bdjango\b|manage\.py|makemigrations", re.IGNORECASE)
_SERVER_DB = re.compile(r"\b(postgres(?:ql)?|neon|mysql|mariadb|paradedb|timescaledb)\b",
                        re.IGNORECASE)
_OWN_DATABASE = re.compile(
    r"\b(?:per|each|every|own|separate|isolated|dedicated)[- ](?:worktree|agent|task|session|"
    r"branch|lane|developer)s?\b.{0,40}?\b(?:database|db|schema)s?\b|"
    r"\b(?:database|db|schema)s? (?:per|for each) (?:worktree|agent|task|session|branch|lane)\b|"
    r"\bown (?:test )?(?:database|db|schema)\b", re.IGNORECASE)
_NODE_SUFFIXES = (".ts", ".tsx", ".js", ".jsx", ".mjs", ".cjs", ".vue", ".svelte")
_PYTHON = re.compile(r"\b(?:python|pip|pipenv|poetry|uv (?:add|init|sync|pip)|pyproject|"
                     r"requirements\.txt|fastapi|"
                     r"django|flask|sqlalchemy|sqlmodel|pytest|celery|alembic|pydantic)\b",
                     re.IGNORECASE)
_NODE = re.compile(r"\bpackage\.json\b|\bnpm (?:install|i|add)\b|\byarn add\b|\bpnpm add\b|"
                   r"\bnext\.js\b|\bcreate-next-app\b", re.IGNORECASE)


def _each(*words: str) -> tuple[re.Pattern[str], ...]:
    """The words a pattern needs, each a literal pattern of its own: a plan is searched for
    them one at a time, as fast as str.find (an alternation of words, or a pattern that
    starts with \\b, is tried at every character of the plan: ~12 ms a megabyte each)."""
    return tuple(re.compile(re.escape(word)) for word in words)


# words each pattern needs (in any case), one of which a line must hold to match: a failing
# search scans the whole plan, these do not. No pattern here reads across a line end, so only
# the lines with such a word are searched.
_NEEDS = {
    # every uv phrase has "uv" before a non-word character: "uvicorn", in many plans' every
    # task, has not
    _MANAGER_WORDS["uv"]: (re.compile(r"uv\b"),),
    _MANAGER_WORDS["poetry"]: _each("poetry"),
    _MANAGER_WORDS["pdm"]: _each("pdm"), _MANAGER_WORDS["pipenv"]: _each("pipenv", "pipfile"),
    _ALEMBIC: _each("alembic", "flask"),
    _DJANGO: _each("django", "manage.py", "makemigrations"),
    _SERVER_DB: _each("postgres", "neon", "mysql", "mariadb", "paradedb", "timescaledb"),
    _OWN_DATABASE: _each("database", "db", "schema"),
    _NODE: _each("package.json", "npm", "yarn", "next.js", "create-next-app"),
}


def _finds(pattern: re.Pattern[str], text: str, lower: str | None) -> bool:
    """pattern.search(text), for `lower = folded(text)`."""
    words = _NEEDS.get(pattern)
    if words is None or lower is None:
        return bool(pattern.search(text))
    for word in words:
        # a word the pattern needs ("db") may be in many lines that do not match ("dbt"):
        # search each of those lines once, not the whole plan from the first of them
        end = 0
        for found in word.finditer(lower):
            if found.start() < end:
                continue  # in a line searched already
            start = lower.rfind("\n", 0, found.start()) + 1
            end = lower.find("\n", found.end())
            end = len(lower) if end < 0 else end
            if pattern.search(text, start, end):
                return True
    return False


def _may_hold(lower: str | None, words: tuple[re.Pattern[str], ...]) -> bool:
    """Whether the text (`lower = folded(text)`) may hold one of the words: not ASCII, any."""
    return lower is None or any(word.search(lower) for word in words)


_FEW = 20  # more candidates than this for one bare name: ambiguous without a closer look


@dataclass
class PlanFacts:
    """The project as the plan (and `--repo`) describe it."""

    layout: RepoLayout
    manager: str = "pip"
    manifest: str = "requirements.txt"
    lockfile: str | None = None
    uses_alembic: bool = False
    alembic_chain: str = "alembic/versions"
    uses_django: bool = False
    uses_node: bool = False
    uses_python: bool = False
    node_manifest: str = "package.json"
    server_database: str | None = None  # "postgresql"/"mysql": the one server the plan names
    database_per_worktree: bool = False  # the plan gives each session its own database
    settings_file: str | None = None
    # every full path the plan (or the repository) names, by each of its suffixes
    suffixes: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    tracked: frozenset[str] = frozenset()

    def resolve(self, path: str) -> tuple[str, tuple[str, ...]]:
        """A bare or partial path -> the one full path it names, with the candidates when
        there are several (then the path stays as written)."""
        if path.endswith("/") or path in self.tracked:
            return path, ()
        named = self.suffixes.get(path)
        if not named or (len(named) == 1 and path in named):
            return path, ()  # the usual full path: the plan names it and nothing ends with it
        candidates = named - {path}
        if len(candidates) > _FEW:
            return path, tuple(sorted(candidates)[:_FEW])  # plainly ambiguous
        # `core/x.py` named beside `backend/core/x.py` is the same file, not a second candidate
        candidates = {c for c in candidates
                      if not any(o != c and o.endswith("/" + c) for o in candidates)}
        if not candidates:
            return path, ()
        if len(candidates) == 1:
            return next(iter(candidates)), ()
        return path, tuple(sorted(candidates))


def plan_facts(texts: Iterable[str], paths: Iterable[str], layout: RepoLayout,
               tracked: Iterable[str] = ()) -> PlanFacts:
    """`texts`: the plan's task text; `paths`: every path the plan names with its directory;
    `tracked`: the repository's files when `--repo` is given."""
    text = "\n".join(texts)
    lower = folded(text)
    facts = PlanFacts(layout, tracked=frozenset(tracked))
    all_paths = set(paths)  # (unsorted: every use below is a set, a min() or an any())
    for path in [*all_paths, *facts.tracked]:
        _index_suffixes(facts.suffixes, path)
    if layout.root:
        facts.manager, facts.manifest, facts.lockfile = (layout.manager, layout.manifest,
                                                         layout.lockfile)
        facts.alembic_chain = layout.alembic_versions[0]
        facts.uses_alembic = bool(layout.alembic_chains) or layout.alembic_versions != (
            "alembic/versions",) or _finds(_ALEMBIC, text, lower)
        facts.uses_django = bool(layout.django_apps) or _finds(_DJANGO, text, lower)
    else:
        facts.manager = next((m for m, pattern in _MANAGER_WORDS.items()
                              if _finds(pattern, text, lower)), "pip")
        facts.manifest, facts.lockfile = _named_manifest(facts.manager, all_paths)
        facts.uses_alembic = _finds(_ALEMBIC, text, lower)
        facts.alembic_chain = _named_chain(all_paths)
        facts.uses_django = _finds(_DJANGO, text, lower)
    facts.uses_node = _finds(_NODE, text, lower) or any(
        p.endswith(_NODE_SUFFIXES) or _is_package_json(p) for p in all_paths)
    facts.uses_python = _finds(_PYTHON, text, lower) or any(p.endswith(".py") for p in all_paths)
    node = [p for p in all_paths if _is_package_json(p)]
    if node:
        facts.node_manifest = min(node, key=lambda p: (p.count("/"), p))
    server = {("mysql" if m.group(1).lower() in ("mysql", "mariadb") else "postgresql")
              for m in (_SERVER_DB.finditer(text[:2_000_000])
                        if _may_hold(lower, _NEEDS[_SERVER_DB]) else ())}
    facts.server_database = server.pop() if len(server) == 1 else None
    facts.database_per_worktree = _finds(_OWN_DATABASE, text, lower)
    settings = sorted({p for p in all_paths if p.endswith("settings.py")})
    facts.settings_file = settings[0] if len(settings) == 1 else None
    return facts


def _is_package_json(path: str) -> bool:
    """posixpath.basename(path) == "package.json", asked of every path the plan names."""
    return path == "package.json" or path.endswith("/package.json")


def _index_suffixes(suffixes: dict[str, set[str]], path: str) -> None:
    if path.endswith("/") or "/" not in path:
        return
    parts = path.split("/")
    for i in range(1, len(parts)):
        suffixes["/".join(parts[i:])].add(path)


def _named_manifest(manager: str, paths: set[str]) -> tuple[str, str | None]:
    """The manifest the plan itself names for its manager: `backend/requirements.txt`,
    `backend/pyproject.toml`; else the manager's conventional file at the root."""
    lock = {v: k for k, v in LOCKFILES.items()}.get(manager)
    wanted = MANIFESTS[manager]
    if manager == "pip":
        named = [p for p in paths if p.endswith(".txt") and is_requirements(p)
                 and not re.search(r"dev|test|lint|doc", posixpath.basename(p))]
    else:
        named = [p for p in paths if posixpath.basename(p) == wanted]
    if len(named) >= 1:
        manifest = min(named, key=lambda p: (p.count("/"), p))
        folder = posixpath.dirname(manifest)
        return manifest, (posixpath.join(folder, lock) if lock else None)
    return wanted, lock


def _named_chain(paths: set[str]) -> str:
    """The alembic versions directory the plan names: `backend/alembic/versions/001_x.py` or
    `backend/alembic/`; the convention when it names none or several."""
    chains = set()
    for path in paths:
        parts = path.rstrip("/").split("/")
        if "alembic" in parts:
            chains.add("/".join(parts[:parts.index("alembic") + 1]) + "/versions")
        elif len(parts) >= 2 and parts[-2] == "versions" and path.endswith(".py"):
            chains.add("/".join(parts[:-1]))
    return chains.pop() if len(chains) == 1 else "alembic/versions"
