"""`pyproject.toml` dependencies and version (PEP 621, PEP 735, poetry), read with tomllib:
reading is tomllib's job, tomlkit's is editing while keeping the format."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from analyzer.errors import reading
from analyzer.parsers.names import canonicalize_name
from analyzer.parsers.toml_tables import TomlDocument, load_toml


@dataclass(frozen=True)
class Dependency:
    """One dependency of a pyproject.toml, with the table it sits in."""

    name: str  # canonical
    spec: str
    group: str  # "project", "optional:dev", "group:test", "poetry", "poetry:group:dev"
    line: int


@dataclass
class PyprojectFacts:
    """A pyproject.toml's dependencies and version."""

    dependencies: list[Dependency] = field(default_factory=list)
    version: tuple[str, int] | None = None  # (version, line)

    def by_key(self) -> dict[tuple[str, str], Dependency]:
        return {(d.group, d.name): d for d in self.dependencies}


_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*(.*)$")
# What a line says, for finding lines: its quoted strings, and the key it starts with.
_STRING = re.compile(r'"([^"\\\n]*(?:\\.[^"\\\n]*)*)"|\'([^\'\n]*)\'')
_KEY = re.compile(r'\s*["\']?([A-Za-z0-9_.-]+)["\']?\s*=')


def parse_pyproject(text: str, path: str) -> PyprojectFacts:
    with reading(path):
        doc = TomlDocument(load_toml(text, path), path, text)
        return _facts(doc, _LineIndex(text))


def _facts(doc: TomlDocument, lines: _LineIndex) -> PyprojectFacts:
    facts = PyprojectFacts()
    project = doc.table(doc.data, "project")
    for entry in doc.strings(project, "dependencies", "project"):
        facts.dependencies.append(_pep508(entry, "project", lines))
    optional = doc.table(project, "optional-dependencies", "project")
    for extra in optional:
        entries = doc.strings(optional, extra, "project.optional-dependencies")
        facts.dependencies += [_pep508(e, f"optional:{extra}", lines) for e in entries]
    groups = doc.table(doc.data, "dependency-groups")
    for group in groups:  # PEP 735: strings, and {include-group = "…"} tables
        entries = doc.array(groups, group, "dependency-groups")
        facts.dependencies += [_pep508(e, f"group:{group}", lines) for e in entries
                               if isinstance(e, str)]
    poetry = doc.table(doc.table(doc.data, "tool"), "poetry", "tool")
    tables = {"poetry": doc.table(poetry, "dependencies", "tool.poetry"),
              "poetry:dev": doc.table(poetry, "dev-dependencies", "tool.poetry")}
    poetry_groups = doc.table(poetry, "group", "tool.poetry")
    for group in poetry_groups:
        body = doc.table(poetry_groups, group, "tool.poetry.group")
        tables[f"poetry:group:{group}"] = doc.table(body, "dependencies",
                                                    f"tool.poetry.group.{group}")
    for group, table in tables.items():
        for name, value in table.items():
            if name.lower() == "python":
                continue
            facts.dependencies.append(Dependency(canonicalize_name(name), _poetry_spec(value),
                                                 group, lines.key(name)))
    version = project.get("version") or poetry.get("version")
    if isinstance(version, str):
        facts.version = (version, lines.key("version"))
    return facts


class _LineIndex:
    """The first line of each quoted string and of each key, found in one pass: looking each
    dependency up in the whole text again made large files quadratic."""

    def __init__(self, text: str):
        self.strings: dict[str, int] = {}
        self.keys: dict[str, int] = {}
        for number, line in enumerate(text.splitlines(), 1):
            if "=" in line:
                key = _KEY.match(line)
                if key:
                    self.keys.setdefault(key.group(1), number)
            if '"' in line or "'" in line:
                for match in _STRING.finditer(line):
                    value = match.group(1) if match.group(1) is not None else match.group(2)
                    self.strings.setdefault(value, number)

    def string(self, value: str) -> int:
        return self.strings.get(value, 0)

    def key(self, name: str) -> int:
        return self.keys.get(name, 0)


def _pep508(entry: str, group: str, lines: _LineIndex) -> Dependency:
    match = _NAME.match(entry)
    name = match.group(1) if match else entry
    spec = match.group(3).strip() if match else ""
    return Dependency(canonicalize_name(name), spec, group, lines.string(entry))


def _poetry_spec(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return str(value.get("version") or value.get("git") or value.get("path") or value)
    return str(value)
