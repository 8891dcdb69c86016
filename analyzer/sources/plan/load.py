"""The plan source: plan files become workstreams with predicted touches and the plan's
own concurrency (stages, dependencies, declared conflicts)."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, replace

from analyzer.catalog import load_catalog
from analyzer.errors import InputError, read_text
from analyzer.model import Evidence, Kind, Mode, Resource, Stage, Timing, Touch, Workstream
from analyzer.sources.plan import ccpm
from analyzer.sources.plan.choose import ACCEPTED_SHAPES, read_document
from analyzer.sources.plan.common import EVERY_OTHER
from analyzer.sources.plan.document import Document
from analyzer.sources.plan.model import Plan, PlanTask
from analyzer.sources.plan_touches import INTENT_DETAIL, dedupe, predict_plan_touches
from analyzer.sources.repo_layout import RepoLayout, add_planned_venvs

_PLAN_SUFFIXES = (".md", ".markdown", ".txt", ".json", ".yaml", ".yml", ".toml")


@dataclass
class LoadedPlan:
    plan: Plan
    workstreams: list[Workstream]
    stages: list[Stage] = field(default_factory=list)

    @property
    def reading(self) -> str:
        """"spec-kit tasks (148 tasks, 9 phases)"."""
        plan = self.plan
        count = len(plan.tasks)
        parts = [f"{count} task{'s' if count != 1 else ''}"]
        if plan.stages:
            parts.append(f"{len(plan.stages)} stage{'s' if len(plan.stages) != 1 else ''}")
        done = sum(1 for t in plan.tasks if t.done)
        if done:
            parts.append(f"{done} done")
        return f"{_description(plan.shape)} ({', '.join(parts)})"


def plan_inputs(paths: list[str]) -> list[list[str]]:
    """Group the command line's paths into plans: a ccpm epic directory, or several ccpm task
    files of one epic, is one plan; any other file is a plan of its own; a directory holds
    the plans inside it."""
    groups: list[list[str]] = []
    loose_ccpm: dict[str, list[str]] = {}
    for path in paths:
        if os.path.isdir(path):
            files = sorted(os.path.join(path, n) for n in os.listdir(path)
                           if n.lower().endswith(_PLAN_SUFFIXES)
                           and os.path.isfile(os.path.join(path, n)))
            if _is_ccpm(files):
                groups.append([path])
            elif files:
                groups += [[f] for f in files]
            else:
                raise InputError("no plan files in this directory", path)
        elif ccpm_task := _ccpm_task_file(path):
            loose_ccpm.setdefault(os.path.dirname(os.path.abspath(path)), []).append(ccpm_task)
        else:
            groups.append([path])
    groups += list(loose_ccpm.values())
    return groups


def _is_ccpm(files: list[str]) -> bool:
    return any(_ccpm_task_file(f) for f in files)


def _ccpm_task_file(path: str) -> str | None:
    name = os.path.basename(path)
    if not re.fullmatch(r"\d{1,6}\.md", name) or not os.path.isfile(path):
        return None
    try:
        doc = Document(path, read_text(path))
    except InputError:
        return None
    return path if ccpm.is_task_file(doc) else None


def read_plan(paths: list[str], shape: str | None = None) -> Plan:
    """One plan from a group of plan_inputs()."""
    if len(paths) == 1 and not os.path.isdir(paths[0]):
        return read_document(Document(paths[0], read_text(paths[0])), shape)
    if shape and shape != ccpm.SHAPE:
        raise InputError(f"--shape {shape} reads one file; a directory is read as ccpm",
                         paths[0])
    files = []
    for path in paths:
        if os.path.isdir(path):
            files += sorted(os.path.join(path, n) for n in os.listdir(path)
                            if n.lower().endswith(".md"))
        else:
            files.append(path)
    docs = [Document(f, read_text(f)) for f in files]
    value, why = ccpm.score_files(docs)
    if not value:
        raise InputError("no ccpm task files (001.md … with depends_on/parallel front matter)\n"
                         + ACCEPTED_SHAPES, paths[0])
    where = paths[0] if len(paths) == 1 else os.path.dirname(paths[0]) or "."
    plan = ccpm.read_files(where, docs)
    plan.why = why
    return plan


def load_plan(path: str, layout: RepoLayout, shape: str | None = None) -> LoadedPlan:
    return load_plans([path], layout, shape)


def load_plans(paths: list[str], layout: RepoLayout, shape: str | None = None) -> LoadedPlan:
    plan = read_plan(paths, shape)
    known = load_catalog().known_packages
    ids = _task_ids(plan)
    # The plan is read as a whole: a bare main.py is the one path the plan names elsewhere.
    every_task = predict_plan_touches(
        [(task.body, [(f.path, f.mode, f.line) for f in task.files]) for task in plan.tasks],
        layout, known, plan.context)
    workstreams = []
    for order, (task, task_id, predicted) in enumerate(zip(plan.tasks, ids, every_task,
                                                           strict=True)):
        where = task.path or plan.path
        workstream = Workstream(id=task_id, name=task.title, origin="task",
                                evidence=Evidence(where, task.line, task.title),
                                label=task.id)
        # the touches of one line share its evidence (an immutable value): one object a line
        lines: dict[tuple[int, str], Evidence] = {}
        touches = []
        for p in predicted:
            evidence = lines.get((p.line, p.text))
            if evidence is None:
                evidence = lines[(p.line, p.text)] = Evidence(where, p.line, p.text.strip())
            touches.append(Touch(task_id, p.resource, p.mode, evidence, p.detail))
        workstream.touches = touches
        workstream.timing = Timing(stage=task.stage, marked=task.marked, done=task.done,
                                   alone=task.alone, order=order)
        workstreams.append(workstream)
    _resolve_references(plan, workstreams)
    _leave_out_done(plan, workstreams)
    if layout.root is None:
        _unify_alembic_chains(workstreams)
    if layout.root is not None:  # (without a repository there is no git to ask)
        add_planned_venvs(layout, [t.resource.key for ws in workstreams for t in ws.touches
                                   if t.resource.kind is Kind.VENV and t.mode is Mode.CREATE])
    stages = [Stage(s.key, f"{s.key} ({s.story})" if s.story and s.story not in s.key else s.key,
                    s.inside, tuple(s.after)) for s in plan.stages]
    return LoadedPlan(plan, workstreams, stages)


def _description(shape: str) -> str:
    from analyzer.sources.plan.choose import SHAPES

    reader = SHAPES.get(shape)
    return reader.DESCRIPTION if reader else shape


def _leave_out_done(plan: Plan, workstreams: list[Workstream]) -> None:
    """Done tasks are history, not parallel work. When every task is done, the plan is a
    record of how the work ran, and is read as written."""
    done = [ws for ws in workstreams if ws.timing.done]
    if not done:
        return
    if len(done) == len(workstreams):
        for ws in workstreams:
            ws.timing = replace(ws.timing, done=False)
        plan.notes.append(f"every task is marked done: read as written, as the plan the work "
                          f"followed ({len(done)} tasks)")
        return
    plan.notes.append(f"{len(done)} task{'s are' if len(done) != 1 else ' is'} marked done: "
                      f"not parallel work any more, left out "
                      f"of collisions ({', '.join(ws.id for ws in done[:8])}"
                      f"{' …' if len(done) > 8 else ''})")


def _task_ids(plan: Plan) -> list[str]:
    """Unique ids: declared ids must be unique; titles repeated in markdown get a suffix."""
    ids: list[str] = []
    seen: dict[str, int] = {}
    taken: set[str] = set()
    for task in plan.tasks:
        base = task.id or task.title
        if base in seen:
            if task.id and task.strict_refs:
                raise InputError(f"task id {base!r} is used twice (first on line {seen[base]})",
                                 task.path or plan.path, task.line)
            count = 2
            while f"{base} #{count}" in taken:
                count += 1
            unique = f"{base} #{count}"
            if not task.id:
                task.title = unique
            ids.append(unique)
        else:
            ids.append(base)
        taken.add(ids[-1])
        seen.setdefault(base, task.line)
    return ids


def _resolve_references(plan: Plan, workstreams: list[Workstream]) -> None:
    """Turn "Task 1", "Agent 2", "1", "T1", an id or a title into workstream ids."""
    lookup: dict[str, str] = {}
    for task, ws in zip(plan.tasks, workstreams, strict=True):
        for key in _reference_keys(task, ws.id):
            lookup.setdefault(key, ws.id)
    last = {ws.id for task, ws in zip(plan.tasks, workstreams, strict=True)
            if EVERY_OTHER in task.depends_on}
    for task, ws in zip(plan.tasks, workstreams, strict=True):
        resolved = []
        if EVERY_OTHER in task.depends_on:  # "run last": after every task that does not
            resolved += [other.id for other in workstreams if other.id not in last]
        for ref in task.depends_on:
            if ref == EVERY_OTHER:
                continue
            target = next((lookup[k] for k in _normalise_ref(ref) if k in lookup), None)
            if target is None:
                if task.strict_refs:  # a structured file said so outright: a typo is an error
                    raise InputError(f"task {ws.id!r} depends on unknown task {ref!r}",
                                     task.path or plan.path, task.line)
                continue  # prose such as "Depends on: the API design" names no task
            if target != ws.id:
                resolved.append(target)
        ws.depends_on = tuple(dict.fromkeys(resolved))
        not_with = [lookup[k] for ref in task.not_with for k in _normalise_ref(ref)[:1]
                    if k in lookup]
        if not_with:
            ws.timing = replace(ws.timing, not_with=tuple(dict.fromkeys(not_with)))


_TITLE_NUMBER = re.compile(r"^\s*(?:[a-z]+\s*)?#?(\d+)\b", re.IGNORECASE)
_TITLE_NAME = re.compile(r"\s*[-–—:]\s*")


def _reference_keys(task: PlanTask, task_id: str) -> set[str]:
    keys = {task_id.lower(), task.title.lower()}
    if task.id:
        keys.add(task.id.lower())
        if task.id.isdigit():
            keys |= {str(int(task.id)), f"task {int(task.id)}"}
    number = _TITLE_NUMBER.match(task.title)
    if number and not task.id:
        keys |= {number.group(1), f"task {number.group(1)}", f"t{number.group(1)}"}
    name = _TITLE_NAME.split(task.title, maxsplit=1)
    if len(name) == 2:
        keys.add(name[1].lower())
    return keys


def _normalise_ref(ref: str) -> list[str]:
    ref = ref.strip().strip(".").lower()
    keys = [ref]
    number = re.match(r"^(?:task|t|#)?\s*#?(\d+)$", ref)
    if number:
        keys += [number.group(1), str(int(number.group(1)))]
    return keys


def _unify_alembic_chains(workstreams: list[Workstream]) -> None:
    """Without --repo, "add a migration" lands on the conventional alembic/versions; when the
    plan itself names exactly one versions directory, that is the chain it meant."""
    named = set()
    asking = []  # the workstreams with a migration to retarget; the others are left alone
    for ws in workstreams:
        intent = False
        for t in ws.touches:
            if t.detail == INTENT_DETAIL:
                intent = True
            elif t.resource.kind is Kind.MIGRATION and t.resource.key.startswith("alembic:"):
                named.add(t.resource.key)
        if intent:
            asking.append(ws)
    if len(named) != 1:
        return
    chain = Resource(Kind.MIGRATION, named.pop())
    for ws in asking:
        retargeted = [t._replace(resource=chain) if t.detail == INTENT_DETAIL else t
                      for t in ws.touches]
        ws.touches = dedupe(retargeted)
