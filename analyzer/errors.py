"""Errors that the CLI turns into a clear message and exit code 2, never a traceback."""

from __future__ import annotations


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


def read_text(path: str, *, max_bytes: int = 20_000_000) -> str:
    """Read a user's text file or raise an InputError that says exactly what is wrong."""
    try:
        with open(path, "rb") as handle:
            data = handle.read(max_bytes + 1)
    except FileNotFoundError:
        raise InputError("no such file", path) from None
    except IsADirectoryError:
        raise InputError("is a directory, expected a file", path) from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", path) from None
    if len(data) > max_bytes:
        raise InputError(f"larger than {max_bytes // 1_000_000} MB; refusing to scan it", path)
    if b"\x00" in data[:8192]:
        raise InputError("looks like a binary file, expected text", path)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(
            f"not valid UTF-8 (byte 0x{data[exc.start]:02x}); save the file as UTF-8", path, line
        ) from None
