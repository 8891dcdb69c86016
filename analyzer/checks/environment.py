"""CS4xx: runtime resources that parallel worktrees share: ports, databases, .env, venvs."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator

from analyzer.engine import CheckContext
from analyzer.model import Evidence, Finding, Kind, Mode, Resource, Risk, Touch
from analyzer.shared_paths import is_env_file


def _concurrent(ctx: CheckContext, touches: list[Touch]) -> list[Touch]:
    """The touches whose workstreams can run at the same time as at least one other."""
    every = ctx.index.bits([t.workstream for t in touches])
    return [t for t in touches if ctx.index.beside(t.workstream) & every]


def same_port(ctx: CheckContext) -> Iterator[Finding]:
    ports = [r.key for r, _ in ctx.index.of_kind(Kind.PORT)]
    if not ports:
        return
    from analyzer.parsers.envfile import is_port  # ports come from env and compose files

    used = {int(key) for key in ports if is_port(key)}
    for resource, writers in ctx.index.shared(Kind.PORT):
        clashing = _concurrent(ctx, writers)
        if len(clashing) < 2 or not is_port(resource.key):
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
            f"port {resource.key} is bound by {len(clashing)} workstreams that run at the same "
            "time: "
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
        # a pytest run against the plan's server may use its own database: less certain than
        # Django's `manage.py test`, which always creates test_<name> on it
        guessed = all(t.detail.endswith("(pytest)") for t in clashing)
        yield ctx.finding(
            "CS402", clashing,
            f"database {resource.key} is used by {len(clashing)} workstreams that run at the "
            f"same time: {ctx.names(clashing)}", resource, merge_time=False, suggestion=names,
            risk=Risk.LOW if guessed else None,
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


def worktrees_share_venv(ctx: CheckContext) -> Iterator[Finding]:
    """Worktrees whose venv symlinks point at one environment while pinning different
    versions: the environment can hold only one of them."""
    if ctx.git is None:
        return
    by_target: dict[str, list[str]] = defaultdict(list)
    for ws_id, (_, target) in ctx.git.venv_targets.items():
        by_target[target].append(ws_id)
    for target, ws_ids in by_target.items():
        if len(ws_ids) < 2:
            continue
        pins: dict[str, dict[str, tuple[str, Evidence]]] = defaultdict(dict)
        for (ws_id, path), (_, new) in ctx.git.requirements.items():
            if ws_id in ws_ids and new:
                for req in new.requirements:
                    pins[req.name][ws_id] = (req.spec, Evidence(path, req.line, req.text))
        differing = {name: by_ws for name, by_ws in pins.items()
                     if len({spec for spec, _ in by_ws.values()}) > 1}
        if not differing:
            continue
        link = ctx.git.venv_targets[ws_ids[0]][0]
        touches = [Touch(ws, Resource(Kind.VENV, target), Mode.WRITE, evidence, spec)
                   for by_ws in differing.values() for ws, (spec, evidence) in by_ws.items()]
        detail = "; ".join(
            f"{name}: " + ", ".join(f"{spec or 'any'} in '{ctx.name(ws)}'"
                                    for ws, (spec, _) in by_ws.items())
            for name, by_ws in sorted(differing.items()))
        sharing = " and ".join(f"'{ctx.name(w)}'" for w in ws_ids)
        yield ctx.finding(
            "CS404", touches,
            f"{sharing} share one environment ({link} -> {target}) but pin different "
            f"versions: {detail}", Resource(Kind.VENV, target), merge_time=False,
            path=link, packages=", ".join(sorted(differing)))


def venv_committed(ctx: CheckContext) -> Iterator[Finding]:
    """A workstream that adds an environment's files to git."""
    for ws in ctx.index.workstreams.values():
        roots: dict[str, Touch] = {}
        for touch in ws.touches:
            if touch.resource.kind is not Kind.FILE or not touch.mode.writes \
                    or touch.detail == "deleted":
                continue
            root = _venv_root(touch.resource.key)
            if root:
                roots.setdefault(root, touch)
        for root, touch in roots.items():
            yield ctx.finding(
                "CS407", [touch], f"'{ws.name}' commits the virtual environment {root}/",
                Resource(Kind.VENV, root), merge_time=False,
                command=f"git rm -r --cached {root} && echo '{root}/' >> .gitignore", path=root)


def _venv_root(path: str) -> str | None:
    for marker in ("/pyvenv.cfg", "/bin/activate", "/lib/python"):
        index = path.find(marker)
        if index > 0 and (marker != "/lib/python" or "/site-packages/" in path):
            return path[:index]
    return None


def _slug(name: str) -> str:
    """"Task 3: Email notifications" -> "email_notifications": short, for names and paths."""
    short = re.split(r"\s*[:–—-]\s+", name, maxsplit=1)[-1]
    return re.sub(r"[^a-z0-9]+", "_", short.lower()).strip("_")[:20].strip("_") or "task"


def shared_checkout(ctx: CheckContext) -> Iterator[Finding]:
    for resource, writers in ctx.index.shared(Kind.CHECKOUT):
        clashing = _concurrent(ctx, writers)
        if len(clashing) < 2:
            continue
        switches = ", ".join(f"'{ctx.name(t.workstream)}' ({t.detail})" for t in clashing)
        yield ctx.finding(
            "CS408", clashing,
            f"{len(clashing)} sessions that run at the same time switch the one working tree "
            f"{resource.key}: {switches}", resource, merge_time=False,
        )


CHECKS = [same_port, same_database, shared_env_file, shared_venv_installs,
          venv_recreated_over_symlink, venv_not_ignored, worktrees_share_venv, venv_committed,
          shared_checkout]
