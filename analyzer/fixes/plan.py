"""`plan --fix`: the plan rewritten in its own format so its tasks stop colliding.

Runtime collisions keep the tasks parallel: a port of its own for each dev server after the
first, a database name of its own for each task after the first. Every other warning or error
between tasks that may run at the same time becomes an order: the later task (by the proposed
schedule's waves, then by plan order) depends on the earlier one, written the way the plan
writes dependencies (`Depends on:` lines in markdown, `[P]` dropped or a dependency bullet in
spec-kit, `dependencies` / `depends_on` in JSON, YAML and TOML, ccpm front matter).
"""

from __future__ import annotations

import itertools
import json
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from analyzer.fixes.edits import FileEdit
from analyzer.index import closure
from analyzer.model import Finding, Kind, Severity, Workstream
from analyzer.sources.plan.model import Plan, PlanTask

PORT_RULE, DATABASE_RULE = "CS401", "CS402"
_SERVER = re.compile(
    r"(?P<cmd>\b(?:uvicorn|hypercorn|fastapi\s+(?:dev|run)|flask\s+run|streamlit\s+run)"
    r"(?:\s+[^\s`'\";|&]+){0,6}?)(?=[`'\";|&]|\s*$|\s+(?:and|then)\b)")
_RUNSERVER = re.compile(r"\bmanage\.py\s+runserver\b")


@dataclass
class PlanFix:
    """What `plan --fix` changes: edited texts by file, and what it could not express."""

    texts: dict[str, str]  # path -> new text
    original: dict[str, str] = field(default_factory=dict)  # the texts it started from
    orders: dict[str, list[str]] = field(default_factory=dict)  # task -> tasks it now follows
    ports: dict[str, int] = field(default_factory=dict)  # task -> its new port
    databases: dict[str, str] = field(default_factory=dict)  # task -> its new database name
    left: list[str] = field(default_factory=list)  # what could not be written, and why

    def edits(self) -> list[FileEdit]:
        return [FileEdit(path, self.original.get(path), text)
                for path, text in self.texts.items() if text != self.original.get(path)]


def fix_plan(plan: Plan, workstreams: Sequence[Workstream], findings: Iterable[Finding],
             texts: dict[str, str]) -> PlanFix:
    tasks = dict(zip((ws.id for ws in workstreams), plan.tasks, strict=True))
    # The later task in the plan waits: an order that stays the same from round to round,
    # so orders written in different rounds can never form a cycle.
    plan_order = {ws.id: n for n, ws in enumerate(workstreams)}

    def rank(ws_id: str) -> int:
        return plan_order.get(ws_id, len(plan_order))

    result = PlanFix(dict(texts), original=texts)
    used_ports = {int(t.resource.key) for ws in workstreams for t in ws.touches
                  if t.resource.kind is Kind.PORT and t.resource.key.isdigit()}
    edges: dict[str, set[str]] = defaultdict(set)
    for finding in findings:
        if finding.severity is Severity.NOTE or len(finding.workstreams) < 2:
            continue
        ranked = sorted((w for w in finding.workstreams if w in tasks), key=rank)
        if finding.rule == PORT_RULE and finding.resource and finding.resource.key.isdigit():
            for ws_id in ranked[1:]:
                port = max(used_ports) + 1
                if _new_port(result, tasks[ws_id], plan, int(finding.resource.key), port):
                    used_ports.add(port)
                    result.ports[ws_id] = port
                else:
                    edges[ws_id].add(ranked[0])
            continue
        if finding.rule == DATABASE_RULE and finding.resource:
            for n, ws_id in enumerate(ranked[1:], 2):
                name = _new_database(result, tasks[ws_id], plan, finding.resource.key, n)
                if name:
                    result.databases[ws_id] = name
                else:
                    edges[ws_id].add(ranked[0])
            continue
        for earlier, later in itertools.pairwise(ranked):
            edges[later].add(earlier)
    # bottom-up, so that lines inserted for one task never move the lines of the next
    # an order already there, either way round, is never written again (nor made a cycle)
    prerequisites = closure({ws.id: ws.depends_on for ws in workstreams})
    for ws_id, before in sorted(edges.items(), key=lambda item: -tasks[item[0]].line):
        refs = sorted((b for b in before if ws_id not in prerequisites.get(b, set())
                       and b not in prerequisites.get(ws_id, set())), key=rank)
        if refs:
            why = _write_order(result, plan, tasks, ws_id, refs)
            if why:
                result.left.append(f"{ws_id}: {why}")
            else:
                result.orders[ws_id] = refs
    return result


