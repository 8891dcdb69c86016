"""Inline suppressions, as `# noqa` works for linters: a comment on a finding's line, or alone
on the line just above it, accepts that finding.

    httpx==0.27  # conflictscan: ignore[CS204]
    down_revision = "a1"  # conflictscan: ignore[CS301, CS302]
    <!-- conflictscan: ignore CS401 -->

Codes are rule ids or prefixes (`CS2`). A suppression that accepts nothing is reported, so
stale ones do not pile up.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from analyzer.model import Finding

_COMMENT = re.compile(
    r"conflictscan:\s*ignore(?:\[(?P<bracket>[^\]\n]{1,200})\]|[ \t]+(?P<plain>CS\d{1,3}"
    r"(?:\s*,\s*CS\d{1,3})*))", re.IGNORECASE)
_CODE = re.compile(r"^CS\d{0,3}$", re.IGNORECASE)


@dataclass(frozen=True)
class Suppression:
    """An inline `conflictscan: ignore` comment: its file, line and rules."""

    path: str
    line: int
    codes: tuple[str, ...]

    def covers(self, rule: str) -> bool:
        return any(rule.startswith(code) for code in self.codes)

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: unused suppression ignore[{', '.join(self.codes)}]"


def suppressions_in(path: str, text: str) -> list[Suppression]:
    found: list[Suppression] = []
    if text.isascii() and "conflictscan" not in text.lower():
        return found  # most files: no comment at all (non-ASCII case folding: ask each line)
    for number, line in enumerate(text.splitlines(), 1):
        match = _COMMENT.search(line)
        if match:
            words = (match.group("bracket") or match.group("plain")).replace(",", " ").split()
            codes = tuple(w.upper() for w in words if _CODE.match(w))
            if codes:
                found.append(Suppression(path, number, codes))
    return found


Source = Callable[[str, str], str | None]  # (workstream, path) -> that version's text


def apply_suppressions(findings: list[Finding], text_of: Source
                       ) -> tuple[list[Finding], int, list[Suppression]]:
    """(kept, how many were suppressed, unused suppressions in the files read)."""
    cache: dict[tuple[str, str], list[Suppression]] = {}
    parsed: dict[tuple[str, str], list[Suppression]] = {}  # many owners share one text

    def near(owner: str, path: str, line: int) -> list[Suppression]:
        if (owner, path) not in cache:
            text = text_of(owner, path)
            if text and (path, text) not in parsed:
                parsed[(path, text)] = suppressions_in(path, text)
            cache[(owner, path)] = parsed[(path, text)] if text else []
        return [s for s in cache[(owner, path)] if s.line in (line, line - 1)]

    used: set[Suppression] = set()
    kept = []
    for finding in findings:
        owners = list(finding.evidence_of) + [""] * len(finding.evidence)
        matching = [s for evidence, owner in zip(finding.evidence, owners, strict=False)
                    if evidence.path and evidence.line
                    for s in near(owner, evidence.path, evidence.line) if s.covers(finding.rule)]
        if matching:
            used.update(matching)
        else:
            kept.append(finding)
    # one entry per text read (workstreams share one), and a suppression said once
    unused = list(dict.fromkeys(s for found in parsed.values() for s in found if s not in used))
    return kept, len(findings) - len(kept), unused
