"""CS301, CS302: alembic heads that merging the workstreams would create.

Git merges two new revision files cleanly; alembic then sees two heads and `upgrade head`
fails. Each workstream's new revisions are walked down to where they attach to the base's
history: two workstreams on the same base head fork it; a workstream on a revision that is no
longer a head of the base forks it alone.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from analyzer.checks.migration_graph import descendant_leaves, roots_in_base
from analyzer.engine import CheckContext
from analyzer.model import Evidence, Finding, Kind, Mode, Resource, Touch
from analyzer.parsers.alembic import Revision, heads


def _touch(ws_id: str, revision: Revision) -> Touch:
    return Touch(ws_id, Resource(Kind.MIGRATION, f"alembic:{revision.revision}"), Mode.CREATE,
                 Evidence(revision.path, revision.down_line,
                          f"down_revision = {_parents(revision)}"), revision.revision)


def _parents(revision: Revision) -> str:
    if not revision.down_revisions:
        return "None"
    if len(revision.down_revisions) == 1:
        return repr(revision.down_revisions[0])
    return repr(revision.down_revisions)


def alembic_findings(ctx: CheckContext) -> Iterator[Finding]:
    """Heads of the history once every workstream is merged, grouped by the base revision
    they grow from: one base head with two new heads on it is a fork the merge creates."""
    if ctx.git is None or not ctx.git.alembic_added:
        return
    base = ctx.git.alembic_base
    base_heads = heads(base)
    added: dict[str, Revision] = {}
    owner: dict[str, str] = {}
    for ws_id, revisions in ctx.git.alembic_added.items():
        for revision in revisions:
            if revision.revision not in base:
                added.setdefault(revision.revision, revision)
                owner.setdefault(revision.revision, ws_id)
    merged = {**base, **added}
    on_parent: dict[str, list[Revision]] = defaultdict(list)
    for head_id in sorted(heads(merged) - set(base)):
        parents = {rev_id: rev.down_revisions for rev_id, rev in merged.items()}
        for parent in roots_in_base(parents, base, head_id):
            on_parent[parent].append(merged[head_id])
    for parent, grown in sorted(on_parent.items()):
        if parent not in base_heads:
            for head in grown:
                base_parents = {r: rev.down_revisions for r, rev in base.items()}
                yield _stale(ctx, owner[head.revision], parent, head,
                             descendant_leaves(base_parents, parent))
            continue
        if len(grown) < 2:
            continue
        ids = [head.revision for head in grown]
        command = f'alembic merge -m "merge {" and ".join(ids)}" {" ".join(ids)}'
        names = ", ".join(f"{h.revision} ('{ctx.name(owner[h.revision])}')" for h in grown)
        yield ctx.finding(
            "CS301", [_touch(owner[h.revision], h) for h in grown],
            f"merging these workstreams gives alembic {len(grown)} heads on top of {parent}: "
            f"{names}", Resource(Kind.MIGRATION, f"alembic:{parent}"), command=command,
            merge_command=f"`{command}`", parent=parent, first=grown[0].revision,
            others=", ".join(h.path for h in grown[1:]))


def _stale(ctx: CheckContext, ws_id: str, parent: str, head: Revision,
           now: list[str]) -> Finding:
    base = ctx.git.base_name if ctx.git else "the base"
    current = " and ".join(now) or "another revision"
    command = f'alembic merge -m "merge {head.revision} and {current}" {head.revision} ' + \
        " ".join(now)
    return ctx.finding(
        "CS302", [_touch(ws_id, head)],
        f"'{ctx.name(ws_id)}' adds {head.revision} on {parent}, which is no longer a head of "
        f"{base}: the head is now {current}", Resource(Kind.MIGRATION, f"alembic:{parent}"),
        merge_time=False, command=command, path=head.path, parent=parent, head=current,
        base=base, merge_command=f"`{command}`")


CHECKS = [alembic_findings]
