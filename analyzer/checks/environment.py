"""CS4xx: runtime resources that parallel worktrees share: ports, databases, .env, venvs."""

from __future__ import annotations

import re
from collections.abc import Iterator

from analyzer.engine import CheckContext
from analyzer.model import Finding, Kind, Mode, Resource, Touch
from analyzer.shared_paths import is_env_file


def _concurrent(ctx: CheckContext, touches: list[Touch]) -> list[Touch]:
    """The touches whose workstreams can run at the same time as at least one other."""
    ids = [t.workstream for t in touches]
    return [t for t in touches if any(ctx.index.concurrent(t.workstream, o) for o in ids)]


def same_port(ctx: CheckContext) -> Iterator[Finding]:
    used = {int(r.key) for r, _ in ctx.index.of_kind(Kind.PORT) if r.key.isdigit()}
    for resource, writers in ctx.index.shared(Kind.PORT):
        clashing = _concurrent(ctx, writers)
        if len(clashing) < 2:
            continue
        suggestion = []
        port = int(resource.key)
        for touch in clashing[1:]:
            port += 1
            while port in used:
                port += 1
            used.add(port)
            suggestion.append(f"'{ctx.name(touch.workstream)}' on {port}")
        yield ctx.finding(
            "CS401", clashing,
            f"port {resource.key} is bound by {len(clashing)} tasks that run at the same time: "
            f"{ctx.names(clashing)}", resource, merge_time=False,
            suggestion=f"keep '{ctx.name(clashing[0].workstream)}' on {resource.key}, "
                       + ", ".join(suggestion) + " (`--port N` or `PORT=N`)",
        )


def same_database(ctx: CheckContext) -> Iterator[Finding]:
    for resource, writers in ctx.index.shared(Kind.DATABASE):
        clashing = _concurrent(ctx, writers)
        if len(clashing) < 2:
            continue
        base = re.sub(r"\.(db|sqlite3?)$", "", resource.key.rsplit("/", 1)[-1].split(":")[-1])
        names = ", ".join(f"{base}_{_slug(ctx.name(t.workstream))}" for t in clashing)
        yield ctx.finding(
            "CS402", clashing,
            f"database {resource.key} is used by {len(clashing)} tasks that run at the same "
            f"time: {ctx.names(clashing)}", resource, merge_time=False, suggestion=names,
        )


def shared_env_file(ctx: CheckContext) -> Iterator[Finding]:
    for resource, writers in ctx.index.shared(Kind.FILE):
        if is_env_file(resource.key):
            yield ctx.finding(
                "CS403", writers,
                f"{resource.key} is edited by {len(writers)} workstreams: {ctx.names(writers)}",
                resource,
            )


def _symlinked(ctx: CheckContext, resource: Resource) -> bool:
    """A symlinked venv, as the repository shows it or as a task's `ln -s` declares it."""
    venv = ctx.layout.venv(resource.key)
    if venv is not None and venv.is_symlink:
        return True
    return any(t.detail.startswith("symlink") for t in ctx.index.touches.get(resource, ()))


def shared_venv_installs(ctx: CheckContext) -> Iterator[Finding]:
    for resource, _ in ctx.index.of_kind(Kind.VENV):
        if not _symlinked(ctx, resource):
            continue
        installs = [t for t in ctx.index.writers(resource) if t.mode is Mode.WRITE]
        clashing = _concurrent(ctx, installs)
        if len(clashing) < 2 or all(t.detail.endswith("(unchanged)") for t in clashing):
            continue  # the same unchanged requirements installed twice is harmless
        packages = [t.detail.removeprefix("installs ") for t in clashing
                    if not t.detail.endswith("(unchanged)")]
        yield ctx.finding(
            "CS404", clashing,
            f"{resource.key} is a symlink shared by the worktrees, and {len(clashing)} tasks "
            f"install into it at the same time: "
            + ", ".join(f"'{ctx.name(t.workstream)}' ({t.detail})" for t in clashing),
            resource, merge_time=False, packages=", ".join(packages),
        )


def venv_recreated_over_symlink(ctx: CheckContext) -> Iterator[Finding]:
    for resource, touches in ctx.index.of_kind(Kind.VENV):
        if not _symlinked(ctx, resource):
            continue
        for touch in touches:
            if touch.mode is Mode.CREATE:
                name = ctx.name(touch.workstream)
                yield ctx.finding(
                    "CS405", [touch],
                    f"'{name}' recreates {resource.key}, which is a symlink to a shared "
                    f"environment", resource, merge_time=False, slug=_slug(name),
                )


def venv_not_ignored(ctx: CheckContext) -> Iterator[Finding]:
    for resource, touches in ctx.index.of_kind(Kind.VENV):
        venv = ctx.layout.venv(resource.key)
        if venv is None or venv.ignored is not False or venv.is_symlink:
            continue
        creators = [t for t in touches if t.mode is Mode.CREATE]
        if creators:
            yield ctx.finding(
                "CS406", creators,
                f"{resource.key} is created by {ctx.names(creators)} but git does not ignore it",
                resource, merge_time=False,
            )


def _slug(name: str) -> str:
    """"Task 3: Email notifications" -> "email_notifications": short, for names and paths."""
    short = re.split(r"\s*[:–—-]\s+", name, maxsplit=1)[-1]
    return re.sub(r"[^a-z0-9]+", "_", short.lower()).strip("_")[:20].strip("_") or "task"


CHECKS = [same_port, same_database, shared_env_file, shared_venv_installs,
          venv_recreated_over_symlink, venv_not_ignored]
