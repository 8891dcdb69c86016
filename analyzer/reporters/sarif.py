"""SARIF 2.1.0 as GitHub code scanning keeps it.

- A result's primary location is in the change under review (a pull request's head, the
  staged change): the file GitHub shows in the pull request. The other side of a collision,
  often a file that is not in the checkout, is a related location, linked from the message.
- URIs are repository-relative and percent-encoded, against %SRCROOT%.
- Rules carry help in neutral words, a helpUri to their section of docs/rules.md, and the
  precision, problem.severity and tags GitHub sorts and filters by.
- partialFingerprints: primaryLocationLineHash (the key GitHub reads) and our own stable
  fingerprint; automationDetails.id per mode, so two uploads in one workflow do not collide.
"""

from __future__ import annotations

import hashlib
import json
import os
from typing import Any

from analyzer import PROJECT_URL, __version__
from analyzer.baseline import fingerprint
from analyzer.catalog import Rule
from analyzer.model import Evidence, Finding
from analyzer.report import Report
from analyzer.reporters import path_uri, valid_unicode

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_PROBLEM_SEVERITY = {"error": "error", "warning": "warning", "note": "recommendation"}
# How often a rule family's findings are right on real repositories: merge simulations and
# parsed migrations are exact; plan predictions and runtime settings are read from prose.
_PRECISION = {"CS1": "high", "CS2": "high", "CS3": "very-high", "CS4": "medium",
              "CS5": "medium"}
_FAMILY_TAGS = {"CS1": ["merge-conflict", "shared-file"], "CS2": ["dependencies", "lockfile"],
                "CS3": ["migrations", "database"], "CS4": ["environment", "runtime"],
                "CS5": ["plan", "task-decomposition"]}


def render(report: Report) -> str:
    rules = list(report.catalog.rules.values())
    index = {rule.id: i for i, rule in enumerate(rules)}
    run: dict[str, Any] = {
        "tool": {"driver": {
            "name": "conflictscan",
            "version": __version__,
            "semanticVersion": __version__,
            "informationUri": PROJECT_URL,
            "rules": [_rule(rule) for rule in rules],
        }},
        "automationDetails": {"id": _category(report)},
        "originalUriBaseIds": {"%SRCROOT%": {"description": {
            "text": "the root of the scanned repository"}}},
        "results": [_result(f, index[f.rule], report.subject) for f in report.findings],
        "invocations": [{
            "executionSuccessful": not report.problems,
            "toolExecutionNotifications": [
                {"level": "error", "message": {"text": p.message},
                 **({"locations": [_location(p.path, p.line)]} if p.path else {})}
                for p in report.problems],
        }],
    }
    sarif = {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}
    return valid_unicode(json.dumps(sarif, indent=2, ensure_ascii=False)) + "\n"


def _category(report: Report) -> str:
    """One code-scanning category per mode, and per plan file: runs of one upload (several
    plans) must not share one."""
    if report.mode == "plan":
        return f"conflictscan/plan/{artifact_uri(report.source)[0]}/"
    return f"conflictscan/{report.mode}/"


def _rule(rule: Rule) -> dict[str, Any]:
    from analyzer.commands.rules import help_uri

    why, fix = " ".join(rule.why.split()), rule.fix_general()
    family = rule.id[:3]
    return {
        "id": rule.id,
        "name": rule.name,
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": why[:1000]},
        "help": {"text": f"{why}\n\nWhat to do: {fix}",
                 "markdown": f"**Why:** {why}\n\n**What to do:** {fix}"},
        "helpUri": help_uri(rule),
        "defaultConfiguration": {"level": rule.severity.value},
        "properties": {
            "precision": _PRECISION.get(family, "medium"),
            "problem.severity": _PROBLEM_SEVERITY[rule.severity.value],
            "tags": ["conflictscan", *_FAMILY_TAGS.get(family, [])],
            "risk": rule.risk.value,
        },
    }


def artifact_uri(path: str) -> tuple[str, bool]:
    """(uri, relative): a repository-relative, percent-encoded path where one exists."""
    if os.path.isabs(path):
        relative = os.path.relpath(path, os.getcwd())
        if relative.startswith(".."):
            return "file://" + path_uri(path.replace(os.sep, "/")), False
        path = relative
    return path_uri(path.replace(os.sep, "/").removeprefix("./")), True


def _location(path: str, line: int | None) -> dict[str, Any]:
    uri, relative = artifact_uri(path)
    artifact: dict[str, Any] = {"uri": uri}
    if relative:
        artifact["uriBaseId"] = "%SRCROOT%"
    return {"physicalLocation": {"artifactLocation": artifact,
                                 "region": {"startLine": max(1, line or 1)}}}


def _places(finding: Finding, subject: str | None) -> list[Evidence]:
    """Each distinct place once, the subject's own first: where GitHub shows the alert."""
    seen: dict[tuple[str, int | None], Evidence] = {}
    owners = list(finding.evidence_of) + [""] * (len(finding.evidence) - len(finding.evidence_of))
    ordered = sorted(zip(finding.evidence, owners, strict=True),
                     key=lambda pair: subject is None or pair[1] != subject)
    for evidence, _ in ordered:
        if evidence.path:
            seen.setdefault((evidence.path, evidence.line), evidence)
    return list(seen.values())


def _result(finding: Finding, rule_index: int, subject: str | None) -> dict[str, Any]:
    places = _places(finding, subject)
    text = finding.message.rstrip(".") + "."
    if len(places) > 1:
        links = ", ".join(f"[{_label(e)}]({i})" for i, e in enumerate(places[1:], 1))
        text += f" See also {links}."
    text += " " + finding.mitigation
    if finding.command:
        text += f" Run: {finding.command}"
    ours = fingerprint(finding)
    where = places[0].path if places else ""  # not the line: alerts survive lines moving
    line_hash = hashlib.sha256(f"{finding.rule}|{where}|{ours}".encode(
        "utf-8", "surrogateescape")).hexdigest()[:16]
    result: dict[str, Any] = {
        "ruleId": finding.rule,
        "ruleIndex": rule_index,
        "level": finding.severity.value,
        "message": {"text": text},
        "partialFingerprints": {"primaryLocationLineHash": f"{line_hash}:1",
                                "conflictscan/v2": ours},
        "properties": {"risk": finding.risk.value, "workstreams": list(finding.workstreams)},
    }
    if places:
        result["locations"] = [_location(places[0].path, places[0].line)]
        if len(places) > 1:
            result["relatedLocations"] = [
                {**_location(e.path, e.line), "id": i, "message": {"text": _label(e)}}
                for i, e in enumerate(places[1:], 1)]
    return result


def _label(evidence: Evidence) -> str:
    return f"{evidence.path}:{evidence.line}" if evidence.line else evidence.path
