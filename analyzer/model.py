"""The shared vocabulary of every entry point: workstreams, touches, resources, findings.

Plans *predict* what a workstream touches and diffs *show* it; both land in these same
structures so that every check works on plans and branches alike.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import NamedTuple


class Mode(str, Enum):
    """How a workstream touches a resource. Only writes and creates can collide."""

    READ = "read"
    WRITE = "write"
    CREATE = "create"

    def __init__(self, value: str) -> None:
        # an attribute, not a property: checks ask it of every touch, hundreds of thousands
        # of times in a large plan
        self.writes = value != "read"


class Kind(str, Enum):
    """What sort of thing a resource is; each kind has its own key space."""

    FILE = "file"  # one concrete path
    AREA = "area"  # a directory (key ends with "/") or a glob, as plans name them
    DEPENDENCY = "dependency"  # a distribution name, canonicalised
    MIGRATION = "migration"  # a migration chain: "alembic:<versions dir>" or "django:<app>"
    PORT = "port"  # a TCP port a dev server binds
    DATABASE = "database"  # a database name, URL or sqlite path
    VENV = "venv"  # a virtual-environment directory
    CHECKOUT = "checkout"  # a working tree that sessions switch between branches


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"
    NOTE = "note"

    @property
    def rank(self) -> int:
        return {"error": 3, "warning": 2, "note": 1}[self.value]


class Risk(str, Enum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"

    @property
    def rank(self) -> int:
        return {"high": 3, "medium": 2, "low": 1}[self.value]

    @property
    def severity(self) -> Severity:
        return {"high": Severity.ERROR, "medium": Severity.WARNING, "low": Severity.NOTE}[
            self.value
        ]


class Evidence(NamedTuple):
    """Where a touch was seen: a plan line or a diff hunk, for the report. (Named tuples, as
    Resource and Touch: a large plan makes one per line and touch, and checks hash them.)"""

    path: str
    line: int | None
    text: str


class Resource(NamedTuple):
    """What a touch is on: a file, a port, a dependency … (kind and key)."""

    kind: Kind
    key: str

    def __str__(self) -> str:
        return self.key


@dataclass(frozen=True)
class Hunk:
    """A changed range of a file: lines of the merge-base version and of the new version."""

    old_start: int
    old_lines: int
    new_start: int
    new_lines: int
    # the lines a pure insertion (no old line) adds, known for diffs: two different ones
    # after the same line are a conflict git will report (sources/certain_conflicts.py)
    added: tuple[str, ...] = field(default=(), compare=False, repr=False)


class Touch(NamedTuple):
    """One thing a workstream writes or reads, with the evidence that says so.

    `detail` carries what a check needs beyond the key: the package specifier of a
    dependency edit, the command that installs into a venv. `hunks` are known for diffs.
    """

    workstream: str
    resource: Resource
    mode: Mode
    evidence: Evidence
    detail: str = ""
    hunks: tuple[Hunk, ...] = ()
    blob: str = ""  # the id of the new content, when a diff tells it: equal ids, equal change


@dataclass(frozen=True)
class Stage:
    """A phase, execution group, user story or track of a plan: how its tasks run together
    and which stages finish before it starts."""

    key: str
    name: str
    inside: str = "parallel"  # "parallel", "sequence", "marked" (only marked tasks overlap)
    after: tuple[str, ...] = ()


@dataclass(frozen=True)
class Timing:
    """When a planned task may run, as its plan declares it. Branches have none."""

    stage: str | None = None  # the key of its Stage
    marked: bool = False  # marked parallel with the other marked tasks of its stage ([P])
    done: bool = False  # already done: no longer parallel work
    alone: bool = False  # runs with nothing else at the same time
    not_with: tuple[str, ...] = ()  # declared conflicts: never at the same time
    order: int = 0  # position in the plan, for stages whose tasks run in sequence


@dataclass
class Workstream:
    """One unit of parallel work: a planned task, a branch, a worktree, a staged set."""

    id: str
    name: str
    origin: str  # "task", "branch", "worktree", "staged"
    evidence: Evidence
    touches: list[Touch] = field(default_factory=list)
    depends_on: tuple[str, ...] = ()
    timing: Timing = field(default_factory=Timing)
    label: str = ""  # the id as the plan writes it (T001, Agent 1, 6.1), when it writes one

    def writes(self) -> list[Touch]:
        return [t for t in self.touches if t.mode.writes]


@dataclass(frozen=True)
class Finding:
    """An immutable verdict: reporters render it, nothing downstream changes it."""

    rule: str
    severity: Severity
    risk: Risk
    resource: Resource | None
    workstreams: tuple[str, ...]
    message: str
    mitigation: str
    command: str = ""
    evidence: tuple[Evidence, ...] = ()
    evidence_of: tuple[str, ...] = ()  # the workstream each piece of evidence comes from
    overlap: str = ""  # why two of them may run at the same time: "T006 ∥ T007 in Phase 3"

    @property
    def path(self) -> str | None:
        return self.evidence[0].path if self.evidence else None

    @property
    def line(self) -> int | None:
        return self.evidence[0].line if self.evidence else None


# a plan area touch that writes every file inside ("all files in src/api/**"): CS102 is a
# warning, not a note
WHOLE_AREA = "all of it"
