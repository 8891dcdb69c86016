"""The resource index: resource -> the touches on it, and which workstreams can overlap in time.

Checks look only at resources that two or more workstreams touch, so the cost grows with the
number of touches, never with the square of the number of workstreams.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator, Sequence
from functools import cached_property
from pathlib import PurePosixPath

from analyzer.catalog import match_path
from analyzer.model import Kind, Resource, Stage, Touch, Workstream


class ResourceIndex:
    def __init__(self, workstreams: list[Workstream], stages: Sequence[Stage] = ()):
        self.workstreams = {ws.id: ws for ws in workstreams}
        self.stages = {stage.key: stage for stage in stages}
        self._writers: dict[Resource, list[Touch]] = {}
        self._shared: list[tuple[Resource, list[Touch]]] | None = None
        self.order = {ws.id: i for i, ws in enumerate(workstreams)}
        self.touches: dict[Resource, list[Touch]] = defaultdict(list)
        for ws in workstreams:
            if ws.timing.done:
                continue  # history, not parallel work: it collides with nothing
            for touch in ws.touches:
                self.touches[touch.resource].append(touch)

    def shared(self, *kinds: Kind) -> Iterator[tuple[Resource, list[Touch]]]:
        """Resources of these kinds that two or more workstreams write (computed once: every
        check asks, and the index does not change once built)."""
        if self._shared is None:
            self._shared = []
            for resource in self.touches:
                writers = self.writers(resource)
                if len(writers) >= 2 and not identical(writers):
                    self._shared.append((resource, writers))
        for resource, writers in self._shared:
            if not kinds or resource.kind in kinds:
                yield resource, list(writers)

    def writers(self, resource: Resource) -> list[Touch]:
        """The first write touch of each workstream on the resource, in plan order. When some
        of them may run at the same time, only those: a writer sequenced before or after all
        the others is not part of the collision."""
        if resource in self._writers:  # the index does not change: each resource once
            return list(self._writers[resource])
        first: dict[str, Touch] = {}
        for touch in self.touches.get(resource, ()):
            if touch.mode.writes:
                first.setdefault(touch.workstream, touch)
        writers = sorted(first.values(), key=lambda t: self.order[t.workstream])
        overlapping = set(self.concurrent_with_any([t.workstream for t in writers]))
        if len(overlapping) >= 2:
            writers = [t for t in writers if t.workstream in overlapping]
        self._writers[resource] = writers
        return writers

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
        return closure({ws_id: ws.depends_on for ws_id, ws in self.workstreams.items()})

    @cached_property
    def stage_ancestry(self) -> dict[str, set[str]]:
        return closure({key: stage.after for key, stage in self.stages.items()})

    def concurrent(self, a: str, b: str) -> bool:
        """Whether two workstreams may run at the same time, as their plan declares it: not
        done, not alone, no dependency path or declared conflict between them, and stages
        that overlap (the same stage when its tasks run together, or stages neither of which
        waits for the other)."""
        return a != b and self.why_concurrent(a, b) is not None

    def why_concurrent(self, a: str, b: str) -> str | None:
        """In words, why two workstreams may run at the same time; None when they may not."""
        if a == b:
            return None
        wa, wb = self.workstreams[a], self.workstreams[b]
        ta, tb = wa.timing, wb.timing
        if ta.done or tb.done or ta.alone or tb.alone:
            return None
        if b in self._ancestry[a] or a in self._ancestry[b]:
            return None
        if b in ta.not_with or a in tb.not_with:
            return None
        pair = f"{a} \u2225 {b}"
        sa, sb = self.stages.get(ta.stage or ""), self.stages.get(tb.stage or "")
        if sa is None or sb is None:
            return f"{pair}: neither waits for the other"
        if sa.key == sb.key:
            if sa.inside == "parallel":
                return f"{pair} in {sa.name}"
            if sa.inside == "marked" and ta.marked and tb.marked:
                return f"{pair} in {sa.name}, both marked parallel"
            return None
        if sa.key in self.stage_ancestry[sb.key] or sb.key in self.stage_ancestry[sa.key]:
            return None
        return f"{pair}: {sa.name} \u2225 {sb.name}"

    def first_overlap(self, ids: list[str]) -> str:
        """Why the first pair of these that may run at the same time may; "" if none may."""
        for i, a in enumerate(ids):
            for b in ids[i + 1:]:
                why = self.why_concurrent(a, b)
                if why:
                    return why
        return ""

    def concurrent_with_any(self, ids: list[str]) -> list[str]:
        """The ids that may run at the same time as at least one other id of the list."""
        return [a for a in ids if any(self.concurrent(a, b) for b in ids if b != a)]


def closure(edges: dict[str, tuple[str, ...]]) -> dict[str, set[str]]:
    """Transitive prerequisites of every node, iteratively (no recursion limit on long
    chains); prerequisites outside the graph and cycles are ignored."""
    memo: dict[str, set[str]] = {}
    for start in edges:
        if start in memo:
            continue
        stack: list[tuple[str, bool]] = [(start, False)]
        on_path: set[str] = set()
        while stack:
            node, expanded = stack.pop()
            if expanded:
                on_path.discard(node)
                result: set[str] = set()
                for dep in edges.get(node, ()):
                    if dep in edges and dep != node:
                        result.add(dep)
                        result |= memo.get(dep, set())
                memo[node] = result
                continue
            if node in memo or node in on_path:
                continue
            on_path.add(node)
            stack.append((node, True))
            stack.extend((d, False) for d in edges.get(node, ()) if d in edges and d not in memo
                         and d not in on_path)
    return memo


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
