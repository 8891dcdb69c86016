"""`conflictscan branches`: branches and worktrees against the base and against each other."""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Callable
from dataclasses import dataclass

from analyzer.catalog import Catalog
from analyzer.commands.output import accept, configured_catalog, finish, merge_options
from analyzer.config import Config, load_config
from analyzer.engine import CheckContext, run_checks
from analyzer.index import ResourceIndex
from analyzer.model import Finding, Kind
from analyzer.progress import DelayedProgress
from analyzer.report import Report
from analyzer.sources.branches import BranchScan, BranchSelection, collect
from analyzer.sources.git_facts import GitFacts, gather
from analyzer.sources.git_repo import GitRepo
from analyzer.sources.repo_layout import conventions, read_layout


@dataclass
class GitScan:
    """Everything a git-based command needs: the scan, its index and facts, the findings."""

    git: GitRepo
    config: Config
    catalog: Catalog
    scan: BranchScan
    index: ResourceIndex
    facts: GitFacts
    findings: list[Finding]


def scan_repository(args: argparse.Namespace, selection: BranchSelection,
                    keep: Callable[[Finding], bool] = lambda _: True) -> GitScan:
    """Collect the workstreams, read the facts, run the checks; the caller closes git."""
    git = GitRepo(args.repo)
    try:
        config = load_config(git.root)
        merge_options(args, config)
        catalog = configured_catalog(config)
        # a bare repository has no files on disk: the usual layout, configured or not
        layout = conventions() if git.bare else read_layout(git.root)
        if config.migration_locations:
            layout.alembic_versions = tuple(config.migration_locations)
        with DelayedProgress(0, "reading branches") as progress:
            scan = collect(git, selection, args.base, progress.step)
            index = ResourceIndex(scan.workstreams)
            facts = gather(scan, index, layout, progress.step)
        findings = [f for f in run_checks(CheckContext(index, catalog, layout, facts),
                                          args.select, args.ignore) if keep(f)]
    except BaseException:
        git.close()
        raise
    return GitScan(git, config, catalog, scan, index, facts, findings)


def report_and_exit(mode: str, result: GitScan, args: argparse.Namespace) -> int:
    findings, accepted = accept(result.findings, args, result.config, result.git.root)
    report = Report(mode, result.git.root, f"against {result.scan.base_name}",
                    result.scan.workstreams, findings, result.catalog, None,
                    result.facts.problems, accepted, result.scan.notes)
    return finish(report, args)


def run_branches(args: argparse.Namespace) -> int:
    selection = BranchSelection(args.refs, args.all, args.remote, not args.no_worktrees)
    result = scan_repository(args, selection)
    try:
        if args.file:
            return _file_query(args, result)
        return report_and_exit("branches", result, args)
    finally:
        result.git.close()


def _file_query(args: argparse.Namespace, result: GitScan) -> int:
    """Which other workstreams change PATH, and how risky editing it now is."""
    scan, facts = result.scan, result.facts
    here = _worktree_of(scan, os.getcwd()) or scan.git.root
    path = os.path.relpath(args.file, here) if os.path.isabs(args.file) else args.file
    path = path.replace(os.sep, "/")
    current = _current_workstream(scan)
    mine = current is not None and any(
        t.resource.key == path for t in result.index.workstreams[current].touches)
    answers = []
    for stream in scan.streams:
        ws = stream.workstream
        touch = next((t for t in ws.touches if t.resource.kind is Kind.FILE
                      and t.resource.key == path), None)
        if ws.id == current or touch is None:
            continue
        if current and path in facts.conflicting(current, ws.id):
            risk, why = "high", "will conflict with your changes"
        elif mine:
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
