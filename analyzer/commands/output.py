"""What every scanning command shares: configuration, accepted findings, the report, the
exit code."""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import replace

from analyzer.baseline import fingerprint, load_baseline, write_baseline
from analyzer.catalog import Catalog, load_catalog
from analyzer.config import Config
from analyzer.errors import InputError, printable
from analyzer.model import Finding
from analyzer.report import Report
from analyzer.reporters.json_text import to_json
from analyzer.suppressions import Source, apply_suppressions

THRESHOLD = {"error": 3, "warning": 2, "note": 1, "never": 99}


def configured_catalog(config: Config) -> Catalog:
    """The catalog, with the team's own shared-file patterns first (first match wins)."""
    catalog = load_catalog()
    if not config.shared_files:
        return catalog
    return replace(catalog, shared_files=(*config.shared_files, *catalog.shared_files))


def merge_options(args: argparse.Namespace, config: Config) -> None:
    """Command-line options win; the repository's [tool.conflictscan] fills the rest."""
    args.fail_on = args.fail_on or config.fail_on or "error"
    # as in ruff: --select replaces the configured selection, --extend-select adds to it;
    # --ignore and --extend-ignore add to the configured ignores, never drop them
    if not getattr(args, "layered", False):
        select = args.select or config.select
        extend = getattr(args, "extend_select", [])
        args.select = [*select, *extend] if select else []
        args.ignore = list(dict.fromkeys([*config.ignore, *args.ignore,
                                          *getattr(args, "extend_ignore", [])]))
        args.layered = True
    if hasattr(args, "base"):
        args.base = args.base or config.base


def accept(findings: list[Finding], args: argparse.Namespace, config: Config,
           root: str | None) -> tuple[list[Finding], int]:
    """Apply severity overrides, then drop the findings the baseline accepts."""
    findings = config.with_severity(findings)
    baseline = args.baseline or config.baseline
    if not baseline or args.write_baseline:
        return findings, 0
    inside = None
    if root and not args.baseline:  # a path in the config is the repository's, and stays in it
        baseline, inside = os.path.join(root, baseline), root
    accepted = load_baseline(baseline, inside)
    kept = [f for f in findings if fingerprint(f) not in accepted]
    return kept, len(findings) - len(kept)


def suppress(findings: list[Finding], text_of: Source, warn: bool = True) -> list[Finding]:
    """Drop the findings an inline `conflictscan: ignore[…]` comment accepts; warn of the
    suppressions that accept nothing."""
    kept, _, unused = apply_suppressions(findings, text_of)
    for suppression in unused if warn else ():
        print(f"conflictscan: warning: {suppression}", file=sys.stderr)
    return kept


def plan_text(owner: str, path: str) -> str | None:
    """A plan's own file, as suppressions read it."""
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return handle.read()
    except OSError:
        return None


def exit_code(findings: list[Finding], fail_on: str, problems: int = 0) -> int:
    if problems:
        return 2
    return 1 if any(f.severity.rank >= THRESHOLD[fail_on] for f in findings) else 0


def finish(report: Report, args: argparse.Namespace) -> int:
    """Write the report (or the baseline) and say how the scan ended."""
    if args.write_baseline:
        write_baseline(args.write_baseline, report.findings)
        print(f"conflictscan: wrote {len(report.findings)} accepted findings to "
              f"{args.write_baseline}", file=sys.stderr)
        return 0
    write_report(report, args)
    if getattr(args, "sarif_output", None):
        from analyzer.reporters.sarif import render as render_sarif

        emit(render_sarif(report), args.sarif_output)
    for problem in report.problems:
        level = "error" if problem.blocking else "warning"
        print(f"conflictscan: {level}: {printable(str(problem))}", file=sys.stderr)
    return exit_code(report.findings, args.fail_on, sum(p.blocking for p in report.problems))


def finish_all(reports: list[Report], args: argparse.Namespace) -> int:
    """Several reports (several plans) in one output: text and Markdown one after another,
    JSON as a list, SARIF as one log with a run per report; the worst exit code."""
    if len(reports) == 1:
        return finish(reports[0], args)
    if args.write_baseline:
        findings = [f for report in reports for f in report.findings]
        write_baseline(args.write_baseline, findings)
        print(f"conflictscan: wrote {len(findings)} accepted findings to "
              f"{args.write_baseline}", file=sys.stderr)
        return 0
    if args.format == "text" and not args.output:
        for report in reports:
            write_report(report, args)
    else:
        emit(_combined(reports, args), args.output)
    for report in reports:
        for problem in report.problems:
            level = "error" if problem.blocking else "warning"
            print(f"conflictscan: {level}: {printable(str(problem))}", file=sys.stderr)
    return max(exit_code(r.findings, args.fail_on, sum(p.blocking for p in r.problems))
               for r in reports)


def _combined(reports: list[Report], args: argparse.Namespace) -> str:
    import io
    import json

    if args.format == "text":
        from analyzer.reporters.text import render as render_text

        buffer = io.StringIO()
        for report in reports:
            render_text(report, buffer, color=False, fail_on=args.fail_on)
        return buffer.getvalue()
    if args.format == "concise":
        from analyzer.reporters.concise import render as render_concise

        return "".join(render_concise(r, getattr(args, "quiet", False)) for r in reports)
    if args.format == "json":
        from analyzer.reporters.json_report import as_dict

        return to_json([as_dict(r) for r in reports])
    if args.format == "sarif":
        from analyzer.reporters.sarif import render as render_sarif

        logs = [json.loads(render_sarif(r)) for r in reports]
        logs[0]["runs"] = [run for log in logs for run in log["runs"]]
        return to_json(logs[0])
    if args.format == "github":
        from analyzer.reporters.github import render as render_github

        return "".join(render_github(r) for r in reports)
    from analyzer.reporters.markdown import render as render_markdown

    return "\n".join(render_markdown(r) for r in reports)


def write_report(report: Report, args: argparse.Namespace) -> None:
    quiet = getattr(args, "quiet", False)
    if getattr(args, "statistics", False) and args.format in ("text", "concise"):
        from analyzer.reporters.concise import statistics

        emit(statistics(report), args.output)
        return
    if args.format == "concise":
        from analyzer.reporters.concise import render as render_concise

        emit(render_concise(report, quiet), args.output)
        return
    if args.format == "text":
        from analyzer.reporters.text import render as render_text

        if not args.output:
            render_text(report, sys.stdout, color=_color(args.color), fail_on=args.fail_on,
                        quiet=quiet)
            return
        try:
            with open(args.output, "w", encoding="utf-8", errors="replace") as handle:
                render_text(report, handle, color=False, fail_on=args.fail_on, quiet=quiet)
        except OSError as exc:
            raise InputError(f"cannot write the report: {exc.strerror}", args.output) from None
        return
    if args.format == "json":
        from analyzer.reporters.json_report import render
    elif args.format == "sarif":
        from analyzer.reporters.sarif import render
    elif args.format == "github":
        from analyzer.reporters.github import render
    else:
        from analyzer.reporters.markdown import render
    emit(render(report), args.output)


def emit(text: str, output: str | None) -> None:
    if not output:
        sys.stdout.write(text)
        return
    try:
        with open(output, "w", encoding="utf-8", errors="replace") as handle:
            handle.write(text)
    except OSError as exc:
        raise InputError(f"cannot write the report: {exc.strerror}", output) from None


def _color(choice: str) -> bool:
    if choice != "auto":
        return choice == "always"
    return sys.stdout.isatty() and not os.environ.get("NO_COLOR")  # no-color.org: set, non-empty
