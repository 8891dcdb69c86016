"""Human report with rich: the shared-resource matrix, findings by severity, the schedule.

Every string that comes from the user's files (titles, paths, messages, names, the plan's own
ids) goes through `_user`: rich would read `[/]` as markup (a crash) and `[link=…]` as a
hyperlink (an injection), and a terminal would obey the escape sequences a hostile plan carries.
"""

from __future__ import annotations

import os
from collections import defaultdict
from typing import IO, TYPE_CHECKING

from analyzer.errors import printable
from analyzer.labels import describe
from analyzer.model import Finding, Kind, Mode, Resource, Severity
from analyzer.report import Report
from analyzer.reporters.names import few, shortened

if TYPE_CHECKING:
    from rich.console import Console

MAX_ROWS = 15
MAX_COLUMNS = 16
_STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.NOTE: "cyan"}
_MODE_MARK = {Mode.WRITE: "W", Mode.CREATE: "C", Mode.READ: "r"}


def width_for(out: IO[str]) -> int | None:
    """The terminal's width; off a terminal, $COLUMNS or 100: lines a reader can follow."""
    if hasattr(out, "isatty") and out.isatty():
        return None  # rich asks the terminal
    try:
        return max(40, int(os.environ.get("COLUMNS", "")))
    except ValueError:
        return 100


def _user(text: object) -> str:
    """User text, safe to print through rich: markup escaped, control characters shown."""
    from rich.markup import escape

    return escape(printable(str(text)))


def render(report: Report, out: IO[str], *, color: bool, fail_on: str,
           quiet: bool = False) -> None:
    from rich.console import Console

    console = Console(file=out, no_color=not color, highlight=False, soft_wrap=False,
                      force_terminal=color or None, width=width_for(out),
                      emoji=False)
    if quiet:  # the findings, nothing else
        for finding in report.findings:
            _finding(console, report, finding)
        return
    count = len(report.workstreams)
    noun = "task" if report.mode == "plan" else "workstream"
    if report.mode == "plan" and not count and report.problems:  # one of several plans
        for problem in report.problems:
            console.print(f"[bold]conflictscan plan[/] [bold red]could not read[/] "
                          f"{_user(str(problem).splitlines()[0])}\n")
        return
    if report.mode == "plan" and report.reading:
        # the title line keeps the path whole, for copying
        console.print(f"[bold]conflictscan plan[/] {_user(report.source)}: read as "
                      f"{_user(report.reading)}",
                      soft_wrap=True)
        if report.why:
            console.print(f"[dim]  because: {_user(report.why)}[/]")
        for note in report.notes:
            console.print(f"  [cyan]note:[/] {_user(note)}")
        if report.concurrency:
            console.print("[bold]Runs at the same time[/] (as the plan declares it)")
            for line in report.concurrency:
                console.print(f"  {_user(line)}")
        console.print()
    else:
        how = f"read as {report.shape}" if report.mode == "plan" else report.shape
        console.print(f"[bold]conflictscan {report.mode}[/] {_user(report.source)}: {count} "
                      f"{noun}{'' if count == 1 else 's'} ({_user(how)})\n", soft_wrap=True)
    if count == 1 and report.mode == "plan":
        console.print("A single task cannot collide with another; nothing to schedule.\n")
    for problem in report.problems:
        label = "[bold red]could not read[/]" if problem.blocking else "[yellow]note:[/]"
        console.print(f"{label} {_user(str(problem))}")
    scan_notes = [] if report.mode == "plan" and report.reading else report.notes
    for note in scan_notes:
        console.print(f"[yellow]note:[/] {_user(note)}")
    if report.problems or scan_notes:
        console.print()
    if count > 1:
        _matrix(console, report)
    _findings(console, report)
    _schedule(console, report)
    counts = ", ".join(f"{report.count(s)} {s.value}{'s' if report.count(s) != 1 else ''}"
                       for s in Severity)
    accepted = f", {report.accepted} accepted by the baseline" if report.accepted else ""
    console.print(f"[bold]Summary:[/] {counts}{accepted} (failing on: {fail_on})")


