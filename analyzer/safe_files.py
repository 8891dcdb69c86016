"""The one reader of files on disk: stays inside the repository, never blocks, caps size.

A scanned repository is untrusted. A committed `alembic.ini` that is a symlink to
`/proc/self/environ` or `/etc/passwd` must not be read (its content would end up in an error
message, in CI logs); a FIFO or a device must not hang or flood the scan. So every read of a
file we did not write goes through `read_text`, and no message quotes a file's content.
"""

from __future__ import annotations

import os
import stat

from analyzer.errors import InputError

MAX_BYTES = 20_000_000


def inside(path: str, root: str) -> bool:
    """Whether `path`, every link followed, is `root` or under it."""
    real, top = os.path.realpath(path), os.path.realpath(root)
    return real == top or real.startswith(top.rstrip(os.sep) + os.sep)


def read_bytes(path: str, *, root: str | None = None, max_bytes: int = MAX_BYTES) -> bytes:
    """A regular file's bytes. With `root`, the file must resolve inside it (a link that
    leaves the repository is refused, not followed). FIFOs, sockets and devices are refused
    without blocking."""
    if root is not None and not inside(path, root):
        raise InputError("is a link to a file outside the repository; not read", path)
    try:
        fd = os.open(os.path.realpath(path) if root is not None else path,
                     os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0)
                     | (getattr(os, "O_NOFOLLOW", 0) if root is not None else 0))
    except FileNotFoundError:
        raise InputError("no such file", path) from None
    except IsADirectoryError:
        raise InputError("is a directory, expected a file", path) from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", path) from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise InputError("is a directory, expected a file", path)
        if not stat.S_ISREG(info.st_mode):
            raise InputError("is not a regular file (a FIFO, socket or device); not read", path)
        if info.st_size > max_bytes:
            raise InputError(f"larger than {max_bytes // 1_000_000} MB; refusing to scan it",
                             path)
        data = _read_at_most(fd, max_bytes)
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", path) from None
    finally:
        os.close(fd)
    if len(data) > max_bytes:
        raise InputError(f"larger than {max_bytes // 1_000_000} MB; refusing to scan it", path)
    return data


def read_seen(path: bytes, seen: os.stat_result, max_bytes: int) -> bytes | None:
    """The bytes of the very regular file `lstat` just saw at `path` (same inode: never
    through a link, never a FIFO), or None when it is not that file any more or holds more
    than `max_bytes`. For hashing a worktree file as git would; its content is never shown."""
    if seen.st_size > max_bytes:
        return None
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0)
                     | getattr(os, "O_NOCTTY", 0))
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_ino != seen.st_ino:
            return None
        data = _read_at_most(fd, max_bytes)
    except OSError:
        return None
    finally:
        os.close(fd)
    return None if len(data) > max_bytes else data


def _read_at_most(fd: int, max_bytes: int) -> bytes:
    """The file's bytes up to one more than `max_bytes` (so that "too large" shows)."""
    chunks, size = [], 0
    while size <= max_bytes:
        chunk = os.read(fd, min(1 << 20, max_bytes + 1 - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def read_text(path: str, *, root: str | None = None, max_bytes: int = MAX_BYTES) -> str:
    """A text file, decoded as UTF-8 (a BOM is dropped), or an InputError that says what is
    wrong with it — by line number, never by quoting it."""
    data = read_bytes(path, root=root, max_bytes=max_bytes)
    if b"\x00" in data[:8192]:
        raise InputError("looks like a binary file, expected text", path)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(
            f"not valid UTF-8 (byte 0x{data[exc.start]:02x}); save the file as UTF-8", path, line
        ) from None


def read_repo_text(path: str, root: str) -> str | None:
    """A repository file that may be absent: None when there is none."""
    if not os.path.lexists(path):
        return None
    return read_text(path, root=root)
