"""`conflictscan branches` on real repositories: textual conflicts and what git misses."""

from __future__ import annotations

import os

from tests.conftest import branch, commit_on_main, git, write_files

UTIL = "def f():\n    return 1\n" + "\n" * 8 + "def g():\n    return 2\n"
REQUIREMENTS = "django==4.2\nrequests==2.31.0\nflask==3.0\n" + "".join(
    f"pkg{i}==1.0\n" for i in range(10))


def test_will_conflict_and_merges_cleanly_are_told_apart(repo, branches):
    root = repo({"app/util.py": UTIL, "app/other.py": UTIL})
    branch(root, "a", {"app/util.py": UTIL.replace("return 1", "return 10"),
                       "app/other.py": UTIL.replace("return 1", "return 10")})
    branch(root, "b", {"app/util.py": UTIL.replace("return 1", "return 11"),
                       "app/other.py": UTIL.replace("return 2", "return 20")})
    result = branches(root, expect=0)
    assert ("CS103", "app/util.py", ("a", "b")) in result.findings()
    assert ("CS104", "app/other.py", ("a", "b")) in result.findings()
    conflict = next(f for f in result.json["findings"] if f["rule"] == "CS103")
    assert "both change lines 2-2" in conflict["message"]
    assert conflict["severity"] == "error"


def test_distant_requirement_edits_are_at_most_a_note(repo, branches):
    root = repo({"requirements.txt": REQUIREMENTS})
    branch(root, "a", {"requirements.txt": REQUIREMENTS.replace("django==4.2", "django==4.2.1")})
    branch(root, "b", {"requirements.txt": REQUIREMENTS.replace("pkg9==1.0", "pkg9==1.1")})
    result = branches(root, expect=0)
    assert {f["severity"] for f in result.json["findings"]} <= {"note"}
    assert ("CS104", "requirements.txt", ("a", "b")) in result.findings()


def test_conflict_with_a_base_that_moved(repo, branches):
    root = repo({"app/util.py": UTIL})
    branch(root, "a", {"app/util.py": UTIL.replace("return 1", "return 10")})
    commit_on_main(root, {"app/util.py": UTIL.replace("return 1", "return 99")})
    result = branches(root, expect=0)
    finding = next(f for f in result.json["findings"] if f["rule"] == "CS105")
    assert finding["command"] == "git rebase main"


def test_no_base_finding_when_base_moved_elsewhere(repo, branches):
    root = repo({"app/util.py": UTIL, "README.md": "x\n"})
    branch(root, "a", {"app/util.py": UTIL.replace("return 1", "return 10")})
    commit_on_main(root, {"README.md": "y\n"})
    assert branches(root, expect=0).json["findings"] == []


# --- requirements and pyproject ----------------------------------------------------------

def test_same_package_changed_to_different_specs(repo, branches):
    root = repo({"requirements.txt": REQUIREMENTS})
    branch(root, "a", {"requirements.txt": REQUIREMENTS.replace("requests==2.31.0",
                                                                 "requests==2.32.0")})
    branch(root, "b", {"requirements.txt": REQUIREMENTS.replace("requests==2.31.0",
                                                                 "requests<2.31")})
    result = branches(root)
    finding = next(f for f in result.json["findings"] if f["rule"] == "CS203")
    assert "cannot both hold" in finding["message"]
    assert finding["locations"][0]["path"] == "requirements.txt"


def test_same_package_added_twice_at_different_places(repo, branches):
    root = repo({"requirements.txt": REQUIREMENTS})
    branch(root, "a", {"requirements.txt": "httpx==0.27.0\n" + REQUIREMENTS})
    branch(root, "b", {"requirements.txt": REQUIREMENTS + "httpx==0.27.0\n"})
    result = branches(root)
    assert ("CS204", "requirements.txt", ("a", "b")) in result.findings()
    assert "CS103" not in result.rules()  # git merges it cleanly: that is the trap


