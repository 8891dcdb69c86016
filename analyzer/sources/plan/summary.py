"""The plan's concurrency in words, for the report: what runs together inside each stage,
and which stages overlap ("T033 ∥ T034 in Phase 3", "Phase 4 ∥ Phase 5")."""

from __future__ import annotations

from analyzer.index import ResourceIndex

MAX_LINES = 20
_PARALLEL = "\u2225"


def concurrency_lines(index: ResourceIndex) -> list[str]:
    lines: list[str] = []
    members: dict[str, list[str]] = {}
    loose: list[str] = []
    for ws_id, ws in index.workstreams.items():
        if ws.timing.done:
            continue
        if ws.timing.stage in index.stages:
            members.setdefault(ws.timing.stage, []).append(ws_id)
        else:
            loose.append(ws_id)
    for key, stage in index.stages.items():
        ids = members.get(key, [])
        if not ids:
            continue
        if stage.inside == "sequence":
            lines.append(f"{stage.name}: {len(ids)} tasks, one after another")
            continue
        together = ids if stage.inside == "parallel" else [
            i for i in ids if index.workstreams[i].timing.marked]
        together = [i for i in together if not index.workstreams[i].timing.alone]
        if len(together) >= 2:
            shown = f" {_PARALLEL} ".join(together[:4]) + (" …" if len(together) > 4 else "")
            what = "together" if stage.inside == "parallel" else "marked parallel run together"
            lines.append(f"{stage.name}: {len(together)} of {len(ids)} tasks {what} ({shown})")
    keys = [k for k in index.stages if members.get(k)]
    for i, a in enumerate(keys):
        overlapping = [b for b in keys[i + 1:] if _stages_overlap(index, a, b)]
        if overlapping:
            names = [index.stages[k].name for k in overlapping[:6]]
            lines.append(f"{index.stages[a].name} {_PARALLEL} " + f" {_PARALLEL} ".join(names)
                         + (" …" if len(overlapping) > 6 else ""))
    if len(loose) >= 2:
        free = [i for i in loose if not index.workstreams[i].depends_on]
        lines.append(f"{len(loose)} tasks run as their dependencies allow"
                     + (f"; {len(free)} can start at once" if free else ""))
    alone = [i for i, ws in index.workstreams.items() if ws.timing.alone]
    if alone:
        lines.append(f"run alone: {', '.join(alone[:8])}")
    return lines[:MAX_LINES] + ([f"… {len(lines) - MAX_LINES} more"]
                                if len(lines) > MAX_LINES else [])


def _stages_overlap(index: ResourceIndex, a: str, b: str) -> bool:
    ancestry = index.stage_ancestry
    return a not in ancestry.get(b, set()) and b not in ancestry.get(a, set())
