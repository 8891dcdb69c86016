"""What every scanning command shares: writing the report, choosing the exit code."""

from __future__ import annotations

import argparse
import os
import sys

from analyzer.errors import InputError
from analyzer.model import Finding
from analyzer.report import Report

_THRESHOLD = {"error": 3, "warning": 2, "note": 1, "never": 99}


def exit_code(findings: list[Finding], fail_on: str) -> int:
    return 1 if any(f.severity.rank >= _THRESHOLD[fail_on] for f in findings) else 0


def write_report(report: Report, args: argparse.Namespace) -> None:
    if args.format == "json":
        from analyzer.reporters.json_report import render

        _emit(render(report), args.output)
        return
    from analyzer.reporters.text import render as render_text

    if args.output:
        try:
            with open(args.output, "w", encoding="utf-8") as handle:
                render_text(report, handle, color=False, fail_on=args.fail_on)
        except OSError as exc:
            raise InputError(f"cannot write the report: {exc.strerror}", args.output) from None
        return
    render_text(report, sys.stdout, color=_color(args.color), fail_on=args.fail_on)


def _emit(text: str, output: str | None) -> None:
    if not output:
        sys.stdout.write(text)
        return
    try:
        with open(output, "w", encoding="utf-8") as handle:
            handle.write(text)
    except OSError as exc:
        raise InputError(f"cannot write the report: {exc.strerror}", output) from None


def _color(choice: str) -> bool:
    if choice != "auto":
        return choice == "always"
    return sys.stdout.isatty() and "NO_COLOR" not in os.environ

