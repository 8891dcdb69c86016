"""Alembic revision files, read without importing them: ids, parents, labels.

Nearly every revision file declares its names the way alembic's templates write them, one
plain literal per line (`revision = 'ab12'`, `down_revision: Union[str, None] = ('a', 'b')`).
Those lines are read by a bounded line scanner, ~20x faster than parsing the module; any
other shape (a computed or multi-line value, a name set twice, a field line that may sit
inside a triple-quoted string) is read with `ast`, which also reports a file that does not
parse. The scanner never looks past the four fields: a syntax error elsewhere in a file
whose fields are plain is alembic's to report when it imports the file.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, NamedTuple

from analyzer.errors import InputError

if TYPE_CHECKING:
    import ast

_MAX_SCANNED = 2_000_000  # larger files go to the parser, which refuses them clearly


class Revision(NamedTuple):  # a NamedTuple: `dataclasses` costs more to import than a scan
    revision: str
    down_revisions: tuple[str, ...]  # () for a base revision, two or more for a merge
    branch_labels: tuple[str, ...]
    depends_on: tuple[str, ...]
    path: str
    down_line: int  # the line of `down_revision = …`, for annotations


_FIELDS = ("revision", "down_revision", "branch_labels", "depends_on")


_STRING = r"""(?:'[^'\\\n]*'|"[^"\\\n]*")"""
# `name = value` or `name: Annotation = value` at the start of a line, value a plain literal
_FIELD_LINE = re.compile(r"^(revision|down_revision|branch_labels|depends_on)\b[^\n]*$", re.M)
_PLAIN_FIELD = re.compile(
    r"(revision|down_revision|branch_labels|depends_on)[ \t]*(?::[^=\n]*)?=[ \t]*"
    rf"(None|{_STRING}|[(\[][ \t]*(?:{_STRING}(?:[ \t]*,[ \t]*{_STRING})*[ \t]*,?)?[ \t]*[)\]])"
    r"[ \t]*(?:#[^\n]*)?")
_STRINGS = re.compile(_STRING)


def parse_revision(text: str, path: str) -> Revision | None:
    """The revision a file declares, or None when the file declares none (an __init__.py)."""
    scanned = _scan(text, path)
    return scanned if scanned is not None else _parse(text, path)


def _scan(text: str, path: str) -> Revision | None:
    """The four fields from plain literal lines; None when the file needs the parser."""
    if len(text) > _MAX_SCANNED:
        return None
    values: dict[str, tuple[str, ...] | None] = {}
    lines: dict[str, int] = {}
    for found in _FIELD_LINE.finditer(text):
        plain = _PLAIN_FIELD.fullmatch(found.group(0))
        name = found.group(1)
        if plain is None or name in values:
            return None  # another shape, or set twice: the parser decides
        before = text[:found.start()]
        if (before.count('"""') + before.count("'''")) % 2 or before.endswith("\\\n"):
            return None  # maybe inside a triple-quoted string or a continued line
        value = plain.group(2)
        if name == "revision" and value[0] not in "'\"":
            return None  # not a string: the parser decides what that means
        values[name] = None if value == "None" else tuple(
            s[1:-1] for s in _STRINGS.findall(value))
        lines[name] = before.count("\n") + 1
    revision = values.get("revision")
    if not revision:
        return None
    return Revision(revision[0], values.get("down_revision") or (),
                    values.get("branch_labels") or (), values.get("depends_on") or (), path,
                    lines.get("down_revision", lines["revision"]))


def _parse(text: str, path: str) -> Revision | None:
    from analyzer.parsers.python_source import literal, parse_python  # loads ast

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
    import ast

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
