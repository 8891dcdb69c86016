"""CS3xx: parallel workstreams that add migrations to the same chain."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from analyzer.engine import CheckContext
from analyzer.labels import chain_label
from analyzer.model import Finding, Kind, Resource, Touch


def merge_command(key: str) -> str:
    framework, _, where = key.partition(":")
    if framework == "django":
        app = "" if where == "*" else f" {where}"
        return f"python manage.py makemigrations --merge{app}"
    if framework == "sql":
        return ""  # numbered SQL files: renumber the later one, no tool merges them
    return 'alembic merge -m "merge parallel heads" heads'


def _chains(ctx: CheckContext) -> dict[Resource, list[Touch]]:
    """Creators per chain; a Django migration for an unknown app joins every app's chain."""
    chains: dict[Resource, list[Touch]] = defaultdict(list)
    any_app: list[Touch] = []
    for resource, _ in ctx.index.of_kind(Kind.MIGRATION):
        creators = ctx.index.writers(resource)
        if resource.key == "django:*":
            any_app = creators
        else:
            chains[resource] += creators
    if any_app:
        django = [r for r in chains if r.key.startswith("django:")]
        for resource in django:
            chains[resource] += any_app
        if not django:
            chains[Resource(Kind.MIGRATION, "django:*")] = any_app
    return chains


def parallel_migrations(ctx: CheckContext) -> Iterator[Finding]:
    for resource, creators in _chains(ctx).items():
        unique = list({t.workstream: t for t in creators}.values())
        if len(unique) < 2:
            continue
        unique.sort(key=lambda t: ctx.index.order[t.workstream])
        command = merge_command(resource.key)
        yield ctx.finding(
            "CS303", unique,
            f"{len(unique)} workstreams add migrations to {chain_label(resource.key)}: "
            f"{ctx.names(unique)}; after they merge, the chain has {len(unique)} heads",
            resource, command=command, chain=chain_label(resource.key),
            owner=f"'{ctx.name(unique[0].workstream)}'",
            merge_command=(f"`{command}`" if command
                           else "renumber the later file to follow the first"),
        )


CHECKS = [parallel_migrations]
