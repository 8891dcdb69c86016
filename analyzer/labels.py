"""How resources are named to people, the same in every report."""

from __future__ import annotations

from analyzer.model import Kind, Resource

_PREFIX = {Kind.PORT: "port ", Kind.DATABASE: "database ", Kind.VENV: "venv ",
           Kind.DEPENDENCY: "package ", Kind.CHECKOUT: "working tree "}


def chain_label(key: str) -> str:
    """`alembic:db/versions@billing` -> "alembic chain db/versions (branch billing)"."""
    framework, _, where = key.partition(":")
    if framework == "django":
        return "every Django app" if where == "*" else f"Django app '{where}'"
    if framework == "sql":
        return f"SQL migrations {where}"
    location, _, label = where.partition("@")
    return f"alembic chain {location}" + (f" (branch {label})" if label else "")


def describe(resource: Resource) -> str:
    if resource.kind is Kind.MIGRATION:
        return f"migrations: {chain_label(resource.key)}"
    return _PREFIX.get(resource.kind, "") + resource.key
