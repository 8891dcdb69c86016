"""`conflictscan plan --fix`: the plan corrected in its own format, then read again by the
real `conflictscan plan`, which must find nothing at warning or error left."""

from __future__ import annotations

import json
import shutil
import textwrap
from pathlib import Path

import pytest

from tests.conftest import FIXTURES


def serious(result) -> list[str]:  # type: ignore[no-untyped-def]
    return [f["rule"] for f in result.json["findings"] if f["severity"] != "note"]


def fixed_is_clean(cli, path: Path) -> str:  # type: ignore[no-untyped-def]
    before = path.read_text()
    dry = cli("plan", path, "--fix")
    assert dry.code == 1, dry.err
    assert path.read_text() == before  # a dry run writes nothing
    applied = cli("plan", path, "--fix", "--apply")
    assert applied.code == 0, applied.err
    assert "the corrected plan is clean" in applied.err
    after = cli("plan", path, "--format", "json", "--fail-on", "never")
    assert serious(after) == [], after.out
    return path.read_text()


def test_bundled_plan_fixed_is_clean(cli, tmp_path: Path) -> None:
    path = tmp_path / "webapp-features.md"
    shutil.copyfile(FIXTURES / "plans" / "webapp-features.md", path)
    assert serious(cli("plan", path, "--format", "json", "--fail-on", "never"))
    text = fixed_is_clean(cli, path)
    assert "Depends on: Task 1" in text
    assert "--port 8001" in text  # a port of its own rather than an order
    assert "shop_test_2" in text  # a database of its own


@pytest.mark.parametrize("name", ["checklist.md", "labels.md", "tasks.json", "tasks.yaml"])
def test_each_shape_is_fixed_in_its_own_format(cli, tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    shutil.copyfile(FIXTURES / "plans" / name, path)
    assert serious(cli("plan", path, "--format", "json", "--fail-on", "never"))
    text = fixed_is_clean(cli, path)
    if name.endswith(".json"):
        json.loads(text)  # still JSON, keys kept


def test_speckit_parallel_marker_is_dropped(cli, plan) -> None:
    path = plan("""
        # Tasks

        ## Phase 1: Setup

        - [ ] T001 Create the project in backend/app/__init__.py

        ## Phase 2: Stories

        - [ ] T002 [P] [US1] Add the list endpoint in backend/app/routes/tasks.py
        - [ ] T003 [P] [US1] Add the create endpoint in backend/app/routes/tasks.py
        - [ ] T004 [P] [US1] Add the users page in frontend/app/users/page.tsx
    """)
    assert "CS101" in serious(cli("plan", path, "--format", "json", "--fail-on", "never"))
    text = fixed_is_clean(cli, path)
    assert "- [ ] T003 [US1] Add the create endpoint" in text
    assert "- [ ] T004 [P] [US1]" in text  # the task that collides with nobody stays parallel


def test_taskmaster_dependencies_keep_their_type(cli, plan) -> None:
    path = plan(json.dumps({"master": {"tasks": [
        {"id": 1, "title": "Auth", "description": "Edit backend/app/main.py for auth",
         "dependencies": [], "status": "pending"},
        {"id": 2, "title": "Billing", "description": "Edit backend/app/main.py for billing",
         "dependencies": [], "status": "pending"},
    ]}}, indent=2), name="tasks.json")
    fixed_is_clean(cli, path)
    tasks = json.loads(path.read_text())["master"]["tasks"]
    assert tasks[1]["dependencies"] == [1]


def test_ccpm_front_matter_gets_the_order(cli, tmp_path: Path) -> None:
    epic = tmp_path / "epic"
    epic.mkdir()
    (epic / "epic.md").write_text("---\nname: shop\nstatus: open\n---\n# Epic: shop\n")
    for number, what in (("001", "login"), ("002", "billing")):
        (epic / f"{number}.md").write_text(textwrap.dedent(f"""\
            ---
            name: Add {what}
            status: open
            depends_on: []
            parallel: true
            conflicts_with: []
            ---
            # Task: Add {what}

            Edit `src/app/main.py` to register the {what} router.
            """))
    before = cli("plan", epic, "--format", "json", "--fail-on", "never")
    assert serious(before), before.out
    fix = cli("plan", epic, "--fix", "--apply")
    assert fix.code == 0, fix.err
    assert "depends_on: [001]" in (epic / "002.md").read_text()
    assert serious(cli("plan", epic, "--format", "json", "--fail-on", "never")) == []


def test_a_quiet_fixture_is_left_alone(cli, tmp_path: Path) -> None:
    path = tmp_path / "tasks.toml"  # its collisions are sequenced already: notes only
    shutil.copyfile(FIXTURES / "plans" / "tasks.toml", path)
    result = cli("plan", path, "--fix", "--apply")
    assert result.code == 0 and result.out == ""
    assert path.read_bytes() == (FIXTURES / "plans" / "tasks.toml").read_bytes()


def test_a_plan_without_collisions_is_left_alone(cli, plan) -> None:
    path = plan("""
        ## Task 1: Docs
        Write `docs/api.md`.

        ## Task 2: Tests
        Add `tests/test_util.py`.
    """)
    before = path.read_text()
    result = cli("plan", path, "--fix", "--apply")
    assert result.code == 0
    assert result.out == ""
    assert path.read_text() == before


@pytest.mark.parametrize("locations, flagged", [('["db/revisions"]', True), ("[]", False)])
def test_fix_knows_the_configured_alembic_folder(cli, plan, repo, locations, flagged) -> None:
    """`plan --fix` reads the layout as `plan` does: with the repository's own migration
    folder, two new revisions there are ordered (it once said "clean" while `plan` said
    CS303); without the setting they are two unrelated files (the near miss)."""
    root = repo({"pyproject.toml": f"[tool.conflictscan]\nmigration-locations = {locations}\n"})
    path = plan("""
        ## Task 1: A
        Create `db/revisions/0001_users.py`.
        ## Task 2: B
        Create `db/revisions/0002_orders.py`.
    """)
    found = cli("plan", path, "--repo", root, "--format", "json", "--fail-on", "never")
    assert ("CS303" in serious(found)) is flagged
    fixed = cli("plan", path, "--repo", root, "--fix")
    assert ("Depends on: Task 1" in fixed.out) is flagged
    assert "the corrected plan is clean" in fixed.err
