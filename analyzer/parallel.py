"""Independent git processes side by side, on plain threads.

`concurrent.futures` imports `logging` (and with it `traceback`, `textwrap`…): tens of
milliseconds a pre-commit hook would pay on every commit for a pool it mostly does not need.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


def parallel_map(function: Callable[[T], R], items: Sequence[T],
                 workers: int | None = None) -> list[R]:
    """`[function(i) for i in items]`, up to `workers` at a time (default: the cores, at
    most 8), in order; the first exception is raised once every thread has stopped."""
    items = list(items)
    workers = min(workers or min(8, os.cpu_count() or 2), len(items))
    if workers <= 1:
        return [function(item) for item in items]
    results: list[R | None] = [None] * len(items)
    errors: list[BaseException] = []
    position = iter(range(len(items)))
    lock = threading.Lock()

    def work() -> None:
        while not errors:
            with lock:
                index = next(position, None)
            if index is None:
                return
            try:
                results[index] = function(items[index])
            except BaseException as error:
                errors.append(error)

    threads = [threading.Thread(target=work, daemon=True) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return results  # type: ignore[return-value]
