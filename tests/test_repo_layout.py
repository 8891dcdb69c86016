"""`--repo`: the plan resolved against a real repository, which is never written to."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from analyzer.sources.repo_layout import read_layout

TWO_INSTALLS = """
    ## Task 1: HTTP client
    `pip install httpx`
    ## Task 2: JSON speed-up
    `pip install orjson`
"""


def scan(cli, plan_path, repo_path):
    result = cli("plan", plan_path, "--repo", repo_path, "--format", "json", "--fail-on", "never")
    assert result.code == 0, result.err
    return result


def test_poetry_repo_resolves_manifest_lockfile_and_command(cli, plan, repo):
    root = repo({"pyproject.toml": "[tool.poetry]\nname = 'x'\n", "poetry.lock": "# lock\n"})
    layout = read_layout(str(root))
    assert (layout.manager, layout.manifest, layout.lockfile) == ("poetry", "pyproject.toml",
                                                                  "poetry.lock")
    result = scan(cli, plan(TWO_INSTALLS), root)
    keys = {(f["rule"], f["resource"]["key"]) for f in result.json["findings"]}
    assert {("CS201", "pyproject.toml"), ("CS202", "poetry.lock")} <= keys
    lock = next(f for f in result.json["findings"] if f["rule"] == "CS202")
    assert lock["command"] == "poetry lock"


def test_uv_repo_names_uv_lock(cli, plan, repo):
    root = repo({"pyproject.toml": "[project]\nname = 'x'\n", "uv.lock": "version = 1\n"})
    result = scan(cli, plan(TWO_INSTALLS), root)
    lock = next(f for f in result.json["findings"] if f["rule"] == "CS202")
    assert (lock["resource"]["key"], lock["command"]) == ("uv.lock", "uv lock")


def test_split_requirements_pick_the_base_file(cli, plan, repo):
    root = repo({"requirements/base.txt": "django\n", "requirements/dev.txt": "-r base.txt\n"})
    result = scan(cli, plan(TWO_INSTALLS), root)
    assert ("CS201", "requirements/base.txt") in {(f["rule"], f["resource"]["key"])
                                                  for f in result.json["findings"]}


def test_alembic_ini_version_locations(cli, plan, repo):
    root = repo({"alembic.ini": """
        [alembic]
        script_location = %(here)s/db/migrations
        version_locations = %(here)s/db/migrations/versions %(here)s/db/reporting
    """})
    assert read_layout(str(root)).alembic_versions == ("db/migrations/versions", "db/reporting")
    result = scan(cli, plan("""
        ## Task 1: A
        Add a migration for the users table.
        ## Task 2: B
        `alembic revision -m "orders"`
    """), root)
    expected = ("CS303", "alembic:db/migrations/versions", ("Task 1: A", "Task 2: B"))
    assert expected in result.findings()


def test_alembic_in_pyproject(repo):
    root = repo({"pyproject.toml": """
        [tool.alembic]
        script_location = "%(here)s/alembic"
        version_locations = ["%(here)s/alembic/versions", "%(here)s/plugins/versions"]
    """})
    assert read_layout(str(root)).alembic_versions == ("alembic/versions", "plugins/versions")


def test_alembic_script_location_without_version_locations(repo):
    root = repo({"alembic.ini": "[alembic]\nscript_location = migrations\n"})
    assert read_layout(str(root)).alembic_versions == ("migrations/versions",)


def test_django_apps_with_migrations(cli, plan, repo):
    root = repo({"accounts/migrations/__init__.py": "", "accounts/models.py": "",
                 "blog/migrations/__init__.py": "", "manage.py": ""})
    assert set(read_layout(str(root)).django_apps) == {"accounts", "blog"}
    result = scan(cli, plan("""
        ## Task 1: Profile
        Add a bio field in `accounts/models.py`, then `python manage.py makemigrations`.
        ## Task 2: Avatar
        Add a migration for the avatar field of the accounts app.
        ## Task 3: Tags
        `python manage.py makemigrations blog`
    """), root)
    assert [f for f in result.findings() if f[0] == "CS303"] == [
        ("CS303", "django:accounts", ("Task 1: Profile", "Task 2: Avatar"))]


def shared_venv_repo(repo, tmp_path: Path) -> Path:
    shared = tmp_path / "shared-venv"
    shared.mkdir()
    (shared / "pyvenv.cfg").write_text("home = /usr/bin\n")
    root = repo({"requirements.txt": "django\n", ".gitignore": "venv/\n"})
    os.symlink(shared, root / "venv")
    return root


def test_symlinked_venv_is_detected(repo, tmp_path):
    root = shared_venv_repo(repo, tmp_path)
    venv = read_layout(str(root)).venv("venv")
    assert venv is not None and venv.is_symlink
    # a `venv/` pattern matches directories only: git does not ignore the symlink
    assert venv.ignored is False


def test_cs404_parallel_installs_into_symlinked_venv(cli, plan, repo, tmp_path):
    root = shared_venv_repo(repo, tmp_path)
    result = scan(cli, plan(TWO_INSTALLS), root)
    assert ("CS404", "venv", ("Task 1: HTTP client", "Task 2: JSON speed-up")) in result.findings()


def test_cs404_not_when_tasks_run_in_sequence(cli, plan, repo, tmp_path):
    root = shared_venv_repo(repo, tmp_path)
    result = scan(cli, plan(TWO_INSTALLS + "    Depends on: Task 1\n"), root)
    assert "CS404" not in result.rules()


def test_cs405_recreating_the_symlinked_venv(cli, plan, repo, tmp_path):
    root = shared_venv_repo(repo, tmp_path)
    result = scan(cli, plan("""
        ## Task 1: Fresh start
        `python -m venv venv && pip install -r requirements.txt`
        ## Task 2: Other
        Edit `app/x.py`.
    """), root)
    assert ("CS405", "venv", ("Task 1: Fresh start",)) in result.findings()


def test_cs406_venv_that_git_would_track(cli, plan, repo):
    root = repo({"app/x.py": ""})
    result = scan(cli, plan("""
        ## Task 1: Setup
        `python -m venv env`
        ## Task 2: Other
        Edit `app/x.py`.
    """), root)
    assert ("CS406", "env", ("Task 1: Setup",)) in result.findings()


def test_cs406_not_for_an_ignored_venv(cli, plan, repo):
    root = repo({"app/x.py": "", ".gitignore": "env/\n"})
    result = scan(cli, plan("""
        ## Task 1: Setup
        `python -m venv env`
        ## Task 2: Other
        Edit `app/x.py`.
    """), root)
    assert "CS406" not in result.rules()


def test_repo_that_is_not_git_still_works(cli, plan, tmp_path):
    root = tmp_path / "plain"
    (root / "shop" / "migrations").mkdir(parents=True)
    (root / "shop" / "migrations" / "__init__.py").write_text("")
    (root / "requirements.txt").write_text("flask\n")
    assert set(read_layout(str(root)).django_apps) == {"shop"}


def test_broken_alembic_ini_is_reported(cli, plan, repo):
    root = repo({"alembic.ini": "this is not an ini file\n[alembic\n"})
    result = cli("plan", plan(TWO_INSTALLS), "--repo", root)
    assert result.code == 2 and "alembic.ini" in result.err


def test_repo_must_be_a_directory(cli, plan, tmp_path):
    result = cli("plan", plan(TWO_INSTALLS), "--repo", tmp_path / "missing")
    assert result.code == 2 and "--repo must be a directory" in result.err


def _fingerprint(root: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink():
            stat = path.stat()
            digest.update(f"{path}:{stat.st_size}:{stat.st_mtime_ns}".encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def test_scanning_never_writes_to_the_repository(cli, plan, repo, tmp_path):
    root = shared_venv_repo(repo, tmp_path)
    (root / "alembic.ini").write_text("[alembic]\nscript_location = migrations\n")
    before = _fingerprint(root)
    scan(cli, plan(TWO_INSTALLS), root)
    assert _fingerprint(root) == before


def test_cs405_not_for_a_venv_that_is_not_shared(cli, plan, repo):
    root = repo({"app/x.py": "", ".gitignore": ".venv/\n"})
    result = scan(cli, plan("""
        ## Task 1: Setup
        `python -m venv .venv && pip install -r requirements.txt`
        ## Task 2: Other
        `python -m venv .venv`
    """), root)
    assert not result.rules() & {"CS404", "CS405", "CS406"}


# --- discovery anywhere in the tree ------------------------------------------------------

MONOREPO = {
    # Flask-Migrate: alembic.ini without script_location beside env.py
    "web/migrations/alembic.ini": "[alembic]\n# template used to generate migration files\n",
    "web/migrations/env.py": "from alembic import context\n",
    "web/migrations/versions/1a_init.py": "revision = '1a'\ndown_revision = None\n",
    # %(here)s is the folder of the ini, and a second environment in another section
    "backend/alembic.ini": ("[alembic]\nscript_location = %(here)s/db\n"
                            "[reporting]\nscript_location = reports\n"
                            "version_locations = %(here)s/reports/v1, %(here)s/reports/v2\n"),
    "backend/db/env.py": "", "backend/reports/env.py": "",
    # no config at all: env.py and versions/ only
    "tools/alembic/env.py": "from alembic import context\n",
    "tools/alembic/versions/x.py": "",
    "backend/pyproject.toml": "[tool.poetry]\nname = 'backend'\n", "backend/poetry.lock": "",
    "services/api/requirements.txt": "fastapi\n", "services/worker/requirements.txt": "celery\n",
    "config/settings/base.py": "MIGRATION_MODULES = {'ledger': 'core.ledger_migrations'}\n",
    "core/__init__.py": "", "core/ledger_migrations/__init__.py": "",
}


def test_every_alembic_environment_in_the_tree(repo):
    layout = read_layout(str(repo(MONOREPO)))
    chains = {(c.config, c.script_location, c.version_locations) for c in layout.alembic_chains}
    assert chains == {
        ("web/migrations/alembic.ini", "web/migrations", ("web/migrations/versions",)),
        ("backend/alembic.ini", "backend/db", ("backend/db/versions",)),
        ("backend/alembic.ini [reporting]", "backend/reports",
         ("backend/reports/v1", "backend/reports/v2")),
        ("tools/alembic/env.py", "tools/alembic", ("tools/alembic/versions",)),
    }
    assert layout.alembic_chain("backend/reports/v2/r1.py") == "backend/reports"
    assert layout.alembic_chain("web/migrations/versions/2b.py") == "web/migrations"
    assert layout.alembic_chain("web/migrations/env.py") is None


def test_sub_projects_and_migration_modules(repo):
    layout = read_layout(str(repo(MONOREPO)))
    projects = {(p.directory, p.manager, p.manifest, p.lockfile) for p in layout.projects}
    assert projects == {
        ("backend", "poetry", "backend/pyproject.toml", "backend/poetry.lock"),
        ("services/api", "pip", "services/api/requirements.txt", None),
        ("services/worker", "pip", "services/worker/requirements.txt", None)}
    assert layout.project_of("backend/app/x.py").lockfile == "backend/poetry.lock"
    assert layout.django_apps == {"ledger": "core/ledger_migrations"}


def test_plan_on_a_flask_migrate_repo_names_its_chain(cli, plan, repo):
    root = repo({key: value for key, value in MONOREPO.items() if key.startswith("web/")})
    result = scan(cli, plan("""
        ## Task 1: Users
        `flask db migrate -m "users"` then `alembic revision -m "users"`
        ## Task 2: Orders
        `alembic revision -m "orders"`
    """), root)
    assert ("CS303", "alembic:web/migrations/versions") in {
        (f[0], f[1]) for f in result.findings()}


def test_relative_script_location_and_pyproject_in_a_sub_project(repo):
    layout = read_layout(str(repo({
        "api/alembic.ini": "[alembic]\nscript_location = migrations\n",
        "api/migrations/env.py": "",
        "jobs/pyproject.toml": "[tool.alembic]\nscript_location = '%(here)s/schema'\n",
        "jobs/schema/env.py": "",
        "worker/alembic.ini": "[alembic]\nscript_location = /srv/app/worker/db\n",
        "worker/db/env.py": ""})))
    assert {c.script_location for c in layout.alembic_chains} == {"api/migrations",
                                                                  "jobs/schema", "worker/db"}


def test_django_apps_by_content_not_by_folder_name(repo):
    initial = ("from django.db import migrations\n\n"
               "class Migration(migrations.Migration):\n    dependencies = []\n")
    layout = read_layout(str(repo({
        "dojo/db_migrations/__init__.py": "",
        "dojo/db_migrations/0001_initial.py": initial,
        "dojo/db_migrations/0002_x.py": initial.replace("[]", "[('dojo', '0001_initial')]"),
        "sql/migrations/__init__.py": "",
        "sql/migrations/0023_steps.py": "from yoyo import step\n"})))
    assert layout.django_apps == {"dojo": "dojo/db_migrations"}


def test_files_outside_the_repository_are_never_read(repo, tmp_path):
    outside = tmp_path / "secret.ini"
    outside.write_text("[alembic]\nscript_location = leaked\n")
    root = repo({"app.py": ""})
    os.symlink(outside, root / "alembic.ini")
    from tests.conftest import git
    git(root, "add", "alembic.ini")
    layout = read_layout(str(root))
    assert layout.alembic_chains == ()
    assert [(p.path, "outside the repository" in p.message) for p in layout.problems] == [
        ("alembic.ini", True)]


def test_a_broken_sub_project_ini_is_a_problem_not_an_exit(repo):
    layout = read_layout(str(repo({"svc/alembic.ini": "[alembic\n"})))
    assert [p.path for p in layout.problems] == ["svc/alembic.ini"]
