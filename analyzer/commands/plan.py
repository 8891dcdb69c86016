"""`conflictscan plan PLAN`: predict the collisions of a task plan and propose a schedule."""

from __future__ import annotations

import argparse

from analyzer.commands.output import exit_code, write_report
from analyzer.engine import CheckContext, run_checks
from analyzer.index import ResourceIndex
from analyzer.report import Report
from analyzer.schedule import propose_schedule
from analyzer.sources.plan import load_plan
from analyzer.sources.repo_layout import conventions, read_layout


def run_plan(args: argparse.Namespace) -> int:
    from analyzer.catalog import load_catalog

    catalog = load_catalog()
    layout = read_layout(args.repo) if args.repo else conventions()
    plan, workstreams = load_plan(args.plan_file, layout)
    index = ResourceIndex(workstreams)
    findings = run_checks(CheckContext(index, catalog, layout), args.select, args.ignore)
    schedule = propose_schedule(index, findings, args.plan_file)
    report = Report("plan", args.plan_file, plan.shape, workstreams, findings, catalog, schedule)
    write_report(report, args)
    return exit_code(findings, args.fail_on)
