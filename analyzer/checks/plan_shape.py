"""CS5xx: the shape of the plan: feature-sliced tasks, tasks with no scope."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import replace

from analyzer.engine import CheckContext
from analyzer.model import Finding, Kind, Touch
from analyzer.shared_paths import is_env_file, is_lockfile, is_manifest, path_parts

FEATURE_SLICE_AREAS = 3


def area_of(touch: Touch) -> str | None:
    """The layer a write lands in: dependencies, migrations, config, or a module."""
    kind, key = touch.resource.kind, touch.resource.key
    if kind is Kind.DEPENDENCY:
        return "dependencies"
    if kind is Kind.MIGRATION:
        return "migrations"
    if kind not in (Kind.FILE, Kind.AREA):
        return None
    if is_manifest(key) or is_lockfile(key):
        return "dependencies"
    if is_env_file(key):
        return "config"
    parts = [p for p in path_parts(key.rstrip("/")) if p != "src"]
    if "migrations" in parts or "versions" in parts:
        return "migrations"
    head = parts[:2]
    if head:
        head[-1] = _stem(head[-1]) if "*" not in head[-1] else head[-1]
    return "/".join(head) or None


def _stem(name: str) -> str:
    """PurePosixPath(name).stem for one plain component, without building a path."""
    if "/" in name:  # the root of an absolute path
        return ""
    dot = name.rfind(".")
    return name[:dot] if 0 < dot < len(name) - 1 else name


def feature_sliced(ctx: CheckContext) -> Iterator[Finding]:
    """Tasks that meet other tasks in three or more layers *without* sharing a file there:
    where they share the file itself, the file, dependency and migration findings already say
    so, and this finding would only repeat them."""
    areas_of: dict[str, dict[str, Touch]] = defaultdict(dict)
    writers_of: dict[str, int] = defaultdict(int)  # area -> its writers, as a bitset
    index = ctx.index
    in_overlaps = {t.resource for pair in index.area_overlaps() for t in pair}
    for ws in index.workstreams.values():
        if ws.origin != "task":
            continue  # a plan's shape; a branch's diff is what it is
        bit = index.bits([ws.id])
        for touch in ws.touches:
            # (the cheap questions first: a file another task writes has its own finding)
            if not touch.mode.writes or (in_overlaps and touch.resource in in_overlaps) \
                    or _reported(ctx, touch):
                continue
            area = area_of(touch)
            if area:
                areas_of[ws.id].setdefault(area, touch)
                writers_of[area] |= bit
    sliced: dict[str, dict[str, Touch]] = {}
    for ws_id, areas in areas_of.items():
        # only tasks that may run beside this one make a layer shared
        beside = ctx.index.beside(ws_id)
        shared = {a: t for a, t in areas.items() if beside & writers_of[a]}
        if len(shared) >= FEATURE_SLICE_AREAS:
            sliced[ws_id] = shared
    if not sliced:
        return
    # one finding for the plan: the same advice repeated per task would only add noise
    described = "; ".join(f"'{ctx.name(ws_id)}' writes {', '.join(sorted(shared))}"
                          for ws_id, shared in sliced.items())
    all_areas = sorted({a for shared in sliced.values() for a in shared})
    names = " and ".join(f"'{ctx.name(ws_id)}'" for ws_id in sliced)
    yield ctx.finding(
        "CS501", [t for shared in sliced.values() for t in shared.values()],
        f"{len(sliced)} {'task is' if len(sliced) == 1 else 'tasks are'} sliced by feature "
        f"across {FEATURE_SLICE_AREAS} or more areas that other tasks write too: {described}",
        merge_time=False, areas=", ".join(all_areas), name=names,
    )


def _reported(ctx: CheckContext, touch: Touch) -> bool:
    """Whether another workstream writes this very resource: then a finding names it."""
    if touch.resource.kind is Kind.DEPENDENCY:
        return True  # the manifest that carries it is the shared resource
    return ctx.index.written_by_another(touch)


def no_file_scope(ctx: CheckContext) -> Iterator[Finding]:
    if len(ctx.index.workstreams) < 2:
        return
    unscoped = [ws for ws in ctx.index.workstreams.values()
                if ws.origin == "task" and not ws.touches]
    if len(unscoped) >= _ONE_NOTE_FROM:
        # a plan that mostly names no files: one note for the plan, not one per task
        names = ", ".join(f"'{ws.name}'" for ws in unscoped)
        finding = ctx.finding(
            "CS502", [], f"{len(unscoped)} of {len(ctx.index.workstreams)} tasks name no file, "
            f"command or resource they will touch: {names}", merge_time=False, name=names,
        )
        yield replace(finding, workstreams=tuple(ws.id for ws in unscoped),
                      evidence=tuple(ws.evidence for ws in unscoped),
                      evidence_of=tuple(ws.id for ws in unscoped))
        return
    for ws in unscoped:
        yield ctx.finding(
            "CS502", [], f"'{ws.name}' names no file, command or resource it will touch",
            merge_time=False, subject=ws, name=f"'{ws.name}'",
        )


_ONE_NOTE_FROM = 3


CHECKS = [feature_sliced, no_file_scope]
