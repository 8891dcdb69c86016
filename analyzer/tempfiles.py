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

# Re-entrant: the signal handler runs in the main thread, maybe while that thread holds it.
_LOCK = threading.RLock()
_DIRS: set[str] = set()
_CHILDREN: set[subprocess.Popen[bytes]] = set()
_STOPPING = threading.Event()
_INSTALLED = False
_CREATING = [0]  # directories being made and not yet registered (other threads)
_SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGINT", "SIGHUP")
                 if hasattr(signal, name))


def private_dir() -> str:
    """A new private directory, registered for removal before anything can be put in it.

    A signal never falls between its creation and its registration: in the main thread
    (where Python runs signal handlers) the signals wait for the two steps; another thread
    counts itself in `_CREATING`, which the handler waits for before it removes."""
    main = threading.current_thread() is threading.main_thread()
    blocked = main and hasattr(signal, "pthread_sigmask")
    if blocked:
        previous = signal.pthread_sigmask(signal.SIG_BLOCK, _SIGNALS)
    with _LOCK:
        if _STOPPING.is_set():
            raise _stopped()
        _CREATING[0] += 1
    try:
        path = tempfile.mkdtemp(prefix="conflictscan-")  # mode 0700: ours alone
        with _LOCK:
            _DIRS.add(path)
    finally:
        with _LOCK:
            _CREATING[0] -= 1
        if blocked:
            signal.pthread_sigmask(signal.SIG_SETMASK, previous)
    return path


def _stopped() -> Exception:
    from analyzer.errors import InputError

    return InputError("stopped")


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


_DEFERRED = threading.Event()  # a command-line run: removal waits for the end, off its clock


def defer_removal() -> None:
    """From now on `release` leaves a directory to `remove_all_detached` at the end of the
    run (the command-line entry point only: in-process callers get their files removed at
    once)."""
    _DEFERRED.set()


def release(path: str) -> None:
    """A directory we are done with: removed now, or at the end of a command-line run."""
    if not _DEFERRED.is_set():
        remove_private_dir(path)


def remove_all_detached() -> None:
    """The end of a command-line run: the report is written and the exit code known. Our
    directories (thousands of loose objects after many merges) are removed by a detached
    child process, so a hook or CI job does not wait for the deletion; the parent returns at
    once. Where fork is not possible they are removed here."""
    with _LOCK:
        paths = list(_DIRS)
        _DIRS.clear()
    if not paths:
        return
    from analyzer.sources.git.runner import delete_detached

    delete_detached(paths)


def remove_all() -> None:
    with _LOCK:
        paths = list(_DIRS)
        _DIRS.clear()
    for path in paths:
        _remove(path)


def _remove(path: str) -> None:
    """Remove a directory another thread may still be writing into: renamed first (one
    atomic step), so no new file can land in it while it is being emptied (rmtree would
    then fail to remove the folder and leave it behind)."""
    doomed = f"{path}.removing"
    try:
        os.rename(path, doomed)
    except OSError:
        doomed = path
    shutil.rmtree(doomed, ignore_errors=True)


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


def _wait_for_creations(limit: float = 2.0) -> None:
    """Let another thread that is making a directory register it (a moment: one mkdir),
    so the removal that follows sees it; no new one starts once stopping is set."""
    import time

    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        with _LOCK:
            if not _CREATING[0]:
                return
        time.sleep(0.001)


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
    _wait_for_creations()
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
    for number in _SIGNALS:
        if signal.getsignal(number) in (signal.SIG_DFL, signal.default_int_handler):
            signal.signal(number, _on_signal)
