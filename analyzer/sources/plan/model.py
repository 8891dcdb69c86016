"""What a plan reader produces: tasks as the plan writes them, and the plan's own timing."""

from __future__ import annotations

from dataclasses import dataclass, field

from analyzer.model import Mode


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
    id: str = ""  # as written in the plan: T001, Agent 1, A1, 6.1, wp-api, 001
    files: list[DeclaredFile] = field(default_factory=list)
    depends_on: list[str] = field(default_factory=list)  # references, resolved later
    stage: str | None = None  # the key of its PlanStage
    story: str = ""  # a spec-kit user-story label: "US2"
    marked: bool = False  # marked parallel with the other marked tasks of its stage ([P])
    done: bool = False  # [x], status: done
    alone: bool = False  # declared to run with nothing else (ccpm parallel: false)
    not_with: list[str] = field(default_factory=list)  # declared conflicts, references
    strict_refs: bool = False  # an unknown dependency reference is an error, not prose
    path: str = ""  # the file it came from, when a plan has several


@dataclass
class PlanStage:
    """A phase, execution group, user story or track, and how its tasks run together."""

    key: str
    name: str
    line: int
    inside: str = "parallel"  # "parallel", "sequence", or "marked" (only marked tasks overlap)
    after: list[str] = field(default_factory=list)  # stage keys that finish first
    story: str = ""  # "US2" for a spec-kit user-story phase


@dataclass
class Plan:
    path: str
    shape: str  # the reader's name: "spec-kit", "task-master", …
    tasks: list[PlanTask]
    stages: list[PlanStage] = field(default_factory=list)
    why: str = ""  # why this reading was taken
    declared: list[str] = field(default_factory=list)  # concurrency the plan states, in words
    notes: list[str] = field(default_factory=list)  # what a user should know (stale ids …)
    context: str = ""  # the plan's text outside its tasks: project facts ("using uv")
