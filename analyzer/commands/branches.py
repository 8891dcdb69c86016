"""`conflictscan branches`: branches and worktrees against the base and against each other."""

from __future__ import annotations

import argparse
import json
import os
import sys

from analyzer.commands.output import exit_code, write_report
from analyzer.engine import CheckContext, run_checks
from analyzer.index import ResourceIndex
from analyzer.model import Kind
from analyzer.progress import DelayedProgress
from analyzer.report import Report
from analyzer.sources.branches import BranchScan, BranchSelection, collect
from analyzer.sources.git_facts import GitFacts, gather
from analyzer.sources.git_repo import GitRepo
from analyzer.sources.repo_layout import read_layout


def run_branches(args: argparse.Namespace) -> int:
    from analyzer.catalog import load_catalog

    catalog = load_catalog()
    git = GitRepo(args.repo)
    try:
        selection = BranchSelection(args.refs, args.all, args.remote, not args.no_worktrees)
        layout = read_layout(git.root)
        with DelayedProgress(0, "reading branches") as progress:
            scan = collect(git, selection, args.base, progress.step)
            index = ResourceIndex(scan.workstreams)
            facts = gather(scan, index, layout, progress.step)
        if args.file:
            return _file_query(args, scan, index, facts)
        findings = run_checks(CheckContext(index, catalog, layout, facts), args.select,
                              args.ignore)
        report = Report("branches", git.root, f"against {scan.base_name}", scan.workstreams,
                        findings, catalog, None, facts.problems)
        write_report(report, args)
    finally:
        git.close()
    for problem in facts.problems:
        print(f"conflictscan: error: {problem}", file=sys.stderr)
    return 2 if facts.problems else exit_code(findings, args.fail_on)


def _file_query(args: argparse.Namespace, scan: BranchScan, index: ResourceIndex,
                facts: GitFacts) -> int:
    """Which other workstreams change PATH, and how risky editing it now is."""
    path = os.path.relpath(os.path.abspath(args.file), _worktree_of(scan, os.getcwd()) or
                           scan.git.root) if os.path.isabs(args.file) else args.file
    path = path.replace(os.sep, "/")
    current = _current_workstream(scan)
    answers = []
    for stream in scan.streams:
        ws = stream.workstream
        if ws.id == current:
            continue
        touch = next((t for t in ws.touches if t.resource.kind is Kind.FILE
                      and t.resource.key == path), None)
        if touch is None:
            continue
        if current and path in facts.conflicting(current, ws.id):
            risk, why = "high", "will conflict with your changes"
        elif current and any(t.resource.key == path for t in index.touches.get(
                touch.resource, []) if t.workstream == current):
            risk, why = "low", "also changes it; merges cleanly with your changes"
        else:
            risk, why = "medium", f"changes it ({touch.detail})"
        answers.append({"workstream": ws.id, "name": ws.name, "risk": risk, "reason": why})
    if args.format == "json":
        print(json.dumps({"path": path, "current": current, "others": answers}, indent=2))
    elif not answers:
        print(f"{path}: no other workstream changes it")
    else:
        print(f"{path} is changed by {len(answers)} other workstream(s):")
        for answer in answers:
            print(f"  {answer['risk']:<6} {answer['name']}: {answer['reason']}")
    return 1 if answers else 0


def _worktree_of(scan: BranchScan, directory: str) -> str | None:
    here = os.path.realpath(directory)
    best = None
    for stream in scan.streams:
        if stream.worktree:
            root = os.path.realpath(stream.worktree)
            if (here == root or here.startswith(root + os.sep)) and (
                    best is None or len(root) > len(best)):
                best = root
    return best


def _current_workstream(scan: BranchScan) -> str | None:
    root = _worktree_of(scan, os.getcwd())
    for stream in scan.streams:
        if stream.worktree and os.path.realpath(stream.worktree) == root:
            return stream.workstream.id
    return None

