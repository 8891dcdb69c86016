"""Django migration files, read with `ast`: which migrations of the same app each depends on."""

from __future__ import annotations

import ast
import posixpath
from dataclasses import dataclass

from analyzer.parsers.python_source import parse_python


@dataclass(frozen=True)
class DjangoMigration:
    app: str
    name: str
    parents: tuple[str, ...]  # names of migrations of the same app it depends on
    path: str
    line: int  # the line of `dependencies = …`


def migration_identity(path: str) -> tuple[str, str] | None:
    """`shop/migrations/0002_price.py` -> ("shop", "0002_price"); None for other files."""
    directory, name = posixpath.split(path)
    if posixpath.basename(directory) != "migrations" or not name.endswith(".py"):
        return None
    if name == "__init__.py" or not name[:1].isdigit():
        return None
    return posixpath.basename(posixpath.dirname(directory)), name[:-3]


def parse_migration(text: str, path: str) -> DjangoMigration | None:
    identity = migration_identity(path)
    if identity is None:
        return None
    app, name = identity
    for node in ast.walk(parse_python(text, path)):
        if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "dependencies" for t in node.targets):
            parents = tuple(_same_app_parents(node.value, app))
            return DjangoMigration(app, name, parents, path, node.lineno)
    return DjangoMigration(app, name, (), path, 1)


def _same_app_parents(value: ast.expr, app: str) -> list[str]:
    parents = []
    if isinstance(value, (ast.List, ast.Tuple)):
        for item in value.elts:
            if isinstance(item, (ast.Tuple, ast.List)) and len(item.elts) == 2:
                first, second = item.elts
                if (isinstance(first, ast.Constant) and first.value == app
                        and isinstance(second, ast.Constant) and isinstance(second.value, str)):
                    parents.append(second.value)
    return parents


def leaves(migrations: dict[str, DjangoMigration]) -> set[str]:
    parents = {p for m in migrations.values() for p in m.parents}
    return set(migrations) - parents