def _matrix(console: Console, report: Report) -> None:
    from rich.table import Table

    touched: dict[Resource, dict[str, Mode]] = defaultdict(dict)
    for ws in report.workstreams:
        for touch in ws.touches:
            current = touched[touch.resource].get(ws.id)
            if current is None or (current is Mode.READ and touch.mode.writes):
                touched[touch.resource][ws.id] = touch.mode
    in_findings = {f.resource for f in report.findings if f.resource is not None}
    rows = [r for r, by_ws in touched.items()
            if (r.kind not in (Kind.DEPENDENCY, Kind.VENV) or r in in_findings) and len(by_ws) >= 2
            and any(m.writes for m in by_ws.values())]
    rows.sort(key=lambda r: (r not in in_findings, -len(touched[r]), r.kind.value, r.key))
    if not rows:
        console.print("No resource is written by one workstream and touched by another.\n")
        return
    shown_rows = rows[:MAX_ROWS]
    involved = {ws_id for r in shown_rows for ws_id in touched[r]}
    columns = [ws for ws in report.workstreams if ws.id in involved][:MAX_COLUMNS]
    console.print("[bold]Shared resources[/] (W write, C create, r read)")
    table = Table(show_lines=False, pad_edge=False)
    table.add_column("resource", overflow="fold")
    # The plan's own short ids (T012, A1) name the columns; otherwise T1…Tn.
    own = all(ws.label and len(ws.label) <= 8 for ws in columns)
    headers = [ws.label if own else f"T{n}" for n, ws in enumerate(columns, 1)]
    for header in headers:
        table.add_column(_user(header), justify="center")
    for resource in shown_rows:
        cells = [_MODE_MARK[touched[resource][ws.id]] if ws.id in touched[resource] else ""
                 for ws in columns]
        style = "bold" if resource in in_findings else ""
        table.add_row(_user(describe(resource)), *cells, style=style)
    console.print(table)
    legend = "  ".join(f"{_user(header)} {_user(ws.name)}"
                       for header, ws in zip(headers, columns, strict=True))
    hidden = len(rows) - len(shown_rows)
    more = f"  (+{hidden} more shared resources in --format json)" if hidden > 0 else ""
    console.print(f"[dim]{legend}{more}[/]\n")


def _findings(console: Console, report: Report) -> None:
    if not report.findings:
        console.print("[green]No collisions found.[/]\n")
        return
    for severity in Severity:
        group = [f for f in report.findings if f.severity is severity]
        if not group:
            continue
        title = f"{severity.value.capitalize()}s ({len(group)})"
        console.print(f"[{_STYLE[severity]}]{title}[/]")
        for finding in group:
            _finding(console, report, finding)
        console.print()


def _finding(console: Console, report: Report, finding: Finding) -> None:
    """The rule line, then the message, places, fix and command, each wrapped at word
    boundaries under its own label (a hanging indent), never broken mid-word."""
    rule = report.catalog.rules[finding.rule]
    style = _STYLE[finding.severity]
    console.print(f" [{style}]{finding.rule}[/] [dim]{finding.risk.value} risk · "
                  f"{_user(rule.title)}[/]")
    names = [report.name(w) for w in finding.workstreams]
    _hanging(console, "", shortened(finding.message, names))
    if finding.overlap and report.mode == "plan":
        _hanging(console, "", f"at the same time: {finding.overlap}", "dim")
    where = _locations(report, finding)
    if where:
        _hanging(console, "at", where, "dim")
    _hanging(console, "fix:", shortened(finding.mitigation, names))
    if finding.command:
        _hanging(console, "run:", finding.command)


def _hanging(console: Console, label: str, body: str, style: str = "") -> None:
    """`  fix: text…` with its continuation lines under the text, not under the label."""
    from rich.text import Text

    indent = 7  # two spaces, the widest label ("fix:", "run:"), a space
    lines = Text(printable(body), style=style).wrap(console, max(20, console.width - indent))
    head = Text(f"  {label:<4} ", style="bold" if label in ("fix:", "run:") else style)
    for number, line in enumerate(lines):
        line.rstrip()
        console.print(Text.assemble(head if number == 0 else " " * indent, line),
                      soft_wrap=True)


def _locations(report: Report, finding: Finding) -> str:
    parts: list[str] = []
    last_path = None
    named = len(set(finding.evidence_of)) > 1
    owners = list(finding.evidence_of) + [""] * len(finding.evidence)
    for number, evidence in enumerate(finding.evidence[:6]):
        where = f":{evidence.line}" if evidence.line else ""
        # name the workstream once, after the last of its consecutive locations
        last_of_owner = number + 1 == len(finding.evidence) or owners[number + 1] != owners[number]
        who = f" ({report.name(owners[number])})" if named and last_of_owner else ""
        parts.append((evidence.path if evidence.path != last_path else "") + where + who)
        last_path = evidence.path
    more = len(finding.evidence) - len(parts)
    return ", ".join(parts) + (f" and {more} more" if more > 0 else "")


def _schedule(console: Console, report: Report) -> None:
    schedule = report.schedule
    if schedule is None or len(report.workstreams) < 2:
        return
    print_ = console.print
    print_("[bold]Proposed schedule[/]")
    number = 1
    if schedule.setup:
        print_(f" Wave {number} (setup, one person, before anything else):")
        for step in schedule.setup:
            print_(f"   - {_user(step)}")
        number += 1
    labels = {ws.id: ws.label for ws in report.workstreams if ws.label}
    for wave in schedule.waves:  # the plan's own ids when it has them: T033, Agent 2
        names = few([_user(labels.get(ws_id) or f"'{report.name(ws_id)}'") for ws_id in wave])
        print_(f" Wave {number}: {names}")
        number += 1
    if schedule.left_out:
        print_(f" [dim]Done already, left out: {_user(', '.join(schedule.left_out[:12]))}"
               f"{' …' if len(schedule.left_out) > 12 else ''}[/]")
    if schedule.owners:
        print_(" Owners of the high-risk shared resources:")
        for resource, ws_id in schedule.owners.items():
            print_(f"   - {_user(resource)}: '{_user(report.name(ws_id))}'")
    if schedule.alternative:
        print_(f" [dim](alternative {_user(schedule.alternative)})[/]")
    print_()
