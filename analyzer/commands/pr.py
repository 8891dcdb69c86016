"""`conflictscan pr`: a pull request's head against the current tip of its target branch,
and against other open pull requests. Built for CI; reports only what involves the head."""

from __future__ import annotations

import argparse

from analyzer.commands.branches import report_and_exit, scan_repository
from analyzer.sources.branches import BranchSelection


def run_pr(args: argparse.Namespace) -> int:
    head = args.head
    selection = BranchSelection(refs=[head], worktrees=False, ref_patterns=args.others,
                                base_since_fork=True)
    result = scan_repository(args, selection, keep=lambda f: head in f.workstreams)
    try:
        return report_and_exit("pr", result, args, subject=head)
    finally:
        result.git.close()
