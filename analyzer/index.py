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
        self._area_overlaps: list[tuple[Touch, Touch]] | None = None
        self.order = {ws.id: i for i, ws in enumerate(workstreams)}
        self._beside: dict[str, int] = {}  # workstream -> who may run beside it, once asked
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
            for resource, touches in self.touches.items():
                if len(touches) < 2:
                    continue  # most resources: one touch, one writer at most
                writers = self._writers_of(resource)
                if len(writers) >= 2 and not identical(writers):
                    self._shared.append((resource, writers))
        for resource, writers in self._shared:
            if not kinds or resource.kind in kinds:
                yield resource, list(writers)

    def writers(self, resource: Resource) -> list[Touch]:
        """The first write touch of each workstream on the resource, in plan order. When some
        of them may run at the same time, only those: a writer sequenced before or after all
        the others is not part of the collision."""
        return list(self._writers_of(resource))

    def _writers_of(self, resource: Resource) -> list[Touch]:
        """writers(), computed once per resource and shared: callers must not change it."""
        known = self._writers.get(resource)
        if known is not None:
            return known
        touches = self.touches.get(resource, ())
        if len(touches) == 1:  # most resources: the list is that touch when it writes
            writers = [touches[0]] if touches[0].mode.writes else []
            self._writers[resource] = writers
            return writers
        first: dict[str, Touch] = {}
        for touch in touches:
            if touch.mode.writes:
                first.setdefault(touch.workstream, touch)
        writers = list(first.values())
        if len(writers) >= 2:  # one writer overlaps nothing: the list stays as it is
            writers.sort(key=lambda t: self.order[t.workstream])
            overlapping = set(self.concurrent_with_any([t.workstream for t in writers]))
            if len(overlapping) >= 2:
                writers = [t for t in writers if t.workstream in overlapping]
        self._writers[resource] = writers
        return writers

    def written_by_another(self, touch: Touch) -> bool:
        """Whether a workstream other than the touch's own writes its resource (and, when
        some of them may overlap in time, is one of those)."""
        touches = self.touches.get(touch.resource)
        if touches is not None and len(touches) == 1 and touches[0] is touch:
            return False  # most resources: this touch alone
        return any(t.workstream != touch.workstream for t in self._writers_of(touch.resource))

    def of_kind(self, kind: Kind) -> Iterator[tuple[Resource, list[Touch]]]:
        for resource, touches in self.touches.items():
            if resource.kind is kind:
                yield resource, touches

    def area_overlaps(self) -> Iterator[tuple[Touch, Touch]]:
        """(area touch, touch inside it) pairs from different workstreams (found once: two
        checks ask, and the index does not change once built)."""
        if self._area_overlaps is None:
            self._area_overlaps = list(self._find_area_overlaps())
        return iter(self._area_overlaps)

    def _find_area_overlaps(self) -> Iterator[tuple[Touch, Touch]]:
        """area_overlaps(), by prefix lookup.

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
    def _bit(self) -> dict[str, int]:
        """Each workstream's bit, in plan order: sets of workstreams are Python ints, so "which
        of these may run beside this one" is a few machine-word operations per 64 tasks."""
        return {ws_id: 1 << i for i, ws_id in enumerate(self.workstreams)}

    @cached_property
    def _ancestry(self) -> dict[str, int]:
        """Every workstream's transitive prerequisites, as a bitset."""
        return closure_bits({ws_id: ws.depends_on for ws_id, ws in self.workstreams.items()},
                            self._bit)

    @cached_property
    def _descendants(self) -> dict[str, int]:
        """Every workstream's transitive dependants: b is in a's when a is in b's ancestry."""
        edges = {ws_id: ws.depends_on for ws_id, ws in self.workstreams.items()}
        if not _acyclic(edges):  # the transpose, bit by bit (a cycle is an error later on)
            by_bit = {bit: ws_id for ws_id, bit in self._bit.items()}
            result = dict.fromkeys(self.workstreams, 0)
            for ws_id, bits in self._ancestry.items():
                while bits:
                    low = bits & -bits
                    result[by_bit[low]] |= self._bit[ws_id]
                    bits ^= low
            return result
        dependants: dict[str, list[str]] = {ws_id: [] for ws_id in edges}
        for ws_id, deps in edges.items():
            for dep in dict.fromkeys(deps):
                if dep in edges and dep != ws_id:
                    dependants[dep].append(ws_id)
        return closure_bits({k: tuple(v) for k, v in dependants.items()}, self._bit)

    @cached_property
    def stage_ancestry(self) -> dict[str, set[str]]:
        return closure({key: stage.after for key, stage in self.stages.items()})

    @cached_property
    def _stage_members(self) -> dict[str, tuple[int, int]]:
        """Each stage's (members, marked members) as bitsets; tasks of unknown stages are in
        none."""
        members = dict.fromkeys(self.stages, 0)
        marked = dict.fromkeys(self.stages, 0)
        for ws_id, ws in self.workstreams.items():
            stage = ws.timing.stage
            if stage in members:
                members[stage] |= self._bit[ws_id]
                if ws.timing.marked:
                    marked[stage] |= self._bit[ws_id]
        return {key: (members[key], marked[key]) for key in self.stages}

    @cached_property
    def _stage_related(self) -> dict[str, int]:
        """The members of every other stage that waits for a stage or that it waits for."""
        ancestry = self.stage_ancestry
        result = {}
        for key in self.stages:
            related = {k for k in self.stages if k != key and (k in ancestry[key]
                                                               or key in ancestry[k])}
            bits = 0
            for other in related:
                bits |= self._stage_members[other][0]
            result[key] = bits
        return result

    @cached_property
    def _open(self) -> int:
        """The workstreams that may run beside anything: not done, not alone."""
        bits = 0
        for ws_id, ws in self.workstreams.items():
            if not (ws.timing.done or ws.timing.alone):
                bits |= self._bit[ws_id]
        return bits

    @cached_property
    def _declared_apart(self) -> dict[str, int]:
        """Declared conflicts, both ways: a names b, or b names a."""
        result = dict.fromkeys(self.workstreams, 0)
        for ws_id, ws in self.workstreams.items():
            for other in ws.timing.not_with:
                if other in result:
                    result[ws_id] |= self._bit[other]
                    result[other] |= self._bit[ws_id]
        return result

    def beside(self, a: str) -> int:
        """The bitset of workstreams that may run at the same time as `a` (see
        why_concurrent for the rules, which this answers for all pairs of `a` at once)."""
        cached = self._beside.get(a)
        if cached is not None:
            return cached
        bit = self._bit[a]
        timing = self.workstreams[a].timing
        bits = 0
        if self._open & bit:
            bits = self._open & ~bit & ~self._ancestry[a] & ~self._descendants[a] \
                & ~self._declared_apart[a]
            stage = self.stages.get(timing.stage or "")
            if stage is not None:
                bits &= ~self._stage_related[stage.key]
                members, marked = self._stage_members[stage.key]
                if stage.inside == "marked" and timing.marked:
                    bits &= ~(members & ~marked)
                elif stage.inside != "parallel":
                    bits &= ~members
        self._beside[a] = bits
        return bits

    def bits(self, ids: list[str]) -> int:
        """The bitset of these workstreams."""
        result = 0
        for ws_id in ids:
            result |= self._bit[ws_id]
        return result

    def concurrent(self, a: str, b: str) -> bool:
        """Whether two workstreams may run at the same time, as their plan declares it: not
        done, not alone, no dependency path or declared conflict between them, and stages
        that overlap (the same stage when its tasks run together, or stages neither of which
        waits for the other)."""
        return a != b and bool(self.beside(a) & self._bit[b])

    def why_concurrent(self, a: str, b: str) -> str | None:
        """In words, why two workstreams may run at the same time; None when they may not."""
        if a == b:
            return None
        wa, wb = self.workstreams[a], self.workstreams[b]
        ta, tb = wa.timing, wb.timing
        if ta.done or tb.done or ta.alone or tb.alone:
            return None
        if self._ancestry[a] & self._bit[b] or self._ancestry[b] & self._bit[a]:
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
        after = [0] * (len(ids) + 1)  # after[i]: the bits of ids[i:]
        for i in range(len(ids) - 1, -1, -1):
            after[i] = after[i + 1] | self._bit[ids[i]]
        for i, a in enumerate(ids):
            candidates = self.beside(a) & after[i + 1]
            if not candidates:
                continue
            for b in ids[i + 1:]:
                if candidates & self._bit[b]:
                    why = self.why_concurrent(a, b)
                    if why:
                        return why
        return ""

    def concurrent_with_any(self, ids: list[str]) -> list[str]:
        """The ids that may run at the same time as at least one other id of the list."""
        every = self.bits(ids)
        return [a for a in ids if self.beside(a) & every]


