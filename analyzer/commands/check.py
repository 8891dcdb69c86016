"""`conflictscan check`: the change being committed, against the base and the other active
branches and worktrees. Built for a pre-commit hook, it judges the commit, not the branch:
it reports what the staged change *adds*, the findings of "branch + staged" that "branch as
committed" does not have, so a conflict committed days ago never blocks today's commit.

Where there is nothing to compare (nothing staged, as in `pre-commit run --all-files`; no
base branch, as in a single-branch or shallow CI clone) it says so in one line and passes.
"""

from __future__ import annotations

import argparse
import sys

from analyzer.commands.branches import GitScan, scan_repository, workstream_text
from analyzer.commands.output import accept, finish, merge_options, suppress
from analyzer.config import repo_config
from analyzer.errors import InputError
from analyzer.model import Finding
from analyzer.report import Report
from analyzer.sources.branches import STAGED, BranchSelection
from analyzer.sources.git_repo import GitRepo


def run_check(args: argparse.Namespace) -> int:
    # one repository object for the whole run: both scans share its ref listing, worktree
    # list, snapshots of the other worktrees and scratch store
    git = GitRepo(args.repo)
    try:
        skip = _nothing_to_compare(args, git)
        if skip:
            print(f"conflictscan check: {skip}; skipped", file=sys.stderr)
            return 0
        return _judge(args, git)
    finally:
        git.close()


def _judge(args: argparse.Namespace, git: GitRepo) -> int:
    worktrees = not args.no_worktrees
    staged = scan_repository(args, BranchSelection(staged_in=args.repo, worktrees=worktrees),
                             keep=lambda f: STAGED in f.workstreams, git=git)
    findings, problems = staged.findings, _own_problems(staged)
    if (findings or problems) and _committed_part(git, staged):
        # the branch as committed, read where the commit was: the same other workstreams
        committed = scan_repository(args, BranchSelection(
            staged_in=args.repo, worktrees=worktrees, as_committed=True,
            paths=staged.scan.paths), keep=lambda f: STAGED in f.workstreams, git=git)
        before = {identity(f) for f in committed.findings}
        findings = [f for f in findings if identity(f) not in before]
        known = {str(p) for p in _own_problems(committed)}
        problems = [p for p in problems if str(p) not in known]
    findings = suppress(findings, workstream_text(staged, findings))
    findings, accepted = accept(findings, args, staged.config, staged.git.root)
    report = Report("check", staged.git.root, f"against {staged.scan.base_name}",
                    staged.scan.workstreams, findings, staged.catalog, None, problems,
                    accepted, notes=staged.scan.notes, subject=STAGED)
    return finish(report, args)


def _committed_part(git: GitRepo, staged: GitScan) -> bool:
    """Whether the branch as committed changes anything where the staged change can
    collide. When it does not (a commit on a fresh branch, or earlier commits elsewhere in
    the tree), the committed scan's own workstream touches nothing there and can name no
    finding: the second scan is skipped."""
    mine = next(s for s in staged.scan.streams if s.workstream.id == STAGED)
    if mine.commit == mine.merge_base:
        return False
    return bool(git.changed_paths(mine.merge_base, mine.commit, staged.scan.paths))


def identity(finding: Finding) -> tuple[object, ...]:
    """What makes two findings the same collision: the rule, the resource, the workstreams
    and the files, not the wording or the line (lines move when the staged part is added)."""
    resource = (finding.resource.kind.value, finding.resource.key) if finding.resource else None
    return (finding.rule, resource, tuple(sorted(finding.workstreams)),
            tuple(sorted({e.path for e in finding.evidence})))


def _own_problems(result: GitScan) -> list[InputError]:
    """Unreadable files of the change being committed; other workstreams' are not its fault."""
    return [p for p in result.facts.problems if f"(in {STAGED})" in p.message]


def _nothing_to_compare(args: argparse.Namespace, git: GitRepo) -> str:
    """Why this commit has nothing to be compared with, or ""."""
    merge_options(args, repo_config(git))
    try:
        base = args.base or git.default_base()
        git.resolve_all([base, "HEAD"])  # one process for both
        base_commit = git.resolve(base)
    except InputError:
        return (f"no base branch {args.base!r} in this clone" if args.base else
                "no base branch here (no origin/HEAD, main or master; set --base)")
    if not git.staged_diff(git.resolve("HEAD"), git.root).strip():
        return "nothing staged (the hook judges the change being committed)"
    if git.merge_base(base_commit, git.resolve("HEAD")) is None:
        why = "a shallow clone" if git.is_shallow() else "unrelated histories"
        return f"HEAD and {base} share no commit here ({why})"
    return ""
