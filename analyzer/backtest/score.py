"""Score each replayed merge: what the rules said against what really happened, per family.

A unit is one thing that can go wrong in one merge: a conflicted path (textual), a
migration directory whose heads or leaves the merge multiplies (alembic, Django), a
dependency file both sides changed (dependencies). Examples keep the commit ids.
"""

from __future__ import annotations

import posixpath
import statistics
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from analyzer.backtest.history import Replay
from analyzer.backtest.outcome import Outcome
from analyzer.backtest.replay import SECOND, Analysis
from analyzer.model import Finding, Severity
from analyzer.shared_paths import is_lockfile

FAMILIES = ("textual", "alembic", "django", "dependencies")


@dataclass
class Tally:
    caught: int = 0
    missed: int = 0
    false: int = 0
    clean: int = 0  # units where nothing went wrong (dependencies: clean, valid files)
    keep: int = 5  # examples kept of each kind
    examples: dict[str, list[str]] = field(
        default_factory=lambda: {"caught": [], "missed": [], "false": []})

    def add(self, kind: str, commit: str, detail: str) -> None:
        setattr(self, kind, getattr(self, kind) + 1)
        if len(self.examples[kind]) < self.keep:
            self.examples[kind].append(f"{commit[:10]} {detail}")

    @property
    def precision(self) -> float | None:
        flagged = self.caught + self.false
        return self.caught / flagged if flagged else None

    @property
    def recall(self) -> float | None:
        real = self.caught + self.missed
        return self.caught / real if real else None

    @property
    def false_rate(self) -> float | None:
        """False alarms per unit where nothing went wrong (the noise a user sees)."""
        return self.false / self.clean if self.clean else None


@dataclass
class Backtest:
    repository: str
    ref: str
    examples: int = 5  # kept of each kind, per family
    families: dict[str, Tally] = field(default_factory=dict)
    merges: int = 0
    unmeasured: list[str] = field(default_factory=list)  # git could not merge them here
    exit_2: list[str] = field(default_factory=list)
    tracebacks: list[str] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)
    slowest: str = ""
    _stopped: str = ""  # said after each miss of a merge whose scan stopped

    def __post_init__(self) -> None:
        self.families = {f: Tally(keep=self.examples) for f in FAMILIES}

    def record(self, replay: Replay, analysis: Analysis, outcome: Outcome) -> None:
        self.merges += 1
        commit = replay.commit
        if not self.seconds or analysis.seconds > max(self.seconds):
            self.slowest = commit
        self.seconds.append(analysis.seconds)
        if analysis.crash:
            self.tracebacks.append(f"{commit[:10]} {analysis.crash.splitlines()[-1]}")
        if analysis.exit_2:
            why = analysis.error or analysis.problems[0]
            self.exit_2.append(f"{commit[:10]} {why}")
        # a scan that stopped gave no report: every real problem of the merge is missed
        stopped = bool(analysis.crash or analysis.error)
        findings = [] if stopped else analysis.findings
        self._stopped = " (scan stopped)" if stopped else ""
        flagged = _flagged(findings)
        # a finding on another name of the same conflict (a rename's source) names it too
        said = {real for real in outcome.conflicts
                if flagged["CS103"] & outcome.named_with.get(real, {real})}
        named = set().union(*outcome.named_with.values()) if outcome.named_with else set()
        self._score("textual", commit, {p for p in outcome.conflicts if not is_lockfile(p)},
                    said | (flagged["CS103"] - named))
        self._score("alembic", commit, set(outcome.alembic_forks),
                    flagged["CS301"] | flagged["CS302"])
        self._score("django", commit, set(outcome.django_forks), flagged["CS304"])
        states = outcome.dependency_files
        bad = {p for p, state in states.items() if state != "clean"}
        rules = _severe_dependency_paths(findings)
        clean = {p for p, state in states.items() if state == "clean"} | (set(rules) - bad)
        self._score("dependencies", commit, bad, set(rules), clean, rules, states)

    def _score(self, family: str, commit: str, real: set[str], said: set[str],
               clean: Collection[str] = (), rules: dict[str, set[str]] | None = None,
               states: dict[str, str] | None = None) -> None:
        tally = self.families[family]
        for unit in sorted(real & said):
            tally.add("caught", commit, unit)
        for unit in sorted(real - said):
            why = f" ({states[unit]})" if states and unit in states else ""
            tally.add("missed", commit, unit + why + self._stopped)
        for unit in sorted(said - real):
            why = f" ({', '.join(sorted(rules[unit]))})" if rules and unit in rules else ""
            tally.add("false", commit, unit + why)
        tally.clean += len(clean)

    def as_dict(self) -> dict[str, Any]:
        times = sorted(self.seconds)
        return {
            "schema_version": 1,
            "repository": self.repository,
            "ref": self.ref,
            "merges": self.merges,
            "families": {name: {"caught": t.caught, "missed": t.missed, "false": t.false,
                                "clean": t.clean, "precision": _round(t.precision),
                                "recall": _round(t.recall), "false_rate": _round(t.false_rate),
                                "examples": t.examples}
                         for name, t in self.families.items()},
            "exit_2": {"count": len(self.exit_2), "examples": self.exit_2[:self.examples]},
            "tracebacks": {"count": len(self.tracebacks),
                           "examples": self.tracebacks[:self.examples]},
            "unmeasured": {"count": len(self.unmeasured),
                           "examples": self.unmeasured[:self.examples]},
            "seconds_per_merge": {
                "mean": _round(statistics.fmean(times)) if times else None,
                "median": _round(statistics.median(times)) if times else None,
                "max": _round(times[-1]) if times else None,
                "slowest": self.slowest[:10]},
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def _flagged(findings: list[Finding]) -> dict[str, set[str]]:
    """Rule -> units it flags: a path for CS103, a migration directory for CS30x."""
    result: dict[str, set[str]] = {r: set() for r in ("CS103", "CS301", "CS302", "CS304")}
    for finding in findings:
        if finding.rule == "CS103" and finding.resource is not None:
            result["CS103"].add(finding.resource.key)
            result["CS103"].update(e.path for e in finding.evidence if e.path)
        elif finding.rule in ("CS301", "CS302"):
            result[finding.rule].update(_brought_revisions(finding))
        elif finding.rule in result:
            result[finding.rule].update(posixpath.dirname(e.path) for e in finding.evidence
                                        if e.path)
    return result


def _brought_revisions(finding: Finding) -> set[str]:
    """The versions folders of the revisions the merged branch brings: the merge is scored on
    the heads it adds to the first parent, so a fork the first parent already has (its own
    revisions alone) is no alarm about this merge."""
    return {posixpath.dirname(e.path)
            for e, owner in zip(finding.evidence, finding.evidence_of, strict=False)
            if e.path and owner == SECOND}


def _severe_dependency_paths(findings: list[Finding]) -> dict[str, set[str]]:
    """Dependency file -> rules that raised an error or a warning on it."""
    from analyzer.shared_paths import is_manifest

    result: dict[str, set[str]] = {}
    for finding in findings:
        if finding.severity not in (Severity.ERROR, Severity.WARNING):
            continue
        paths = {e.path for e in finding.evidence if e.path}
        if finding.resource is not None:
            paths.add(finding.resource.key)
        for path in paths:
            if is_manifest(path) or is_lockfile(path):
                result.setdefault(path, set()).add(finding.rule)
    return result
