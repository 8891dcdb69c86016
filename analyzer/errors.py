"""Errors that the CLI turns into a clear message and exit code 2, never a traceback."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager


class InputError(Exception):
    """Bad input from the user: a file we cannot read or understand, a bad option."""

    def __init__(self, message: str, path: str | None = None, line: int | None = None,
                 *, blocking: bool = True):
        super().__init__(message)
        self.message = message
        self.path = path
        self.line = line
        # False for what limits a report without making it wrong (a blob a partial clone
        # lacks): reported, and the exit code still says what the findings say
        self.blocking = blocking

    def __str__(self) -> str:
        where = ""
        if self.path:
            where = f"{self.path}:{self.line}: " if self.line else f"{self.path}: "
        return f"{where}{self.message}"


def printable(text: str) -> str:
    """Text for a terminal: control characters (escape sequences) and lone surrogates (from
    non-UTF-8 file names) shown as `?`, line breaks and tabs kept."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() or c in "\n\t" else "?" for c in text)


@contextmanager
def reading(path: str | None) -> Iterator[None]:
    """Tag an unexpected exception with the file being read, so the CLI's last-resort message
    can name it. The innermost file wins; InputErrors name their file themselves."""
    try:
        yield
    except InputError:
        raise
    except Exception as exc:
        if path and getattr(exc, "conflictscan_path", None) is None:
            exc.conflictscan_path = path  # type: ignore[attr-defined]
        raise


def file_of(exc: BaseException) -> str | None:
    """The file an unexpected exception was raised while reading, when known."""
    path = getattr(exc, "conflictscan_path", None)
    return path if isinstance(path, str) else None


def read_text(path: str, *, max_bytes: int = 20_000_000) -> str:
    """Read a user's text file or raise an InputError that says exactly what is wrong."""
    from analyzer.safe_files import read_text as read_safely

    return read_safely(path, max_bytes=max_bytes)
