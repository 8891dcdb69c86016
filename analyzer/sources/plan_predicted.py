"""A touch as a plan predicts it, before it becomes a workstream's `Touch`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple, TypeVar

from analyzer.model import Mode, Resource, Touch

# one task's text: its (line number, line) pairs and the files it declares outright
TaskText = tuple[list[tuple[int, str]], Sequence[tuple[str, Mode, int]]]


class PredictedTouch(NamedTuple):
    """A named tuple: a plan makes one per touch it predicts, tens of thousands in a large
    plan, and a tuple is the cheapest immutable value to make."""

    resource: Resource
    mode: Mode
    line: int
    text: str
    detail: str = ""


_T = TypeVar("_T", PredictedTouch, Touch)


def dedupe(touches: list[_T]) -> list[_T]:
    """One touch per resource and mode: the first line that shows it is the evidence."""
    first: dict[tuple[Resource, Mode], _T] = {}
    for touch in touches:
        first.setdefault((touch.resource, touch.mode), touch)
    return list(first.values())
