"""Requirements files, parsed with pip-requirements-parser: names, specifiers, lines, includes."""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field

from packaging.utils import canonicalize_name


@dataclass(frozen=True)
class Requirement:
    name: str  # canonical
    spec: str  # "==2.31.0", ">=4,<5", "" (any), or the URL for direct references
    line: int
    text: str


@dataclass
class RequirementsFacts:
    requirements: list[Requirement] = field(default_factory=list)
    includes: list[tuple[str, str, int]] = field(default_factory=list)  # (-r|-c, path, line)
    invalid: list[tuple[int, str]] = field(default_factory=list)  # (line, message)

    def by_name(self) -> dict[str, list[Requirement]]:
        result: dict[str, list[Requirement]] = {}
        for req in self.requirements:
            result.setdefault(req.name, []).append(req)
        return result


def parse_requirements(text: str) -> RequirementsFacts:
    """Parse text as pip does. The parser reads files only, so the text goes into a file of
    our own temporary directory, never into the scanned repository."""
    from pip_requirements_parser import RequirementsFile

    handle, path = tempfile.mkstemp(suffix=".txt", prefix="conflictscan-")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", errors="surrogateescape") as out:
            out.write(text)
        parsed = RequirementsFile.from_file(path, include_nested=False)
    finally:
        os.unlink(path)
    facts = RequirementsFacts()
    for req in parsed.requirements:
        if not req.name:
            continue
        spec = str(req.specifier or "") or (req.link.url if getattr(req, "link", None) else "")
        facts.requirements.append(Requirement(canonicalize_name(req.name), spec,
                                              req.line_number or 0, (req.line or "").strip()))
    for option in parsed.options:
        for kind, key in (("-r", "requirements"), ("-c", "constraints")):
            for target in option.options.get(key, []):
                facts.includes.append((kind, target, option.line_number or 0))
    facts.invalid = [(line.line_number or 0, (line.error_message or "").split("\n")[0])
                     for line in parsed.invalid_lines]
    return facts
