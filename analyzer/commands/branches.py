"""`conflictscan branches`: branches and worktrees against the base and against each other."""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Callable
from dataclasses import dataclass

from analyzer.catalog import Catalog
from analyzer.commands.output import (
    accept,
    configured_catalog,
    finish,
    merge_options,
    suppress,
)
from analyzer.config import Config, repo_config
from analyzer.engine import CheckContext, run_checks
from analyzer.errors import InputError
from analyzer.index import ResourceIndex
from analyzer.model import Finding
from analyzer.progress import DelayedProgress
from analyzer.report import Report
from analyzer.sources.branches import BranchScan, BranchSelection, collect, version_of
from analyzer.sources.git_facts import GitFacts, gather
from analyzer.sources.git_repo import GitRepo
from analyzer.sources.repo_layout import RepoLayout, read_layout_at, with_brought
from analyzer.sources.scope import pathspecs
from analyzer.suppressions import Source


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
                    keep: Callable[[Finding], bool] = lambda _: True,
                    adjust: Callable[[BranchScan], None] = lambda _: None,
                    narrow: Callable[[RepoLayout], tuple[str, ...]] | None = None,
                    git: GitRepo | None = None) -> GitScan:
    """Collect the workstreams, read the facts, run the checks; the caller closes git.
    `adjust` may change the workstreams before the facts are read (an edit about to happen);
    `narrow` gives the pathspecs that bound every diff, once the layout is known."""
    git = git or GitRepo(args.repo)
    try:
        config = repo_config(git)
        merge_options(args, config)
        catalog = configured_catalog(config)
        # the base's tree says where migrations live, whatever is checked out here
        base = git.resolve(args.base or git.default_base())
        layout = config.locate_migrations(
            git.remember(("layout", base), lambda: read_layout_at(git, base)))
        if narrow is not None:
            selection.paths = narrow(layout)
        if selection.staged_in:  # the hook: the others only where the commit can collide
            selection.scope = lambda paths: pathspecs(paths, layout)
        with DelayedProgress(0, "reading branches") as progress:
            scan = collect(git, selection, args.base, progress.step, progress.expect)
            adjust(scan)
            if not selection.staged_in:  # an environment a branch brings is a chain too
                layout = config.locate_migrations(
                    with_brought(git, scan.base_commit, layout, scan))
            index = ResourceIndex(scan.workstreams)
            facts = gather(scan, index, layout, progress.step, progress.expect)
            facts.problems[:0] = layout.problems
        findings = [f for f in run_checks(CheckContext(index, catalog, layout, facts),
                                          args.select, args.ignore) if keep(f)]
    except BaseException:
        git.close()
        raise
    return GitScan(git, config, catalog, scan, index, facts, findings)


def report_and_exit(mode: str, result: GitScan, args: argparse.Namespace,
                    subject: str | None = None) -> int:
    findings = suppress(result.findings, workstream_text(result, result.findings))
    findings, accepted = accept(findings, args, result.config, result.git.root)
    report = Report(mode, result.git.root, f"against {result.scan.base_name}",
                    result.scan.workstreams, findings, result.catalog, None,
                    result.facts.problems, accepted, notes=result.scan.notes, subject=subject)
    return finish(report, args)


def workstream_text(result: GitScan, findings: list[Finding] | None = None) -> Source:
    """A file as a workstream has it, from git's objects: a worktree's (or the staged
    change's) from its snapshot, a branch's from its commit, the base's at its tip. With
    `findings`, every file their evidence names is read at once (one `cat-file`)."""
    streams = {s.workstream.id: s for s in result.scan.streams}
    texts: dict[str, str | None] = {}

    def spec(ws_id: str, path: str) -> str:
        stream = streams.get(ws_id)
        rev = result.scan.base_commit if stream is None else version_of(result.git, stream)
        return f"{rev}:{path}"

    if findings:
        wanted = {spec(owner, e.path) for f in findings
                  for e, owner in zip(f.evidence, [*f.evidence_of, *[""] * len(f.evidence)],
                                      strict=False) if e.path and e.line}
        texts.update(result.git.read_blobs(sorted(wanted)))

    def text_of(ws_id: str, path: str) -> str | None:
        key = spec(ws_id, path)
        if key not in texts:
            texts.update(result.git.read_blobs([key]))
        return texts.get(key)

    return text_of


def run_branches(args: argparse.Namespace) -> int:
    if args.file:
        return _file_query(args)
    selection = BranchSelection(args.refs, args.all, args.remote, not args.no_worktrees)
    result = scan_repository(args, selection)
    try:
        return report_and_exit("branches", result, args)
    finally:
        result.git.close()


def _file_query(args: argparse.Namespace) -> int:
    """`--file PATH…`: the agent hook's answer, for people and scripts."""
    from analyzer.commands.edits import PlannedEdit, answer_edits, as_json, render_text
    from analyzer.commands.output import emit

    if args.refs or args.all or args.remote or args.no_worktrees:
        raise InputError("--file answers against every branch and worktree; leave out REF, "
                         "--all, --remote and --no-worktrees")
    if args.format not in ("text", "json"):
        raise InputError("--file writes text or json")
    answer = answer_edits(args, args.repo, [PlannedEdit(p) for p in args.file])
    fail_on = args.fail_on or "error"
    if args.format == "json":
        emit(json.dumps(as_json(answer, fail_on), indent=2) + "\n", args.output)
    else:
        emit(render_text(answer), args.output)
    return answer.worst(fail_on)


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


def current_workstream(scan: BranchScan) -> str | None:
    """The workstream of the worktree holding the current directory (used by `fix`)."""
    root = _worktree_of(scan, os.getcwd())
    for stream in scan.streams:
        if stream.worktree and os.path.realpath(stream.worktree) == root:
            return stream.workstream.id
    return None
