"""claude-task-master `tasks.json`: `{"tasks": […]}`, tagged `{"master": {"tasks": […]}}`
(several tags: each tag is its own line of work, ids prefixed by the tag) or a tag mapped
straight to a list (`{"master": […]}`); string or integer ids and dependencies. Subtasks are
folded into their task: their text and files become the task's, and a subtask dependency on
another task (`"6.1"`, or an id outside the parent) becomes the task's dependency.
"""

from __future__ import annotations

from typing import Any

from analyzer.sources.plan.document import Document
from analyzer.sources.plan.model import Plan, PlanTask
from analyzer.sources.plan.structured import (
    TEXT_FIELDS,
    Locator,
    as_list,
    declared_files,
    strings,
    task_from,
)

SHAPE = "task-master"
DESCRIPTION = "task-master tasks"

_MARKERS = ("dependencies", "testStrategy", "subtasks", "status", "priority", "details")


def _tags(data: Any) -> list[tuple[str, list[dict[str, Any]]]]:
    """(tag, tasks) pairs; the tag is "" for an untagged file."""
    if not isinstance(data, dict):
        return []
    if isinstance(data.get("tasks"), list):
        return [("", [t for t in data["tasks"] if isinstance(t, dict)])]
    tags = []
    for tag, value in data.items():
        if isinstance(value, dict) and isinstance(value.get("tasks"), list):
            tags.append((str(tag), [t for t in value["tasks"] if isinstance(t, dict)]))
        elif isinstance(value, list) and value and all(isinstance(t, dict) for t in value):
            tags.append((str(tag), list(value)))
    return tags


def _looks_like_tasks(tasks: list[dict[str, Any]]) -> bool:
    marked = sum(1 for t in tasks if "id" in t and any(k in t for k in _MARKERS))
    return bool(tasks) and marked >= max(1, len(tasks) * 0.8)


def score(doc: Document) -> tuple[float, str]:
    if doc.suffix != ".json":
        return 0.0, ""
    tags = [(tag, tasks) for tag, tasks in _tags(doc.data) if _looks_like_tasks(tasks)]
    if not tags:
        return 0.0, ""
    count = sum(len(tasks) for _, tasks in tags)
    where = f" in tag{'s' if len(tags) > 1 else ''} {', '.join(t for t, _ in tags)}" \
        if tags[0][0] else ""
    return 0.9, f"{count} task objects with ids and dependencies{where}"


def read(doc: Document) -> Plan:
    tags = [(tag, tasks) for tag, tasks in _tags(doc.data) if _looks_like_tasks(tasks)]
    prefix = len(tags) > 1
    locator = Locator(doc.lines)
    plan_tasks: list[PlanTask] = []
    for tag, raw_tasks in tags:
        for number, raw in enumerate(raw_tasks, 1):
            task = task_from(raw, number, locator, ("id",))
            _fold_subtasks(task, raw, locator)
            if prefix:
                task.id = f"{tag}/{task.id}"
                task.depends_on = [f"{tag}/{d}" for d in task.depends_on]
            plan_tasks.append(task)
    subtasks = sum(len(as_list(raw.get("subtasks"))) for _, ts in tags for raw in ts)
    plan = Plan(doc.path, SHAPE, plan_tasks)
    if subtasks:
        plan.declared.append(f"{subtasks} subtasks folded into their tasks")
    return plan


def _fold_subtasks(task: PlanTask, raw: dict[str, Any], locator: Locator) -> None:
    parent = task.id
    locate = locator.finder(task.line, task.line + 2000)
    for sub in as_list(raw.get("subtasks")):
        if not isinstance(sub, dict):
            continue
        title = str(sub.get("title") or sub.get("id") or "")
        if title:
            task.body.append((locate(title), f"subtask {parent}.{sub.get('id', '')}: {title}"))
        for key in TEXT_FIELDS:
            for text in strings(sub.get(key)):
                task.body += [(locate(f), f) for f in text.splitlines() if f.strip()]
        task.files += declared_files(sub, locate)
        for dep in as_list(sub.get("dependencies")):
            other = str(dep).split(".", 1)[0] if "." in str(dep) else None
            if other and other != parent and other not in task.depends_on:
                task.depends_on.append(other)
