"""JSON report, schema version 1 (docs/report.schema.json). Fields are only ever added."""

from __future__ import annotations

from typing import Any

from analyzer import __version__
from analyzer.model import Finding, Kind, Mode, Severity, Touch, Workstream
from analyzer.report import Report
from analyzer.reporters import valid_unicode
from analyzer.reporters.json_text import to_json

SCHEMA_VERSION = 1


def render(report: Report) -> str:
    return valid_unicode(to_json(as_dict(report)))


def as_dict(report: Report) -> dict[str, Any]:
    schedule = report.schedule
    stage_index = {stage.key: i for i, stage in enumerate(report.stages)}
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "conflictscan", "version": __version__},
        "mode": report.mode,
        "source": report.source,
        "shape": report.shape,
        "summary": {**{s.value + "s": report.count(s) for s in Severity},
                    "accepted": report.accepted},
        "findings": [_finding(f, report) for f in report.findings],
        "workstreams": [_workstream(ws, stage_index) for ws in report.workstreams],
        "problems": [{"path": p.path, "line": p.line, "message": p.message}
                     for p in report.problems],
        "notes": list(report.notes),
        "schedule": None if schedule is None else {
            "setup": schedule.setup,
            "waves": schedule.waves,
            "owners": schedule.owners,
            "alternative": schedule.alternative,
            "left_out": schedule.left_out,
        },
        "reading": {"as": report.reading, "why": report.why, "notes": list(report.notes),
                    "concurrency": list(report.concurrency)} if report.mode == "plan" else None,
        "stages": [{"key": s.key, "name": s.name, "inside": s.inside, "after": list(s.after)}
                   for s in report.stages],
    }


def _finding(finding: Finding, report: Report) -> dict[str, Any]:
    return {
        "rule": finding.rule,
        "title": report.catalog.rules[finding.rule].title,
        "severity": finding.severity.value,
        "risk": finding.risk.value,
        "resource": None if finding.resource is None else {
            "kind": finding.resource.kind.value, "key": finding.resource.key},
        "workstreams": list(finding.workstreams),
        "message": finding.message,
        "mitigation": finding.mitigation,
        "command": finding.command or None,
        "overlap": finding.overlap or None,
        "locations": [{"path": e.path, "line": e.line, "text": e.text, "workstream": ws}
                      for e, ws in zip(finding.evidence, finding.evidence_of, strict=False)],
    }


def _workstream(ws: Workstream, stage_index: dict[str, int]) -> dict[str, Any]:
    timing = ws.timing
    return {
        "id": ws.id,
        "plan_id": ws.label or None,
        "name": ws.name,
        "origin": ws.origin,
        "path": ws.evidence.path,
        "line": ws.evidence.line,
        "depends_on": list(ws.depends_on),
        "group": stage_index.get(timing.stage or ""),
        "stage": timing.stage,
        "parallel_mark": timing.marked,
        "done": timing.done,
        "alone": timing.alone,
        "not_with": list(timing.not_with),
        "touches": [_touch(t) for t in ws.touches],
    }


# an enum's .value is a Python-level property: looked up here instead, once per touch
_KIND_VALUES = {kind: kind.value for kind in Kind}
_MODE_VALUES = {mode: mode.value for mode in Mode}


def _touch(touch: Touch) -> dict[str, Any]:
    return {
        "kind": _KIND_VALUES[touch.resource.kind],
        "key": touch.resource.key,
        "mode": _MODE_VALUES[touch.mode],
        "line": touch.evidence.line,
        "text": touch.evidence.text,
        "detail": touch.detail or None,
    }
