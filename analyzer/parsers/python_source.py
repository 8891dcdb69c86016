"""Python source read with `ast` (never imported or run), bounded: a migration file is small,
and `ast` recurses, so a hostile file of 100,000 chained terms must fail clearly, not crash."""

from __future__ import annotations

import ast
import warnings

from analyzer.errors import InputError

MAX_SOURCE_BYTES = 2_000_000  # the largest real migration files are a few hundred KB


def parse_python(text: str, path: str) -> ast.Module:
    if len(text) > MAX_SOURCE_BYTES:
        raise InputError(f"larger than {MAX_SOURCE_BYTES // 1_000_000} MB; not read as a "
                         "migration", path)
    try:
        with warnings.catch_warnings():  # "invalid escape sequence": the user's, not ours
            warnings.simplefilter("ignore")
            return ast.parse(text, filename=path)
    except SyntaxError as exc:
        raise InputError(f"does not parse as Python: {exc.msg}", path, exc.lineno) from None
    except ValueError as exc:  # "source code string cannot contain null bytes" (3.10, 3.11)
        raise InputError(f"does not parse as Python: {exc}", path) from None
    except (RecursionError, MemoryError):
        raise InputError("does not parse as Python: an expression nested too deeply to read",
                         path) from None


def literal(node: ast.expr, name: str, path: str, line: int) -> object:
    """The value of a literal (`"a1"`, `("a1", "b2")`, `None`), or an InputError."""
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        # ValueError: a name or a call; TypeError: {["a1"]}, a set of lists
        raise InputError(f"{name} is not a literal string, tuple of strings or None",
                         path, line) from None
