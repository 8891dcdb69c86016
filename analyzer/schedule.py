"""A proposed schedule: waves of tasks that can run together without high-risk collisions.

Two proposals are built and the shorter one is recommended: waves in which each high-risk
shared resource has one owner at a time, or a first setup wave that adds every dependency
and creates every migration, after which those resources no longer separate the tasks.
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from dataclasses import dataclass, field

from analyzer.errors import InputError
from analyzer.index import ResourceIndex
from analyzer.labels import describe
from analyzer.model import Finding, Kind, Risk, Severity

# Findings whose resource a single setup step can take over before the parallel work starts.
SETUP_RULES = {"CS201", "CS202", "CS303", "CS404"}


@dataclass
class Schedule:
    waves: list[list[str]]
    owners: dict[str, str] = field(default_factory=dict)  # resource -> workstream id
    setup: list[str] = field(default_factory=list)  # what the setup wave does; empty: none
    alternative: str = ""


def propose_schedule(index: ResourceIndex, findings: list[Finding],
                     plan_path: str = "") -> Schedule:
    blocking = [f for f in findings if f.risk is Risk.HIGH and f.severity is not Severity.NOTE]
    with_owners = _waves(index, blocking, plan_path)
    owners = {describe(f.resource): f.workstreams[0] for f in blocking
              if f.resource is not None and f.workstreams}
    remaining = [f for f in blocking if f.rule not in SETUP_RULES]
    setup_steps = _setup_steps(index, [f for f in blocking if f.rule in SETUP_RULES])
    if setup_steps:
        with_setup = _waves(index, remaining, plan_path)
        if len(with_setup) + 1 < len(with_owners):
            return Schedule(with_setup, {}, setup_steps,
                            f"without a setup wave: {len(with_owners)} waves, one owner for each "
                            "shared dependency file and migration chain")
        return Schedule(with_owners, owners, [],
                        f"with a setup wave that adds the dependencies and migrations first: "
                        f"1 + {len(with_setup)} waves")
    return Schedule(with_owners, owners)


def _setup_steps(index: ResourceIndex, findings: list[Finding]) -> list[str]:
    steps: list[str] = []
    packages = sorted({t.detail for ws in index.workstreams.values() for t in ws.touches
                       if t.resource.kind is Kind.DEPENDENCY and t.mode.writes})
    manifests = sorted({str(f.resource) for f in findings if f.rule == "CS201"})
    if manifests or packages:
        where = ", ".join(manifests) or "the manifest"
        steps.append(f"add {', '.join(packages) or 'the new dependencies'} to {where}")
    steps += [f"regenerate {f.resource} once (`{f.command}`)" for f in findings
              if f.rule == "CS202"]
    steps += [f"install them into the shared {f.resource}" for f in findings if f.rule == "CS404"]
    for finding in findings:
        if finding.rule == "CS303":
            tasks = ", ".join(f"'{index.workstreams[w].name}'" for w in finding.workstreams)
            where = describe(finding.resource) if finding.resource else "the migration chain"
            steps.append(f"create the {where} that {tasks} need, one after the other")
    return steps


def _waves(index: ResourceIndex, blocking: list[Finding], plan_path: str) -> list[list[str]]:
    """Greedy colouring in dependency order: each task takes the first wave after its
    prerequisites and its group's predecessors that holds none of its conflicts."""
    # Each blocking finding is a clique of workstreams: keep the waves each clique already
    # uses, so placing a task costs its cliques, not the square of their sizes.
    cliques_of: dict[str, list[int]] = defaultdict(list)
    for number, finding in enumerate(blocking):
        for ws_id in finding.workstreams:
            cliques_of[ws_id].append(number)
    clique_waves: dict[int, set[int]] = defaultdict(set)
    wave_of: dict[str, int] = {}
    groups = sorted({ws.group for ws in index.workstreams.values() if ws.group is not None})
    group_end: dict[int, int] = {}
    for ws_id in _topological(index, plan_path):
        ws = index.workstreams[ws_id]
        earliest = max((wave_of[d] + 1 for d in ws.depends_on if d in wave_of), default=0)
        if ws.group is not None:
            before = [group_end[g] for g in groups if g < ws.group and g in group_end]
            earliest = max(earliest, max(before, default=-1) + 1)
        taken = set().union(*(clique_waves[c] for c in cliques_of[ws_id]))
        wave = earliest
        while wave in taken:
            wave += 1
        wave_of[ws_id] = wave
        for clique in cliques_of[ws_id]:
            clique_waves[clique].add(wave)
        if ws.group is not None:
            group_end[ws.group] = max(group_end.get(ws.group, 0), wave)
    waves: list[list[str]] = [[] for _ in range(max(wave_of.values(), default=-1) + 1)]
    for ws_id in index.workstreams:
        waves[wave_of[ws_id]].append(ws_id)
    return [w for w in waves if w]


def _topological(index: ResourceIndex, plan_path: str) -> list[str]:
    """Dependency order; ties keep execution-group order, then plan order."""
    def priority(ws_id: str) -> tuple[int, int]:
        group = index.workstreams[ws_id].group
        return (group if group is not None else -1, index.order[ws_id])

    waiting = {ws_id: {d for d in ws.depends_on if d in index.workstreams}
               for ws_id, ws in index.workstreams.items()}
    dependants: dict[str, list[str]] = defaultdict(list)
    for ws_id, deps in waiting.items():
        for dep in deps:
            dependants[dep].append(ws_id)
    ready = [(priority(w), w) for w, deps in waiting.items() if not deps]
    heapq.heapify(ready)
    ordered: list[str] = []
    while ready:
        _, ws_id = heapq.heappop(ready)
        ordered.append(ws_id)
        for other in dependants[ws_id]:
            waiting[other].discard(ws_id)
            if not waiting[other]:
                heapq.heappush(ready, (priority(other), other))
    if len(ordered) < len(index.workstreams):
        stuck = [index.workstreams[w] for w in index.workstreams if w not in ordered]
        names = ", ".join(f"'{ws.name}' (line {ws.evidence.line})" for ws in stuck[:5])
        raise InputError(f"the declared dependencies form a cycle among {names}", plan_path)
    return ordered
