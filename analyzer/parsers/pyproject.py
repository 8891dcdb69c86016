"""`pyproject.toml` dependencies and version, parsed with tomlkit (PEP 621, PEP 735, poetry)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from analyzer.errors import InputError
from analyzer.parsers.names import canonicalize_name


@dataclass(frozen=True)
class Dependency:
    name: str  # canonical
    spec: str
    group: str  # "project", "optional:dev", "group:test", "poetry", "poetry:group:dev"
    line: int


@dataclass
class PyprojectFacts:
    dependencies: list[Dependency] = field(default_factory=list)
    version: tuple[str, int] | None = None  # (version, line)

    def by_key(self) -> dict[tuple[str, str], Dependency]:
        return {(d.group, d.name): d for d in self.dependencies}


_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*(.*)$")


def parse_pyproject(text: str, path: str) -> PyprojectFacts:
    import tomlkit
    from tomlkit.exceptions import ParseError

    try:
        data = tomlkit.parse(text).unwrap()
    except ParseError as exc:
        raise InputError(f"does not parse as TOML: {exc}", path, exc.line) from None
    lines = text.splitlines()
    facts = PyprojectFacts()
    project = data.get("project", {})
    for entry in project.get("dependencies", []) or []:
        facts.dependencies.append(_pep508(entry, "project", lines))
    for extra, entries in (project.get("optional-dependencies", {}) or {}).items():
        facts.dependencies += [_pep508(e, f"optional:{extra}", lines) for e in entries]
    for group, entries in (data.get("dependency-groups", {}) or {}).items():
        facts.dependencies += [_pep508(e, f"group:{group}", lines) for e in entries
                               if isinstance(e, str)]
    poetry = data.get("tool", {}).get("poetry", {})
    tables = {"poetry": poetry.get("dependencies", {}),
              "poetry:dev": poetry.get("dev-dependencies", {})}
    for group, body in (poetry.get("group", {}) or {}).items():
        tables[f"poetry:group:{group}"] = body.get("dependencies", {})
    for group, table in tables.items():
        for name, value in (table or {}).items():
            if name.lower() == "python":
                continue
            facts.dependencies.append(Dependency(canonicalize_name(name), _poetry_spec(value),
                                                 group, _line_of(lines, name)))
    version = project.get("version") or poetry.get("version")
    if isinstance(version, str):
        facts.version = (version, _line_of(lines, "version"))
    return facts


def _pep508(entry: Any, group: str, lines: list[str]) -> Dependency:
    match = _NAME.match(str(entry))
    name = match.group(1) if match else str(entry)
    spec = match.group(3).strip() if match else ""
    return Dependency(canonicalize_name(name), spec, group, _line_of(lines, str(entry)))


def _poetry_spec(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return str(value.get("version") or value.get("git") or value.get("path") or value)
    return str(value)


def _line_of(lines: list[str], needle: str) -> int:
    for number, line in enumerate(lines, 1):
        if needle in line:
            return number
    return 0
