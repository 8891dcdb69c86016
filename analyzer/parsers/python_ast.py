"""The user's Python, parsed (never run) without the compiler's warnings reaching our output."""

from __future__ import annotations

import ast
import warnings

PARSE_ERRORS = (SyntaxError, ValueError, MemoryError, RecursionError)


MAX_SOURCE_CHARS = 2_000_000  # the largest real migration files are a few hundred KB


def parse_source(text: str, path: str) -> ast.Module:
    """`ast.parse`, silent about their invalid escapes and the like; raises PARSE_ERRORS
    (a file too large to be a migration is a ValueError: `ast` recurses, and a hostile file
    of 100,000 chained terms must fail clearly, not crash)."""
    if len(text) > MAX_SOURCE_CHARS:
        raise ValueError(f"larger than {MAX_SOURCE_CHARS // 1_000_000} MB; not read")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ast.parse(text, filename=path)


def assignment(node: ast.stmt) -> tuple[str | None, ast.expr | None]:
    """The name and value of `x = v` and `x: T = v` alike (recent templates annotate)."""
    if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(
            node.targets[0], ast.Name):
        return node.targets[0].id, node.value
    if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
        return node.target.id, node.value
    return None, None
