"""Every parser, on any text: a result or an InputError (a clear message), nothing else."""

from __future__ import annotations

import contextlib
import tempfile
from pathlib import Path

from hypothesis import given

from analyzer.baseline import load_baseline
from analyzer.config import load_config
from analyzer.errors import InputError
from analyzer.parsers.alembic import parse_revision
from analyzer.parsers.django_migrations import parse_migration
from analyzer.parsers.envfile import database_key, ports_and_databases
from analyzer.parsers.pyproject import parse_pyproject
from analyzer.parsers.requirements import parse_requirements
from analyzer.parsers.yaml_safe import load_yaml
from analyzer.sources.repo_layout import read_layout
from tests.fuzz.inputs import SEEDS, any_text, cpu_second

_SCRATCH = Path(tempfile.mkdtemp(prefix="conflictscan-fuzz-"))  # not a git repository


def _write(name: str, text: str) -> Path:
    path = _SCRATCH / name
    path.write_bytes(text.encode("utf-8", "surrogatepass"))  # lone surrogates as bytes
    return path


@given(any_text(SEEDS["requirements"]))
def test_requirements(text: str) -> None:
    with cpu_second(), contextlib.suppress(InputError):
        parse_requirements.__wrapped__(text)  # not the cache: every input is parsed


@given(any_text(SEEDS["pyproject"]))
def test_pyproject(text: str) -> None:
    with cpu_second(), contextlib.suppress(InputError):
        parse_pyproject(text, "pyproject.toml")


@given(any_text(SEEDS["alembic"]))
def test_alembic_revision(text: str) -> None:
    with cpu_second(), contextlib.suppress(InputError):
        parse_revision(text, "alembic/versions/a1.py")


@given(any_text(SEEDS["django"]))
def test_django_migration(text: str) -> None:
    with cpu_second(), contextlib.suppress(InputError):
        parse_migration(text, "shop/migrations/0002_x.py")


@given(any_text(SEEDS["env"]))
def test_env_and_compose_lines(text: str) -> None:
    with cpu_second():
        for line in text.splitlines():
            ports, databases = ports_and_databases(line)
            assert all(p.isascii() and p.isdigit() and len(p) <= 5 for p in ports)
            for value in databases:
                database_key(value)


@given(any_text(SEEDS["yaml"]))
def test_yaml(text: str) -> None:
    with cpu_second(), contextlib.suppress(InputError):
        load_yaml(text, "tasks.yaml")


@given(any_text(SEEDS["baseline"]))
def test_baseline(text: str) -> None:
    with cpu_second(), contextlib.suppress(InputError):
        load_baseline(str(_write("baseline.json", text)))


@given(any_text(SEEDS["config"]))
def test_configuration(text: str) -> None:
    _write("pyproject.toml", text)
    with cpu_second(), contextlib.suppress(InputError):
        load_config(str(_SCRATCH))


@given(any_text(SEEDS["alembic.ini"], huge=False), any_text(SEEDS["pyproject"], huge=False))
def test_repository_layout(ini: str, pyproject: str) -> None:
    _write("alembic.ini", ini)
    _write("pyproject.toml", pyproject)
    with cpu_second(), contextlib.suppress(InputError):
        read_layout(str(_SCRATCH))
