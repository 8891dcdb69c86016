"""`conflictscan plan PLAN…`: predict the collisions of task plans and propose a schedule."""

from __future__ import annotations

import argparse
import gc
import os
from collections.abc import Iterator
from contextlib import contextmanager

from analyzer.commands.output import (
    accept,
    configured_catalog,
    finish_all,
    merge_options,
    plan_text,
    suppress,
)
from analyzer.config import load_config
from analyzer.engine import CheckContext, run_checks
from analyzer.errors import InputError, reading
from analyzer.index import ResourceIndex
from analyzer.report import Report
from analyzer.schedule import propose_schedule
from analyzer.sources.plan import load_plans
from analyzer.sources.plan.load import plan_inputs
from analyzer.sources.plan.summary import concurrency_lines
from analyzer.sources.repo_layout import conventions, read_layout
from analyzer.suppressions import Source


def run_plan(args: argparse.Namespace) -> int:
    if getattr(args, "fix", False):
        from analyzer.commands.plan_fix import run_plan_fix

        return run_plan_fix(args)
    with few_collections():
        return _run_plan(args)


@contextmanager
def few_collections() -> Iterator[None]:
    """Reading a plan allocates a million small objects that all live until the report: the
    cyclic collector, run every 700 allocations, re-walks them again and again (~15% of a
    5,000-task plan) and finds no garbage. Even every 50,000 allocations it took 16 runs and
    ~4% of that plan, for the same peak memory: no collection while the plan is read and
    checked (reference counting still frees everything that is not a cycle)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _run_plan(args: argparse.Namespace) -> int:
    root = args.repo or os.getcwd()
    config = load_config(root)
    merge_options(args, config)
    catalog = configured_catalog(config)
    reports = []
    groups = plan_inputs(args.plan_files)
    for paths in groups:
        layout = config.locate_migrations(read_layout(args.repo) if args.repo else conventions())
        try:
            with reading(paths[0]):
                loaded = load_plans(paths, layout, args.shape)
        except InputError as error:
            if len(groups) == 1:
                raise
            # One unreadable plan among several is a problem in the output; the rest go on.
            reports.append(Report("plan", paths[0], "", [], [], catalog, problems=[error]))
            continue
        index = ResourceIndex(loaded.workstreams, loaded.stages)
        findings = run_checks(CheckContext(index, catalog, layout), args.select, args.ignore)
        findings, accepted = accept(suppress(findings, _read_once(plan_text)), args, config,
                                    root)
        schedule = propose_schedule(index, findings, loaded.plan.path)
        reports.append(Report("plan", loaded.plan.path, loaded.plan.shape, loaded.workstreams,
                              findings, catalog, schedule, layout.problems, accepted=accepted,
                              reading=loaded.reading, why=loaded.plan.why,
                              concurrency=tuple(loaded.plan.declared
                                                + concurrency_lines(index)),
                              notes=tuple(loaded.plan.notes), stages=tuple(loaded.stages)))
    return finish_all(reports, args)


def _read_once(text_of: Source) -> Source:
    """Every task of a plan asks for the same plan file: read it once per path (a 5,000-task
    plan otherwise reads and hashes its megabyte once per finding)."""
    texts: dict[str, str | None] = {}

    def once(owner: str, path: str) -> str | None:
        if path not in texts:
            texts[path] = text_of(owner, path)
        return texts[path]

    return once
