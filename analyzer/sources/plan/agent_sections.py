"""Agent, track, lane and session plans: one unit of parallel work per named agent.

`#### Agent 1: Security`, `### Agent A1 - MLOps`, `## BACKEND SESSION`, `- Agent B (…)`
with an "owns:" list; `### Track A` with `#### A1:` items (tracks run in parallel, the items
of a track in order). Agents run at the same time unless a dependency is stated ("Needs Agent
2", "PR Target: main (after Agent 1, 2 merged)"); a phase heading orders the agents under it
only when they state no dependencies of their own.
"""

from __future__ import annotations

import re

from analyzer.model import Mode
from analyzer.sources.plan.common import (
    assign_stages,
    dependency_refs,
    owned_files,
    phase_headings,
    plain,
)
from analyzer.sources.plan.document import Block, Document
from analyzer.sources.plan.model import DeclaredFile, Plan, PlanStage, PlanTask

SHAPE = "agents"
DESCRIPTION = "agent sections"

_WORD = (r"(?:agent|track|lane|session|worker|squad|workstream|stream|swimlane|developer|dev|"
         r"engineer|team|pod|worktree|terminal)")
_NAMED = re.compile(rf"^\W{{0,3}}({_WORD})[\s_-]{{1,3}}#?([A-Z]?\d{{1,3}}[a-z]?|[A-Z])(?![\w])",
                    re.IGNORECASE)
_SUFFIXED = re.compile(r"^\W{0,3}([A-Z][A-Z0-9&/ _-]{1,30}?)\s+(SESSION|AGENT|LANE|TRACK)\b")
_TRACK_ITEM = re.compile(r"^\W{0,3}([A-Z]{1,2}\d{1,3}(?:\.\d{1,2})?)\s{0,3}[:.)–—-]\s*")
_MAYBE = re.compile(  # a cheap look before the full parse
    rf"^\W{{0,6}}(?:{_WORD}|[A-Z][A-Z0-9&/ _-]{{1,30}}?\s+(?:SESSION|AGENT|LANE|TRACK))\b",
    re.IGNORECASE)
_MERGE_ORDER = re.compile(r"\bmerge (?:order|sequence|queue)\b", re.IGNORECASE)


def agent_id(text: str) -> str | None:
    """"Agent 1: Security" -> "Agent 1"; "Agent A1 - MLOps" -> "A1"; "BACKEND SESSION" ->
    "BACKEND SESSION"."""
    if not _MAYBE.match(text[:80]):
        return None
    cleaned = plain(text)
    named = _NAMED.match(cleaned)
    if named:
        token = named.group(2)
        if re.fullmatch(r"[A-Z]{1,2}\d{1,3}", token):
            return token  # already an id of its own
        return f"{named.group(1).capitalize()} {token.upper() if token.isalpha() else token}"
    suffixed = _SUFFIXED.match(cleaned)
    if suffixed:
        return f"{suffixed.group(1).strip()} {suffixed.group(2)}"
    return None


def _agent_headings(doc: Document) -> list[tuple[Block, str]]:
    found = [(h, agent_id(h.text)) for h in doc.headings]
    return [(h, i) for h, i in found if i is not None]


def _agent_items(doc: Document) -> dict[str, list[Block]]:
    """Top-level list items that start with an agent's name, grouped by agent."""
    skip = [doc.section_of(h) for h in doc.headings if _MERGE_ORDER.search(h.text)]
    grouped: dict[str, list[Block]] = {}
    for block in doc.blocks:
        if block.kind != "item" or block.level != 1:
            continue
        if any(start <= block.start < end for start, end in skip):
            continue
        ident = agent_id(block.text)
        if ident:
            grouped.setdefault(ident, []).append(block)
    return grouped


def score(doc: Document) -> tuple[float, str]:
    if doc.structured:
        return 0.0, ""
    headings = _agent_headings(doc)
    distinct = {i for _, i in headings}
    if len(distinct) >= 2:
        return 0.85, f"{len(distinct)} agents, tracks or sessions have headings " \
                     f"(\"{plain(headings[0][0].text)[:40]}\")"
    items = _agent_items(doc)
    if len(items) >= 2:
        return 0.7, f"{len(items)} list items name an agent or lane (\"{next(iter(items))}\")"
    return 0.0, ""


def read(doc: Document) -> Plan:
    headings = _agent_headings(doc)
    if len({i for _, i in headings}) >= 2:
        return _read_headings(doc, headings)
    return _read_items(doc)


def _read_headings(doc: Document, headings: list[tuple[Block, str]]) -> Plan:
    """One task per agent; an agent named by several headings (an assignment list, then
    the definitions further down) gathers all their sections."""
    tasks: list[PlanTask] = []
    stages: list[PlanStage] = []
    by_id: dict[str, PlanTask] = {}
    for index, (heading, ident) in enumerate(headings):
        start, end = doc.section_of(heading)
        if index + 1 < len(headings):
            end = min(end, headings[index + 1][0].start)
        items = [h for h in doc.headings if start < h.start < end
                 and h.level > heading.level and _TRACK_ITEM.match(plain(h.text))]
        if items:  # a track: its items are the tasks, one after another
            stages.append(PlanStage(ident, plain(heading.text), heading.start + 1, "sequence"))
            for n, item in enumerate(items):
                item_end = items[n + 1].start if n + 1 < len(items) else end
                match = _TRACK_ITEM.match(plain(item.text))
                if match:
                    task = _task(doc, plain(item.text), item.start, item_end, match.group(1))
                    task.stage = ident
                    tasks.append(task)
            continue
        task = _task(doc, plain(heading.text), heading.start, end, ident)
        if ident in by_id:
            known = by_id[ident]
            known.body += task.body
            known.files += task.files
            known.depends_on += [d for d in task.depends_on if d not in known.depends_on]
            continue
        by_id[ident] = task
        tasks.append(task)
    if not stages:
        stages = assign_stages(doc, tasks, [h for h in phase_headings(doc)
                                            if agent_id(h.text) is None])
        for stage in stages:
            members = [t for t in tasks if t.stage == stage.key]
            if members and all(t.depends_on for t in members):
                stage.after = []  # their own dependencies order them
    return Plan(doc.path, SHAPE, tasks, stages)


def _read_items(doc: Document) -> Plan:
    tasks = []
    for ident, blocks in _agent_items(doc).items():
        body = [line for b in blocks for line in doc.body(b.start, b.end)]
        title = re.sub(r"\s*\bowns?\b.*$", "", plain(blocks[0].text)) or ident
        task = PlanTask(title, blocks[0].start + 1, body, id=ident)
        task.depends_on = [r for r in dependency_refs(body) if r != ident]
        task.files = [DeclaredFile(path, Mode.WRITE, line) for path, line in owned_files(body)]
        tasks.append(task)
    return Plan(doc.path, SHAPE, tasks)


def _task(doc: Document, title: str, start: int, end: int, ident: str) -> PlanTask:
    body = doc.body(start, end)
    task = PlanTask(title, start + 1, body, id=ident)
    task.depends_on = [r for r in dependency_refs(body) if r.lower() != ident.lower()]
    task.files = [DeclaredFile(path, Mode.WRITE, line) for path, line in owned_files(body)]
    return task
