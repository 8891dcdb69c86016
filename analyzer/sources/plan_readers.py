"""Read task plans in the shapes people and agent orchestrators write them.

Markdown comes as a heading per task, a label line per task with a fenced block, or a
checklist; structured plans come as JSON, YAML or TOML with a list of tasks. Every shape ends
as `PlanTask`s: a title, the body lines with their line numbers, and whatever the file
declares outright (files, dependencies, execution groups).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from analyzer.compat import tomllib
from analyzer.errors import InputError
from analyzer.model import Mode

ACCEPTED_SHAPES = """\
conflictscan reads plans in these shapes:
  - a markdown heading per task:      ## Task 1: Models   /   ### Add login
  - a label line per task, then its body (often a fenced block):
                                      **Task 2 - Queue Service:**   /   Task 3 - Worker:
  - a checklist or bullet list, one top-level item per task:   - [ ] Add login
  - JSON, YAML or TOML with a list of tasks (a top-level list, or under "tasks"), each with
    id/name/title, description/prompt/details, files or files_to_edit/files_affected,
    depends_on/dependencies/dependsOn, and optionally execution groups."""

_TASK_WORD = r"(?:task|subtask|step|ticket|story|workstream|agent|job)"
_TASK_HEADING = re.compile(rf"^(?:\d+[.)]\s*)?{_TASK_WORD}\b", re.IGNORECASE)
_LABEL = re.compile(
    rf"^\s*(?:\*\*|__)?\s*({_TASK_WORD}\s*[\w.#-]*\s*(?:[-–—:]\s*[^*:\n]+?)?)\s*:?\s*(?:\*\*|__)?\s*:?\s*$",
    re.IGNORECASE,
)
_GROUP_HEADING = re.compile(r"^(?:phase|wave|stage|group|batch|milestone)\b", re.IGNORECASE)
_NOT_A_TASK = re.compile(
    r"^(overview|introduction|intro|summary|context|background|goals?|non-goals|notes?|"
    r"references?|appendix|glossary|risks?|open questions|conventions|setup|prerequisites|"
    r"table of contents|contents|dependencies|execution( order| plan)?|schedule|timeline)\b",
    re.IGNORECASE,
)
_DEPENDS = re.compile(
    r"^[\s>*_-]*(?:depends on|dependencies|requires|blocked by|runs? after|after)"
    r"\s*[*_]*:\s*[*_]*(.+)$",
    re.IGNORECASE,
)
_CHECKBOX = re.compile(r"^\[[ xX]\]\s*")


@dataclass
class DeclaredFile:
    path: str
    mode: Mode
    line: int


@dataclass
class PlanTask:
    title: str
    line: int
    body: list[tuple[int, str]] = field(default_factory=list)
    id: str = ""
    files: list[DeclaredFile] = field(default_factory=list)
    depends_on: list[str] = field(default_factory=list)  # references, resolved later
    group: int | None = None


@dataclass
class Plan:
    path: str
    shape: str
    tasks: list[PlanTask]
    # line of each task's dependency reference, for errors about unknown references
    notes: list[str] = field(default_factory=list)


def read_plan(path: str, text: str) -> Plan:
    if not text.strip():
        raise InputError("the plan is empty\n" + ACCEPTED_SHAPES, path)
    suffix = Path(path).suffix.lower()
    if suffix in (".json", ".yaml", ".yml", ".toml"):
        return _read_structured(path, text, suffix)
    return _read_markdown(path, text)


# --- markdown -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Block:
    kind: str  # "heading", "paragraph", "item"
    level: int  # heading level, or list nesting
    start: int  # 0-based first line
    end: int  # 0-based line after the block
    text: str
    checkbox: bool = False


def _markdown_blocks(text: str) -> list[_Block]:
    from markdown_it import MarkdownIt

    # Block structure is all we need; inline parsing would cost more than everything else.
    tokens = MarkdownIt("commonmark").disable("inline").parse(text)
    blocks: list[_Block] = []
    list_depth = 0
    for i, token in enumerate(tokens):
        if token.type in ("bullet_list_open", "ordered_list_open"):
            list_depth += 1
        elif token.type in ("bullet_list_close", "ordered_list_close"):
            list_depth -= 1
        elif token.type == "heading_open" and token.map:
            blocks.append(_Block("heading", int(token.tag[1]), token.map[0], token.map[1],
                                 tokens[i + 1].content.strip()))
        elif token.type == "paragraph_open" and token.map and list_depth == 0:
            first = tokens[i + 1].content.split("\n", 1)[0]
            blocks.append(_Block("paragraph", 0, token.map[0], token.map[1], first))
        elif token.type == "list_item_open" and token.map and list_depth == 1:
            inline = next((t for t in tokens[i + 1:] if t.type == "inline"), None)
            first = inline.content.split("\n", 1)[0] if inline else ""
            blocks.append(_Block("item", 1, token.map[0], token.map[1],
                                 _CHECKBOX.sub("", first), bool(_CHECKBOX.match(first))))
    return blocks


def _read_markdown(path: str, text: str) -> Plan:
    lines = text.splitlines()
    blocks = _markdown_blocks(text)
    headings = [b for b in blocks if b.kind == "heading"]

    task_headings = [h for h in headings if _TASK_HEADING.match(_plain(h.text))]
    labels = [b for b in blocks if b.kind == "paragraph" and _is_label(b, lines)]
    if task_headings:
        tasks, shape = _heading_tasks(task_headings, headings, lines), "markdown headings"
    elif labels:
        tasks, shape = _label_tasks(labels, headings, lines), "task labels"
    elif generic := _generic_task_headings(headings):
        tasks, shape = _heading_tasks(generic, headings, lines), "markdown headings"
    else:
        items = [b for b in blocks if b.kind == "item" and b.text.strip()]
        if any(b.checkbox for b in items):
            items = [b for b in items if b.checkbox]
        tasks, shape = _item_tasks(items, lines), "a checklist"
    if not tasks:
        raise InputError("nothing in this file looks like a task\n" + ACCEPTED_SHAPES, path)
    _assign_heading_groups(tasks, headings)
    for task in tasks:
        task.depends_on = _dependency_refs(task.body)
    return Plan(path, shape, tasks)


def _plain(text: str) -> str:
    """A title without markdown emphasis, code ticks, or trailing colon."""
    return re.sub(r"[*_`]+", "", text).strip().rstrip(":").strip()


def _is_label(block: _Block, lines: list[str]) -> bool:
    line = lines[block.start]
    return block.end - block.start == 1 and bool(_LABEL.match(line)) and len(line) < 120


def _generic_task_headings(headings: list[_Block]) -> list[_Block]:
    """Headings at the level that holds the most of them, when no heading says "Task"."""
    counts: dict[int, int] = {}
    for h in headings:
        counts[h.level] = counts.get(h.level, 0) + 1
    if counts.get(1) == 1:
        counts.pop(1)  # the document's title
    candidates = {lvl: n for lvl, n in counts.items() if n >= 2}
    if not candidates:
        return []
    level = max(candidates, key=lambda lvl: (candidates[lvl], -lvl))
    chosen = [h for h in headings if h.level == level and not _NOT_A_TASK.match(_plain(h.text))
              and not _GROUP_HEADING.match(_plain(h.text))]
    return chosen if len(chosen) >= 2 else []


def _body(lines: list[str], start: int, end: int) -> list[tuple[int, str]]:
    return [(i + 1, lines[i]) for i in range(start, min(end, len(lines)))]


def _heading_tasks(chosen: list[_Block], headings: list[_Block],
                   lines: list[str]) -> list[PlanTask]:
    """A task's section ends at the next heading of its level or above, or the next task."""
    ends: dict[int, int] = {}
    open_sections: list[_Block] = []
    for h in headings:  # one pass: each heading closes the open sections it outranks
        while open_sections and open_sections[-1].level >= h.level:
            ends[open_sections.pop().start] = h.start
        open_sections.append(h)
    tasks = []
    for index, h in enumerate(chosen):
        end = ends.get(h.start, len(lines))
        if index + 1 < len(chosen):
            end = min(end, chosen[index + 1].start)
        tasks.append(PlanTask(_plain(h.text), h.start + 1, _body(lines, h.start, end)))
    return tasks