def closure_bits(edges: dict[str, tuple[str, ...]], bit: dict[str, int]) -> dict[str, int]:
    """Transitive prerequisites as bitsets (closure() names them): a depth-first walk that
    never copies a set per node along a long chain; cycles are cut where the walk meets them."""
    memo: dict[str, int] = {}
    for start in edges:
        if start in memo:
            continue
        if not edges[start]:
            memo[start] = 0  # no prerequisite at all: most tasks of most plans
            continue
        stack: list[tuple[str, bool]] = [(start, False)]
        on_path: set[str] = set()
        while stack:
            node, expanded = stack.pop()
            if expanded:
                on_path.discard(node)
                result = 0
                for dep in edges.get(node, ()):
                    if dep in edges and dep != node:
                        result |= bit[dep] | memo.get(dep, 0)
                memo[node] = result
                continue
            if node in memo or node in on_path:
                continue
            on_path.add(node)
            stack.append((node, True))
            stack.extend((d, False) for d in edges.get(node, ()) if d in edges and d not in memo
                         and d not in on_path)
    return memo


def _acyclic(edges: dict[str, tuple[str, ...]]) -> bool:
    """No cycle among the edges inside the graph (self-edges ignored, as closure() does)."""
    waiting = {node: {d for d in deps if d in edges and d != node}
               for node, deps in edges.items()}
    dependants: dict[str, list[str]] = defaultdict(list)
    for node, deps in waiting.items():
        for dep in deps:
            dependants[dep].append(node)
    ready = [node for node, deps in waiting.items() if not deps]
    seen = 0
    while ready:
        node = ready.pop()
        seen += 1
        for other in dependants[node]:
            waiting[other].discard(node)
            if not waiting[other]:
                ready.append(other)
    return seen == len(edges)


def closure(edges: dict[str, tuple[str, ...]]) -> dict[str, set[str]]:
    """Transitive prerequisites of every node, iteratively (no recursion limit on long
    chains); prerequisites outside the graph and cycles are ignored. The walk is
    closure_bits'; this names its bits."""
    names = list(edges)
    bits = closure_bits(edges, {name: 1 << i for i, name in enumerate(names)})
    result: dict[str, set[str]] = {}
    for node in edges:
        members, mask = set(), bits.get(node, 0)
        while mask:
            low = mask & -mask
            members.add(names[low.bit_length() - 1])
            mask ^= low
        result[node] = members
    return result


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
