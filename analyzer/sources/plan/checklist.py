"""A checklist or bullet list, one top-level item per task: `- [ ] Add login`."""

from __future__ import annotations

from analyzer.sources.plan.common import (
    assign_stages,
    dependency_refs,
    phase_headings,
    short_title,
)
from analyzer.sources.plan.document import Block, Document
from analyzer.sources.plan.model import Plan, PlanTask

SHAPE = "checklist"
DESCRIPTION = "a checklist"


def _items(doc: Document) -> list[Block]:
    items = [b for b in doc.blocks if b.kind == "item" and b.level == 1 and b.text.strip()]
    if any(b.checkbox for b in items):
        items = [b for b in items if b.checkbox]
    return items


def score(doc: Document) -> tuple[float, str]:
    if doc.structured:
        return 0.0, ""
    items = _items(doc)
    if not items:
        return 0.0, ""
    boxes = sum(1 for b in items if b.checkbox)
    return (0.3 if boxes else 0.1), f"{len(items)} top-level list items"


def read(doc: Document) -> Plan:
    tasks = []
    for item in _items(doc):
        body = doc.body(item.start, item.end)
        tasks.append(PlanTask(short_title(item.text), item.start + 1, body,
                              depends_on=dependency_refs(body), done=item.checkbox == "x"))
    stages = assign_stages(doc, tasks, phase_headings(doc))
    return Plan(doc.path, SHAPE, tasks, stages)