def test_same_line_added_at_the_same_place_is_not_a_duplicate(repo, branches):
    root = repo({"requirements.txt": REQUIREMENTS})
    branch(root, "a", {"requirements.txt": REQUIREMENTS + "httpx==0.27.0\n"})
    branch(root, "b", {"requirements.txt": REQUIREMENTS + "httpx==0.27.0\n"})
    assert "CS204" not in branches(root).rules()


def test_duplicate_through_an_included_file(repo, branches):
    root = repo({"requirements/base.txt": "django==4.2\n",
                 "requirements/dev.txt": "-r base.txt\npytest==8.0\n"})
    branch(root, "a", {"requirements/base.txt": "django==4.2\nhttpx==0.27.0\n"})
    branch(root, "b", {"requirements/dev.txt": "-r base.txt\npytest==8.0\nhttpx==0.27.0\n"})
    finding = next(f for f in branches(root).json["findings"] if f["rule"] == "CS204")
    assert "one includes the other" in finding["message"]


def test_duplicate_inside_one_workstream(repo, branches):
    root = repo({"requirements.txt": REQUIREMENTS})
    branch(root, "a", {"requirements.txt": REQUIREMENTS + "django>=4\n"})
    result = branches(root)
    assert ("CS204", "requirements.txt", ("a",)) in result.findings()


PYPROJECT = """
[project]
name = "shop"
version = "1.0.0"
dependencies = [
    "django>=4.2",
    "requests>=2.31",
]
"""


def test_pyproject_dependency_changed_differently_and_version_bumps(repo, branches):
    root = repo({"pyproject.toml": PYPROJECT})
    branch(root, "a", {"pyproject.toml": PYPROJECT.replace("requests>=2.31", "requests==2.32.0")
                       .replace("1.0.0", "1.1.0")})
    branch(root, "b", {"pyproject.toml": PYPROJECT.replace("requests>=2.31", "requests==2.30.0")
                       .replace("1.0.0", "1.0.1")})
    rules = branches(root).rules()
    assert {"CS203", "CS206"} <= rules


def test_poetry_dependencies(repo, branches):
    poetry = '[tool.poetry]\nname = "x"\n\n[tool.poetry.dependencies]\npython = "^3.10"\n' \
             'requests = "^2.31"\n'
    root = repo({"pyproject.toml": poetry})
    branch(root, "a", {"pyproject.toml": poetry.replace('"^2.31"', '"^2.32"')})
    branch(root, "b", {"pyproject.toml": poetry.replace('"^2.31"', '"2.30.0"')})
    assert "CS203" in branches(root).rules()


def test_lockfile_written_by_several_and_manifest_without_lock(repo, branches):
    root = repo({"pyproject.toml": PYPROJECT, "uv.lock": "version = 1\n# lock\n"})
    branch(root, "a", {"pyproject.toml": PYPROJECT.replace('"requests>=2.31",',
                                                           '"requests>=2.31",\n    "httpx",'),
                       "uv.lock": "version = 1\n# lock a\n"})
    branch(root, "b", {"uv.lock": "version = 1\n# lock b\n"})
    branch(root, "c", {"pyproject.toml": PYPROJECT.replace('"django>=4.2",',
                                                           '"django>=4.2",\n    "orjson",')})
    result = branches(root)
    lock = next(f for f in result.json["findings"] if f["rule"] == "CS202")
    assert lock["command"] == "uv lock" and set(lock["workstreams"]) == {"a", "b"}
    assert ("CS207", "uv.lock", ("c", "a", "b")) in result.findings()
    assert not any(f[0] == "CS207" and f[2][0] != "c" for f in result.findings())


# --- alembic -----------------------------------------------------------------------------

ALEMBIC_INI = "[alembic]\nscript_location = migrations\n"


def revision(rev: str, down: str | tuple[str, ...] | None, labels: str | None = None,
             annotated: bool = False) -> str:
    kind = ": str" if annotated else ""
    down_kind = ": str | None" if annotated else ""
    text = f'"""{rev}"""\nrevision{kind} = "{rev}"\ndown_revision{down_kind} = {down!r}\n'
    if labels:
        text += f"branch_labels = ({labels!r},)\n"
    return text + "\n\ndef upgrade():\n    pass\n"


