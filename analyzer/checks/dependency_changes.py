"""CS203-CS207: what the dependency edits of real diffs mean once they are merged."""

from __future__ import annotations

import posixpath
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from analyzer.engine import CheckContext
from analyzer.model import Evidence, Finding, Kind, Mode, Resource, Risk, Touch
from analyzer.specifiers import exclusive

if TYPE_CHECKING:  # the requirements parser loads when a requirements file is read
    from analyzer.parsers.requirements import Requirement


@dataclass(frozen=True)
class Change:
    """One workstream's change of one requirement in one manifest."""

    workstream: str
    manifest: str
    group: str  # "" for requirements files; the pyproject table otherwise
    name: str
    variant: str  # extras and marker: `pkg` and `pkg[extra]` are different requirements
    old: str | None  # specifier before, None when the workstream adds the package
    new: str | None  # specifier after, None when it removes it
    line: int
    text: str

    def touch(self) -> Touch:
        return Touch(self.workstream, Resource(Kind.DEPENDENCY, self.name), Mode.WRITE,
                     Evidence(self.manifest, self.line or None, self.text), self.new or "")


def dependency_changes(ctx: CheckContext) -> list[Change]:
    """Every package whose specifier a workstream adds, changes or removes."""
    assert ctx.git is not None
    changes: list[Change] = []
    for (ws_id, path), (old, new) in ctx.git.requirements.items():
        before = {r.key: r for r in (old.requirements if old else [])}
        after = {r.key: r for r in (new.requirements if new else [])}
        for req_key, req in after.items():
            if req_key not in before or before[req_key].spec != req.spec:
                prior = before[req_key].spec if req_key in before else None
                changes.append(Change(ws_id, path, "", req.name, _variant(req), prior, req.spec,
                                      req.line, req.text))
        changes += [Change(ws_id, path, "", r.name, _variant(r), r.spec, None, r.line, r.text)
                    for req_key, r in before.items() if req_key not in after]
    for (ws_id, manifest), (old_p, new_p) in ctx.git.pyprojects.items():
        before_p = old_p.by_key() if old_p else {}
        after_p = new_p.by_key() if new_p else {}
        for key, dep in after_p.items():
            if key not in before_p or before_p[key].spec != dep.spec:
                prior = before_p[key].spec if key in before_p else None
                changes.append(Change(ws_id, manifest, dep.group, dep.name, "", prior,
                                      dep.spec, dep.line, f"{dep.name} {dep.spec}".strip()))
    return changes


def _variant(req: Requirement) -> str:
    extras = f"[{','.join(req.extras)}]" if req.extras else ""
    return extras + (f"; {req.marker}" if req.marker else "")


def _show(change: Change) -> str:
    return change.text or f"{change.name}{change.new or ''}"


def changed_differently(ctx: CheckContext) -> Iterator[Finding]:
    if ctx.git is None:
        return
    by_package: dict[tuple[str, str, str, str], list[Change]] = defaultdict(list)
    for change in dependency_changes(ctx):
        by_package[(change.manifest, change.group, change.name, change.variant)].append(change)
    for (manifest, _, name, _), changes in by_package.items():
        specs = {c.new for c in changes}
        if len({c.workstream for c in changes}) < 2 or len(specs) < 2:
            continue
        listed = ", ".join(f"'{ctx.name(c.workstream)}': "
                           + (_show(c) if c.new is not None else "removed") for c in changes)
        clash = ""
        pins = [c for c in changes if c.new]
        if any(exclusive(a.new or "", b.new or "") for i, a in enumerate(pins)
               for b in pins[i + 1:]):
            clash = "; these specifiers cannot both hold"
        yield ctx.finding("CS203", [c.touch() for c in changes],
                          f"{name} is changed differently in {manifest}: {listed}{clash}",
                          Resource(Kind.DEPENDENCY, name), manifest=manifest, package=name)


def duplicate_after_merge(ctx: CheckContext) -> Iterator[Finding]:
    if ctx.git is None:
        return
    includes = _include_graph(ctx)
    added: dict[tuple[str, str, str], list[Change]] = defaultdict(list)
    for change in dependency_changes(ctx):
        if change.old is None and change.new is not None:
            added[(change.group, change.name, change.variant)].append(change)
    for (_, name, _), changes in added.items():
        clashing = [(a, b) for i, a in enumerate(changes) for b in changes[i + 1:]
                    if a.workstream != b.workstream and _duplicates(ctx, a, b, includes)]
        if not clashing:
            continue
        involved = list({(c.workstream, c.manifest): c for pair in clashing
                         for c in pair}.values())
        files = sorted({c.manifest for c in involved})
        where = files[0] if len(files) == 1 else " and ".join(files) + " (one includes the other)"
        touches = [c.touch() for c in involved]
        yield ctx.finding(
            "CS204", touches,
            f"{name} is added to {where} by {ctx.names(touches)}: after a clean merge it is "
            "listed twice", Resource(Kind.FILE, files[0]), package=name, manifest=where)
    for (ws_id, path), (old, new) in ctx.git.requirements.items():
        before = old.by_key() if old else {}
        for (name, _, _), reqs in (new.by_key() if new else {}).items():
            if len(reqs) > len(before.get(reqs[0].key, ())) and len(reqs) > 1:
                touches = [Touch(ws_id, Resource(Kind.FILE, path), Mode.WRITE,
                                 Evidence(path, r.line, r.text)) for r in reqs]
                # no merge made one branch's own repeat, and pip combines specifiers that can
                # both hold (lemur 42040b275d, dispatch 95572fbbee): a note; pins that
                # exclude each other are pip's ResolutionImpossible, a warning
                clash = any(exclusive(a.spec, b.spec) for i, a in enumerate(reqs)
                            for b in reqs[i + 1:])
                yield ctx.finding("CS204", touches,
                                  f"{name} is listed {len(reqs)} times in {path} in "
                                  f"'{ctx.name(ws_id)}'" + (
                                      "; these specifiers cannot both hold" if clash else
                                      " (specifiers that can both hold: pip combines them)"),
                                  Resource(Kind.FILE, path), merge_time=False,
                                  risk=None if clash else Risk.LOW, package=name,
                                  manifest=path)


