"""Ports and databases named in `.env` files and docker-compose port mappings."""

from __future__ import annotations

import posixpath
import re

_ASSIGNMENT = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*['\"]?([^'\"#\s]*)")
# re.ASCII: `\d` would take "²" and "٣", which int() then refuses or misreads
_COMPOSE_PORT = re.compile(r"^\s*-\s*['\"]?(?:[\d.]+:)?(\d{2,5}):\d{2,5}", re.ASCII)


def is_port(value: str) -> bool:
    """A TCP port as written in a config file: 1 to 5 ASCII digits."""
    return 0 < len(value) <= 5 and value.isascii() and value.isdigit()
_DATABASE_KEYS = re.compile(r"(DATABASE_URL|DB_URL|SQLALCHEMY_DATABASE_URI|DB_NAME|"
                            r"DATABASE_NAME|POSTGRES_DB|MYSQL_DATABASE)$")


def ports_and_databases(line: str) -> tuple[list[str], list[str]]:
    """(ports, database values) that one added line of a config file sets."""
    match = _ASSIGNMENT.match(line)
    if match:
        key, value = match.groups()
        if key.upper().endswith("PORT") and is_port(value):
            return [value], []
        if _DATABASE_KEYS.search(key.upper()) and value:
            return [], [value]
        return [], []
    compose = _COMPOSE_PORT.match(line)
    return ([compose.group(1)], []) if compose else ([], [])


def database_key(value: str) -> str | None:
    """One spelling per database: credentials, default ports and drivers dropped."""
    match = re.match(r"^(\w+)(?:\+\w+)?://(?:[^@/]*@)?([^/?]*)(/[^?#]*)?", value)
    if not match:
        return value if re.fullmatch(r"[\w.-]+", value) else None  # a bare database name
    scheme, host, name = match.group(1), match.group(2), (match.group(3) or "").lstrip("/")
    scheme = {"postgres": "postgresql", "mariadb": "mysql"}.get(scheme, scheme)
    if scheme == "sqlite":
        return f"sqlite:{posixpath.normpath(name)}" if name and name != ":memory:" else None
    if not name:
        return None
    host = re.sub(r":(5432|3306)$", "", host or "localhost")
    host = "localhost" if host in ("127.0.0.1", "::1", "") else host
    return f"{scheme}://{host}/{name}"
