"""Alembic revision files, read with `ast` (never imported): ids, parents, labels."""

from __future__ import annotations

import ast
from dataclasses import dataclass

from analyzer.errors import InputError


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
    try:
        tree = ast.parse(text, filename=path)
    except SyntaxError as exc:
        raise InputError(f"does not parse as Python: {exc.msg}", path, exc.lineno) from None
    values: dict[str, object] = {}
    lines: dict[str, int] = {}
    for node in tree.body:
        target, value = _assignment(node)
        if target in _FIELDS and value is not None:
            try:
                values[target] = ast.literal_eval(value)
            except ValueError:
                raise InputError(f"{target} is not a literal", path, node.lineno) from None
            lines[target] = node.lineno
    revision = values.get("revision")
    if not isinstance(revision, str):
        return None
    return Revision(
        revision=revision,
        down_revisions=_strings(values.get("down_revision")),
        branch_labels=_strings(values.get("branch_labels")),
        depends_on=_strings(values.get("depends_on")),
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


def _strings(value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, (tuple, list, set, frozenset)):
        return tuple(str(v) for v in value)
    return (str(value),)


def heads(revisions: dict[str, Revision]) -> set[str]:
    """Revisions that no other revision names as its parent."""
    parents = {p for rev in revisions.values() for p in rev.down_revisions}
    return set(revisions) - parents