def _label_tasks(labels: list[_Block], headings: list[_Block], lines: list[str]) -> list[PlanTask]:
    tasks = []
    for index, label in enumerate(labels):
        stops = [b.start for b in labels[index + 1:index + 2]]
        stops += [h.start for h in headings if h.start > label.start]
        end = min(stops, default=len(lines))
        tasks.append(PlanTask(_plain(lines[label.start]), label.start + 1,
                              _body(lines, label.start, end)))
    return tasks


def _item_tasks(items: list[_Block], lines: list[str]) -> list[PlanTask]:
    return [PlanTask(_short_title(item.text), item.start + 1,
                     _body(lines, item.start, item.end)) for item in items]


def _short_title(text: str, limit: int = 60) -> str:
    """A checklist item's title: its first clause, without inline code ticks."""
    title = re.split(r"[:;]\s|\.\s|\s[(–—]", _plain(text), maxsplit=1)[0].strip()
    return title if len(title) <= limit else title[: limit - 1].rstrip() + "…"


def _assign_heading_groups(tasks: list[PlanTask], headings: list[_Block]) -> None:
    """Tasks under "## Phase 1", "## Wave 2" … form execution groups, in document order."""
    groups = [h for h in headings if _GROUP_HEADING.match(_plain(h.text))]
    if not groups:
        return
    for task in tasks:
        above = [i for i, g in enumerate(groups) if g.start + 1 < task.line]
        if above and not _TASK_HEADING.match(_plain(groups[above[-1]].text)):
            task.group = above[-1]


