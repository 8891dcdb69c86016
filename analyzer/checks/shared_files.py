"""CS1xx: files and scopes that several workstreams write."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import replace

from analyzer.engine import CheckContext
from analyzer.model import Finding, Kind, Resource, Risk, Touch
from analyzer.shared_paths import is_env_file, is_lockfile, is_manifest
from analyzer.sources.plan_sweeps import WHOLE_AREA

_NAMED_FILES = 3  # up to this many files inside an area get a finding each


def same_file_written(ctx: CheckContext) -> Iterator[Finding]:
    if ctx.git is not None:
        return  # diffs are merged for real: CS103 and CS104 say more
    for resource, writers in ctx.index.shared(Kind.FILE):
        path = resource.key
        if is_manifest(path) or is_lockfile(path) or is_env_file(path):
            continue  # the dependency and environment rules say more about these
        pattern = ctx.catalog.shared_file(path)
        why = f" ({pattern.why})" if pattern else ""
        finding = ctx.finding(
            "CS101", writers,
            f"{path} is written by {len(writers)} workstreams: {ctx.names(writers)}{why}",
            resource, risk=pattern.risk if pattern else Risk.MEDIUM,
        )
        yield replace(finding, mitigation=pattern.fix) if pattern and pattern.fix else finding


def overlapping_scopes(ctx: CheckContext) -> Iterator[Finding]:
    inside: dict[Resource, list[tuple[Touch, Touch]]] = defaultdict(list)
    for area, touch in ctx.index.area_overlaps():
        inside[area.resource].append((area, touch))
    # as for a shared file: when some writers inside may run beside the area's tasks, only
    # those; writers sequenced before or after them are no part of the collision
    beside = {resource: [(a, t) for a, t in pairs
                         if ctx.index.concurrent(a.workstream, t.workstream)]
              for resource, pairs in inside.items()}
    shared = dict(ctx.index.shared(Kind.AREA))
    for resource, writers in shared.items():
        if beside.get(resource):
            continue  # said once below, with the files written inside it
        # the same whole directory written by several: no longer a question of which files
        yield ctx.finding(
            "CS102", writers,
            f"{resource.key} is in the scope of {len(writers)} workstreams: {ctx.names(writers)}",
            resource, risk=Risk.MEDIUM,
        )
    for resource, pairs in inside.items():
        if not beside[resource] and resource in shared:
            continue  # the area's own writers collide: said above
        pairs = beside[resource] or pairs
        # the area's own writers, when they may run together, are part of it too
        own = shared.get(resource, [])
        overlapping = set(ctx.index.concurrent_with_any([w.workstream for w in own]))
        together = [w for w in own if w.workstream in overlapping]
        areas = list({a.workstream: a for a in [*together, *(a for a, _ in pairs)]}.values())
        touches = list({(t.workstream, t.resource): t for _, t in pairs}.values())
        scope = f"{resource.key} ({ctx.names(areas)})"
        # "all files in src/api/**" is certain to reach each file inside; "owns src/api/" may not
        certain = bool(together) or any(a.detail == WHOLE_AREA for a in areas)
        risk = Risk.MEDIUM if certain else None
        files = sorted({t.resource.key for t in touches if t.resource.kind is Kind.FILE})
        if files and len(files) <= _NAMED_FILES:
            # a few files inside: each is the resource at risk, named in the user's own path
            for path in files:
                writers = list({t.workstream: t for t in touches
                                if t.resource.key == path}.values())
                yield ctx.finding(
                    "CS102", [*areas, *writers],
                    f"{path} is written by {ctx.names(writers)} and, as part of {scope}, by "
                    f"{ctx.names(areas)}", writers[0].resource, risk=risk,
                )
            touches = [t for t in touches if t.resource.kind is not Kind.FILE]
            if not touches:
                continue
        others = list({t.workstream: t for t in touches}.values())
        paths = sorted({t.resource.key for t in touches})
        shown = ", ".join(paths[:3]) + (f" and {len(paths) - 3} more" if len(paths) > 3 else "")
        yield ctx.finding(
            "CS102", [*areas, *others],
            f"{scope} contains {shown}, written by {ctx.names(others)}", resource, risk=risk,
        )


CHECKS = [same_file_written, overlapping_scopes]
