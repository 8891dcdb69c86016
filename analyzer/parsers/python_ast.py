"""The user's Python, parsed (never run) without the compiler's warnings reaching our output."""

from __future__ import annotations

import ast
import warnings

PARSE_ERRORS = (SyntaxError, ValueError, MemoryError, RecursionError)


def parse_source(text: str, path: str) -> ast.Module:
    """`ast.parse`, silent about their invalid escapes and the like; raises PARSE_ERRORS."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ast.parse(text, filename=path)
