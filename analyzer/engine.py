"""Run the checks over the resource index and collect their findings."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from analyzer.catalog import Catalog
from analyzer.index import ResourceIndex
from analyzer.model import Finding, Resource, Risk, Severity, Touch, Workstream
from analyzer.sources.repo_layout import RepoLayout

if TYPE_CHECKING:
    from analyzer.sources.git_facts import GitFacts

SEQUENCED = (" They are planned to run one after the other, so this collides only if the later"
             " one starts from the same commit as the earlier one: start it from the merged"
             " result.")


@dataclass(frozen=True)
class CheckContext:
    """What every check reads: the index, the catalog, the layout, git's facts."""

    index: ResourceIndex
    catalog: Catalog
    layout: RepoLayout
    git: GitFacts | None = None  # merge simulations and parsed contents, for branches

    def name(self, ws_id: str) -> str:
        return self.index.workstreams[ws_id].name

    def names(self, touches: Iterable[Touch]) -> str:
        return join_names([self.name(t.workstream) for t in touches])

    def finding(self, rule_id: str, touches: Sequence[Touch], message: str,
                resource: Resource | None = None, *, risk: Risk | None = None,
                merge_time: bool = True, command: str = "", subject: Workstream | None = None,
                **fix_values: object) -> Finding:
        """Build a finding from the catalog entry; merge-time collisions between tasks that
        never run at the same time are downgraded to a note that says why."""
        rule = self.catalog.rule(rule_id)
        ws_ids = tuple(dict.fromkeys(t.workstream for t in touches))
        evidence = tuple(t.evidence for t in touches)
        owners = tuple(t.workstream for t in touches)
        if subject is not None:
            ws_ids, evidence, owners = (subject.id,), (subject.evidence,), (subject.id,)
        severity = risk.severity if risk else rule.severity
        risk = risk or rule.risk
        overlap = ""
        if merge_time and len(ws_ids) > 1:
            overlap = self.index.first_overlap(list(ws_ids))
            if not overlap:
                severity, message = Severity.NOTE, message + "." + SEQUENCED
        values: dict[str, object] = {"path": resource.key if resource else "",
                                     "workstreams": self.names(touches)}
        values.update(fix_values)
        return Finding(rule=rule.id, severity=severity, risk=risk, resource=resource,
                       workstreams=ws_ids, message=message, mitigation=rule.fix_text(**values),
                       command=command, evidence=evidence, evidence_of=owners,
                       overlap=overlap)


Check = Callable[[CheckContext], Iterable[Finding]]


def join_names(names: Sequence[str]) -> str:
    quoted = [f"'{n}'" for n in names]
    if len(quoted) <= 2:
        return " and ".join(quoted)
    return ", ".join(quoted[:-1]) + " and " + quoted[-1]


def all_checks() -> list[Check]:
    from analyzer.checks import (
        alembic_heads,
        dependencies,
        dependency_changes,
        django_leaves,
        environment,
        merges,
        migrations,
        plan_shape,
        shared_files,
    )

    return [*shared_files.CHECKS, *merges.CHECKS, *dependencies.CHECKS,
            *dependency_changes.CHECKS, *migrations.CHECKS, *alembic_heads.CHECKS,
            *django_leaves.CHECKS, *environment.CHECKS, *plan_shape.CHECKS]


def run_checks(context: CheckContext, select: Sequence[str] = (),
               ignore: Sequence[str] = ()) -> list[Finding]:
    for rule_id in [*select, *ignore]:
        if not any(r.startswith(rule_id.upper()) for r in context.catalog.rules):
            context.catalog.rule(rule_id)  # raises: unknown rule
    findings = [f for check in all_checks() for f in check(context)]
    findings = group_same_cause([f for f in findings if _selected(f.rule, select, ignore)],
                                context.name)
    return sorted(findings, key=lambda f: (-f.severity.rank, -f.risk.rank, f.rule,
                                           f.path or "", f.line or 0))


def _selected(rule_id: str, select: Sequence[str], ignore: Sequence[str]) -> bool:
    """Prefix selection, as in ruff: `CS2` selects the whole dependency family."""
    if select and not any(rule_id.startswith(s.upper()) for s in select):
        return False
    return not any(rule_id.startswith(i.upper()) for i in ignore)


def group_same_cause(findings: list[Finding], name: Callable[[str], str]) -> list[Finding]:
    """One finding per cause: when several workstreams carry the very same evidence for the
    same rule on the same resource (branches stacked on one commit that changed pyproject.toml
    without its lock), report it once and list the members."""
    groups: dict[tuple[object, ...], list[Finding]] = {}
    for finding in findings:
        key = (finding.rule, finding.resource, finding.evidence) if finding.evidence else (
            id(finding),)
        groups.setdefault(key, []).append(finding)
    result = []
    for group in groups.values():
        first = group[0]
        if len(group) == 1:
            result.append(first)
            continue
        members = list(dict.fromkeys(ws for f in group for ws in f.workstreams))
        others = [ws for ws in members if ws not in first.workstreams]
        message = (f"{first.message.rstrip('.')}; the same in {len(others)} more "
                   f"workstream{'s' if len(others) != 1 else ''}: "
                   f"{join_names([name(ws) for ws in others])}")
        result.append(Finding(rule=first.rule, severity=first.severity, risk=first.risk,
                              resource=first.resource, workstreams=tuple(members),
                              message=message, mitigation=first.mitigation,
                              command=first.command, evidence=first.evidence,
                              evidence_of=first.evidence_of))
    return result
