"""A label line per task, then its body: `**Task 2 - Queue Service:**`, `Task 3 - Worker:`."""

from __future__ import annotations

import re

from analyzer.sources.plan.common import dependency_refs, plain
from analyzer.sources.plan.document import Block, Document
from analyzer.sources.plan.headings import TASK_WORD
from analyzer.sources.plan.model import Plan, PlanTask

SHAPE = "labels"
DESCRIPTION = "task labels"

# Anchored, one line, bounded: a label is short.
_LABEL = re.compile(
    rf"^\s{{0,3}}(?:\*\*|__)?\s?({TASK_WORD}\s{{0,3}}[\w.#-]{{0,20}}\s{{0,3}}"
    r"(?:[-–—:]\s{0,3}[^*:\n]{1,100})?)\s{0,3}:?\s{0,3}(?:\*\*|__)?\s{0,3}:?\s*$",
    re.IGNORECASE,
)


def _labels(doc: Document) -> list[Block]:
    return [b for b in doc.blocks if b.kind == "paragraph" and b.end - b.start == 1
            and len(doc.lines[b.start]) < 120 and _LABEL.match(doc.lines[b.start])]


def score(doc: Document) -> tuple[float, str]:
    if doc.structured:
        return 0.0, ""
    labels = _labels(doc)
    if not labels:
        return 0.0, ""
    first = plain(doc.lines[labels[0].start])[:40]
    return 0.5, f"{len(labels)} label lines name a task (\"{first}\")"


def read(doc: Document) -> Plan:
    labels = _labels(doc)
    heading_starts = [h.start for h in doc.headings]
    tasks = []
    for index, label in enumerate(labels):
        stops = [b.start for b in labels[index + 1:index + 2]]
        stops += [s for s in heading_starts if s > label.start][:1]
        end = min(stops, default=len(doc.lines))
        task = PlanTask(plain(doc.lines[label.start]), label.start + 1,
                        doc.body(label.start, end))
        task.depends_on = dependency_refs(task.body)
        tasks.append(task)
    return Plan(doc.path, SHAPE, tasks)
