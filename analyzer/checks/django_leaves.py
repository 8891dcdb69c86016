"""CS304: Django apps that would get several leaf migrations once the workstreams merge."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from analyzer.checks.migration_graph import attachments
from analyzer.engine import CheckContext
from analyzer.model import Evidence, Finding, Kind, Mode, Resource, Touch
from analyzer.parsers.django_migrations import DjangoMigration, graph


def _touch(ws_id: str, migration: DjangoMigration) -> Touch:
    return Touch(ws_id, Resource(Kind.MIGRATION, f"django:{migration.app}"), Mode.CREATE,
                 Evidence(migration.path, migration.line, f"{migration.app}.{migration.name}"),
                 migration.name)


def django_findings(ctx: CheckContext) -> Iterator[Finding]:
    """Per app, the leaves once every workstream is merged, grouped by the base migration
    they grow from: two on one parent, or one on a parent the base has moved past. Squashed
    migrations stand for what they replace; a merge migration that already joins the base's
    leaf grows from that leaf. A migration a workstream changes replaces the base's version
    of it: a branch that slips a migration in before an existing one rewires that one's
    dependencies, and the chain stays one line."""
    if ctx.git is None:
        return
    facts = ctx.git.migrations
    added: dict[str, dict[str, DjangoMigration]] = defaultdict(dict)
    owner: dict[tuple[str, str], str] = {}
    for ws_id, migrations in facts.django_added.items():
        for migration in migrations:
            added[migration.app].setdefault(migration.name, migration)
            owner.setdefault((migration.app, migration.name), ws_id)
    for app, new in sorted(added.items()):
        base = facts.django_base.get(app, {})
        merged = {**base, **new}
        base_graph, merged_graph = graph(base), graph(merged)
        merged_leaves = _leaves(merged_graph)
        if len(merged_leaves) < 2:
            continue  # Django sees one leaf: nothing to merge
        base_leaves = _leaves(base_graph)
        on_parent: dict[str, list[DjangoMigration]] = defaultdict(list)
        for name in sorted(merged_leaves - set(base_graph)):
            for parent in attachments(merged_graph, base_graph, name):
                on_parent[parent].append(merged[name])
        for parent, grown in sorted(on_parent.items()):
            stale = parent not in base_leaves
            if len(grown) < 2 and not stale:
                continue
            by_ws = [(owner[(app, m.name)], m) for m in grown]
            yield _finding(ctx, app, parent, by_ws, sorted(base_leaves) if stale else [])


def _leaves(nodes: dict[str, tuple[str, ...]]) -> set[str]:
    return set(nodes) - {p for parents in nodes.values() for p in parents}


def _finding(ctx: CheckContext, app: str, parent: str,
             by_ws: list[tuple[str, DjangoMigration]], newer: list[str]) -> Finding:
    command = f"python manage.py makemigrations --merge {app}"
    names = ", ".join(f"{m.name} ('{ctx.name(ws)}')" for ws, m in by_ws)
    base_name = ctx.git.base_name if ctx.git else "the base"
    message = f"app '{app}' gets several leaf migrations on top of {parent}: {names}"
    if newer:
        message += f"; {base_name} has moved on to {', '.join(newer)}"
    prefixes = [m.name[:4] for _, m in by_ws] + [n[:4] for n in newer]
    if len(set(prefixes)) < len(prefixes):
        message += f"; the number prefix {sorted(prefixes)[0]} is used twice"
    max_migration = ctx.git.migrations.max_migration_files.get(app) if ctx.git else None
    if max_migration:
        message += (f"; {max_migration} will conflict too "
                    f"(`python manage.py rebase_migration {app}` fixes it)")
    return ctx.finding("CS304", [_touch(ws, m) for ws, m in by_ws], message,
                       Resource(Kind.MIGRATION, f"django:{app}"), merge_time=False,
                       command=command, app=app, merge_command=f"`{command}`")


CHECKS = [django_findings]
