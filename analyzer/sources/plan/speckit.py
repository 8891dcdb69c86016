"""spec-kit `tasks.md`: `- [ ] T012 [P] [US2] Extend Task model in backend/models.py`.

Both flavours: the description on the item line, or a title with `**Files**:` /
`**Action**:` / `**Command**:` sub-bullets (ids may be bold). Phases are `## Phase N`
headings; inside a phase only `[P]` tasks overlap. User-story phases run one after another
unless the plan declares otherwise ("Dependencies & Execution Order", "Parallel
Opportunities", "Parallel Team Strategy": "US2 depends on US1", "all user stories can start
in parallel", "Developer A: US1 … Developer B: US2").
"""

from __future__ import annotations

import re

from analyzer.model import Mode
from analyzer.sources.plan.agent_sections import agent_id
from analyzer.sources.plan.common import (
    assign_stages,
    labelled_dependencies,
    phase_headings,
    plain,
    short_title,
)
from analyzer.sources.plan.document import Block, Document
from analyzer.sources.plan.model import DeclaredFile, Plan, PlanStage, PlanTask
from analyzer.sources.plan.stories import declare_story_order

SHAPE = "spec-kit"
DESCRIPTION = "spec-kit tasks"

_ID = re.compile(r"^\s{0,3}(?:\*\*|\[)?(T\d{2,5}|[A-Z][A-Z0-9]{0,7}-\d{1,5})(?:\*\*|\])?"
                 r"(?=[\s:.)\]]|$)[:.)]?\s*")
_MARK = re.compile(r"^\[([A-Za-z][\w-]{0,15}|\d{1,3})\]\s*")
_STORY = re.compile(r"^(?:US|STORY[- ]?)(\d+)$", re.IGNORECASE)
_FILES_LINE = re.compile(r"^\s*[-*+]\s*\*\*(?:files?|creates?|modif(?:y|ies)|paths?)\*\*\s*:"
                         r"(.*)$", re.IGNORECASE)
_CODE_SPAN = re.compile(r"`([^`\n]{1,300})`")
_NEW = re.compile(r"\((?:new|create[sd]?)\)", re.IGNORECASE)


def _task_items(doc: Document) -> list[tuple[Block, re.Match[str]]]:
    """Top-level items that start with a task id. When most carry a checkbox, an item
    without one ("- T029: UI components can be built in parallel") refers to a task rather
    than being one; an id seen before is a reference too."""
    if "speckit" in doc.memo:
        return doc.memo["speckit"]  # type: ignore[no-any-return]
    found = []
    for block in doc.blocks:
        if block.kind == "item" and block.level == 1:
            match = _ID.match(block.text)
            if match:
                found.append((block, match))
    boxed = sum(1 for block, _ in found if block.checkbox)
    if boxed >= 0.8 * len(found):
        found = [(block, match) for block, match in found if block.checkbox]
    seen: set[str] = set()
    unique = []
    for block, match in found:
        if match.group(1) not in seen:
            seen.add(match.group(1))
            unique.append((block, match))
    doc.memo["speckit"] = unique
    return unique


def score(doc: Document) -> tuple[float, str]:
    if doc.structured:
        return 0.0, ""
    tasks = _task_items(doc)
    if len(tasks) < 2:
        return 0.0, ""
    items = sum(1 for b in doc.blocks if b.kind == "item" and b.level == 1 and b.checkbox)
    share = len(tasks) / max(items, len(tasks))
    return 0.6 + 0.35 * share, (f"{len(tasks)} list items carry task ids "
                                f"({tasks[0][1].group(1)}…)")


def read(doc: Document) -> Plan:
    items = _task_items(doc)
    tasks: list[PlanTask] = []
    for block, match in items:
        rest = block.text[match.end():]
        marks: list[str] = []
        while found := _MARK.match(rest):
            marks.append(found.group(1))
            rest = rest[found.end():]
        body = doc.body(block.start, block.end)
        task = PlanTask(short_title(rest) or match.group(1), block.start + 1, body,
                        id=match.group(1), done=block.checkbox == "x",
                        marked=any(m.upper() == "P" for m in marks))
        task.files = _declared_files(body)
        task.depends_on = labelled_dependencies(body)
        for mark in marks:
            story_mark = _STORY.match(mark)
            if story_mark:
                task.story = f"US{story_mark.group(1)}"
        tasks.append(task)
    stages = _phases(doc, tasks)
    plan = Plan(doc.path, SHAPE, tasks, stages)
    declare_story_order(doc, plan)
    return plan


def _phases(doc: Document, tasks: list[PlanTask]) -> list[PlanStage]:
    """Each task's `## Phase N` (or other top heading holding tasks); its user story is the
    one most of its tasks carry, or the one its heading names."""
    headings = phase_headings(doc)
    if not headings:  # "## User Story 1 - Login" without the word Phase
        headings = _story_headings(doc)
    if not headings:  # T-id checklists under "### Agent 1": agents in parallel, each in order
        agents = [h for h in doc.headings if agent_id(h.text)]
        if len({agent_id(h.text) for h in agents}) >= 2:
            tracks = assign_stages(doc, tasks, agents, inside="sequence")
            for track in tracks:
                track.after = []
            return tracks
    stages = assign_stages(doc, tasks, headings, inside="marked")
    by_key = {s.key: s for s in stages}
    votes: dict[str, dict[str, int]] = {}
    for task in tasks:
        if task.stage and task.story:
            counts = votes.setdefault(task.stage, {})
            counts[task.story] = counts.get(task.story, 0) + 1
    for key, stage in by_key.items():
        named = re.search(r"\b(?:user stor(?:y|ies)|US)\s*(\d+)", stage.name, re.IGNORECASE)
        if named:
            stage.story = f"US{named.group(1)}"
        elif votes.get(key):
            stage.story = max(votes[key].items(), key=lambda kv: kv[1])[0]
    return stages


def _story_headings(doc: Document) -> list[Block]:
    pattern = re.compile(r"^(?:user stor(?:y|ies)|US)\s*\d+", re.IGNORECASE)
    return [h for h in doc.headings if h.level <= 3 and pattern.match(plain(h.text))]


def _declared_files(body: list[tuple[int, str]]) -> list[DeclaredFile]:
    """`**Files**: `a.py`, `b/` (NEW)` sub-bullets say outright what a task writes."""
    files: list[DeclaredFile] = []
    for number, line in body[1:]:
        match = _FILES_LINE.match(line) if "**" in line else None
        if not match:
            continue
        value = match.group(1)
        tokens = _CODE_SPAN.findall(value) or [
            t.strip() for t in value.split(",") if "/" in t or "." in t.strip()[1:]]
        mode = Mode.CREATE if _NEW.search(value) else Mode.WRITE
        files += [DeclaredFile(t.strip(), mode, number) for t in tokens if t.strip()]
    return files

