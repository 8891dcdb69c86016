"""JSON, YAML or TOML with a list of tasks (top level, or under "tasks"), each with
id/name/title, description/prompt/details, files, depends_on, and optional execution groups
(groups run one after another; the tasks of a group run together)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from itertools import pairwise
from typing import Any

from analyzer.errors import InputError
from analyzer.model import Mode
from analyzer.sources.plan.document import Document
from analyzer.sources.plan.model import DeclaredFile, Plan, PlanStage, PlanTask

SHAPE = "structured"
DESCRIPTION = "a structured task list"

TASK_LISTS = ("tasks", "subtasks", "items", "steps", "workstreams", "jobs", "agents", "todos",
              "packages", "work_packages", "workPackages")
_GROUP_LISTS = ("execution_groups", "executionGroups", "groups", "phases", "waves",
                "parallel_groups", "parallelGroups", "stages", "batches")
ID_FIELDS = ("id", "package_id", "key", "name", "title", "slug")
TITLE_FIELDS = ("title", "name", "id", "package_id", "key")
TEXT_FIELDS = ("description", "prompt", "details", "body", "instructions", "steps", "notes",
               "acceptance_criteria", "acceptanceCriteria", "test", "test_command",
               "testCommand", "testStrategy", "command", "commands", "setup", "run",
               "verification")
FILE_FIELDS = {
    "files": Mode.WRITE, "files_to_edit": Mode.WRITE, "filesToEdit": Mode.WRITE,
    "files_to_modify": Mode.WRITE, "files_affected": Mode.WRITE, "filesAffected": Mode.WRITE,
    "files_to_create": Mode.CREATE, "files_to_read": Mode.READ, "context_files": Mode.READ,
    "read_files": Mode.READ, "modify": Mode.WRITE, "edit": Mode.WRITE, "create": Mode.CREATE,
    "read": Mode.READ, "delete": Mode.WRITE, "write": Mode.WRITE,
}
DEPENDENCY_FIELDS = ("depends_on", "dependencies", "dependsOn", "deps", "after", "blocked_by",
                     "blockedBy", "needs")
_GROUP_FIELDS = ("group", "phase", "wave", "stage", "batch", "execution_group", "level")
_DONE = ("done", "completed", "complete", "closed", "finished", "cancelled", "canceled")


def find_task_list(data: Any, depth: int = 0) -> tuple[list[Any] | None, Any]:
    if isinstance(data, list):
        return data, None
    if not isinstance(data, dict) or depth > 3:
        return None, None
    for key in TASK_LISTS:
        if isinstance(data.get(key), list):
            return data[key], data
    for value in data.values():  # one level down: {"plan": {"tasks": [...]}}
        if isinstance(value, dict):
            found, container = find_task_list(value, depth + 1)
            if found is not None:
                return found, container
    return None, None


def score(doc: Document) -> tuple[float, str]:
    if not doc.structured:
        return 0.0, ""
    found, _ = find_task_list(doc.data)
    if not found or not all(isinstance(t, dict) for t in found):
        return 0.0, ""
    return 0.5, f"a list of {len(found)} task objects"


def read(doc: Document) -> Plan:
    raw_tasks, container = find_task_list(doc.data)
    if not raw_tasks or not all(isinstance(t, dict) for t in raw_tasks):
        raise InputError("no list of tasks found (expected a top-level list or a \"tasks\" key)",
                         doc.path)
    locator = Locator(doc.lines)
    tasks = [task_from(raw, number, locator) for number, raw in enumerate(raw_tasks, 1)]
    stages = _groups(tasks, raw_tasks, container, doc.path)
    return Plan(doc.path, SHAPE, tasks, stages)


def task_from(raw: dict[str, Any], number: int, locator: Locator,
              id_fields: tuple[str, ...] = ID_FIELDS) -> PlanTask:
    title = str(next((raw[k] for k in TITLE_FIELDS if raw.get(k) not in (None, "")),
                     f"task {number}"))
    task_id = str(next((raw[k] for k in id_fields if raw.get(k) not in (None, "")), number))
    line, end = locator.task_span(raw)
    locate = locator.finder(line, end)
    task = PlanTask(title, line, id=task_id, strict_refs=True)
    task.body = [(line, title)] + [
        (locate(fragment), fragment)
        for key in TEXT_FIELDS for text_value in strings(raw.get(key))
        for fragment in text_value.splitlines() if fragment.strip()
    ]
    task.files = declared_files(raw, locate)
    task.depends_on = [str(d) for key in DEPENDENCY_FIELDS for d in as_list(raw.get(key))
                       if isinstance(d, (str, int, float))]
    status = str(raw.get("status", "")).lower()
    task.done = status in _DONE
    task.alone = raw.get("parallel") is False or str(raw.get("parallel")).lower() == "false"
    task.not_with = [str(c) for key in ("conflicts_with", "conflictsWith")
                     for c in as_list(raw.get(key)) if isinstance(c, (str, int))]
    return task


def _groups(tasks: list[PlanTask], raw_tasks: list[Any], container: Any,
            path: str) -> list[PlanStage]:
    """Execution groups: declared lists of task ids, or a group/phase field per task."""
    groups = None
    if isinstance(container, dict):
        groups = next((container[k] for k in _GROUP_LISTS if isinstance(container.get(k), list)),
                      None)
    stages: dict[int, PlanStage] = {}
    if groups:
        by_ref: dict[str, PlanTask] = {}
        for task in tasks:
            by_ref[task.id] = task
            by_ref.setdefault(task.title, task)
        for index, group in enumerate(groups):
            members = group
            if isinstance(group, dict):
                members = next((group[k] for k in ("tasks", "task_ids", "taskIds", "ids",
                                                   "members") if k in group), [])
            for ref in as_list(members):
                member = by_ref.get(str(ref))
                if member is None:
                    raise InputError(f"execution group {index + 1} names unknown task {ref!r}",
                                     path)
                stages.setdefault(index, PlanStage(f"group {index + 1}",
                                                   f"execution group {index + 1}", member.line))
                member.stage = f"group {index + 1}"
    else:
        for task, raw in zip(tasks, raw_tasks, strict=True):
            value = next((raw[k] for k in _GROUP_FIELDS if raw.get(k) is not None), None)
            number = group_index(value)
            if number is not None:
                stages.setdefault(number, PlanStage(f"group {number}", f"group {value}",
                                                    task.line))
                task.stage = f"group {number}"
    ordered = [stages[k] for k in sorted(stages)]
    for previous, stage in pairwise(ordered):
        stage.after = [previous.key]
    return ordered


def strings(value: Any, depth: int = 0) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif depth > 20:
        return
    elif isinstance(value, list):
        for item in value:
            yield from strings(item, depth + 1)
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings(item, depth + 1)


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def declared_files(raw: dict[str, Any], locate: Callable[[str], int]) -> list[DeclaredFile]:
    files: list[DeclaredFile] = []
    for key, mode in FILE_FIELDS.items():
        value = raw.get(key)
        if isinstance(value, dict):
            for sub, paths in value.items():
                sub_mode = FILE_FIELDS.get(sub, mode)
                files += [DeclaredFile(str(p), sub_mode, locate(str(p))) for p in as_list(paths)
                          if isinstance(p, (str, int))]
        else:
            files += [DeclaredFile(p, mode, locate(p)) for p in as_list(value)
                      if isinstance(p, str)]
    return files


def group_index(value: Any) -> int | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    digits = re.search(r"\d+", str(value)[:100])
    return int(digits.group()) if digits else None


class Locator:
    """Finds the line a task or a value starts on, moving forward through the file so the
    whole search stays linear."""

    def __init__(self, lines: list[str]):
        self.lines = lines
        self.position = 0

    def task_span(self, raw: dict[str, Any]) -> tuple[int, int]:
        line = None
        for key in (*ID_FIELDS, *TITLE_FIELDS):
            if raw.get(key) not in (None, "") and not isinstance(raw[key], (dict, list)):
                line = self.find(str(raw[key]), self.position, self.position + 20_000)
                if line:
                    break
        line = line or self.position + 1
        self.position = line
        return line, len(self.lines) + 1

    def finder(self, line: int, end: int) -> Callable[[str], int]:
        def locate(value: str) -> int:
            return self.find(value, line - 1, min(end - 1, line + 400)) or line
        return locate

    def find(self, value: str, start: int, end: int) -> int | None:
        """1-based line in lines[start:end] holding value, as written or JSON-escaped."""
        needle = value.strip()[:40]
        if not needle:
            return None
        encoded = json.dumps(needle)[1:-1]
        for i in range(max(start, 0), min(end, len(self.lines))):
            if needle in self.lines[i] or encoded in self.lines[i]:
                return i + 1
        return None
