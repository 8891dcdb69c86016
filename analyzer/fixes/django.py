"""Django fixes, as text edits: a branch's migrations of one app moved after the current leaf
(renumbered, `dependencies` rewritten, the rest of the chain following), or a merge migration
like `makemigrations --merge` writes. Nothing is imported or run.

The rebase works for a chain of several migrations of one app, which is where
django-linear-migrations' `rebase_migration` stops.
"""

from __future__ import annotations

import ast
import posixpath
import re
from collections.abc import Mapping, Sequence

from analyzer.fixes.edits import FileEdit, FixRefused

_NUMBER = re.compile(r"^(\d{4,})(_.*)?$")


def number_of(name: str) -> int:
    match = _NUMBER.match(name)
    return int(match.group(1)) if match else 0


def _renamed(name: str, number: int) -> str:
    match = _NUMBER.match(name)
    suffix = match.group(2) if match and match.group(2) else f"_{name}"
    return f"{number:04d}{suffix}"


def _rewrite_dependencies(text: str, path: str, app: str, renames: Mapping[str, str]) -> str:
    """Replace each `("app", "old")` string in `dependencies` by its new name, in place."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        raise FixRefused(f"{path} does not parse as Python; edit it by hand") from None
    spans: list[tuple[int, int, int, str]] = []  # (line, start col, end col, new string)
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "dependencies" for t in node.targets)):
            continue
        if not isinstance(node.value, (ast.List, ast.Tuple)):
            raise FixRefused(f"{path}:{node.lineno}: dependencies is computed; edit it by hand")
        for item in node.value.elts:
            if isinstance(item, (ast.Tuple, ast.List)) and len(item.elts) == 2:
                first, second = item.elts
                if (isinstance(first, ast.Constant) and first.value == app
                        and isinstance(second, ast.Constant) and isinstance(second.value, str)
                        and second.value in renames
                        and second.end_col_offset is not None
                        and second.lineno == second.end_lineno):
                    spans.append((second.lineno, second.col_offset, second.end_col_offset,
                                  renames[second.value]))
    lines = text.splitlines(keepends=True)
    for line_no, start, end, new in sorted(spans, reverse=True):
        raw = lines[line_no - 1].encode("utf-8")
        old = raw[start:end].decode("utf-8")
        quote = old[0] if old[:1] in "'\"" else '"'
        lines[line_no - 1] = (raw[:start] + f"{quote}{new}{quote}".encode() + raw[end:]).decode()
    return "".join(lines)


def rebase_chain(app: str, chain: Sequence[tuple[str, str, str]], old_parent: str,
                 new_parent: str, max_migration: tuple[str, str] | None = None
                 ) -> list[FileEdit]:
    """Move `chain` — (name, path, text) in dependency order, the first on `old_parent` —
    onto `new_parent`: numbers follow the new parent's, dependencies name the new names."""
    if not chain:
        return []
    start = number_of(new_parent) + 1
    renames = {old_parent: new_parent}
    for offset, (name, _, _) in enumerate(chain):
        renames[name] = _renamed(name, start + offset)
    edits = []
    for name, path, text in chain:
        new_text = _rewrite_dependencies(text, path, app, renames)
        if new_text == text and renames[name] == name:
            continue
        new_path = posixpath.join(posixpath.dirname(path), renames[name] + ".py")
        edits.append(FileEdit(new_path, text, new_text,
                              renamed_from=path if new_path != path else None))
    if max_migration is not None:
        path, text = max_migration
        edits.append(FileEdit(path, text, renames[chain[-1][0]] + "\n"))
    return edits


def merge_migration(app: str, migrations_dir: str, leaves: Sequence[str]) -> FileEdit:
    """What `makemigrations --merge` writes: an empty migration depending on every leaf."""
    if len(leaves) < 2:
        raise FixRefused("a merge migration needs two or more leaves")
    ordered = sorted(leaves)
    number = max(number_of(leaf) for leaf in ordered) + 1
    joined = "_".join(ordered)
    name = f"{number:04d}_merge_{joined}" if len(joined) <= 47 else f"{number:04d}_merge"
    dependencies = "".join(f'        ("{app}", "{leaf}"),\n' for leaf in ordered)
    text = ("from django.db import migrations\n\n\nclass Migration(migrations.Migration):\n\n"
            f"    dependencies = [\n{dependencies}    ]\n\n    operations = []\n")
    return FileEdit(posixpath.join(migrations_dir, name + ".py"), None, text)
