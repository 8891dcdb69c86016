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
    left_out: list[str] = field(default_factory=list)  # done tasks: no wave


def propose_schedule(index: ResourceIndex, findings: list[Finding],
                     plan_path: str = "") -> Schedule:
    schedule = _propose(index, findings, plan_path)
    schedule.left_out = _left_out(index)
    return schedule


def _propose(index: ResourceIndex, findings: list[Finding], plan_path: str) -> Schedule:
    blocking = [f for f in findings if f.risk is Risk.HIGH and f.severity is not Severity.NOTE]
    # both proposals place the tasks in the same order: the graph and its order are made once
    graph = _prerequisites(index)
    order = _topological(index, graph, plan_path)
    with_owners = _waves(index, blocking, graph, order)
    owners = {describe(f.resource): f.workstreams[0] for f in blocking
              if f.resource is not None and f.workstreams}
    remaining = [f for f in blocking if f.rule not in SETUP_RULES]
    setup_steps = _setup_steps(index, [f for f in blocking if f.rule in SETUP_RULES])
    if setup_steps:
        with_setup = _waves(index, remaining, graph, order)
        if len(with_setup) + 1 < len(with_owners):
            return Schedule(with_setup, {}, setup_steps,
                            f"without a setup wave: {len(with_owners)} waves, one owner for each "
                            "shared dependency file and migration chain")
        return Schedule(with_owners, owners, [],
                        f"with a setup wave that adds the dependencies and migrations first: "
                        f"1 + {len(with_setup)} waves")
    return Schedule(with_owners, owners)


def _left_out(index: ResourceIndex) -> list[str]:
    return [ws_id for ws_id, ws in index.workstreams.items() if ws.timing.done]


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


def _waves(index: ResourceIndex, blocking: list[Finding], graph: dict[str, list[str]],
           order: list[str]) -> list[list[str]]:
    """Greedy colouring in the plan's own order: each task takes the first wave after its
    prerequisites (dependencies, earlier stages, earlier tasks of a sequential stage, the
    marked tasks of its stage when it is unmarked) that holds none of its conflicts. Tasks
    that run alone get a wave of their own; done tasks get none."""
    # Each blocking finding (and each declared conflict) is a clique of workstreams: keep the
    # waves each clique already uses, so placing a task costs its cliques, not their square.
    cliques = [list(f.workstreams) for f in blocking]
    cliques += [[ws.id, other] for ws in index.workstreams.values()
                for other in ws.timing.not_with]
    cliques_of: dict[str, list[int]] = defaultdict(list)
    for number, members in enumerate(cliques):
        for ws_id in members:
            cliques_of[ws_id].append(number)
    clique_waves: dict[int, set[int]] = defaultdict(set)
    ready: dict[str, int] = {}  # node -> the first wave in which what follows it may run
    wave_of: dict[str, int] = {}
    used: dict[int, int] = defaultdict(int)
    exclusive: set[int] = set()
    for node in order:
        prerequisites = graph[node]
        earliest = max((ready[p] for p in prerequisites if p in ready),
                       default=0) if prerequisites else 0
        ws = index.workstreams.get(node)
        if ws is None:  # a stage boundary
            ready[node] = earliest
            continue
        # (most tasks are in no clique: no set to build)
        taken = set().union(*(clique_waves[c] for c in cliques_of[node])) \
            if node in cliques_of else set()
        wave = earliest
        while wave in taken or wave in exclusive or (ws.timing.alone and used[wave]):
            wave += 1
        wave_of[node] = wave
        used[wave] += 1
        if ws.timing.alone:
            exclusive.add(wave)
        for clique in cliques_of[node]:
            clique_waves[clique].add(wave)
        ready[node] = wave + 1
    waves: list[list[str]] = [[] for _ in range(max(wave_of.values(), default=-1) + 1)]
    for ws_id in index.workstreams:
        if ws_id in wave_of:
            waves[wave_of[ws_id]].append(ws_id)
    return [w for w in waves if w]


def _prerequisites(index: ResourceIndex) -> dict[str, list[str]]:
    """What must finish before each task (and each stage boundary) may start. Stage
    boundaries are nodes of their own ("start:S", "end:S", "marked:S"), so a stage after a
    stage costs one edge per task, not one per pair of tasks."""
    graph: dict[str, list[str]] = {}
    members: dict[str, list[str]] = defaultdict(list)
    open_work = [ws for ws in index.workstreams.values() if not ws.timing.done]
    for ws in open_work:
        if ws.timing.stage in index.stages:
            members[ws.timing.stage].append(ws.id)
    for key, stage in index.stages.items():
        graph[f"start:{key}"] = [f"end:{a}" for a in stage.after if a in index.stages]
        graph[f"end:{key}"] = [f"start:{key}", *members[key]]
        graph[f"marked:{key}"] = [f"start:{key}"] + [
            m for m in members[key] if index.workstreams[m].timing.marked]
    previous: dict[str, str] = {}  # task -> the task its stage runs it after
    for key, each in index.stages.items():
        last = ""
        for ws_id in members[key]:
            marked = index.workstreams[ws_id].timing.marked
            if each.inside == "sequence" or (each.inside == "marked" and not marked):
                if last:
                    previous[ws_id] = last
                last = ws_id
    for ws in open_work:
        prereqs = [d for d in ws.depends_on
                   if d in index.workstreams and not index.workstreams[d].timing.done]
        own = index.stages.get(ws.timing.stage or "")
        if own is not None:
            prereqs.append(f"start:{own.key}")
            if own.inside == "marked" and not ws.timing.marked:
                prereqs.append(f"marked:{own.key}")
            prereqs += [previous[ws.id]] if ws.id in previous else []
        graph[ws.id] = prereqs
    return graph


def _topological(index: ResourceIndex, graph: dict[str, list[str]],
                 plan_path: str) -> list[str]:
    """Prerequisites first; ties keep plan order (stage boundaries as soon as they can)."""
    def priority(node: str) -> tuple[int, int]:
        ws = index.workstreams.get(node)
        return (1, index.order[node]) if ws is not None else (0, 0)

    waiting = {node: set(prereqs) for node, prereqs in graph.items()}
    dependants: dict[str, list[str]] = defaultdict(list)
    for node, prereqs in waiting.items():
        for prereq in prereqs:
            dependants[prereq].append(node)
    ready = [(priority(n), n) for n, prereqs in waiting.items() if not prereqs]
    heapq.heapify(ready)
    ordered: list[str] = []
    while ready:
        _, node = heapq.heappop(ready)
        ordered.append(node)
        for other in dependants[node]:
            waiting[other].discard(node)
            if not waiting[other]:
                heapq.heappush(ready, (priority(other), other))
    if len(ordered) < len(graph):
        placed = set(ordered)
        stuck = [index.workstreams[n] for n in graph if n not in placed and n in index.workstreams]
        names = ", ".join(f"'{ws.name}' (line {ws.evidence.line})" for ws in stuck[:5])
        raise InputError(f"the declared dependencies form a cycle among {names}", plan_path)
    return ordered
