"""Django migration files, read with `ast`: which migrations each depends on and replaces.

A file is a Django migration by its content — a `class Migration(migrations.Migration)` in a
module that imports Django's migrations — not by the name of its folder: projects move them
(`MIGRATION_MODULES`), and other tools (South, SQL runners) also keep `migrations/0023_x.py`.
"""

from __future__ import annotations

import ast
import posixpath
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

from analyzer.errors import InputError
from analyzer.parsers.python_ast import PARSE_ERRORS, assignment, parse_source

Key = tuple[str, str]  # (app label, migration name)

NUMBERED = re.compile(r"\d{4}_\w*\.py")  # what `makemigrations` names a file
_DJANGO_IMPORT = re.compile(
    r"^[ \t]*(from[ \t]+django\.db[ \t]+import[^\n]*\bmigrations\b"
    r"|from[ \t]+django\.db\.migrations[ \t]+import|import[ \t]+django\.db\.migrations)",
    re.MULTILINE)


@dataclass(frozen=True)
class DjangoMigration:
    """One migration file: its app, name and what it depends on or replaces."""

    app: str  # the app label its own dependencies use
    name: str
    dependencies: tuple[Key, ...]
    replaces: tuple[Key, ...]  # a squashed migration stands for these
    path: str
    line: int  # the line of `dependencies = …`

    @property
    def parents(self) -> tuple[str, ...]:
        """Names of the migrations of the same app it depends on."""
        return tuple(name for app, name in self.dependencies if app == self.app)

    @property
    def replaced(self) -> tuple[str, ...]:
        return tuple(name for app, name in self.replaces if app == self.app)


def migration_name(path: str) -> str | None:
    """`shop/migrations/0002_price.py` -> "0002_price"; None for files Django never loads."""
    name = posixpath.basename(path)
    if not name.endswith(".py") or name.startswith(("_", "~")):
        return None
    return name[:-3]


def default_label(directory: str) -> str:
    """Django's default label: the last part of the app's package, which holds the module."""
    return posixpath.basename(posixpath.dirname(directory)) or posixpath.basename(directory)


def parse_migration(text: str, path: str, app: str | None = None) -> DjangoMigration | None:
    """The migration a file declares; None when it is not a Django migration (South, another
    tool, a helper module). `app` is the label when known, else the folder's default."""
    name = migration_name(path)
    if name is None:
        return None
    try:
        tree = parse_source(text, path)
    except PARSE_ERRORS as exc:
        if not _DJANGO_IMPORT.search(text):
            return None  # Python 2 South migrations and the like: not a node of Django's graph
        line = exc.lineno if isinstance(exc, SyntaxError) else None
        message = exc.msg if isinstance(exc, SyntaxError) else "invalid source"
        raise InputError(f"does not parse as Python: {message}", path, line) from None
    migration = _migration_class(tree)
    if migration is None:
        return None
    values: dict[str, tuple[Key, ...]] = {}
    lines: dict[str, int] = {}
    for node in migration.body:
        target, value = assignment(node)
        if target in ("dependencies", "replaces") and value is not None:
            values[target] = tuple(_keys(value))
            lines[target] = node.lineno
    label = app or default_label(posixpath.dirname(path))
    return DjangoMigration(label, name, values.get("dependencies", ()),
                           values.get("replaces", ()), path,
                           lines.get("dependencies", migration.lineno))


def _migration_class(tree: ast.Module) -> ast.ClassDef | None:
    """`class Migration(migrations.Migration)` (or `(Migration)`), with Django imported."""
    if not any(_imports_django_migrations(node) for node in tree.body):
        return None
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and node.name == "Migration" and any(
                (isinstance(b, ast.Attribute) and b.attr == "Migration")
                or (isinstance(b, ast.Name) and b.id == "Migration") for b in node.bases):
            return node
    return None


def _imports_django_migrations(node: ast.stmt) -> bool:
    if isinstance(node, ast.ImportFrom):
        if node.module == "django.db":
            return any(alias.name == "migrations" for alias in node.names)
        return node.module == "django.db.migrations"
    if isinstance(node, ast.Import):
        return any(alias.name.startswith("django.db.migrations") for alias in node.names)
    return False


def _keys(value: ast.expr) -> list[Key]:
    """("app", "name") pairs of a list or tuple; swappable and computed entries are skipped."""
    keys = []
    if isinstance(value, (ast.List, ast.Tuple)):
        for item in value.elts:
            if isinstance(item, (ast.Tuple, ast.List)) and len(item.elts) == 2:
                first, second = item.elts
                if (isinstance(first, ast.Constant) and isinstance(first.value, str)
                        and isinstance(second, ast.Constant) and isinstance(second.value, str)):
                    keys.append((first.value, second.value))
    return keys


def own_label(migrations: list[DjangoMigration], names: set[str], default: str) -> str:
    """The label a folder's migrations call their own app by: the one their dependencies use
    for names of this same folder (an app's label need not be its folder's name). Apps share
    names like `0002_initial`, so the folder's default label wins when it is among them."""
    votes = Counter(app for m in migrations for app, name in m.dependencies
                    if name in names and name != m.name)
    if not votes or default in votes:
        return default
    return votes.most_common(1)[0][0]


def graph(migrations: Mapping[str, DjangoMigration]) -> dict[str, tuple[str, ...]]:
    """name -> parents as Django's loader builds it with squashed migrations in use: the
    replaced ones are gone and whatever depended on them depends on the squash instead."""
    replaced_by = {old: m.name for m in migrations.values() for old in m.replaced}
    result: dict[str, tuple[str, ...]] = {}
    for name, migration in migrations.items():
        if name in replaced_by:
            continue
        parents = (replaced_by.get(p, p) for p in migration.parents)
        result[name] = tuple(dict.fromkeys(p for p in parents if p != name))
    return result


def leaves(migrations: Mapping[str, DjangoMigration]) -> set[str]:
    nodes = graph(migrations)
    return set(nodes) - {p for parents in nodes.values() for p in parents}
