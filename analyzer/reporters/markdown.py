"""Markdown for a pull-request comment or the job summary: every finding, with its fix."""

from __future__ import annotations

from analyzer.model import Severity
from analyzer.report import Report
from analyzer.reporters import valid_unicode
from analyzer.reporters.names import shortened

_ICON = {Severity.ERROR: "🔴", Severity.WARNING: "🟠", Severity.NOTE: "🔵"}


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render(report: Report) -> str:
    counts = ", ".join(f"{report.count(s)} {s.value}{'s' if report.count(s) != 1 else ''}"
                       for s in Severity)
    lines = [f"## conflictscan {report.mode}: {counts}", ""]
    if not report.findings and not report.problems:
        lines += ["No collisions found.", ""]
        return "\n".join(lines)
    if report.findings:
        lines += ["| | rule | where | finding |", "|---|---|---|---|"]
        for f in report.findings:
            where = f"`{f.path}:{f.line}`" if f.path and f.line else (f"`{f.path}`" if f.path
                                                                     else "")
            message = shortened(f.message, [report.name(w) for w in f.workstreams])
            lines.append(f"| {_ICON[f.severity]} | {f.rule} | {_cell(where)} | "
                         f"{_cell(message)} |")
        lines += ["", "<details><summary>What to do</summary>", ""]
        for f in report.findings:
            rule = report.catalog.rules[f.rule]
            mitigation = shortened(f.mitigation, [report.name(w) for w in f.workstreams])
            lines.append(f"- **{f.rule} {rule.title}**: {mitigation}"
                         + (f" Run `{f.command}`." if f.command else ""))
        lines += ["", "</details>", ""]
    for problem in report.problems:
        lines.append(f"- could not read {problem}")
    return valid_unicode("\n".join(lines)) + "\n"