def _dependency_refs(body: list[tuple[int, str]]) -> list[str]:
    refs: list[str] = []
    for _, line in body[1:]:
        match = _DEPENDS.match(line)
        if match:
            value = re.sub(r"[*_`]", "", match.group(1))
            if value.strip().lower() in ("none", "nothing", "-", "n/a"):
                continue
            refs += [r.strip() for r in re.split(r",|;|\band\b", value) if r.strip()]
    return refs


# --- structured -----------------------------------------------------------------------------

_TASK_LISTS = ("tasks", "subtasks", "items", "steps", "workstreams", "jobs", "agents", "todos")
_GROUP_LISTS = ("execution_groups", "executionGroups", "groups", "phases", "waves",
                "parallel_groups", "parallelGroups", "stages", "batches")
_ID_FIELDS = ("id", "key", "name", "title", "slug")
_TITLE_FIELDS = ("title", "name", "id", "key")
_TEXT_FIELDS = ("description", "prompt", "details", "body", "instructions", "steps", "notes",
                "acceptance_criteria", "acceptanceCriteria", "test", "test_command",
                "testCommand", "command", "commands", "setup", "run")
_FILE_FIELDS = {
    "files": Mode.WRITE, "files_to_edit": Mode.WRITE, "filesToEdit": Mode.WRITE,
    "files_to_modify": Mode.WRITE, "files_affected": Mode.WRITE, "filesAffected": Mode.WRITE,
    "files_to_create": Mode.CREATE, "files_to_read": Mode.READ, "context_files": Mode.READ,
    "read_files": Mode.READ, "modify": Mode.WRITE, "edit": Mode.WRITE, "create": Mode.CREATE,
    "read": Mode.READ, "delete": Mode.WRITE, "write": Mode.WRITE,
}
_DEPENDENCY_FIELDS = ("depends_on", "dependencies", "dependsOn", "deps", "after", "blocked_by",
                      "blockedBy", "needs")
_GROUP_FIELDS = ("group", "phase", "wave", "stage", "batch", "execution_group")


def _parse_structured(path: str, text: str, suffix: str) -> Any:
    try:
        if suffix == ".json":
            return json.loads(text)
        if suffix == ".toml":
            return tomllib.loads(text)
        from analyzer.parsers.yaml_safe import load_yaml

        return load_yaml(text, path)  # aliases bounded: no bomb, no recursive alias
    except InputError:
        raise
    except json.JSONDecodeError as exc:
        raise InputError(f"invalid JSON: {exc.msg}", path, exc.lineno) from None
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"line (\d+)", str(exc))
        line = int(match.group(1)) if match else None
        raise InputError(f"invalid TOML: {exc}", path, line) from None
    except Exception as exc:  # yaml.YAMLError, imported lazily
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        line = mark.line + 1 if mark else None
        raise InputError(f"invalid YAML: {problem}", path, line) from None


def _find_task_list(data: Any) -> tuple[list[Any] | None, Any]:
    if isinstance(data, list):
        return data, None
    if not isinstance(data, dict):
        return None, None
    for key in _TASK_LISTS:
        if isinstance(data.get(key), list):
            return data[key], data
    for value in data.values():  # one level down: {"plan": {"tasks": [...]}}
        if isinstance(value, dict):
            found, container = _find_task_list(value)
            if found is not None:
                return found, container
    return None, None


