"""ccpm epics: a directory (`.claude/epics/NAME/`) with `epic.md` and one file per task
(`001.md` before sync, `1234.md` after), each with YAML front matter: `name`, `status`,
`depends_on`, `parallel`, `conflicts_with`, `files`.

`parallel: true` tasks whose dependencies are done run together; `parallel: false` runs
alone; `conflicts_with` sequences the pair. YAML reads `[001, 002]` as integers, so ids are
matched by number ("1" finds "001"); an id with no file is a note, not an error.
"""

from __future__ import annotations

import re
from typing import Any

from analyzer.model import Mode
from analyzer.sources.plan.common import plain
from analyzer.sources.plan.document import Document
from analyzer.sources.plan.model import DeclaredFile, Plan, PlanTask
from analyzer.sources.plan.structured import as_list

SHAPE = "ccpm"
DESCRIPTION = "a ccpm epic"

_TASK_FILE = re.compile(r"^(\d{1,6})\.md$")
_KEYS = ("depends_on", "parallel", "conflicts_with")
_DONE = ("done", "completed", "closed", "complete")


def is_task_file(doc: Document) -> bool:
    name = doc.path.replace("\\", "/").rsplit("/", 1)[-1]
    return bool(_TASK_FILE.match(name)) and any(k in doc.front_matter[0] for k in _KEYS)


def score_files(docs: list[Document]) -> tuple[float, str]:
    tasks = [d for d in docs if is_task_file(d)]
    if not tasks:
        return 0.0, ""
    return 0.95, f"{len(tasks)} task files with ccpm front matter (depends_on, parallel)"


def read_files(path: str, docs: list[Document]) -> Plan:
    task_docs = sorted((d for d in docs if is_task_file(d)), key=lambda d: _number(d.path))
    tasks: list[PlanTask] = []
    by_number: dict[int, str] = {}
    for doc in task_docs:
        meta, body_start = doc.front_matter
        ident = doc.path.replace("\\", "/").rsplit("/", 1)[-1][:-3]
        heading = next((doc.lines[i] for i in range(body_start, len(doc.lines))
                        if doc.lines[i].startswith("# ")), "")
        title = str(meta.get("name") or plain(heading.lstrip("# ")) or ident)
        body = [(1, title), *doc.body(body_start, len(doc.lines))]
        task = PlanTask(title, 1, body, id=ident, path=doc.path)
        task.done = str(meta.get("status", "")).strip().lower() in _DONE
        task.alone = str(meta.get("parallel", "")).strip().lower() in ("false", "no")
        task.depends_on = _ids(meta.get("depends_on"))
        task.not_with = _ids(meta.get("conflicts_with"))
        task.files = [DeclaredFile(f, Mode.WRITE, 1) for f in as_list(meta.get("files"))
                      if isinstance(f, str) and f.strip()]
        by_number[_number(doc.path)] = ident
        tasks.append(task)
    epic = [d for d in docs if d.path.replace("\\", "/").endswith("/epic.md")
            or d.path == "epic.md"]
    plan = Plan(path, SHAPE, tasks, context="\n".join(d.text for d in epic))
    for task in tasks:  # "1" from YAML's [001] finds "001"
        task.depends_on = _match(task.depends_on, by_number, task, "depends_on", plan)
        task.not_with = _match(task.not_with, by_number, task, "conflicts_with", plan)
    alone = [t.id for t in tasks if t.alone]
    if alone:
        plan.declared.append(f"parallel: false (runs alone): {', '.join(alone)}")
    pairs = [f"{t.id} / {o}" for t in tasks for o in t.not_with]
    if pairs:
        plan.declared.append(f"conflicts_with (sequenced): {', '.join(pairs)}")
    return plan


def _number(path: str) -> int:
    match = _TASK_FILE.match(path.replace("\\", "/").rsplit("/", 1)[-1])
    return int(match.group(1)) if match else 0


def _ids(value: Any) -> list[str]:
    return [v.strip() for v in as_list(value) if isinstance(v, str) and v.strip()]


def _match(refs: list[str], by_number: dict[int, str], task: PlanTask, field: str,
           plan: Plan) -> list[str]:
    matched = []
    for ref in refs:
        digits = re.sub(r"^#", "", ref)
        target = by_number.get(int(digits)) if digits.isdigit() else None
        if target is None:
            plan.notes.append(f"{task.id}.md: {field} names {ref!r}, which has no task file in "
                              "this epic (an id from before epic-sync?); ignored")
        elif target != task.id:
            matched.append(target)
    return matched