def _span(task: PlanTask) -> tuple[int, int]:
    lines = [task.line, *(n for n, _ in task.body)]
    return min(lines), max(lines)


def _rewrite_in_task(result: PlanFix, task: PlanTask, plan: Plan,
                     pattern: re.Pattern[str], new: str) -> bool:
    path = task.path or plan.path
    lines = result.texts[path].splitlines(keepends=True)
    first, last = _span(task)
    changed = False
    for index in range(first - 1, min(last, len(lines))):
        rewritten = pattern.sub(new, lines[index])
        changed |= rewritten != lines[index]
        lines[index] = rewritten
    result.texts[path] = "".join(lines)
    return changed


def _new_port(result: PlanFix, task: PlanTask, plan: Plan, old: int, new: int) -> bool:
    """The task's dev server on `new`: its literal port rewritten, or a `--port` added to
    its server command where it relied on the default."""
    if _rewrite_in_task(result, task, plan, re.compile(rf"(?<![\d.]){old}(?!\d)"), str(new)):
        return True
    if _rewrite_in_task(result, task, plan, _RUNSERVER, f"manage.py runserver {new}"):
        return True
    return _rewrite_in_task(result, task, plan, _SERVER, rf"\g<cmd> --port {new}")


def _new_database(result: PlanFix, task: PlanTask, plan: Plan, key: str, n: int) -> str:
    name = key.rstrip("/").rsplit("/", 1)[-1].split("?", 1)[0]
    if not re.fullmatch(r"[\w.-]{1,80}", name):
        return ""
    stem, dot, suffix = name.rpartition(".") if name.endswith((".db", ".sqlite",
                                                             ".sqlite3")) else (name, "", "")
    new = f"{stem}_{n}{dot}{suffix}" if dot else f"{name}_{n}"
    pattern = re.compile(rf"(?<![\w.-]){re.escape(name)}(?![\w-])")
    return new if _rewrite_in_task(result, task, plan, pattern, new) else ""


# --- writing an order in the plan's own format -------------------------------------------


def _write_order(result: PlanFix, plan: Plan, tasks: dict[str, PlanTask], ws_id: str,
                 refs: list[str]) -> str:
    """Write "ws_id runs after refs"; return why it could not be written, or ""."""
    task = tasks[ws_id]
    path = task.path or plan.path
    labels = [_reference(tasks[r], r) for r in refs]
    if path.endswith(".json"):
        return _json_order(result, path, task, labels)
    if path.endswith((".yaml", ".yml")):
        return _yaml_order(result, path, task, labels)
    if path.endswith(".toml"):
        return _toml_order(result, path, task, labels)
    if plan.shape == "ccpm":
        return _front_matter_order(result, path, labels)
    if plan.shape == "spec-kit" and task.marked and all(tasks[r].stage == task.stage
                                                        for r in refs):
        return _drop_parallel_marker(result, path, task)
    return _markdown_order(result, path, task, labels, bullet=plan.shape in (
        "spec-kit", "checklist"))


def _reference(task: PlanTask, ws_id: str) -> str:
    """How the plan names a task: its id, else the "Task 3" / "Agent 2" its title opens with,
    else its whole title."""
    if task.id:
        return task.id
    numbered = re.match(r"^((?:task|agent|track|lane|session|step|story)\s+#?\w{1,8})\b",
                        task.title, re.IGNORECASE)
    return numbered.group(1) if numbered else ws_id


def _markdown_order(result: PlanFix, path: str, task: PlanTask, labels: list[str],
                    bullet: bool) -> str:
    lines = result.texts[path].splitlines(keepends=True)
    first, last = task.line, _span(task)[1]
    for index in range(first, min(last, len(lines))):  # an existing label: extend it
        match = re.match(r"^(\s*[-*]?\s*(?:\*\*)?depends on(?:\*\*)?\s*:\s*(?:\*\*)?)(.*)$",
                         lines[index].rstrip("\n"), re.IGNORECASE)
        if match:
            value = match.group(2).strip()
            joined = ", ".join([value, *labels]) if value and value.lower() != "none" \
                else ", ".join(labels)
            lines[index] = f"{match.group(1)}{joined}\n"
            result.texts[path] = "".join(lines)
            return ""
    head = lines[first - 1]
    indent = re.match(r"^(\s*)", head).group(1)  # type: ignore[union-attr]
    if bullet:
        new = f"{indent}  - Depends on: {', '.join(labels)}\n"
    else:
        new = f"\nDepends on: {', '.join(labels)}\n"
    lines.insert(first, new)
    result.texts[path] = "".join(lines)
    return ""


