"""The rule catalog: knowledge lives as TOML data in `rules/`, read here.

In a wheel the catalog is installed as `analyzer/rules/`; in a checkout or an editable
install it is the top-level `rules/` beside the package. Both are plain directories next to
`analyzer/__init__.py`, so one lookup serves all three.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from functools import cache
from pathlib import Path, PurePosixPath
from typing import Any

from analyzer.errors import InputError
from analyzer.model import Risk, Severity

_PACKAGE_DIR = Path(__file__).resolve().parent
CATALOGS_KEPT = 8  # kept catalogs: one per install side by side (and rule files' edits)


def catalog_dir() -> Path:
    for candidate in (_PACKAGE_DIR / "rules", _PACKAGE_DIR.parent / "rules"):
        if candidate.is_dir() and any(candidate.glob("*.toml")):
            return candidate
    raise InputError("the rule catalog is missing from this installation", str(_PACKAGE_DIR))


@dataclass(frozen=True)
class Rule:
    """One rule of the catalog, as `rules/*.toml` writes it."""

    id: str
    name: str
    title: str
    severity: Severity
    risk: Risk
    family: str
    why: str
    example: str
    fix: str

    def fix_text(self, **values: object) -> str:
        """The mitigation with the user's own paths and names filled in."""
        text = " ".join(self.fix.split())
        return text.format_map(_Blank(values))


    def fix_general(self) -> str:
        """The mitigation in neutral words, for rule documentation (`explain`, SARIF help):
        no user's names to fill in, and no `<slot>` a renderer would strip."""
        text = " ".join(self.fix.split())
        return text.format_map(_Neutral())


class _Blank(dict[str, object]):
    def __missing__(self, key: str) -> str:
        return f"<{key}>"


NEUTRAL_WORDS = {
    "app": "the app", "areas": "(dependencies, migrations, shared models)",
    "base": "the base branch", "chain": "the migration chain", "first": "FIRST_REVISION",
    "head": "HEAD_REVISION", "lock_command": "the lock command",
    "lockfile": "the lockfile", "manifest": "the manifest", "merge_command": "the framework's "
    "merge command (`alembic merge heads`, `manage.py makemigrations --merge`)",
    "merge_advice": ", or merge after landing with `alembic merge` (not while a parent is missing)",
    "name": "the workstream", "others": "the other revisions", "owner": "one workstream",
    "packages": "the packages", "package": "the package", "path": "the file",
    "slug": "TASK", "suggestion": "a distinct port per task (8001, 8002 …)",
    "workstreams": "the workstreams",
}


class _Neutral(dict[str, object]):
    def __missing__(self, key: str) -> str:
        return NEUTRAL_WORDS.get(key, "the " + key.replace("_", " "))


@dataclass(frozen=True)
class SharedFilePattern:
    """A file pattern the catalog or a team calls shared, with its risk."""

    pattern: str
    risk: Risk
    why: str
    fix: str = ""  # a team's own mitigation, from [tool.conflictscan]

    def matches(self, path: str) -> bool:
        return match_path(path, self.pattern)


@dataclass(frozen=True)
class Catalog:
    """Every rule, the shared-file patterns and the well-known packages."""

    rules: dict[str, Rule]
    shared_files: tuple[SharedFilePattern, ...]
    known_packages: frozenset[str]

    def rule(self, rule_id: str) -> Rule:
        try:
            return self.rules[rule_id.upper()]
        except KeyError:
            raise InputError(
                f"unknown rule {rule_id!r}; `conflictscan rules` lists them all"
            ) from None

    def shared_file(self, path: str) -> SharedFilePattern | None:
        return next((p for p in self.shared_files if p.matches(path)), None)


def match_path(path: str, pattern: str) -> bool:
    """Glob match where `**/` also matches zero directories, as in .gitignore."""
    if PurePosixPath(path).match(pattern) or fnmatch.fnmatchcase(path, pattern):
        return True
    return pattern.startswith("**/") and match_path(path, pattern[3:])


@cache
def load_catalog() -> Catalog:
    """The catalog in `rules/`. Its files' TOML, parsed, is kept for later runs (tomllib
    took ~5 ms of every pre-commit hook), by their names, sizes and times (`analyzer.kept`);
    what was kept and does not make a catalog is read from the files again."""
    from analyzer import kept

    paths = sorted(catalog_dir().glob("*.toml"))
    stamp = [1, [str(p) for p in paths], *kept.stamp(str(p) for p in paths)]
    known = kept.load("catalog", stamp)
    if isinstance(known, list) and len(known) == len(paths):
        try:
            return _catalog(paths, known)
        except (InputError, KeyError, TypeError, ValueError, AttributeError):
            pass
    parsed = [_load_toml(path) for path in paths]
    catalog = _catalog(paths, parsed)
    kept.store("catalog", stamp, parsed, prefix="catalog-", keep=CATALOGS_KEPT)
    return catalog


def _catalog(paths: list[Path], parsed: list[Any]) -> Catalog:
    rules: dict[str, Rule] = {}
    shared: list[SharedFilePattern] = []
    known: set[str] = set()
    for toml_path, data in zip(paths, parsed, strict=True):
        family = f"{data.get('family', '')} {data.get('title', '')}".strip()
        for entry in data.get("rule", []):
            rule = _rule(entry, family, toml_path)
            if rule.id in rules:
                raise InputError(f"rule {rule.id} is defined twice", str(toml_path))
            rules[rule.id] = rule
        for entry in data.get("shared_file", []):
            shared.append(SharedFilePattern(entry["pattern"], Risk(entry["risk"]), entry["why"]))
        known.update(data.get("known_packages", []))
    return Catalog(dict(sorted(rules.items())), tuple(shared), frozenset(known))


def _load_toml(path: Path) -> dict[str, Any]:
    from analyzer.compat import tomllib  # when the kept catalog cannot answer

    try:
        data: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
        return data
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"rule catalog does not parse: {exc}", str(path)) from None


_RULE_KEYS = {"id", "name", "title", "severity", "risk", "why", "example", "fix"}


def _rule(entry: dict[str, Any], family: str, path: Path) -> Rule:
    unknown = set(entry) - _RULE_KEYS
    if unknown:
        raise InputError(f"rule {entry.get('id', '?')} has unknown keys: {sorted(unknown)} "
                         "(a key meant for the whole file must come before the first [[rule]])",
                         str(path))
    try:
        return Rule(
            id=entry["id"],
            name=entry["name"],
            title=entry["title"],
            severity=Severity(entry["severity"]),
            risk=Risk(entry["risk"]),
            family=family,
            why=entry["why"].strip(),
            example=entry["example"].strip(),
            fix=entry["fix"].strip(),
        )
    except (KeyError, ValueError) as exc:
        raise InputError(f"rule {entry.get('id', '?')} is incomplete: {exc}", str(path)) from None