def _duplicates(ctx: CheckContext, a: Change, b: Change,
                includes: dict[str, set[str]]) -> bool:
    """Two additions of one package that end up in one requirement set after the merge.
    The same line written at the same place of the base merges into one, however far
    each side's other edits have moved it in its own version of the file."""
    if a.manifest == b.manifest:
        if a.new != b.new:
            return False  # different specifiers: CS203 says that
        return not (a.text == b.text and _on_base(ctx, a) == _on_base(ctx, b))
    return b.manifest in includes.get(a.manifest, set()) or a.manifest in includes.get(
        b.manifest, set())


def _on_base(ctx: CheckContext, change: Change) -> tuple[int, int, int]:
    """Where a changed line sits on the merge-base: the base lines its (zero-context) hunk
    replaces and its place among the hunk's new lines; a line outside every hunk by the
    shift of the hunks before it."""
    hunks = next((t.hunks for t in ctx.index.workstreams[change.workstream].touches
                  if t.resource == Resource(Kind.FILE, change.manifest) and t.hunks), ())
    shift = 0
    for hunk in sorted(hunks, key=lambda h: h.new_start):
        if hunk.new_start <= change.line < hunk.new_start + hunk.new_lines:
            return hunk.old_start, hunk.old_lines, change.line - hunk.new_start
        if hunk.new_start + hunk.new_lines <= change.line:
            shift += hunk.new_lines - hunk.old_lines
    return change.line - shift, -1, 0


def _include_graph(ctx: CheckContext) -> dict[str, set[str]]:
    """Requirements file -> every file it pulls in with -r or -c, transitively."""
    assert ctx.git is not None
    direct: dict[str, set[str]] = defaultdict(set)
    for (_, path), versions in ctx.git.requirements.items():
        for facts in versions:
            for _, target, _ in (facts.includes if facts else []):
                direct[path].add(posixpath.normpath(posixpath.join(posixpath.dirname(path),
                                                                   target)))
    closed: dict[str, set[str]] = {}
    for path in direct:
        seen: set[str] = set()
        stack = list(direct[path])
        while stack:
            current = stack.pop()
            if current not in seen:
                seen.add(current)
                stack += direct.get(current, ())
        closed[path] = seen
    return closed


def version_bumped_by_several(ctx: CheckContext) -> Iterator[Finding]:
    if ctx.git is None:
        return
    bumps: dict[str, list[Touch]] = defaultdict(list)
    for (ws_id, path), (old, new) in ctx.git.pyprojects.items():
        if old and new and new.version and (old.version or ("", 0))[0] != new.version[0]:
            bumps[path].append(Touch(ws_id, Resource(Kind.FILE, path), Mode.WRITE,
                                     Evidence(path, new.version[1] or None,
                                              f'version = "{new.version[0]}"')))
    for path, touches in bumps.items():
        if len({t.evidence.text for t in touches}) >= 2:  # the same new version merges as one
            listed = ", ".join(f"{t.evidence.text} ('{ctx.name(t.workstream)}')"
                               for t in touches)
            yield ctx.finding("CS206", touches, f"the version in {path} is bumped by "
                              f"{ctx.names(touches)}: {listed}", Resource(Kind.FILE, path))


def manifest_without_lockfile(ctx: CheckContext) -> Iterator[Finding]:
    """CS207, a note: a workstream's manifest change meets a lock another workstream
    regenerated without it, so the merged lock looks fresh and is not. The mismatch is the
    first workstream's own (its lock is the base's), which is why it is no warning; a branch
    out of step with its own lock and nothing regenerated to meet is not reported."""
    lockfile = ctx.layout.lockfile
    if ctx.git is None or not lockfile:
        return
    manifest = posixpath.join(posixpath.dirname(lockfile), "pyproject.toml")
    lockers = [t for ws in ctx.index.workstreams.values() for t in ws.touches
               if t.resource == Resource(Kind.FILE, lockfile) and t.mode.writes]
    for ws_id, changes in _by_workstream(dependency_changes(ctx)).items():
        mine = [c for c in changes if c.manifest == manifest]
        others = [t for t in lockers if t.workstream != ws_id
                  and ctx.index.concurrent(ws_id, t.workstream)]
        if not mine or not others or any(t.workstream == ws_id for t in lockers):
            continue
        names = ", ".join(sorted({c.name for c in mine}))
        touches = [c.touch() for c in mine] + others
        yield ctx.finding(
            "CS207", touches,
            f"'{ctx.name(ws_id)}' changes the dependencies in {manifest} ({names}) but not "
            f"{lockfile}, which {ctx.names(others)} regenerates without them: merged, the "
            "lock looks fresh but does not match the manifest (as it already does not on "
            f"'{ctx.name(ws_id)}')", Resource(Kind.FILE, lockfile),
            command=ctx.layout.lock_command, lock_command=ctx.layout.lock_command,
            lockfile=lockfile)


def _by_workstream(changes: list[Change]) -> dict[str, list[Change]]:
    result: dict[str, list[Change]] = defaultdict(list)
    for change in changes:
        result[change.workstream].append(change)
    return result


CHECKS = [changed_differently, duplicate_after_merge, version_bumped_by_several,
          manifest_without_lockfile]
