"""SARIF 2.1.0 for code-scanning uploads: stable rule ids, rule metadata, fingerprints."""

from __future__ import annotations

import json
from typing import Any

from analyzer import __version__
from analyzer.baseline import fingerprint
from analyzer.catalog import Rule
from analyzer.model import Finding
from analyzer.report import Report
from analyzer.reporters import path_uri, valid_unicode

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://pypi.org/project/conflictscan/"


def render(report: Report) -> str:
    rules = list(report.catalog.rules.values())
    index = {rule.id: i for i, rule in enumerate(rules)}
    run: dict[str, Any] = {
        "tool": {"driver": {
            "name": "conflictscan",
            "version": __version__,
            "semanticVersion": __version__,
            "informationUri": INFORMATION_URI,
            "rules": [_rule(rule) for rule in rules],
        }},
        "originalUriBaseIds": {"%SRCROOT%": {"description": {
            "text": "the root of the scanned repository"}}},
        "results": [_result(f, index[f.rule]) for f in report.findings],
    }
    if report.problems:
        run["invocations"] = [{
            "executionSuccessful": False,
            "toolExecutionNotifications": [
                {"level": "error", "message": {"text": p.message},
                 **({"locations": [_location(p.path, p.line)]} if p.path else {})}
                for p in report.problems],
        }]
    sarif = {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}
    return valid_unicode(json.dumps(sarif, indent=2, ensure_ascii=False)) + "\n"


def _rule(rule: Rule) -> dict[str, Any]:
    fix = " ".join(rule.fix_text().split())
    return {
        "id": rule.id,
        "name": rule.name,
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": " ".join(rule.why.split())},
        "help": {"text": fix, "markdown": f"**Why:** {' '.join(rule.why.split())}\n\n"
                                          f"**What to do:** {fix}"},
        "defaultConfiguration": {"level": rule.severity.value},
        "properties": {"risk": rule.risk.value, "tags": [rule.family]},
    }


def _location(path: str | None, line: int | None) -> dict[str, Any]:
    location = {"uri": path_uri(path or ""), "uriBaseId": "%SRCROOT%"}
    physical: dict[str, Any] = {"artifactLocation": location}
    if line:
        physical["region"] = {"startLine": line}
    return {"physicalLocation": physical}


def _result(finding: Finding, rule_index: int) -> dict[str, Any]:
    text = finding.message.rstrip(".") + ". " + finding.mitigation
    if finding.command:
        text += f" Run: {finding.command}"
    result: dict[str, Any] = {
        "ruleId": finding.rule,
        "ruleIndex": rule_index,
        "level": finding.severity.value,
        "message": {"text": text},
        "partialFingerprints": {"conflictscan/v1": fingerprint(finding)},
        "properties": {"risk": finding.risk.value, "workstreams": list(finding.workstreams)},
    }
    seen: list[tuple[str, int | None]] = []
    for evidence in finding.evidence:
        if evidence.path and (evidence.path, evidence.line) not in seen:
            seen.append((evidence.path, evidence.line))
    if seen:
        result["locations"] = [_location(*seen[0])]
        if len(seen) > 1:
            result["relatedLocations"] = [dict(_location(*where), id=i)
                                          for i, where in enumerate(seen[1:], 1)]
    return result