def alembic_repo(repo, extra=None):
    return repo({"alembic.ini": ALEMBIC_INI,
                 "migrations/versions/a1_init.py": revision("a1", None), **(extra or {})})


def test_two_revisions_on_one_head(repo, branches):
    root = alembic_repo(repo)
    branch(root, "users", {"migrations/versions/b2_users.py": revision("b2", "a1")})
    branch(root, "orders", {"migrations/versions/c3_orders.py": revision("c3", "a1",
                                                                        annotated=True)})
    result = branches(root)
    finding = next(f for f in result.json["findings"] if f["rule"] == "CS301")
    assert finding["command"] == 'alembic merge -m "merge b2 and c3" b2 c3'
    assert "down_revision = 'b2'" in finding["mitigation"]
    assert {(loc["path"], loc["line"]) for loc in finding["locations"]} == {
        ("migrations/versions/b2_users.py", 3), ("migrations/versions/c3_orders.py", 3)}
    assert "CS103" not in result.rules()  # git merges the two files cleanly


def test_chained_branches_make_one_head(repo, branches):
    root = alembic_repo(repo)
    branch(root, "users", {"migrations/versions/b2_users.py": revision("b2", "a1")})
    branch(root, "orders", {"migrations/versions/c3_orders.py": revision("c3", "b2")},
           base="users")
    assert not branches(root).rules() & {"CS301", "CS302"}


def test_a_merge_revision_closes_the_fork(repo, branches):
    root = alembic_repo(repo)
    branch(root, "users", {"migrations/versions/b2_users.py": revision("b2", "a1")})
    branch(root, "orders", {"migrations/versions/c3_orders.py": revision("c3", "a1"),
                            "migrations/versions/b2_users.py": revision("b2", "a1"),
                            "migrations/versions/d4_merge.py": revision("d4", ("b2", "c3"))})
    assert not branches(root).rules() & {"CS301", "CS302"}


def test_separate_branch_labels_are_not_a_finding(repo, branches):
    root = alembic_repo(repo, {
        "migrations/versions/b1_billing.py": revision("b1", None, labels="billing"),
        "migrations/versions/c1_audit.py": revision("c1", None, labels="audit")})
    branch(root, "x", {"migrations/versions/b2.py": revision("b2", "b1")})
    branch(root, "y", {"migrations/versions/c2.py": revision("c2", "c1")})
    assert not branches(root).rules() & {"CS301", "CS302"}


def test_revision_on_a_parent_that_is_no_longer_the_head(repo, branches):
    root = alembic_repo(repo)
    branch(root, "users", {"migrations/versions/b2_users.py": revision("b2", "a1")})
    commit_on_main(root, {"migrations/versions/z9_hotfix.py": revision("z9", "a1")})
    finding = next(f for f in branches(root).json["findings"] if f["rule"] == "CS302")
    assert "the head is now z9" in finding["message"]
    assert "down_revision = 'z9'" in finding["mitigation"]
    assert finding["command"] == 'alembic merge -m "merge b2 and z9" b2 z9'


def test_several_version_locations(repo, branches):
    ini = ("[alembic]\nscript_location = migrations\n"
           "version_locations = migrations/versions plugins/versions\n")
    root = repo({"alembic.ini": ini, "migrations/versions/a1.py": revision("a1", None),
                 "plugins/versions/p1.py": revision("p1", None, labels="plugins")})
    branch(root, "x", {"plugins/versions/p2.py": revision("p2", "p1")})
    branch(root, "y", {"plugins/versions/p3.py": revision("p3", "p1")})
    finding = next(f for f in branches(root).json["findings"] if f["rule"] == "CS301")
    assert "on top of p1" in finding["message"]


def test_unparsable_revision_is_reported_and_the_scan_goes_on(repo, cli):
    root = alembic_repo(repo, {"requirements.txt": REQUIREMENTS})
    branch(root, "broken", {"migrations/versions/b2.py": "revision = 'b2'\ndown_revision = (\n"})
    branch(root, "a", {"requirements.txt": REQUIREMENTS + "httpx==0.27.0\n"})
    branch(root, "b", {"requirements.txt": "httpx==0.27.0\n" + REQUIREMENTS})
    result = cli("branches", "--repo", root, "--format", "json")
    assert result.code == 2
    assert "migrations/versions/b2.py:2: does not parse as Python" in result.err
    assert "CS204" in result.rules()
    assert result.json["problems"][0]["path"] == "migrations/versions/b2.py"


