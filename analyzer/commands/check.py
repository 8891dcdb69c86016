"""`conflictscan check`: the change being committed, against the base and the other active
branches and worktrees. Built for a pre-commit hook: it reports only what involves the
staged change."""

from __future__ import annotations

import argparse

from analyzer.commands.branches import report_and_exit, scan_repository
from analyzer.sources.branches import STAGED, BranchSelection


def run_check(args: argparse.Namespace) -> int:
    selection = BranchSelection(staged_in=args.repo, worktrees=not args.no_worktrees)
    result = scan_repository(args, selection, keep=lambda f: STAGED in f.workstreams)
    try:
        return report_and_exit("check", result, args)
    finally:
        result.git.close()
