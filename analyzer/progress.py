"""A progress bar that appears only when a scan runs longer than a second, on a terminal."""

from __future__ import annotations

import sys
import time
from types import TracebackType
from typing import Any


class DelayedProgress:
    def __init__(self, total: int, label: str, delay: float = 1.0):
        self.total, self.label, self.delay = total, label, delay
        self.started = time.monotonic()
        self.done = 0
        self._bar: Any = None
        self._task: Any = None

    def __enter__(self) -> DelayedProgress:
        return self

    def expect(self, more: int) -> None:
        """More steps are coming: the bar shows done out of the total known so far."""
        self.total += more
        if self._bar is not None:
            self._bar.update(self._task, total=self.total)

    def step(self, description: str = "") -> None:
        self.done += 1
        if self._bar is None:
            if time.monotonic() - self.started < self.delay or not sys.stderr.isatty():
                return
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
            )

            self._bar = Progress(TextColumn("{task.description}"), BarColumn(),
                                 MofNCompleteColumn(), TimeElapsedColumn(),
                                 console=Console(file=sys.stderr), transient=True)
            self._bar.start()
            self._task = self._bar.add_task(self.label, total=self.total or None)
        self._bar.update(self._task, completed=self.done, description=description[:60] or
                         self.label)

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        if self._bar is not None:
            self._bar.stop()
