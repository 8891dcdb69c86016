"""Pick the reading that explains a plan best: every reader scores the document, the highest
score wins (never the first match), and the plan says which reading was taken and why."""

from __future__ import annotations

from types import ModuleType

from analyzer.errors import InputError
from analyzer.sources.plan import (
    agent_sections,
    ccpm,
    checklist,
    headings,
    labels,
    speckit,
    structured,
    taskmaster,
    work_packages,
)
from analyzer.sources.plan.document import Document
from analyzer.sources.plan.model import Plan

# In order of preference when two scores tie.
READERS: tuple[ModuleType, ...] = (speckit, taskmaster, work_packages, agent_sections, headings,
                                   labels, checklist, structured)
SHAPES = {reader.SHAPE: reader for reader in READERS} | {ccpm.SHAPE: ccpm}

ACCEPTED_SHAPES = """\
conflictscan reads plans in these shapes (--shape forces one):
  spec-kit       - [ ] T012 [P] [US2] Extend Task model in backend/models.py   (## Phase N)
  task-master    tasks.json: {"master": {"tasks": [{"id": 1, "dependencies": [], "subtasks": …}]}}
  ccpm           a directory .claude/epics/NAME/ with 001.md … (front matter depends_on, parallel)
  work-packages  YAML packages: [{package_id, depends_on, scope: {write_allow}, locks}]
  agents         ## Agent 1 / ### Track A with #### A1: items / ## BACKEND SESSION / - Agent B owns:
  headings       ## Task 1: Models   /   ### Add login
  labels         **Task 2 - Queue Service:**   /   Task 3 - Worker:
  checklist      - [ ] Add login
  structured     JSON, YAML or TOML with a list of tasks (id, title, description, files,
                 depends_on), optionally execution groups"""


def read_document(doc: Document, shape: str | None = None) -> Plan:
    if not doc.text.strip():
        raise InputError("the plan is empty\n" + ACCEPTED_SHAPES, doc.path)
    if shape:
        return _forced(doc, shape)
    scored = [(reader.score(doc), position, reader) for position, reader in enumerate(READERS)]
    scored.sort(key=lambda entry: (-entry[0][0], entry[1]))
    candidates = [(s, r) for s, _, r in scored if s[0] > 0]
    for (value, why), reader in candidates:
        plan: Plan = reader.read(doc)
        if plan.tasks:
            plan.context = plan.context or outside_tasks(doc, plan)
            others = [f"{r.DESCRIPTION} {s[0]:.2f}" for s, r in candidates if r is not reader]
            plan.why = f"{why}; score {value:.2f}" + (
                f" (next: {others[0]})" if others else "")
            return plan
    if doc.structured:
        raise InputError("no list of tasks found (expected a top-level list or a \"tasks\" "
                         "key)\n" + ACCEPTED_SHAPES, doc.path)
    raise InputError("nothing in this file looks like a task\n" + ACCEPTED_SHAPES, doc.path)


def _forced(doc: Document, shape: str) -> Plan:
    reader = SHAPES.get(shape)
    if reader is None or reader is ccpm:
        known = ", ".join(sorted(SHAPES))
        hint = " (ccpm reads a directory)" if reader is ccpm else ""
        raise InputError(f"--shape {shape}{hint}: expected one of {known}")
    plan: Plan = reader.read(doc)
    if not plan.tasks:
        raise InputError(f"read as {reader.DESCRIPTION} (--shape {shape}), the plan has no "
                         "tasks\n" + ACCEPTED_SHAPES, doc.path)
    plan.why = f"--shape {shape}"
    plan.context = plan.context or outside_tasks(doc, plan)
    return plan


def outside_tasks(doc: Document, plan: Plan) -> str:
    """The lines of a markdown plan that belong to no task (its overview, conventions, the
    stack it names); structured plans have none."""
    if doc.structured:
        return ""
    inside = {number for task in plan.tasks for number, _ in task.body}
    return "\n".join(line for number, line in enumerate(doc.lines, 1) if number not in inside)
