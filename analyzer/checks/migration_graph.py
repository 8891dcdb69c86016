"""Walks over a migration graph given as child -> parents, for alembic and Django alike."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence


def roots_in_base(parents: Mapping[str, Sequence[str]], base: set[str] | Mapping[str, object],
                  start: str) -> set[str]:
    """The base nodes a new node grows from, walking down through new nodes only."""
    found: set[str] = set()
    stack, seen = [start], set()
    while stack:
        current = stack.pop()
        if current in seen:
            continue
        seen.add(current)
        for parent in parents.get(current, ()):
            if parent in base:
                found.add(parent)
            elif parent in parents:
                stack.append(parent)
    return found


def descendant_leaves(parents: Mapping[str, Sequence[str]], start: str) -> list[str]:
    """The leaves reachable upwards from start: where a chain that passed it ends now."""
    children: dict[str, list[str]] = defaultdict(list)
    for child, its_parents in parents.items():
        for parent in its_parents:
            children[parent].append(child)
    found, stack, seen = [], [start], set()
    while stack:
        current = stack.pop()
        if current in seen:
            continue
        seen.add(current)
        if not children[current]:
            found.append(current)
        stack += children[current]
    return sorted(found)


def attachments(parents: Mapping[str, Sequence[str]], base_parents: Mapping[str, Sequence[str]],
                start: str) -> set[str]:
    """The base nodes a new node really grows from: a merge migration that joins the base's
    current leaf and an older node it already descends from grows from the leaf alone."""
    roots = roots_in_base(parents, base_parents, start)
    if len(roots) < 2:
        return roots
    below: set[str] = set()
    for root in roots:
        below |= ancestors(base_parents, root)
    return roots - below


def ancestors(parents: Mapping[str, Sequence[str]], start: str) -> set[str]:
    found: set[str] = set()
    stack = list(parents.get(start, ()))
    while stack:
        current = stack.pop()
        if current not in found:
            found.add(current)
            stack += parents.get(current, ())
    return found
