"""Orchestrator work packages (YAML): `packages:` with `package_id`, `depends_on`,
`locks.files`, `scope.write_allow` / `read_allow`. A package's write scope and locked files
are what it declares it writes."""

from __future__ import annotations

from typing import Any

from analyzer.model import Mode
from analyzer.sources.plan.document import Document
from analyzer.sources.plan.model import DeclaredFile, Plan
from analyzer.sources.plan.structured import Locator, as_list, task_from

SHAPE = "work-packages"
DESCRIPTION = "work packages"

_LISTS = ("packages", "work_packages", "workPackages")


def _packages(data: Any) -> list[dict[str, Any]]:
    if not isinstance(data, dict):
        return []
    found: list[Any] = next((data[k] for k in _LISTS if isinstance(data.get(k), list)), [])
    return [p for p in found if isinstance(p, dict)]


def score(doc: Document) -> tuple[float, str]:
    if not doc.structured:
        return 0.0, ""
    packages = _packages(doc.data)
    if not packages:
        return 0.0, ""
    with_scope = sum(1 for p in packages if "scope" in p or "locks" in p or "package_id" in p)
    return 0.6 + 0.3 * with_scope / len(packages), f"{len(packages)} work packages"


def read(doc: Document) -> Plan:
    locator = Locator(doc.lines)
    tasks = []
    for number, raw in enumerate(_packages(doc.data), 1):
        task = task_from(raw, number, locator, ("package_id", "id", "name"))
        locate = locator.finder(task.line, task.line + 400)
        scope: dict[str, Any] = raw["scope"] if isinstance(raw.get("scope"), dict) else {}
        locks: dict[str, Any] = raw["locks"] if isinstance(raw.get("locks"), dict) else {}
        declared = [(p, Mode.WRITE) for p in as_list(scope.get("write_allow"))]
        declared += [(p, Mode.WRITE) for p in as_list(locks.get("files"))]
        declared += [(p, Mode.READ) for p in as_list(scope.get("read_allow"))]
        seen = {f.path for f in task.files}
        for path, mode in declared:
            if isinstance(path, str) and path not in seen:
                seen.add(path)
                task.files.append(DeclaredFile(path, mode, locate(path)))
        tasks.append(task)
    return Plan(doc.path, SHAPE, tasks)
