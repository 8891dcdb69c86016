"""Requirements files, parsed with pip-requirements-parser: names, specifiers, lines, includes."""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass, field
from functools import lru_cache

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


# `name[extras] specifier ; marker  # comment`: the common line, read with packaging.
_SIMPLE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*\s*(\[[^\]]*\])?\s*([<>=!~][^;#]*)?"
                     r"(;[^#]*)?(\s+#.*)?$")


@lru_cache(maxsize=256)
def parse_requirements(text: str) -> RequirementsFacts:
    """Parse text as pip does.

    pip-requirements-parser builds an option parser for every line (about half a
    millisecond each), so plain `name[extras] spec ; marker` lines are read with packaging,
    which is what it uses for them too; every other line (options, includes, URLs,
    editables, continuations) goes to pip-requirements-parser. Results are cached by text:
    most branches share most versions of a file.
    """
    from packaging.requirements import InvalidRequirement
    from packaging.requirements import Requirement as Parsed

    facts = RequirementsFacts()
    others: list[str] = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            others.append("")
            continue
        if _SIMPLE.match(line) and not raw.rstrip().endswith("\\"):
            try:
                parsed = Parsed(line.split(" #", 1)[0].strip())
            except InvalidRequirement:
                parsed = None
            if parsed is not None:
                facts.requirements.append(Requirement(canonicalize_name(parsed.name),
                                                      str(parsed.specifier), number, line))
                others.append("")
                continue
        others.append(raw)
    if any(others):
        _parse_with_pip(others, facts)
        facts.requirements.sort(key=lambda r: r.line)
    return facts


def _parse_with_pip(lines: list[str], facts: RequirementsFacts) -> None:
    """The lines packaging could not take, at their own line numbers (others left blank).
    The parser reads files only, so they go into a file of our own temporary directory,
    never into the scanned repository."""
    from pip_requirements_parser import RequirementsFile

    from analyzer.tempfiles import shared_private_dir

    handle, path = tempfile.mkstemp(suffix=".txt", dir=shared_private_dir())
    try:
        with os.fdopen(handle, "w", encoding="utf-8", errors="surrogateescape") as out:
            out.write("\n".join(lines) + "\n")
        parsed = RequirementsFile.from_file(path, include_nested=False)
    finally:
        os.unlink(path)
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