# --- django ------------------------------------------------------------------------------

def migration(app: str, parent: str | None) -> str:
    deps = f"[('{app}', '{parent}')]" if parent else "[]"
    return ("from django.db import migrations\n\n\nclass Migration(migrations.Migration):\n"
            f"    dependencies = {deps}\n    operations = []\n")


def django_repo(repo, extra=None):
    return repo({"shop/migrations/__init__.py": "",
                 "shop/migrations/0001_initial.py": migration("shop", None),
                 "blog/migrations/__init__.py": "",
                 "blog/migrations/0001_initial.py": migration("blog", None), **(extra or {})})


def test_two_migrations_on_one_leaf(repo, branches):
    root = django_repo(repo, {"shop/migrations/max_migration.txt": "0001_initial\n"})
    branch(root, "price", {"shop/migrations/0002_price.py": migration("shop", "0001_initial")})
    branch(root, "stock", {"shop/migrations/0002_stock.py": migration("shop", "0001_initial")})
    finding = next(f for f in branches(root).json["findings"] if f["rule"] == "CS304")
    assert finding["command"] == "python manage.py makemigrations --merge shop"
    assert "0002 is used twice" in finding["message"]
    assert "max_migration.txt" in finding["message"]


def test_migrations_in_different_apps_are_fine(repo, branches):
    root = django_repo(repo)
    branch(root, "price", {"shop/migrations/0002_price.py": migration("shop", "0001_initial")})
    branch(root, "tags", {"blog/migrations/0002_tags.py": migration("blog", "0001_initial")})
    assert "CS304" not in branches(root).rules()


def test_migration_on_a_leaf_the_base_moved_past(repo, branches):
    root = django_repo(repo)
    branch(root, "price", {"shop/migrations/0002_price.py": migration("shop", "0001_initial")})
    commit_on_main(root, {"shop/migrations/0002_fix.py": migration("shop", "0001_initial")})
    finding = next(f for f in branches(root).json["findings"] if f["rule"] == "CS304")
    assert "main has moved on to 0002_fix" in finding["message"]


# --- environment -------------------------------------------------------------------------

def test_same_port_and_database_in_env_files(repo, branches):
    root = repo({"README.md": "x\n"})
    branch(root, "a", {"services/a/.env": "PORT=8000\nDATABASE_URL=postgres://u:p@localhost/app\n"})
    branch(root, "b", {"services/b/.env": "PORT=8000\nDATABASE_URL=postgresql://localhost/app\n"})
    branch(root, "c", {"services/c/.env": "PORT=8001\nDATABASE_URL=postgresql://localhost/c\n"})
    result = branches(root)
    assert ("CS401", "8000", ("a", "b")) in result.findings()
    assert ("CS402", "postgresql://localhost/app", ("a", "b")) in result.findings()
    assert not any("c" in f[2] for f in result.findings())


def test_committed_venv(repo, branches):
    root = repo({"README.md": "x\n"})
    branch(root, "a", {"venv/pyvenv.cfg": "home = /usr/bin\n", "venv/bin/activate": "# sh\n"})
    branch(root, "b", {"envs/notes.txt": "not a venv\n"})
    result = branches(root)
    assert ("CS407", "venv", ("a",)) in result.findings()
    assert len([f for f in result.findings() if f[0] == "CS407"]) == 1


def test_worktrees_sharing_a_venv_with_different_pins(repo, branches, tmp_path):
    root = repo({"requirements.txt": REQUIREMENTS})
    shared = tmp_path / "shared-venv"
    shared.mkdir()
    for name, pin in (("wt-a", "2.32.0"), ("wt-b", "2.30.0"), ("wt-c", "2.31.0")):
        git(root, "worktree", "add", "-q", "-b", name, str(tmp_path / name))
        write_files(tmp_path / name, {"requirements.txt": REQUIREMENTS.replace("2.31.0", pin)})
        if name != "wt-c":
            os.symlink(shared, tmp_path / name / "venv")
    result = branches(root)
    finding = next(f for f in result.json["findings"] if f["rule"] == "CS404")
    assert "requests" in finding["message"]
    assert "wt-c" not in " ".join(finding["workstreams"])


