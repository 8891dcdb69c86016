"""`conflictscan plan PLAN…`: predict the collisions of task plans and propose a schedule."""

from __future__ import annotations

import argparse
import os

from analyzer.commands.output import (
    accept,
    configured_catalog,
    finish,
    merge_options,
    plan_text,
    suppress,
)
from analyzer.config import load_config
from analyzer.engine import CheckContext, run_checks
from analyzer.errors import InputError
from analyzer.index import ResourceIndex
from analyzer.report import Report
from analyzer.schedule import propose_schedule
from analyzer.sources.plan import load_plan
from analyzer.sources.repo_layout import conventions, read_layout


def run_plan(args: argparse.Namespace) -> int:
    if len(args.plan_files) > 1 and (args.output or args.format != "text"
                                     or args.write_baseline):
        raise InputError("several plans make several reports: give one plan at a time with "
                         "--output, --write-baseline or a --format other than text")
    root = args.repo or os.getcwd()
    config = load_config(root)
    merge_options(args, config)
    catalog = configured_catalog(config)
    worst = 0
    for plan_file in args.plan_files:
        layout = read_layout(args.repo) if args.repo else conventions()
        if config.migration_locations:
            layout.alembic_versions = tuple(config.migration_locations)
        plan, workstreams = load_plan(plan_file, layout)
        index = ResourceIndex(workstreams)
        findings = run_checks(CheckContext(index, catalog, layout), args.select, args.ignore)
        findings, _ = accept(suppress(findings, plan_text), args, config, root)
        schedule = propose_schedule(index, findings, plan_file)
        report = Report("plan", plan_file, plan.shape, workstreams, findings, catalog, schedule)
        worst = max(worst, finish(report, args))
    return worst
