"""CS2xx: dependency manifests and lockfiles written by several workstreams."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from typing import TYPE_CHECKING

from analyzer.engine import CheckContext
from analyzer.model import Finding, Kind, Resource, Risk, Touch
from analyzer.shared_paths import is_lockfile, is_manifest, lock_command
from analyzer.specifiers import exclusive

if TYPE_CHECKING:
    from packaging.requirements import Requirement


def _packages(ctx: CheckContext, writers: list[Touch]) -> list[str]:
    """The dependency edits of the writing workstreams, as the plan or diff states them."""
    specs: list[str] = []
    for touch in writers:
        for other in ctx.index.workstreams[touch.workstream].touches:
            if other.resource.kind is Kind.DEPENDENCY and other.detail not in specs:
                specs.append(other.detail)
    return specs


def _described(ctx: CheckContext, writers: list[Touch]) -> str:
    """Each writer with the packages it adds, when the plan or diff says which."""
    parts = []
    for touch in writers:
        packages = [t.detail for t in ctx.index.workstreams[touch.workstream].touches
                    if t.resource.kind is Kind.DEPENDENCY and t.mode.writes and t.detail]
        what = f" (adds {', '.join(packages)})" if packages else (
            f" ({touch.detail})" if touch.detail else "")
        parts.append(f"'{ctx.name(touch.workstream)}'{what}")
    return ", ".join(parts)


def manifest_written(ctx: CheckContext) -> Iterator[Finding]:
    if ctx.git is not None:
        return  # real diffs: the changed dependencies themselves are checked (CS203, CS204)
    for resource, writers in ctx.index.shared(Kind.FILE):
        if not is_manifest(resource.key) or is_lockfile(resource.key):
            continue
        packages = _packages(ctx, writers)
        owner = ctx.name(writers[0].workstream)
        clashes = "".join(f"; {clash}" for clash in _incompatible(ctx, writers))
        yield ctx.finding(
            "CS201", writers,
            f"{resource.key} is written by {len(writers)} workstreams: "
            f"{_described(ctx, writers)}{clashes}", resource,
            owner=f"'{owner}'", packages=", ".join(packages) or "the new packages",
        )


def _incompatible(ctx: CheckContext, writers: list[Touch]) -> list[str]:
    """Pins that the other workstream's specifier for the same package excludes."""
    from packaging.requirements import InvalidRequirement, Requirement

    specs: dict[str, list[tuple[Requirement, str]]] = defaultdict(list)
    for touch in writers:
        for other in ctx.index.workstreams[touch.workstream].touches:
            if other.resource.kind is Kind.DEPENDENCY and other.mode.writes:
                try:
                    specs[other.resource.key].append((Requirement(other.detail), touch.workstream))
                except InvalidRequirement:
                    continue
    clashes = []
    verdicts: dict[tuple[str, str], bool] = {}  # per distinct pair of specifiers, not of tasks
    for entries in specs.values():
        specifiers = [str(first.specifier) for first, _ in entries]
        for i, (first, ws_a) in enumerate(entries):
            for j in range(i + 1, len(entries)):
                second, ws_b = entries[j]
                pair = (specifiers[i], specifiers[j])
                if pair not in verdicts:
                    verdicts[pair] = exclusive(*pair)
                if ws_a != ws_b and verdicts[pair]:
                    clashes.append(f"{first} ('{ctx.name(ws_a)}') and {second} "
                                   f"('{ctx.name(ws_b)}') cannot both hold")
    return clashes


_LOCK_VERDICTS = {
    "conflict": ("git will conflict on it", Risk.HIGH),
    "mismatch": ("it merges without a conflict, but the lock no longer matches the manifest",
                 Risk.MEDIUM),
    "valid": ("it merges and stays valid - regenerate it to be sure", Risk.LOW),
    "unknown": ("it merges without a conflict - regenerate it to be sure it still matches the "
                "manifest", Risk.LOW),
    "unmerged": ("git could not merge it here to check", Risk.MEDIUM),
}


def lockfile_written(ctx: CheckContext) -> Iterator[Finding]:
    """CS202, with the verdict of a real merge of the lock where there are branches: a
    conflict, a clean merge that no longer matches its manifest, or a clean valid one."""
    for resource, writers in ctx.index.shared(Kind.FILE):
        if not is_lockfile(resource.key):
            continue
        command = _lock_command(ctx, resource)
        merge, risk = "", None
        verdict = ctx.git.locks.get(resource.key) if ctx.git is not None else None
        if verdict is not None:
            said, risk = _LOCK_VERDICTS[verdict.verdict]
            merge = f"; {said}" + (f" ({verdict.reason})" if verdict.reason else "")
        yield ctx.finding(
            "CS202", writers,
            f"{resource.key} is regenerated by {len(writers)} workstreams: "
            f"{_described(ctx, writers)}{merge}", resource, risk=risk,
            command=command, lock_command=command,
        )


def _lock_command(ctx: CheckContext, resource: Resource) -> str:
    if ctx.layout.lockfile == resource.key:
        return ctx.layout.lock_command
    return lock_command(resource.key)


CHECKS = [manifest_written, lockfile_written]
