"""Hunk geometry: what decides whether a pair of diffs is merged for real or skipped."""

from __future__ import annotations

import pytest

from analyzer.hunks import relation
from analyzer.model import Evidence, Hunk, Kind, Mode, Resource, Touch
from analyzer.sources.git_facts import may_conflict


def touch(*hunks: Hunk, detail: str = "modified") -> Touch:
    return Touch("w", Resource(Kind.FILE, "f.py"), Mode.WRITE, Evidence("f.py", 1, ""), detail,
                 hunks)


@pytest.mark.parametrize("a, b, words, suspicious", [
    (Hunk(2, 1, 2, 1), Hunk(2, 1, 2, 1), "both change lines 2-2", True),
    (Hunk(2, 3, 2, 3), Hunk(4, 2, 4, 2), "both change lines 4-4", True),
    (Hunk(10, 0, 11, 1), Hunk(10, 0, 11, 2), "both insert after line 10", True),
    (Hunk(2, 1, 2, 1), Hunk(3, 1, 3, 1), "adjacent edits near line 2", True),
    (Hunk(2, 1, 2, 1), Hunk(6, 1, 6, 1), "far apart", True),  # within the safety margin
    (Hunk(2, 1, 2, 1), Hunk(40, 1, 40, 1), "far apart", False),
])
def test_relation_and_whether_to_simulate(a, b, words, suspicious):
    assert relation((a,), (b,)) == words
    assert may_conflict(touch(a), touch(b)) is suspicious


def test_anything_but_a_plain_edit_is_always_simulated():
    far = (Hunk(2, 1, 2, 1),), (Hunk(40, 1, 40, 1),)
    for detail in ("added", "deleted", "binary", "untracked", "renamed from g.py"):
        assert may_conflict(touch(*far[0], detail=detail), touch(*far[1]))
    assert may_conflict(touch(), touch(*far[1]))  # no hunks known


def test_closest_matches_every_pair_on_random_diffs():
    """The bisection finds the gap a comparison of every pair finds."""
    import random

    from analyzer.hunks import closest, gap

    def diff(rng: random.Random) -> tuple[Hunk, ...]:
        hunks, position = [], 1
        for _ in range(rng.randint(0, 8)):
            position += rng.randint(0, 5)
            size = rng.randint(0, 4)
            hunks.append(Hunk(position, size, position, 1))
            position += size or 1
        return tuple(hunks)

    rng = random.Random(7)
    for _ in range(3000):
        a, b = diff(rng), diff(rng)
        every = min((gap(x, y) for x in a for y in b), default=None)
        found = closest(a, b)
        assert (found[0] if found else None) == every
