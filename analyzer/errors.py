"""Errors that the CLI turns into a clear message and exit code 2, never a traceback."""

from __future__ import annotations


class InputError(Exception):
    """Bad input from the user: a file we cannot read or understand, a bad option."""

    def __init__(self, message: str, path: str | None = None, line: int | None = None):
        super().__init__(message)
        self.message = message
        self.path = path
        self.line = line

    def __str__(self) -> str:
        where = ""
        if self.path:
            where = f"{self.path}:{self.line}: " if self.line else f"{self.path}: "
        return f"{where}{self.message}"


def read_text(path: str, *, max_bytes: int = 20_000_000) -> str:
    """Read a user's text file or raise an InputError that says exactly what is wrong."""
    from analyzer.safe_files import read_text as read_safely

    return read_safely(path, max_bytes=max_bytes)
