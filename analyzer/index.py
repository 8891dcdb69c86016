"""The resource index: resource -> the touches on it, and which workstreams can overlap in time.

Checks look only at resources that two or more workstreams touch, so the cost grows with the
number of touches, never with the square of the number of workstreams.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator
from functools import cached_property
from pathlib import PurePosixPath

from analyzer.catalog import match_path
from analyzer.model import Kind, Resource, Touch, Workstream


class ResourceIndex:
    def __init__(self, workstreams: list[Workstream]):
        self.workstreams = {ws.id: ws for ws in workstreams}
        self.order = {ws.id: i for i, ws in enumerate(workstreams)}
        self.touches: dict[Resource, list[Touch]] = defaultdict(list)
        for ws in workstreams:
            for touch in ws.touches:
                self.touches[touch.resource].append(touch)

    def shared(self, *kinds: Kind) -> Iterator[tuple[Resource, list[Touch]]]:
        """Resources of these kinds that two or more workstreams write."""
        for resource in self.touches:
            if kinds and resource.kind not in kinds:
                continue
            writers = self.writers(resource)
            if len(writers) >= 2 and not identical(writers):
                yield resource, writers

    def writers(self, resource: Resource) -> list[Touch]:
        """The first write touch of each workstream on the resource, in plan order."""
        first: dict[str, Touch] = {}
        for touch in self.touches.get(resource, ()):
            if touch.mode.writes:
                first.setdefault(touch.workstream, touch)
        return sorted(first.values(), key=lambda t: self.order[t.workstream])

    def of_kind(self, kind: Kind) -> Iterator[tuple[Resource, list[Touch]]]:
        for resource, touches in self.touches.items():
            if resource.kind is kind:
                yield resource, touches

    def area_overlaps(self) -> Iterator[tuple[Touch, Touch]]:
        """(area touch, touch inside it) pairs from different workstreams, by prefix lookup.

        Each area registers under its static prefix (the directory before any wildcard);
        each path then looks up its own ancestors, so no pair is compared blindly.
        """
        by_prefix: dict[str, list[Touch]] = defaultdict(list)
        for resource, touches in self.of_kind(Kind.AREA):
            for touch in touches:
                if touch.mode.writes:
                    by_prefix[_static_prefix(resource.key)].append(touch)
        if not by_prefix:
            return
        for resource, touches in self.touches.items():
            if resource.kind not in (Kind.FILE, Kind.AREA):
                continue
            for touch in touches:
                if not touch.mode.writes:
                    continue
                for ancestor in _ancestors(resource.key):
                    for area in by_prefix.get(ancestor, ()):
                        if (area.workstream != touch.workstream and area.resource != resource
                                and _area_contains(area.resource.key, resource.key)):
                            yield area, touch

    @cached_property
    def _ancestry(self) -> dict[str, set[str]]:
        """Every workstream's transitive prerequisites."""
        memo: dict[str, set[str]] = {}

        def visit(ws_id: str, trail: frozenset[str]) -> set[str]:
            if ws_id in memo:
                return memo[ws_id]
            result: set[str] = set()
            for dep in self.workstreams[ws_id].depends_on:
                if dep in self.workstreams and dep not in trail:
                    result |= {dep} | visit(dep, trail | {dep})
            memo[ws_id] = result
            return result

        for ws_id in self.workstreams:
            visit(ws_id, frozenset({ws_id}))
        return memo

    def concurrent(self, a: str, b: str) -> bool:
        """Whether two workstreams may run at the same time: no dependency path and no
        execution groups that put them one after the other."""
        if a == b:
            return False
        if b in self._ancestry[a] or a in self._ancestry[b]:
            return False
        ga, gb = self.workstreams[a].group, self.workstreams[b].group
        return ga is None or gb is None or ga == gb

    def any_concurrent(self, ids: list[str]) -> bool:
        return any(self.concurrent(a, b) for i, a in enumerate(ids) for b in ids[i + 1:])


def identical(touches: list[Touch]) -> bool:
    """The same content written by every one: a branch stacked on another repeats its
    changes, and the same change twice merges into one."""
    blobs = {t.blob for t in touches}
    return len(blobs) == 1 and "" not in blobs


def _static_prefix(pattern: str) -> str:
    """`src/auth/` -> `src/auth/`; `src/**/test_*.py` -> `src/`."""
    head = re.split(r"[*?\[{]", pattern, maxsplit=1)[0]
    return head if head.endswith("/") or "/" not in head else head.rsplit("/", 1)[0] + "/"


def _ancestors(path: str) -> Iterator[str]:
    """The directory prefixes of a path, with trailing slashes; the root is ""."""
    parts = PurePosixPath(path.rstrip("/")).parts
    yield ""
    for i in range(1, len(parts) + (1 if path.endswith("/") else 0)):
        yield "/".join(parts[:i]) + "/"


def _area_contains(area: str, path: str) -> bool:
    if area.endswith("/"):
        return path.startswith(area) and path != area
    return match_path(path.rstrip("/"), area)