def test_worktrees_sharing_a_venv_with_the_same_pins(repo, branches, tmp_path):
    root = repo({"requirements.txt": REQUIREMENTS, "app.py": "x = 1\n"})
    shared = tmp_path / "shared-venv"
    shared.mkdir()
    for name in ("wt-a", "wt-b"):
        git(root, "worktree", "add", "-q", "-b", name, str(tmp_path / name))
        write_files(tmp_path / name, {"app.py": f"x = '{name}'\n"})
        os.symlink(shared, tmp_path / name / "venv")
    assert "CS404" not in branches(root).rules()


def test_broken_toml_and_requirements_are_reported_and_the_scan_goes_on(repo, cli):
    root = repo({"pyproject.toml": PYPROJECT, "requirements.txt": REQUIREMENTS,
                 "app/util.py": UTIL})
    branch(root, "toml", {"pyproject.toml": PYPROJECT + "[broken\n"})
    branch(root, "reqs", {"requirements.txt": REQUIREMENTS + "not a requirement !!\n"})
    branch(root, "a", {"app/util.py": UTIL.replace("return 1", "return 10")})
    branch(root, "b", {"app/util.py": UTIL.replace("return 1", "return 11")})
    result = cli("branches", "--repo", root, "--format", "json")
    assert result.code == 2
    assert "pyproject.toml:" in result.err and "does not parse as TOML" in result.err
    assert "requirements.txt:14: invalid requirement" in result.err
    assert "CS103" in result.rules()
    conflict = next(f for f in result.json["findings"] if f["rule"] == "CS103")
    assert {loc["workstream"] for loc in conflict["locations"]} == {"a", "b"}


def test_a_sub_project_pyproject_is_checked_too(repo, branches):
    root = repo({"backend/pyproject.toml": PYPROJECT})
    branch(root, "a", {"backend/pyproject.toml": PYPROJECT.replace("1.0.0", "1.1.0")})
    branch(root, "b", {"backend/pyproject.toml": PYPROJECT.replace("1.0.0", "2.0.0")
                       .replace("requests>=2.31", "requests==2.30.0")})
    branch(root, "c", {"backend/pyproject.toml": PYPROJECT.replace("requests>=2.31",
                                                                   "requests==2.32.0")})
    result = branches(root)
    assert ("CS206", "backend/pyproject.toml", ("a", "b")) in result.findings()
    changed = next(f for f in result.json["findings"] if f["rule"] == "CS203")
    assert "in backend/pyproject.toml" in changed["message"]


def test_near_misses_of_the_dependency_rules(repo, branches):
    """One relock, the same new pin in two branches, one version bump: none is a finding."""
    root = repo({"pyproject.toml": PYPROJECT, "uv.lock": "version = 1\n",
                 "requirements.txt": REQUIREMENTS})
    same_pin = REQUIREMENTS.replace("requests==2.31.0", "requests==2.32.0")
    branch(root, "a", {"uv.lock": "version = 1\n# a\n", "requirements.txt": same_pin,
                       "pyproject.toml": PYPROJECT.replace("1.0.0", "1.1.0")})
    branch(root, "b", {"requirements.txt": same_pin})
    rules = branches(root).rules()
    assert not rules & {"CS202", "CS203", "CS204", "CS206"}, rules


def test_a_branch_stacked_on_another_repeats_nothing(repo, branches):
    root = repo({"uv.lock": "# lock\n", "app/util.py": UTIL})
    branch(root, "base-pr", {"uv.lock": "# lock base-pr\n",
                             "app/util.py": UTIL.replace("return 1", "return 10")})
    branch(root, "stacked", {"app/other.py": "x = 1\n"}, base="base-pr")
    assert branches(root).json["findings"] == []
