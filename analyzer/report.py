"""What a scan produced, handed whole to a reporter."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from analyzer.catalog import Catalog
from analyzer.errors import InputError
from analyzer.model import Finding, Severity, Stage, Workstream

if TYPE_CHECKING:  # the scheduler loads with plans only: the hook never needs it
    from analyzer.schedule import Schedule


@dataclass(frozen=True)
class Report:
    """Everything a reporter renders: the findings and where they come from."""

    mode: str  # "plan"
    source: str  # the plan file, or the repository
    shape: str  # how the source was read: "headings", "labels", "checklist", "json" …
    workstreams: list[Workstream]
    findings: list[Finding]
    catalog: Catalog
    schedule: Schedule | None = None
    problems: list[InputError] = field(default_factory=list)  # files that could not be read
    accepted: int = 0  # findings the baseline accepts, left out of `findings`
    notes: Sequence[str] = ()  # what the user should know: what a scan left out, and why
    reading: str = ""  # plan: "spec-kit tasks (148 tasks, 9 stages)"
    why: str = ""  # plan: why that reading was taken
    concurrency: tuple[str, ...] = ()  # plan: what may run at the same time, in words
    stages: tuple[Stage, ...] = ()  # plan: phases, groups, tracks
    subject: str | None = None  # the workstream under review (pr's head, check's staged change)

    def count(self, severity: Severity) -> int:
        return sum(1 for f in self.findings if f.severity is severity)

    def name(self, ws_id: str) -> str:
        return self._names.get(ws_id, ws_id)

    @cached_property
    def _names(self) -> dict[str, str]:
        """id -> name, the first workstream of each id (reporters ask once per mention)."""
        names: dict[str, str] = {}
        for ws in self.workstreams:
            names.setdefault(ws.id, ws.name)
        return names
