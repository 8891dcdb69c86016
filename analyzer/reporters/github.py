"""GitHub workflow commands: one annotation per finding, on the right line of the right file.

GitHub shows only the first few annotations of each kind per step, so the full list goes to
the job summary ($GITHUB_STEP_SUMMARY) as Markdown when that file is available.
"""

from __future__ import annotations

import os

from analyzer.errors import InputError
from analyzer.model import Severity
from analyzer.report import Report
from analyzer.reporters import markdown, valid_unicode

_COMMAND = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.NOTE: "notice"}


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def error_command(problem: InputError) -> str:
    """An input error as an ::error annotation, on its file and line when it has them."""
    props = []
    if problem.path:
        props.append(f"file={_property(_in_workspace(problem.path))}")
        if problem.line:
            props.append(f"line={problem.line}")
    props.append("title=conflictscan")
    return f"::error {','.join(props)}::{_data(problem.message)}"


def _in_workspace(path: str) -> str:
    """Annotations name files relative to the checkout, as GitHub matches them."""
    if not os.path.isabs(path):
        return path
    workspace = os.environ.get("GITHUB_WORKSPACE") or os.getcwd()
    relative = os.path.relpath(path, workspace)
    return path if relative.startswith("..") else relative.replace(os.sep, "/")


def render(report: Report) -> str:
    lines = []
    for finding in report.findings:
        rule = report.catalog.rules[finding.rule]
        props = []
        if finding.path:
            props.append(f"file={_property(finding.path)}")
            if finding.line:
                props.append(f"line={finding.line}")
        props.append(f"title={_property(f'{finding.rule} {rule.title}')}")
        body = f"{finding.message}\n{finding.mitigation}"
        if finding.command:
            body += f"\nRun: {finding.command}"
        lines.append(f"::{_COMMAND[finding.severity]} {','.join(props)}::{_data(body)}")
    lines += [error_command(problem) for problem in report.problems]
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary:
        with open(summary, "a", encoding="utf-8") as handle:
            handle.write(markdown.render(report))
    total = len(report.findings)
    lines.append(f"conflictscan: {total} finding{'s' if total != 1 else ''}"
                 + (" (full list in the job summary)" if summary and total else ""))
    return valid_unicode("\n".join(lines)) + "\n"
