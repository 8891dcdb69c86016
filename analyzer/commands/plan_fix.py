"""`conflictscan plan PLAN --fix [--apply]`: the plan corrected in its own format, checked by
reading it again exactly as `conflictscan plan` would.

The plan is copied into a private directory and corrected there in rounds (an order written
for one collision can bring two other tasks into one wave), until it is clean or a round
changes nothing; the diff against the original is shown, and written only with --apply.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile

from analyzer.catalog import Catalog
from analyzer.commands.output import configured_catalog, merge_options
from analyzer.config import load_config
from analyzer.engine import CheckContext, run_checks
from analyzer.errors import InputError, read_text
from analyzer.fixes.edits import FileEdit
from analyzer.fixes.plan import PlanFix, fix_plan
from analyzer.index import ResourceIndex
from analyzer.model import Finding, Severity
from analyzer.sources.plan import load_plans
from analyzer.sources.plan.load import plan_inputs
from analyzer.sources.repo_layout import RepoLayout, conventions, read_layout

ROUNDS = 4


def run_plan_fix(args: argparse.Namespace) -> int:
    root = args.repo or os.getcwd()
    config = load_config(root)
    merge_options(args, config)
    layout = config.locate_migrations(read_layout(args.repo) if args.repo else conventions())
    catalog = configured_catalog(config)
    pending = 0
    for group in plan_inputs(args.plan_files):
        with tempfile.TemporaryDirectory(prefix="conflictscan-") as scratch:
            copies, originals = _copy(group, scratch)
            done = PlanFix({})
            remaining: list[Finding] = []
            for _ in range(ROUNDS):
                remaining, fixed = _round(copies, layout, catalog, args)
                if not remaining or not fixed.edits():
                    break
                _merge_into(done, fixed)
                for path, text in fixed.texts.items():
                    with open(path, "w", encoding="utf-8", newline="") as handle:
                        handle.write(text)
            else:
                remaining, _ = _round(copies, layout, catalog, args)
            edits = [FileEdit(original, originals[original], read_text(copy))
                     for original, copy in _pairs(group, scratch)
                     if read_text(copy) != originals[original]]
        for edit in edits:
            sys.stdout.write(edit.diff())
        _summary(done, remaining, group[0])
        if args.apply:
            for edit in edits:
                with open(edit.path, "w", encoding="utf-8", newline="") as handle:
                    handle.write(edit.new or "")
                print(f"conflictscan plan --fix: wrote {edit.path}")
        pending += bool(edits and not args.apply) + bool(remaining)
    return 1 if pending else 0


def _pairs(group: list[str], scratch: str) -> list[tuple[str, str]]:
    """(original file, its private copy) for every plan file of the group."""
    pairs = []
    for number, source in enumerate(group):
        copy = os.path.join(scratch, str(number), os.path.basename(source.rstrip("/")))
        if os.path.isdir(source):
            for name in sorted(os.listdir(source)):
                if os.path.isfile(os.path.join(source, name)):
                    pairs.append((os.path.join(source, name), os.path.join(copy, name)))
        else:
            pairs.append((source, copy))
    return pairs


def _copy(group: list[str], scratch: str) -> tuple[list[str], dict[str, str]]:
    copies = []
    for number, source in enumerate(group):
        copy = os.path.join(scratch, str(number), os.path.basename(source.rstrip("/")))
        os.makedirs(os.path.dirname(copy), exist_ok=True)
        if os.path.isdir(source):
            shutil.copytree(source, copy, symlinks=True)
        else:
            shutil.copyfile(source, copy)
        copies.append(copy)
    originals = {original: read_text(copy) for original, copy in _pairs(group, scratch)}
    return copies, originals


def _round(copies: list[str], layout: RepoLayout, catalog: Catalog,
           args: argparse.Namespace) -> tuple[list[Finding], PlanFix]:
    try:
        loaded = load_plans(copies, layout, args.shape)
    except InputError as exc:
        raise InputError(f"the corrected plan no longer reads: {exc.message}",
                         exc.path, exc.line) from None
    index = ResourceIndex(loaded.workstreams, loaded.stages)
    findings = run_checks(CheckContext(index, catalog, layout), args.select, args.ignore)
    files = sorted({t.path or loaded.plan.path for t in loaded.plan.tasks})
    texts = {path: read_text(path) for path in files}
    fixed = fix_plan(loaded.plan, loaded.workstreams, findings, texts)
    return [f for f in findings if f.severity is not Severity.NOTE], fixed


def _merge_into(done: PlanFix, fixed: PlanFix) -> None:
    for ws_id, refs in fixed.orders.items():
        done.orders.setdefault(ws_id, []).extend(refs)
    done.ports.update(fixed.ports)
    done.databases.update(fixed.databases)
    done.left += [why for why in fixed.left if why not in done.left]


def _summary(fixed: PlanFix, remaining: list[Finding], path: str) -> None:
    out = sys.stderr
    for ws_id, refs in fixed.orders.items():
        print(f"  {ws_id} now runs after {', '.join(refs)}", file=out)
    for ws_id, port in fixed.ports.items():
        print(f"  {ws_id} serves on port {port}", file=out)
    for ws_id, name in fixed.databases.items():
        print(f"  {ws_id} uses the database {name}", file=out)
    for why in fixed.left:
        print(f"  not written: {why}", file=out)
    state = "clean" if not remaining else \
        f"{len(remaining)} warning(s) or error(s) left: " + "; ".join(
            f"{f.rule} {f.message}" for f in remaining[:5])
    print(f"conflictscan plan --fix: {path}: the corrected plan is {state}", file=out)
