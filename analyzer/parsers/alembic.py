"""Alembic revision files, read with `ast` (never imported): ids, parents, labels."""

from __future__ import annotations

import ast
from dataclasses import dataclass

from analyzer.errors import InputError
from analyzer.parsers.python_source import literal, parse_python


@dataclass(frozen=True)
class Revision:
    revision: str
    down_revisions: tuple[str, ...]  # () for a base revision, two or more for a merge
    branch_labels: tuple[str, ...]
    depends_on: tuple[str, ...]
    path: str
    down_line: int  # the line of `down_revision = …`, for annotations


_FIELDS = ("revision", "down_revision", "branch_labels", "depends_on")


def parse_revision(text: str, path: str) -> Revision | None:
    """The revision a file declares, or None when the file declares none (an __init__.py)."""
    values: dict[str, object] = {}
    lines: dict[str, int] = {}
    for node in parse_python(text, path).body:
        target, value = _assignment(node)
        if target in _FIELDS and value is not None:
            values[target] = literal(value, target, path, node.lineno)
            lines[target] = node.lineno
    revision = values.get("revision")
    if not isinstance(revision, str):
        return None

    def strings(field: str) -> tuple[str, ...]:
        return _strings(values.get(field), field, path, lines.get(field, 1))

    return Revision(
        revision=revision,
        down_revisions=strings("down_revision"),
        branch_labels=strings("branch_labels"),
        depends_on=strings("depends_on"),
        path=path,
        down_line=lines.get("down_revision", lines.get("revision", 1)),
    )


def _assignment(node: ast.stmt) -> tuple[str | None, ast.expr | None]:
    """`x = v` and `x: T = v` alike: recent alembic templates annotate these names."""
    if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(
            node.targets[0], ast.Name):
        return node.targets[0].id, node.value
    if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
        return node.target.id, node.value
    return None, None


def _strings(value: object, field: str, path: str, line: int) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, (tuple, list, set, frozenset)) and all(isinstance(v, str)
                                                                 for v in value):
        return tuple(sorted(value) if isinstance(value, (set, frozenset)) else value)
    raise InputError(f"{field} must be a revision id, a tuple of them or None", path, line)


def heads(revisions: dict[str, Revision]) -> set[str]:
    """Revisions that no other revision names as its parent."""
    parents = {p for rev in revisions.values() for p in rev.down_revisions}
    return set(revisions) - parents
