"""One line per finding, `path:line: CS203 message`, as compilers and ruff print them: for
editors' problem matchers, grep and CI logs. And `--statistics`: one line per rule."""

from __future__ import annotations

from collections import Counter

from analyzer.report import Report


def render(report: Report, quiet: bool = False) -> str:
    lines = []
    for finding in report.findings:
        where = ""
        if finding.path:
            where = f"{finding.path}:{finding.line}: " if finding.line else f"{finding.path}: "
        lines.append(f"{where}{finding.rule} [{finding.severity.value}] {finding.message}")
    lines += [f"{problem.path or report.source}:{problem.line or 1}: error: {problem.message}"
              for problem in report.problems]
    if not quiet:
        total = len(report.findings)
        lines.append(f"Found {total} finding{'s' if total != 1 else ''}"
                     + (f" ({report.accepted} accepted by the baseline)." if report.accepted
                        else "."))
    return "\n".join(lines) + "\n"


def statistics(report: Report) -> str:
    """Counts per rule, most frequent first: `  59  CS207  [warning]  title`."""
    counts = Counter(f.rule for f in report.findings)
    severity = {f.rule: f.severity.value for f in report.findings}
    width = len(str(max(counts.values(), default=0)))
    return "".join(f"{count:>{width}}  {rule}  [{severity[rule]}]  "
                   f"{report.catalog.rules[rule].title}\n"
                   for rule, count in sorted(counts.items(), key=lambda rc: (-rc[1], rc[0])))
