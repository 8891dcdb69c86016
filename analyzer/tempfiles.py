"""conflictscan's private temporary directories, removed on exit, SIGINT and SIGTERM.

Every temporary file (the scratch repository, a parser's copy of a requirements file) lives
in one of these directories, created 0700 under $TMPDIR with the `conflictscan-` prefix; no
copy of a user's file is left behind when a scan is stopped.
"""

from __future__ import annotations

import atexit
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

_LOCK = threading.Lock()
_DIRS: set[str] = set()
_CHILDREN: set[subprocess.Popen[bytes]] = set()
_STOPPING = threading.Event()
_INSTALLED = False


def private_dir() -> str:
    path = tempfile.mkdtemp(prefix="conflictscan-")  # mode 0700: ours alone
    with _LOCK:
        _DIRS.add(path)
    return path


_SHARED: list[str] = []


def shared_private_dir() -> str:
    """One private directory for short-lived files of the whole run (created on first use)."""
    with _LOCK:
        if _SHARED and _SHARED[0] in _DIRS:
            return _SHARED[0]
    path = private_dir()
    with _LOCK:
        _SHARED[:] = [path]
    return path


def remove_private_dir(path: str) -> None:
    with _LOCK:
        _DIRS.discard(path)
    shutil.rmtree(path, ignore_errors=True)


def remove_all() -> None:
    with _LOCK:
        paths = list(_DIRS)
        _DIRS.clear()
    for path in paths:
        shutil.rmtree(path, ignore_errors=True)


def stopping() -> bool:
    return _STOPPING.is_set()


@contextmanager
def child(process: subprocess.Popen[bytes]) -> Iterator[None]:
    """Track a running git process: a signal terminates it before removing our files
    (a git still writing into the scratch repository would create it again)."""
    with _LOCK:
        _CHILDREN.add(process)
    try:
        yield
    finally:
        with _LOCK:
            _CHILDREN.discard(process)


def _stop_children() -> None:
    _STOPPING.set()
    with _LOCK:
        children = list(_CHILDREN)
    for process in children:
        try:
            process.kill()
            process.wait(timeout=5)
        except (OSError, subprocess.TimeoutExpired):
            pass


def _on_signal(number: int, frame: FrameType | None) -> None:
    _stop_children()
    remove_all()
    # die of the same signal, as a shell expects (exit status 128 + number)
    signal.signal(number, signal.SIG_DFL)
    sys.stderr.flush()
    os.kill(os.getpid(), number)


def install_cleanup() -> None:
    """Remove our directories at exit and on SIGINT/SIGTERM (main thread only)."""
    global _INSTALLED
    if _INSTALLED:
        return
    _INSTALLED = True
    atexit.register(remove_all)
    if threading.current_thread() is not threading.main_thread():
        return
    for number in (signal.SIGTERM, signal.SIGINT, getattr(signal, "SIGHUP", signal.SIGTERM)):
        if signal.getsignal(number) in (signal.SIG_DFL, signal.default_int_handler):
            signal.signal(number, _on_signal)