def _read_structured(path: str, text: str, suffix: str) -> Plan:
    data = _parse_structured(path, text, suffix)
    raw_tasks, container = _find_task_list(data)
    if not raw_tasks or not all(isinstance(t, dict) for t in raw_tasks):
        raise InputError("no list of tasks found (expected a top-level list or a \"tasks\" key)\n"
                         + ACCEPTED_SHAPES, path)
    lines = text.splitlines()
    starts = _task_start_lines(raw_tasks, lines)
    tasks: list[PlanTask] = []
    for number, raw in enumerate(raw_tasks, 1):
        title = str(next((raw[k] for k in _TITLE_FIELDS if raw.get(k) not in (None, "")),
                         f"task {number}"))
        task_id = str(next((raw[k] for k in _ID_FIELDS if raw.get(k) not in (None, "")), number))
        line = starts[number - 1]
        end = starts[number] if number < len(starts) else len(lines) + 1

        def locate(value: str, line: int = line, end: int = end) -> int:
            return _find_line(lines, value, line - 1, end - 1) or line

        task = PlanTask(title, line, id=task_id)
        task.body = [(line, title)] + [
            (locate(fragment), fragment)
            for key in _TEXT_FIELDS for text_value in _strings(raw.get(key))
            for fragment in text_value.splitlines() if fragment.strip()
        ]
        task.files = _declared_files(raw, locate)
        task.depends_on = [str(d) for key in _DEPENDENCY_FIELDS for d in _as_list(raw.get(key))]
        group = next((raw[k] for k in _GROUP_FIELDS if raw.get(k) is not None), None)
        task.group = _group_index(group)
        tasks.append(task)
    if isinstance(container, dict):
        _assign_declared_groups(tasks, container, path)
    shape = {".json": "JSON", ".toml": "TOML"}.get(suffix, "YAML")
    return Plan(path, shape, tasks)


def _strings(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _declared_files(raw: dict[str, Any], locate: Callable[[str], int]) -> list[DeclaredFile]:
    files: list[DeclaredFile] = []
    for key, mode in _FILE_FIELDS.items():
        value = raw.get(key)
        if isinstance(value, dict):
            for sub, paths in value.items():
                sub_mode = _FILE_FIELDS.get(sub, mode)
                files += [DeclaredFile(str(p), sub_mode, locate(str(p))) for p in _as_list(paths)]
        else:
            files += [DeclaredFile(p, mode, locate(p)) for p in _as_list(value)
                      if isinstance(p, str)]
    return files


def _group_index(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, int):
        return value
    digits = re.search(r"\d{1,9}", str(value))  # bounded: int() refuses 4,300+ digits
    return int(digits.group()) if digits else None


def _assign_declared_groups(tasks: list[PlanTask], container: dict[str, Any], path: str) -> None:
    groups = next((container[k] for k in _GROUP_LISTS if isinstance(container.get(k), list)), None)
    if not groups:
        return
    by_ref = {}
    for task in tasks:
        by_ref[task.id] = task
        by_ref.setdefault(task.title, task)
    for index, group in enumerate(groups):
        members = group
        if isinstance(group, dict):
            members = next((group[k] for k in ("tasks", "task_ids", "taskIds", "ids", "members")
                            if k in group), [])
        for ref in _as_list(members):
            member = by_ref.get(str(ref))
            if member is None:
                raise InputError(f"execution group {index + 1} names unknown task {ref!r}", path)
            member.group = index


def _task_start_lines(raw_tasks: list[dict[str, Any]], lines: list[str]) -> list[int]:
    """The line each task starts on: where its id or title first appears, in order."""
    starts: list[int] = []
    position = 0
    for raw in raw_tasks:
        found = None
        for key in (*_ID_FIELDS, *_TITLE_FIELDS):
            if raw.get(key) not in (None, ""):
                found = _find_line(lines, str(raw[key]), position, len(lines))
                if found:
                    break
        line = found or position + 1
        starts.append(line)
        position = line  # the next task starts after this line
    return starts


def _find_line(lines: list[str], value: str, start: int, end: int) -> int | None:
    """1-based line in lines[start:end] holding value, as written or JSON-escaped."""
    needle = value.strip()[:40]
    if not needle:
        return None
    encoded = json.dumps(needle)[1:-1]
    for i in range(max(start, 0), min(end, len(lines))):
        if needle in lines[i] or encoded in lines[i]:
            return i + 1
    return None
