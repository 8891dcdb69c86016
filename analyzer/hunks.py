"""How two diffs of one file meet, measured on the lines of their common version."""

from __future__ import annotations

import bisect

from analyzer.model import Hunk


def gap(x: Hunk, y: Hunk) -> int:
    """Unchanged lines between two hunks: negative when they overlap, 0 when they touch.
    Two insertions at the same point count as overlapping."""
    if x.old_lines == 0 and y.old_lines == 0 and x.old_start == y.old_start:
        return -1
    x_end, y_end = x.old_start + x.old_lines, y.old_start + y.old_lines
    return max(x.old_start, y.old_start) - min(x_end, y_end)


def closest(a: tuple[Hunk, ...], b: tuple[Hunk, ...]) -> tuple[int, Hunk, Hunk] | None:
    """The nearest pair of hunks from two diffs, with their gap.

    The hunks of one diff are disjoint and ordered, so the nearest of b to a hunk x starts
    inside x's lines or is the neighbour on either side: a bisection per hunk, never every
    pair (two diffs of thousands of hunks each made 50 million comparisons)."""
    if not a or not b:
        return None
    ordered = sorted(b, key=lambda h: h.old_start)
    starts = [h.old_start for h in ordered]
    best: tuple[int, Hunk, Hunk] | None = None
    for x in a:
        low = bisect.bisect_left(starts, x.old_start)
        high = bisect.bisect_right(starts, x.old_start + x.old_lines)
        for y in ordered[max(0, low - 1):high + 1]:
            distance = gap(x, y)
            if best is None or distance < best[0]:
                best = (distance, x, y)
    return best


def relation(a: tuple[Hunk, ...], b: tuple[Hunk, ...]) -> str:
    """In words, for a report: where two diffs of one file meet."""
    nearest = closest(a, b)
    if nearest is None:
        return "whole-file changes"
    distance, x, y = nearest
    if distance < 0 and x.old_lines == 0 and y.old_lines == 0:
        return f"both insert after line {x.old_start}"
    if distance < 0:
        first = max(x.old_start, y.old_start)
        last = min(x.old_start + x.old_lines, y.old_start + y.old_lines) - 1
        return f"both change lines {first}-{max(first, last)}"
    if distance <= 1:
        return f"adjacent edits near line {min(x.old_start, y.old_start)}"
    return "far apart"
