"""A markdown heading per task: `## Task 1: Models`, or the level that holds most headings."""

from __future__ import annotations

import re

from analyzer.sources.plan.common import (
    assign_stages,
    dependency_refs,
    phase_headings,
    plain,
)
from analyzer.sources.plan.document import Block, Document
from analyzer.sources.plan.model import Plan, PlanTask

SHAPE = "headings"
DESCRIPTION = "markdown headings"

TASK_WORD = r"(?:task|subtask|step|ticket|story|workstream|job)"
_TASK_HEADING = re.compile(rf"^(?:\d+[.)]\s*)?{TASK_WORD}\b(?!\s+(?:summary|count|list|"
                           r"overview|breakdown|execution|notes?|status|table|index)\b)",
                           re.IGNORECASE)
_GROUP_HEADING = re.compile(r"^(?:phase|wave|stage|group|batch|milestone)\b", re.IGNORECASE)
# Headings that organise a document rather than name work.
NOT_A_TASK = re.compile(
    r"^(overview|introduction|intro|summary|context|background|goals?|non-goals|notes?|"
    r"references?|appendix|glossary|risks?|open questions|conventions|setup|prerequisites|"
    r"table of contents|contents|dependencies|execution( order| plan)?|schedule|timeline|"
    r"format|path conventions|objectives?|requirements|acceptance criteria|implementation|"
    r"testing|tests|definition of done|success criteria|status|progress|deliverables|"
    r"architecture|description|details|checklist|parallel|strategy|quick ?start|"
    r"troubleshooting|resources|links|files?)\b",
    re.IGNORECASE,
)


def _task_headings(doc: Document) -> list[Block]:
    return [h for h in doc.headings if _TASK_HEADING.match(plain(h.text))]


def _generic(doc: Document) -> list[Block]:
    """Headings at the level that holds the most of them, when no heading says "Task"."""
    counts: dict[int, int] = {}
    for h in doc.headings:
        counts[h.level] = counts.get(h.level, 0) + 1
    if counts.get(1) == 1:
        counts.pop(1)  # the document's title
    candidates = {lvl: n for lvl, n in counts.items() if n >= 2}
    if not candidates:
        return []
    level = max(candidates, key=lambda lvl: (candidates[lvl], -lvl))
    chosen = [h for h in doc.headings if h.level == level and not NOT_A_TASK.match(plain(h.text))
              and not _GROUP_HEADING.match(plain(h.text))]
    return chosen if len(chosen) >= 2 else []


def _chosen(doc: Document) -> tuple[list[Block], bool]:
    named = _task_headings(doc)
    return (named, True) if len(named) >= 1 else (_generic(doc), False)


def score(doc: Document) -> tuple[float, str]:
    if doc.structured:
        return 0.0, ""
    chosen, named = _chosen(doc)
    if not chosen:
        return 0.0, ""
    if named:
        return 0.55, f"{len(chosen)} headings name a task (\"{plain(chosen[0].text)[:40]}\")"
    same_level = sum(1 for h in doc.headings if h.level == chosen[0].level)
    return 0.2 + 0.2 * len(chosen) / same_level, (
        f"{len(chosen)} of {same_level} level-{chosen[0].level} headings read as tasks")


def read(doc: Document) -> Plan:
    chosen, _ = _chosen(doc)
    tasks = heading_tasks(doc, chosen)
    stages = assign_stages(doc, tasks, [h for h in phase_headings(doc)
                                        if not _TASK_HEADING.match(plain(h.text))])
    return Plan(doc.path, SHAPE, tasks, stages)


def heading_tasks(doc: Document, chosen: list[Block]) -> list[PlanTask]:
    """A task's section ends at the next heading of its level or above, or the next task."""
    tasks = []
    for index, h in enumerate(chosen):
        start, end = doc.section_of(h)
        if index + 1 < len(chosen):
            end = min(end, chosen[index + 1].start)
        task = PlanTask(plain(h.text), h.start + 1, doc.body(start, end))
        task.depends_on = dependency_refs(task.body)
        tasks.append(task)
    return tasks