def _drop_parallel_marker(result: PlanFix, path: str, task: PlanTask) -> str:
    lines = result.texts[path].splitlines(keepends=True)
    line = lines[task.line - 1]
    new = re.sub(r"\s?\[P\]", "", line, count=1)
    if new == line:
        return "no [P] marker to remove on its line"
    lines[task.line - 1] = new
    result.texts[path] = "".join(lines)
    return ""


def _json_order(result: PlanFix, path: str, task: PlanTask, labels: list[str]) -> str:
    text = result.texts[path]
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        return "the JSON does not parse"
    entry = _find_task(data, task)
    if entry is None:
        return "its entry was not found by id"
    key = next((k for k in ("dependencies", "depends_on", "dependsOn") if k in entry),
               "dependencies")
    current = entry.get(key) or []
    if not isinstance(current, list):
        return f"its {key} is not a list"
    numeric = all(isinstance(v, int) for v in current) and all(lab.isdigit() for lab in labels)
    additions = [int(lab) if numeric else lab for lab in labels]
    entry[key] = current + [a for a in additions if a not in current]
    indent = _json_indent(text)
    result.texts[path] = json.dumps(data, indent=indent, ensure_ascii=False) + (
        "\n" if text.endswith("\n") else "")
    return ""


def _json_indent(text: str) -> int:
    match = re.search(r"\n( +)\S", text)
    return len(match.group(1)) if match else 2


def _find_task(data: object, task: PlanTask) -> dict[str, object] | None:
    """The dict whose id (or name/title) is the task's, anywhere in the document."""
    stack = [data]
    wanted = {task.id, task.title} - {""}
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            for key in ("id", "name", "title"):
                if key in node and str(node[key]) in wanted:
                    return node
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return None


def _yaml_order(result: PlanFix, path: str, task: PlanTask, labels: list[str]) -> str:
    lines = result.texts[path].splitlines(keepends=True)
    last = _span(task)[1]
    key_line = lines[task.line - 1]
    match = re.match(r"^(\s*)(-\s+)?", key_line)
    indent = len(match.group(1)) + len(match.group(2) or "") if match else 0
    pad = " " * indent
    for index in range(task.line - 1, min(max(last, task.line), len(lines))):
        found = re.match(r"^(\s*(?:-\s+)?)(depends_on|dependencies|dependsOn)\s*:\s*(.*)$",
                         lines[index].rstrip("\n"))
        if found and len(found.group(1)) == indent:
            value = found.group(3).split("#", 1)[0].strip()
            if value.startswith("[") and value.endswith("]"):
                items = [v.strip() for v in value[1:-1].split(",") if v.strip()]
                lines[index] = (f"{found.group(1)}{found.group(2)}: "
                                f"[{', '.join(items + labels)}]\n")
            elif not value:
                lines[index + 1:index + 1] = [f"{pad}  - {label}\n" for label in labels]
            else:
                return f"its {found.group(2)} is written in a form not edited automatically"
            result.texts[path] = "".join(lines)
            return ""
    lines.insert(task.line, f"{pad}depends_on: [{', '.join(labels)}]\n")
    result.texts[path] = "".join(lines)
    return ""


def _toml_order(result: PlanFix, path: str, task: PlanTask, labels: list[str]) -> str:
    import tomlkit

    document = tomlkit.parse(result.texts[path])
    entry = _find_task(document, task)
    if entry is None:
        return "its entry was not found by id"
    key = next((k for k in ("depends_on", "dependencies", "dependsOn") if k in entry),
               "depends_on")
    current = list(entry.get(key) or [])  # type: ignore[call-overload]
    entry[key] = current + [lab for lab in labels if lab not in current]
    result.texts[path] = tomlkit.dumps(document)
    return ""


def _front_matter_order(result: PlanFix, path: str, labels: list[str]) -> str:
    lines = result.texts[path].splitlines(keepends=True)
    if not lines or lines[0].strip() != "---":
        return "the task file has no front matter"
    end = next((i for i in range(1, len(lines)) if lines[i].strip() == "---"), None)
    if end is None:
        return "the front matter is not closed"
    for index in range(1, end):
        found = re.match(r"^depends_on\s*:\s*\[(.*?)\](.*)$", lines[index].rstrip("\n"))
        if found:
            items = [v.strip() for v in found.group(1).split(",") if v.strip()]
            lines[index] = f"depends_on: [{', '.join(items + labels)}]{found.group(2)}\n"
            break
    else:
        lines.insert(end, f"depends_on: [{', '.join(labels)}]\n")
    result.texts[path] = "".join(lines)
    return ""

