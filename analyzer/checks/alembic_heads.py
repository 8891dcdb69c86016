"""CS301, CS302: alembic heads that merging the workstreams would create.

Git merges two new revision files cleanly; alembic then sees two heads and `upgrade head`
fails. Each workstream's new revisions are walked down to where they attach to the base's
history: two workstreams on the same base head fork it; a workstream on a revision that is no
longer a head of the base forks it alone. Each alembic environment (chain) is its own history.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from itertools import pairwise
from typing import TYPE_CHECKING

from analyzer.checks.migration_graph import attachments, descendant_leaves
from analyzer.engine import CheckContext
from analyzer.model import Evidence, Finding, Kind, Mode, Resource, Touch

if TYPE_CHECKING:  # the alembic parser loads when some workstream adds a revision
    from analyzer.parsers.alembic import Revision


def _touch(ws_id: str, revision: Revision) -> Touch:
    return Touch(ws_id, Resource(Kind.MIGRATION, f"alembic:{revision.revision}"), Mode.CREATE,
                 Evidence(revision.path, revision.down_line,
                          f"down_revision = {_parents(revision.down_revisions)}"),
                 revision.revision)


def _parents(down_revisions: tuple[str, ...]) -> str:
    if not down_revisions:
        return "None"
    if len(down_revisions) == 1:
        return repr(down_revisions[0])
    return repr(down_revisions)


def alembic_findings(ctx: CheckContext) -> Iterator[Finding]:
    """Heads of each chain once every workstream is merged, grouped by the base revision they
    grow from: one base head with two new heads on it is a fork the merge creates."""
    if ctx.git is None:
        return
    facts = ctx.git.migrations
    # a chain with a revision file that could not be read has ids nobody knows: a parent
    # named nowhere may be in that file, so no parent is called missing there
    unread = {ctx.layout.alembic_chain(p.path) for p in ctx.git.problems if p.path}
    for chain, added_by in sorted(facts.alembic_added.items()):
        yield from _chain_findings(ctx, facts.alembic_base.get(chain, {}), added_by,
                                   complete=chain not in unread)


def _chain_findings(ctx: CheckContext, base: dict[str, Revision],
                    added_by: dict[str, list[Revision]], complete: bool = True
                    ) -> Iterator[Finding]:
    from analyzer.parsers.alembic import heads

    base_heads = heads(base)
    added: dict[str, Revision] = {}
    owner: dict[str, str] = {}
    for ws_id, revisions in added_by.items():
        for revision in revisions:
            if revision.revision not in base:
                added.setdefault(revision.revision, revision)
                owner.setdefault(revision.revision, ws_id)
    merged = {**base, **added}
    parents = {rev_id: rev.down_revisions for rev_id, rev in merged.items()}
    base_parents = {rev_id: rev.down_revisions for rev_id, rev in base.items()}
    missing = {rev_id: absent for rev_id, rev in sorted(added.items())
               if (absent := [p for p in rev.down_revisions if p not in merged])}
    for rev_id, absent in missing.items() if complete else ():
        yield _missing(ctx, owner[rev_id], absent[0], added[rev_id],
                       _other_heads(merged, parents, rev_id))
    yield from _second_roots(ctx, base, added, owner, merged, parents)
    children: dict[str, list[str]] = defaultdict(list)
    for rev_id, its_parents in parents.items():
        for parent in its_parents:
            children[parent].append(rev_id)
    on_parent: dict[str, list[Revision]] = defaultdict(list)
    for head_id in sorted(heads(merged) - set(base)):
        fork = _nearest_fork(parents, children, head_id)
        if fork in added:  # two lines grow from a revision the workstreams bring
            on_parent[fork].append(merged[head_id])
            continue
        for parent in attachments(parents, base_parents, head_id):
            on_parent[parent].append(merged[head_id])
    for parent, grown in sorted(on_parent.items()):
        if parent in added:
            if len(grown) >= 2:
                yield _fork(ctx, parent, grown, owner, added)
            continue
        if parent not in base_heads:
            for head in grown:
                yield _stale(ctx, owner[head.revision], parent, head,
                             descendant_leaves(base_parents, parent))
            continue
        if len(grown) >= 2:
            yield _fork(ctx, parent, grown, owner, added)


def _nearest_fork(parents: dict[str, tuple[str, ...]], children: dict[str, list[str]],
                  head: str) -> str | None:
    """Walking down a head's single line, the first revision with two or more children:
    where its line forks from another. None at a root, a merge revision or a missing parent."""
    current = head
    while len(parents.get(current, ())) == 1:
        current = parents[current][0]
        if current not in parents:
            return None
        if len(children[current]) >= 2:
            return current
    return None


def _other_heads(merged: dict[str, Revision], parents: dict[str, tuple[str, ...]],
                 rev_id: str) -> list[str]:
    """The heads of the merged chain that do not grow from `rev_id`: where it belongs."""
    from analyzer.parsers.alembic import heads

    return sorted(heads(merged) - set(descendant_leaves(parents, rev_id)))


def _second_roots(ctx: CheckContext, base: dict[str, Revision], added: dict[str, Revision],
                  owner: dict[str, str], merged: dict[str, Revision],
                  parents: dict[str, tuple[str, ...]]) -> Iterator[Finding]:
    """A new revision with no parent and no branch label, in a chain that already has such a
    root: alembic sees a second base and one more head. A labelled root is a branch on purpose."""
    def unlabelled_root(rev: Revision) -> bool:
        return not rev.down_revisions and not rev.branch_labels

    first = [r for r in base.values() if unlabelled_root(r)]
    for rev_id, revision in added.items():  # in the workstreams' order
        if not unlabelled_root(revision):
            continue
        if not first:
            first.append(revision)  # the chain's first revision, brought by a workstream
            continue
        yield _second_root(ctx, owner[rev_id], revision, first[0].revision,
                           _other_heads(merged, parents, rev_id))


def _fork(ctx: CheckContext, parent: str, grown: list[Revision], owner: dict[str, str],
          added: dict[str, Revision]) -> Finding:
    """Several heads on one parent. Either fix leaves one head: a single merge revision of
    all of them, or each line re-parented onto the head of the one before it."""
    ids = [head.revision for head in grown]
    command = f'alembic merge -m "merge {_and(ids)}" {" ".join(ids)}'
    names = ", ".join(f"{h.revision} ('{ctx.name(owner[h.revision])}')" for h in grown)
    steps = []
    for previous, head in pairwise(grown):
        root = _attached_to(parent, head, added)
        down = tuple(previous.revision if p == parent else p for p in root.down_revisions)
        steps.append(f"`down_revision = {_parents(down)}` in {root.path}")
    return ctx.finding(
        "CS301", [_touch(owner[h.revision], h) for h in grown],
        f"merging these workstreams gives alembic {len(grown)} heads on top of {parent}: "
        f"{names}", Resource(Kind.MIGRATION, f"alembic:{parent}"), command=command,
        merge_command=f"`{command}`", parent=parent, reparent=", then ".join(steps))


def _attached_to(parent: str, head: Revision, added: dict[str, Revision]) -> Revision:
    """The new revision of head's line whose down_revision is `parent`: the one to re-parent
    (the head itself for a single revision, the first of a chain of several)."""
    stack, seen = [head], set()
    while stack:
        current = stack.pop()
        if parent in current.down_revisions:
            return current
        seen.add(current.revision)
        stack += [added[p] for p in current.down_revisions if p in added and p not in seen]
    return head


def _and(ids: list[str]) -> str:
    return " and ".join(ids) if len(ids) <= 2 else ", ".join(ids[:-1]) + " and " + ids[-1]


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
        base=base, merge_command=f"`{command}`", merge_advice=_merge_advice(command))



def _missing(ctx: CheckContext, ws_id: str, parent: str, revision: Revision,
             now: list[str]) -> Finding:
    """A parent no file declares: alembic stops before it can list heads (`alembic merge`
    cannot help); the revision must name a parent that exists."""
    current = " and ".join(now) or "the chain's head"
    return ctx.finding(
        "CS302", [_touch(ws_id, revision)],
        f"'{ctx.name(ws_id)}' adds {revision.revision} on {parent}, which no revision "
        f"declares: alembic stops with 'Revision {parent} referenced from {revision.revision} "
        f"is not present'; the head is now {current}",
        Resource(Kind.MIGRATION, f"alembic:{parent}"), merge_time=False,
        path=revision.path, parent=parent, head=current,
        merge_advice="; `alembic merge` cannot run while the parent is missing")


def _second_root(ctx: CheckContext, ws_id: str, revision: Revision, root: str,
                 now: list[str]) -> Finding:
    current = " and ".join(now) or "another revision"
    command = (f'alembic merge -m "merge {revision.revision} and {current}" '
               f"{revision.revision} {' '.join(now)}")
    return ctx.finding(
        "CS302", [_touch(ws_id, revision)],
        f"'{ctx.name(ws_id)}' adds {revision.revision} with no parent and no branch label, "
        f"a second root beside {root}: alembic gets one more head; the head is now {current}",
        Resource(Kind.MIGRATION, f"alembic:{revision.revision}"), merge_time=False,
        command=command if now else "", path=revision.path, parent="no parent",
        head=current, merge_advice=_merge_advice(command if now else ""))


def _merge_advice(command: str) -> str:
    return f", or merge after landing: `{command}`" if command else ""


CHECKS = [alembic_findings]
