"""The plan source: a task plan file becomes workstreams with predicted touches."""

from __future__ import annotations

import re
from dataclasses import replace

from analyzer.catalog import load_catalog
from analyzer.errors import InputError, read_text
from analyzer.model import Evidence, Kind, Mode, Resource, Touch, Workstream
from analyzer.sources.plan_readers import Plan, PlanTask, read_plan
from analyzer.sources.plan_touches import INTENT_DETAIL, dedupe, predict_touches
from analyzer.sources.repo_layout import RepoLayout, add_planned_venvs


def load_plan(path: str, layout: RepoLayout) -> tuple[Plan, list[Workstream]]:
    plan = read_plan(path, read_text(path))
    known = load_catalog().known_packages
    ids = _task_ids(plan)
    workstreams = []
    for task, task_id in zip(plan.tasks, ids, strict=True):
        predicted = predict_touches(task.body, layout, known,
                                    [(f.path, f.mode, f.line) for f in task.files])
        workstream = Workstream(
            id=task_id,
            name=task.title,
            origin="task",
            evidence=Evidence(path, task.line, task.title),
            group=task.group,
        )
        workstream.touches = [
            Touch(task_id, p.resource, p.mode, Evidence(path, p.line, p.text.strip()), p.detail)
            for p in predicted
        ]
        workstreams.append(workstream)
    _resolve_dependencies(plan, workstreams)
    if layout.root is None:
        _unify_alembic_chains(workstreams)
    add_planned_venvs(layout, [t.resource.key for ws in workstreams for t in ws.touches
                               if t.resource.kind is Kind.VENV and t.mode is Mode.CREATE])
    return plan, workstreams


def _task_ids(plan: Plan) -> list[str]:
    """Unique ids: declared ids must be unique; titles repeated in markdown get a suffix."""
    ids: list[str] = []
    seen: dict[str, int] = {}
    for task in plan.tasks:
        base = task.id or task.title
        if base in seen:
            if task.id:
                raise InputError(f"task id {base!r} is used twice (first on line {seen[base]})",
                                 plan.path, task.line)
            count = sum(1 for i in ids if i == base or i.startswith(base + " #")) + 1
            unique = f"{base} #{count}"
            task.title = unique
            ids.append(unique)
        else:
            ids.append(base)
        seen.setdefault(base, task.line)
    return ids


def _resolve_dependencies(plan: Plan, workstreams: list[Workstream]) -> None:
    """Turn "Task 1", "1", "T1", an id or a title into workstream ids."""
    lookup: dict[str, str] = {}
    for task, ws in zip(plan.tasks, workstreams, strict=True):
        for key in _reference_keys(task, ws.id):
            lookup.setdefault(key, ws.id)
    for task, ws in zip(plan.tasks, workstreams, strict=True):
        resolved = []
        for ref in task.depends_on:
            target = next((lookup[k] for k in _normalise_ref(ref) if k in lookup), None)
            if target is None:
                if task.id:  # a structured file said so outright: a typo is an error
                    raise InputError(f"task {ws.id!r} depends on unknown task {ref!r}",
                                     plan.path, task.line)
                continue  # prose such as "Depends on: the API design" names no task
            if target != ws.id:
                resolved.append(target)
        ws.depends_on = tuple(dict.fromkeys(resolved))


def _reference_keys(task: PlanTask, task_id: str) -> set[str]:
    keys = {task_id.lower(), task.title.lower()}
    number = re.match(r"^\s*(?:[a-z]+\s*)?#?(\d+)\b", task.title, re.IGNORECASE)
    if number:
        keys |= {number.group(1), f"task {number.group(1)}", f"t{number.group(1)}"}
    name = re.split(r"\s*[-–—:]\s*", task.title, maxsplit=1)
    if len(name) == 2:
        keys.add(name[1].lower())
    return keys


def _normalise_ref(ref: str) -> list[str]:
    ref = ref.strip().strip(".").lower()
    keys = [ref]
    number = re.match(r"^(?:task|step|t|#)?\s*#?(\d+)\b", ref)
    if number:
        keys.append(number.group(1))
    return keys


def _unify_alembic_chains(workstreams: list[Workstream]) -> None:
    """Without --repo, "add a migration" lands on the conventional alembic/versions; when the
    plan itself names exactly one versions directory, that is the chain it meant."""
    named = {t.resource.key for ws in workstreams for t in ws.touches
             if t.resource.kind is Kind.MIGRATION and t.resource.key.startswith("alembic:")
             and t.detail != INTENT_DETAIL}
    if len(named) != 1:
        return
    chain = Resource(Kind.MIGRATION, named.pop())
    for ws in workstreams:
        retargeted = [replace(t, resource=chain) if t.detail == INTENT_DETAIL else t
                      for t in ws.touches]
        ws.touches = dedupe(retargeted)
