"""Alembic revision files, read without importing them: ids, parents, labels.

Nearly every revision file declares its names the way alembic's templates write them, one
plain literal per line (`revision = 'ab12'`, `down_revision: Union[str, None] = ('a', 'b')`).
Those lines are read by a bounded line scanner, ~20x faster than parsing the module; any
other shape (a computed or multi-line value, a name set twice, a field line that may sit
inside a triple-quoted string) is read with `ast`, which also reports a file that does not
parse. The scanner never looks past the four fields: a syntax error elsewhere in a file
whose fields are plain is alembic's to report when it imports the file.

Old projects keep Python 2 revision files (`print "x"`, `u'abc'`, `except E, e`) that `ast`
cannot parse; the four names alembic itself reads are then taken from their assignment lines.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, NamedTuple

from analyzer.errors import InputError

if TYPE_CHECKING:
    import ast


class Revision(NamedTuple):  # a NamedTuple: `dataclasses` costs more to import than a scan
    revision: str
    down_revisions: tuple[str, ...]  # () for a base revision, two or more for a merge
    branch_labels: tuple[str, ...]
    depends_on: tuple[str, ...]
    path: str
    down_line: int  # the line of `down_revision = …`, for annotations


_FIELDS = ("revision", "down_revision", "branch_labels", "depends_on")
# `down_revision = 'a1'`, `down_revision: Union[str, None] = u'a1'  # comment`, at column 0
_ASSIGNMENT = re.compile(
    r"(revision|down_revision|branch_labels|depends_on)[ \t]*(?::[^=\n]{0,200})?=(?!=)(.*)")
_SCAN_LINES = 500  # the names sit near the top of every template
_VALUE_LINES = 20  # a tuple of parents may span a few lines
_LITERAL_ERRORS = (ValueError, TypeError, SyntaxError, MemoryError, RecursionError)

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
            s[1:-1] for s in _STRINGS.findall(value) if len(s) > 2)  # '' names no parent
        lines[name] = before.count("\n") + 1
    revision = values.get("revision")
    if not revision:
        return None
    return Revision(revision[0], values.get("down_revision") or (),
                    values.get("branch_labels") or (), values.get("depends_on") or (), path,
                    lines.get("down_revision", lines["revision"]))



def _parse(text: str, path: str) -> Revision | None:
    from analyzer.parsers.python_ast import PARSE_ERRORS, parse_source  # loads ast

    try:
        tree = parse_source(text, path)
    except PARSE_ERRORS as exc:
        values, lines = _scan_assignments(text, path, exc)
    else:
        values, lines = _read_tree(tree, path)
    revision = values.get("revision")
    if not isinstance(revision, str):
        return None
    return Revision(
        revision=revision,
        down_revisions=_field(values, lines, "down_revision", path),
        branch_labels=_field(values, lines, "branch_labels", path),
        depends_on=_field(values, lines, "depends_on", path),
        path=path,
        down_line=lines.get("down_revision", lines.get("revision", 1)),
    )


def _read_tree(tree: ast.Module, path: str) -> tuple[dict[str, object], dict[str, int]]:
    import ast

    from analyzer.parsers.python_ast import assignment

    values: dict[str, object] = {}
    lines: dict[str, int] = {}
    for node in tree.body:
        target, value = assignment(node)
        if target in _FIELDS and value is not None:
            try:
                values[target] = ast.literal_eval(value)
            except _LITERAL_ERRORS:
                raise InputError(f"{target} is not a literal", path, node.lineno) from None
            lines[target] = node.lineno
    return values, lines


def _scan_assignments(text: str, path: str,
                      error: Exception) -> tuple[dict[str, object], dict[str, int]]:
    """The four names from their own lines, for a file `ast` cannot parse (Python 2). A file
    that declares no revision this way is reported with the parser's own complaint."""
    values: dict[str, object] = {}
    lines: dict[str, int] = {}
    source = text.splitlines()[:_SCAN_LINES]
    for number, line in enumerate(source, 1):
        match = _ASSIGNMENT.match(line)
        if not match or match.group(1) in values:
            continue
        value = _literal(match.group(2), source[number:number + _VALUE_LINES])
        if value is _UNREADABLE:
            raise _parse_error(path, error, number)
        values[match.group(1)] = value
        lines[match.group(1)] = number
    if not isinstance(values.get("revision"), str):
        raise _parse_error(path, error, None)
    return values, lines


_UNREADABLE = object()


def _literal(first: str, following: list[str]) -> object:
    """The literal that starts on `first`, continued over the following lines if open."""
    import ast

    text = first
    for extra in ["", *following]:
        text = f"{text}\n{extra}" if extra else text
        candidate = _without_comment(text).strip()
        try:
            return ast.literal_eval(candidate)
        except _LITERAL_ERRORS:
            continue
    return _UNREADABLE


def _without_comment(text: str) -> str:
    """Drop a trailing `# …` outside quotes: revision ids never hold a '#'."""
    return "\n".join(re.sub(r"#[^'\"]*$", "", line) for line in text.splitlines())


def _parse_error(path: str, error: Exception, line: int | None) -> InputError:
    if isinstance(error, SyntaxError):
        return InputError(f"does not parse as Python: {error.msg}", path, line or error.lineno)
    return InputError("does not parse as Python", path, line)


def _field(values: dict[str, object], lines: dict[str, int], name: str,
           path: str) -> tuple[str, ...]:
    return _strings(values.get(name), name, path, lines.get(name))


def _strings(value: object, field: str = "down_revision", path: str = "",
             line: int | None = None) -> tuple[str, ...]:
    """Revision ids as strings; anything else (a number, a dict) is a clear error. An empty
    string names no revision: `down_revision = ""` is a first revision, like None."""
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,) if value else ()
    if isinstance(value, (tuple, list)) and all(isinstance(v, str) for v in value):
        return tuple(v for v in value if v)
    raise InputError(f"{field} must be a revision id, a tuple of them or None", path, line)


def heads(revisions: dict[str, Revision]) -> set[str]:
    """Revisions that no other revision names as its parent."""
    parents = {p for rev in revisions.values() for p in rev.down_revisions}
    return set(revisions) - parents
