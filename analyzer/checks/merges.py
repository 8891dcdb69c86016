"""CS103-CS105: what a real merge of the diffs says (branches and worktrees only)."""

from __future__ import annotations

from collections.abc import Iterator

from analyzer.engine import CheckContext
from analyzer.hunks import relation
from analyzer.index import identical
from analyzer.model import Finding, Kind, Touch
from analyzer.shared_paths import is_lockfile
from analyzer.sources.git_facts import BASE


def _pairs(writers: list[Touch]) -> Iterator[tuple[Touch, Touch]]:
    """Pairs of different changes: the same change in two branches merges into one."""
    for i, a in enumerate(writers):
        for b in writers[i + 1:]:
            if not identical([a, b]):
                yield a, b


def will_conflict(ctx: CheckContext) -> Iterator[Finding]:
    if ctx.git is None:
        return
    for resource, writers in ctx.index.shared(Kind.FILE):
        if is_lockfile(resource.key):
            continue  # CS202 says what to do with a lockfile
        clashes = [(a, b) for a, b in _pairs(writers)
                   if resource.key in ctx.git.conflicting(a.workstream, b.workstream)]
        if not clashes:
            continue
        involved = list({t.workstream: t for pair in clashes for t in pair}.values())
        described = "; ".join(f"'{ctx.name(a.workstream)}' with '{ctx.name(b.workstream)}' "
                              f"({relation(a.hunks, b.hunks)})" for a, b in clashes[:5])
        yield ctx.finding("CS103", involved,
                          f"{resource.key} will conflict when merged: {described}", resource)


def merges_cleanly(ctx: CheckContext) -> Iterator[Finding]:
    if ctx.git is None:
        return
    for resource, writers in ctx.index.shared(Kind.FILE):
        if is_lockfile(resource.key):
            continue
        pairs = list(_pairs(writers))
        if any(resource.key in ctx.git.conflicting(a.workstream, b.workstream)
               for a, b in pairs):
            continue
        relations = sorted({relation(a.hunks, b.hunks) for a, b in pairs})
        yield ctx.finding(
            "CS104", writers,
            f"{resource.key} is changed by {ctx.names(writers)} and merges cleanly "
            f"({', '.join(relations)})", resource)


def conflicts_with_base(ctx: CheckContext) -> Iterator[Finding]:
    if ctx.git is None:
        return
    for ws_id in ctx.git.base_changed:
        paths = ctx.git.conflicting(BASE, ws_id)
        if not paths:
            continue
        touches = [t for t in ctx.index.workstreams[ws_id].touches
                   if t.resource.kind is Kind.FILE and t.resource.key in paths]
        base = ctx.git.base_name
        shown = ", ".join(paths[:5]) + (f" and {len(paths) - 5} more" if len(paths) > 5 else "")
        yield ctx.finding(
            "CS105", touches, f"'{ctx.name(ws_id)}' conflicts with the current {base} in {shown}",
            touches[0].resource if touches else None, merge_time=False,
            command=f"git rebase {base}", base=base, name=f"'{ctx.name(ws_id)}'")


CHECKS = [will_conflict, merges_cleanly, conflicts_with_base]
