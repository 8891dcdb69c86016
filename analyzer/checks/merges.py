"""CS103-CS106: what a real merge of the diffs says (branches and worktrees only)."""

from __future__ import annotations

from collections.abc import Iterator

from analyzer.engine import CheckContext
from analyzer.hunks import relation
from analyzer.index import identical
from analyzer.model import Evidence, Finding, Kind, Mode, Resource, Touch
from analyzer.shared_paths import is_lockfile
from analyzer.sources.git_facts import BASE, BUILTIN_DRIVERS, pair
from analyzer.sources.git_repo import MergeConflict


def _pairs(writers: list[Touch]) -> Iterator[tuple[Touch, Touch]]:
    """Pairs of different changes: the same change in two branches merges into one."""
    for i, a in enumerate(writers):
        for b in writers[i + 1:]:
            if not identical([a, b]):
                yield a, b


def will_conflict(ctx: CheckContext) -> Iterator[Finding]:
    """Every path git reports conflicted, renames included: one finding per path, naming
    both sides of a rename."""
    if ctx.git is None:
        return
    found: dict[str, list[tuple[list[Touch], str]]] = {}
    for (a, b), paths in sorted(ctx.git.conflicts.items()):
        if BASE in (a, b):
            continue  # CS105
        conflicts = list(ctx.git.details.get((a, b), ()))
        told = {p for c in conflicts for p in c.paths}
        conflicts += [MergeConflict("attributes" if p in ctx.git.attributes else "conflict",
                                    (p,), "") for p in paths if p not in told]
        for conflict in conflicts:
            touches = [t for ws in (a, b) for t in ctx.index.workstreams[ws].touches
                       if t.resource.kind is Kind.FILE and t.resource.key in conflict.paths]
            key = next((t.resource.key for t in touches), conflict.paths[0])
            if is_lockfile(key):
                continue  # CS202 says what to do with a lockfile
            for ws in (a, b):  # a side that only moved a directory has no touch on the path
                if not any(t.workstream == ws for t in touches):
                    touches.append(Touch(ws, Resource(Kind.FILE, key), Mode.WRITE,
                                         Evidence(key, None, conflict.kind)))
            found.setdefault(key, []).append((touches, _why(ctx, a, b, conflict, touches)))
    for key, clashes in found.items():
        involved = list({(t.workstream, t.resource.key): t for touches, _ in clashes
                         for t in touches}.values())
        described = "; ".join(why for _, why in clashes[:5])
        yield ctx.finding("CS103", involved, f"{key} will conflict when merged: {described}",
                          Resource(Kind.FILE, key))


def _why(ctx: CheckContext, a: str, b: str, conflict: MergeConflict,
         touches: list[Touch]) -> str:
    """One pair's conflict in words: where the edits meet, or git's own sentence about
    renames and deletions with the workstreams' names in place of commit ids."""
    assert ctx.git is not None
    names = f"'{ctx.name(a)}' with '{ctx.name(b)}'"
    if conflict.kind == "attributes":
        how = ctx.git.attributes.get(conflict.paths[0], "unset")
        marked = "-merge" if how == "unset" else f"merge={how}"
        return (f"{names} (both change it and .gitattributes marks it {marked}: git keeps one "
                "side and reports a conflict, however far apart the edits are)")
    if not conflict.message:
        return f"{names} (git reports a conflict)"
    mine = [t for t in touches if t.workstream == a and t.detail == "modified"]
    theirs = [t for t in touches if t.workstream == b and t.detail == "modified"]
    if conflict.kind == "contents" and mine and theirs:
        return f"{names} ({relation(mine[0].hunks, theirs[0].hunks)})"
    message = conflict.message
    if message.startswith("CONFLICT (") and "): " in message:
        message = message.split("): ", 1)[1]
    for ws in (a, b):
        commit = ctx.git.commits.get(ws, "")
        if commit:
            message = message.replace(commit, f"'{ctx.name(ws)}'")
    return f"{names} ({conflict.kind}: {message.rstrip('.')})"


def merges_cleanly(ctx: CheckContext) -> Iterator[Finding]:
    if ctx.git is None:
        return
    for resource, writers in ctx.index.shared(Kind.FILE):
        if is_lockfile(resource.key):
            continue
        pairs = list(_pairs(writers))
        if any(resource.key in ctx.git.involved(a.workstream, b.workstream)
               or pair(a.workstream, b.workstream) in ctx.git.unmerged for a, b in pairs):
            continue
        attribute = ctx.git.attributes.get(resource.key, "")
        if attribute and attribute not in BUILTIN_DRIVERS:
            yield ctx.finding(
                "CS106", writers,
                f"{resource.key} is changed by {ctx.names(writers)}; whether it merges cannot "
                f"be predicted: the custom merge driver '{attribute}' (.gitattributes) decides",
                resource, driver=attribute)
            continue
        relations = sorted({relation(a.hunks, b.hunks) for a, b in pairs})
        union = "; .gitattributes says merge=union: both sides' lines are kept, in no " \
                "particular order" if attribute == "union" else ""
        yield ctx.finding(
            "CS104", writers,
            f"{resource.key} is changed by {ctx.names(writers)} and merges cleanly "
            f"({', '.join(relations)}){union}", resource)


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
