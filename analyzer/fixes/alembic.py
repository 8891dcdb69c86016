"""Alembic fixes, written as text edits, never by running alembic or the project's template.

* `reparent`: a revision grown on a head the base no longer has is moved onto the base's
  head: its `down_revision` literal and its docstring's `Revises:` line change, nothing else.
* `merge_revision`: a merge revision that joins every head, named and shaped like the files
  already in the versions directory (`script.py.mako` is a template, and a template is code).
"""

from __future__ import annotations

import ast
import hashlib
import posixpath
import re
from collections.abc import Sequence

from analyzer.fixes.edits import FileEdit, FixRefused

_REVISES = re.compile(r"^(Revises:[ \t]*)([^\n]*)$", re.MULTILINE)
_DATE_STYLE = re.compile(r"^\d{4}_\d{2}_\d{2}_\d{4}-")  # file_template with a date prefix
_HEX_STYLE = re.compile(r"^[0-9a-f]{12}_")
_NUMBER_ID = re.compile(r"^\d{1,9}$")


def _literal(parents: Sequence[str], quote: str) -> str:
    def one(value: str) -> str:
        return f"{quote}{value}{quote}"

    if not parents:
        return "None"
    if len(parents) == 1:
        return one(parents[0])
    return "(" + ", ".join(one(p) for p in parents) + ")"


def _down_revision_node(tree: ast.Module) -> ast.expr | None:
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(
                node.targets[0], ast.Name) and node.targets[0].id == "down_revision":
            return node.value
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and \
                node.target.id == "down_revision":
            return node.value
    return None


def reparent(text: str, path: str, new_parents: Sequence[str]) -> str:
    """The revision file with `down_revision` (and `Revises:`) naming `new_parents`."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        raise FixRefused(f"{path} does not parse as Python; edit it by hand") from None
    value = _down_revision_node(tree)
    if value is None or value.end_lineno is None or value.end_col_offset is None:
        raise FixRefused(f"{path} has no `down_revision = …` assignment to rewrite")
    try:
        ast.literal_eval(value)
    except ValueError:
        raise FixRefused(f"{path}:{value.lineno}: down_revision is computed, not a literal; "
                         "re-parent it by hand") from None
    lines = text.splitlines(keepends=True)
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line.encode("utf-8")))
    data = text.encode("utf-8")
    start = offsets[value.lineno - 1] + value.col_offset
    end = offsets[value.end_lineno - 1] + value.end_col_offset
    segment = data[start:end].decode("utf-8")
    quote = '"' if segment.lstrip("(").startswith('"') else "'"
    new_data = data[:start] + _literal(new_parents, quote).encode("utf-8") + data[end:]
    result = new_data.decode("utf-8")
    docstring = ast.get_docstring(tree, clean=False)
    if docstring and _REVISES.search(docstring):
        head_end = result.find(docstring)
        if head_end >= 0:
            new_doc = _REVISES.sub(lambda m: m.group(1) + ", ".join(new_parents), docstring,
                                   count=1)
            result = result[:head_end] + new_doc + result[head_end + len(docstring):]
    return result


def revision_id(heads: Sequence[str], existing: Sequence[str]) -> str:
    """A new id in the style of the existing ones: the next number where ids are numbers
    (`001`, `0042`), else 12 hex digits derived from the heads (the same heads, the same id)."""
    numbers = [r for r in existing if _NUMBER_ID.match(r)]
    if existing and len(numbers) == len(existing):
        width = max(len(r) for r in numbers)
        return str(max(int(r) for r in numbers) + 1).zfill(width)
    digest = hashlib.sha1(" ".join(sorted(heads)).encode()).hexdigest()[:12]
    return digest


def _slug(message: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", message.lower()).strip("_")[:40] or "merge"


def merge_file_name(rev: str, message: str, existing_files: Sequence[str],
                    created: str) -> str:
    """`<rev>_<slug>.py`, or the date-prefixed `file_template` style when the project uses
    it (`2024_01_31_1200-<rev>_<slug>.py`)."""
    names = [posixpath.basename(f) for f in existing_files]
    dated = sum(1 for n in names if _DATE_STYLE.match(n))
    if names and dated * 2 > len(names):
        stamp = created.replace("-", "_").replace(" ", "_").replace(":", "")[:15]
        return f"{stamp}-{rev}_{_slug(message)}.py"
    return f"{rev}_{_slug(message)}.py"


def merge_revision(heads: Sequence[str], versions_dir: str, existing_ids: Sequence[str],
                   existing_files: Sequence[str], sample: str, created: str) -> FileEdit:
    """A merge revision joining `heads`, shaped like `sample` (an existing revision file):
    annotated assignments where the project's files use them, plain ones otherwise."""
    if len(heads) < 2:
        raise FixRefused("a merge revision needs two or more heads")
    ordered = sorted(heads)
    rev = revision_id(ordered, existing_ids)
    message = "merge " + " and ".join(ordered)
    name = merge_file_name(rev, message, existing_files, created)
    annotated = re.search(r"^revision\s*:", sample, re.MULTILINE) is not None
    quote = '"' if re.search(r"^revision\s*(:[^=]*)?=\s*\"", sample, re.MULTILINE) else "'"
    parents = "(" + ", ".join(f"{quote}{h}{quote}" for h in ordered) + ")"
    if annotated:
        assignments = (f"revision: str = {quote}{rev}{quote}\n"
                       f"down_revision: Union[str, Sequence[str], None] = {parents}\n"
                       "branch_labels: Union[str, Sequence[str], None] = None\n"
                       "depends_on: Union[str, Sequence[str], None] = None\n")
        imports = "from typing import Sequence, Union\n\n"
        returns = " -> None"
    else:
        assignments = (f"revision = {quote}{rev}{quote}\ndown_revision = {parents}\n"
                       "branch_labels = None\ndepends_on = None\n")
        imports, returns = "", ""
    text = (f'"""{message}\n\nRevision ID: {rev}\nRevises: {", ".join(ordered)}\n'
            f'Create Date: {created}\n\n"""\n{imports}\n'
            f"# revision identifiers, used by Alembic.\n{assignments}\n\n"
            f"def upgrade(){returns}:\n    pass\n\n\ndef downgrade(){returns}:\n    pass\n")
    return FileEdit(posixpath.join(versions_dir, name), None, text)
