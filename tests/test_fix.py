"""`conflictscan fix` and the merge driver, proved with the real tools: alembic's own heads,
Django's migration loader, pip's resolver and git's merge."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from analyzer.fixes import alembic as alembic_fix
from analyzer.fixes import django as django_fix
from analyzer.fixes.edits import FixRefused
from analyzer.fixes.requirements import merge_requirements
from tests.conftest import commit_on_main, git, write_files

pytest.importorskip("alembic", reason="alembic is in the test extra: pip install -e '.[test]'")
pytest.importorskip("django", reason="django is in the test extra: pip install -e '.[test]'")


def conflictscan(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "analyzer", *args], cwd=cwd,
                          capture_output=True, text=True, check=False)


def revision(rev: str, down: str | None, message: str = "step") -> str:
    parent = "None" if down is None else f"'{down}'"
    return (f'"""{message}\n\nRevision ID: {rev}\nRevises: {down or ""}\n'
            f'Create Date: 2024-01-01 00:00:00\n\n"""\nfrom alembic import op\n\n'
            f"revision = '{rev}'\ndown_revision = {parent}\nbranch_labels = None\n"
            "depends_on = None\n\n\ndef upgrade():\n    pass\n\n\ndef downgrade():\n    pass\n")


def migration(app: str, parents: list[str]) -> str:
    deps = "".join(f'        ("{app}", "{p}"),\n' for p in parents)
    return ("from django.db import migrations\n\n\nclass Migration(migrations.Migration):\n"
            f"    dependencies = [\n{deps}    ]\n\n    operations = []\n")


# Packages the test environment already has, so pip's resolver can judge the merged file
# offline (`--no-index`): a file that installs is one whose requirements all resolve.
REQUIREMENTS = "packaging>=20\npytest>=7\n"


def project() -> dict[str, str]:
    return {
        "alembic.ini": "[alembic]\nscript_location = migrations\n",
        "migrations/versions/a1_init.py": revision("a1", None),
        "migrations/versions/a2_users.py": revision("a2", "a1"),
        "shop/__init__.py": "",
        "shop/migrations/__init__.py": "",
        "shop/migrations/0001_initial.py": migration("shop", []),
        "shop/migrations/0002_price.py": migration("shop", ["0001_initial"]),
        "requirements.txt": REQUIREMENTS,
    }


def alembic_heads(root: Path) -> set[str]:
    done = subprocess.run([sys.executable, "-m", "alembic", "heads"], cwd=root,
                          capture_output=True, text=True, check=True)
    return {line.split()[0] for line in done.stdout.splitlines() if line.strip()}


def django_leaves(root: Path) -> list[tuple[str, str]]:
    script = textwrap.dedent("""
        import django
        from django.conf import settings
        settings.configure(INSTALLED_APPS=["shop"], DATABASES={})
        django.setup()
        from django.db.migrations.loader import MigrationLoader
        loader = MigrationLoader(None, ignore_no_migrations=True)
        print(sorted(loader.graph.leaf_nodes()))
    """)
    done = subprocess.run([sys.executable, "-c", script], cwd=root, capture_output=True,
                          text=True, check=True, env={**os.environ, "PYTHONPATH": str(root)})
    return eval(done.stdout)  # our own script's repr of a list of tuples


def pip_accepts(requirements: Path) -> bool:
    done = subprocess.run([sys.executable, "-m", "pip", "install", "--dry-run", "--no-index",
                           "-q", "-r", str(requirements)], capture_output=True, text=True,
                          check=False)
    return done.returncode == 0


@pytest.fixture
def two_worktrees(repo):
    """Two worktrees that fork the alembic chain, the Django app and requirements.txt."""
    root = repo(project())
    trees = {}
    for name, extra in (("a", "rich>=10\n"), ("b", "PyYAML>=5\n")):
        tree = root.parent / f"wt-{name}"
        git(root, "worktree", "add", "-q", "-b", f"feat-{name}", str(tree))
        write_files(tree, {
            f"migrations/versions/r{name}_work.py": revision(f"r{name}", "a2"),
            f"shop/migrations/0003_{name}.py": migration("shop", ["0002_price"]),
            "requirements.txt": REQUIREMENTS + extra,
        })
        git(tree, "add", "-A")
        git(tree, "commit", "-q", "-m", f"work {name}")
        trees[name] = tree
    return root, trees


def test_fix_all_apply_leaves_one_head_one_leaf_and_requirements_that_install(two_worktrees):
    root, trees = two_worktrees
    dry = conflictscan(trees["a"], "fix")
    assert dry.returncode == 1, dry.stderr
    assert "CS301" in dry.stdout and "CS304" in dry.stdout
    assert git(trees["a"], "status", "--porcelain") == ""  # a dry run writes nothing

    done = conflictscan(trees["a"], "fix", "--all", "--apply")
    assert done.returncode in (0, 1), done.stderr
    git(trees["a"], "add", "-A")
    git(trees["a"], "commit", "-q", "-m", "conflictscan fix")

    # requirements files merge by package once the driver the fix names is set up
    assert "merge.conflictscan.driver" in done.stdout
    git(root, "config", "merge.conflictscan.driver",
        f"{sys.executable} -m analyzer merge-driver %O %A %B %P")
    (root / ".git" / "info" / "attributes").write_text("requirements*.txt merge=conflictscan\n")
    git(root, "merge", "-q", "--no-edit", "feat-a")
    git(root, "merge", "-q", "--no-edit", "feat-b")  # raises if git finds a conflict
    assert len(alembic_heads(root)) == 1
    assert django_leaves(root) == [("shop", "0004_merge_0003_a_0003_b")]
    assert pip_accepts(root / "requirements.txt")
    again = conflictscan(root, "branches", "--format", "json", "--fail-on", "never")
    assert '"CS301"' not in again.stdout and '"CS304"' not in again.stdout


def test_apply_refuses_a_file_with_uncommitted_changes(two_worktrees):
    _, trees = two_worktrees
    path = trees["a"] / "requirements.txt"
    path.write_text(path.read_text() + "# my own edit\n")
    assert "requirements.txt" in conflictscan(trees["a"], "fix").stdout  # it has a fix
    done = conflictscan(trees["a"], "fix", "--apply")
    assert done.returncode == 2
    assert "uncommitted changes in requirements.txt" in done.stderr
    assert path.read_text().endswith("# my own edit\n")
    assert git(trees["a"], "status", "--porcelain") == " M requirements.txt\n"  # nothing else
    forced = conflictscan(trees["a"], "fix", "--apply", "--force")
    assert forced.returncode in (0, 1), forced.stderr
    assert "PyYAML" in path.read_text()


def test_stale_alembic_chain_is_reparented_in_order(repo):
    root = repo(project())
    tree = root.parent / "wt-c"
    git(root, "worktree", "add", "-q", "-b", "feat-c", str(tree))
    write_files(tree, {"migrations/versions/c1_first.py": revision("c1", "a2"),
                       "migrations/versions/c2_second.py": revision("c2", "c1")})
    git(tree, "add", "-A")
    git(tree, "commit", "-q", "-m", "chain")
    commit_on_main(root, {"migrations/versions/a3_more.py": revision("a3", "a2")})

    done = conflictscan(tree, "fix", "--apply")
    assert done.returncode == 0, done.stdout + done.stderr
    first = (tree / "migrations/versions/c1_first.py").read_text()
    assert "down_revision = 'a3'" in first and "Revises: a3\n" in first
    assert "down_revision = 'c1'" in (tree / "migrations/versions/c2_second.py").read_text()
    git(tree, "commit", "-q", "-am", "rebased")
    git(root, "merge", "-q", "--no-edit", "feat-c")
    assert alembic_heads(root) == {"c2"}


def _worktree_with(root: Path, files: dict[str, str]) -> Path:
    tree = root.parent / "wt-c"
    git(root, "worktree", "add", "-q", "-b", "feat-c", str(tree))
    write_files(tree, files)
    git(tree, "add", "-A")
    git(tree, "commit", "-q", "-m", "chain")
    return tree


def test_a_parent_declared_nowhere_is_reparented_onto_the_head(repo):
    """lemur PR #1037's shape (CS302): c1 names zz, which no file declares; alembic cannot
    load the history, so the fix re-parents and refuses to merge."""
    root = repo(project())
    tree = _worktree_with(root, {"migrations/versions/c1_first.py": revision("c1", "zz"),
                                 "migrations/versions/c2_second.py": revision("c2", "c1")})
    refused = conflictscan(tree, "fix", "--apply", "--merge")
    assert "alembic cannot merge heads while a parent is missing (c1)" in refused.stdout
    done = conflictscan(tree, "fix", "--apply")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "down_revision = 'a2'" in (tree / "migrations/versions/c1_first.py").read_text()
    assert "down_revision = 'c1'" in (tree / "migrations/versions/c2_second.py").read_text()
    git(tree, "commit", "-q", "-am", "re-parented")
    git(root, "merge", "-q", "--no-edit", "feat-c")
    assert alembic_heads(root) == {"c2"}


def test_a_second_root_is_reparented_onto_the_head(repo):
    root = repo(project())
    tree = _worktree_with(root, {"migrations/versions/r1_root.py": revision("r1", None)})
    done = conflictscan(tree, "fix", "--apply")
    assert done.returncode == 0, done.stdout + done.stderr
    text = (tree / "migrations/versions/r1_root.py").read_text()
    assert "down_revision = 'a2'" in text and "Revises: a2\n" in text
    git(tree, "commit", "-q", "-am", "re-parented")
    git(root, "merge", "-q", "--no-edit", "feat-c")
    assert alembic_heads(root) == {"r1"}


def test_stale_django_chain_is_renumbered_with_max_migration(repo):
    files = project()
    files["shop/migrations/max_migration.txt"] = "0002_price\n"
    root = repo(files)
    tree = root.parent / "wt-d"
    git(root, "worktree", "add", "-q", "-b", "feat-d", str(tree))
    write_files(tree, {"shop/migrations/0003_x.py": migration("shop", ["0002_price"]),
                       "shop/migrations/0004_y.py": migration("shop", ["0003_x"]),
                       "shop/migrations/max_migration.txt": "0004_y\n"})
    git(tree, "add", "-A")
    git(tree, "commit", "-q", "-m", "two migrations")
    commit_on_main(root, {"shop/migrations/0003_main.py": migration("shop", ["0002_price"]),
                          "shop/migrations/max_migration.txt": "0003_main\n"})

    done = conflictscan(tree, "fix", "--rule", "CS304", "--apply")
    assert done.returncode == 0, done.stdout + done.stderr
    names = sorted(p.name for p in (tree / "shop/migrations").glob("0*.py"))
    assert names == ["0001_initial.py", "0002_price.py", "0004_x.py", "0005_y.py"]
    assert '("shop", "0003_main")' in (tree / "shop/migrations/0004_x.py").read_text()
    assert '("shop", "0004_x")' in (tree / "shop/migrations/0005_y.py").read_text()
    assert (tree / "shop/migrations/max_migration.txt").read_text() == "0005_y\n"


def test_reparent_refuses_a_computed_down_revision():
    text = "revision = 'b'\ndown_revision = PARENTS[0]\n"
    with pytest.raises(FixRefused, match="computed"):
        alembic_fix.reparent(text, "versions/b.py", ("a",))


def test_reparent_keeps_the_files_quotes_and_annotations():
    text = 'revision: str = "b"\ndown_revision: Union[str, None] = "a"  # parent\n'
    out = alembic_fix.reparent(text, "b.py", ("z",))
    assert out == 'revision: str = "b"\ndown_revision: Union[str, None] = "z"  # parent\n'


def test_merge_revision_follows_numeric_ids_and_joins_three_heads():
    edit = alembic_fix.merge_revision(["003", "004", "005"], "alembic/versions",
                                      ["001", "002", "003", "004", "005"],
                                      ["alembic/versions/001_init.py"], "revision = '001'\n",
                                      "2024-01-01 00:00:00")
    assert edit.path == "alembic/versions/006_merge_003_and_004_and_005.py"
    assert "down_revision = ('003', '004', '005')" in (edit.new or "")


def test_django_fix_refuses_a_migration_another_app_depends_on(repo):
    root = repo(project())
    tree = root.parent / "wt-e"
    git(root, "worktree", "add", "-q", "-b", "feat-e", str(tree))
    write_files(tree, {"shop/migrations/0003_x.py": migration("shop", ["0002_price"]),
                       "billing/__init__.py": "",
                       "billing/migrations/__init__.py": "",
                       "billing/migrations/0001_initial.py":
                           migration("billing", []).replace(
                               "dependencies = [\n", 'dependencies = [\n        ("shop", '
                               '"0003_x"),\n')})
    git(tree, "add", "-A")
    git(tree, "commit", "-q", "-m", "x")
    commit_on_main(root, {"shop/migrations/0003_main.py": migration("shop", ["0002_price"])})
    done = conflictscan(tree, "fix", "--rule", "CS304")
    assert "billing/migrations/0001_initial.py depends on shop.0003_x" in done.stdout
    assert (tree / "shop/migrations/0003_x.py").exists()


def test_django_rebase_rewrites_only_the_dependencies():
    text = migration("shop", ["0002_price"]).replace("operations = []",
                                                      "operations = []  # '0002_price'")
    edits = django_fix.rebase_chain("shop", [("0003_x", "shop/migrations/0003_x.py", text)],
                                    "0002_price", "0003_main")
    assert [e.path for e in edits] == ["shop/migrations/0004_x.py"]
    assert '("shop", "0003_main")' in (edits[0].new or "")
    assert "# '0002_price'" in (edits[0].new or "")


@pytest.mark.parametrize(("base", "ours", "theirs", "expected"), [
    ("a==1\nc==1\n", "a==1\nb==1\nc==1\n", "a==1\nc==1\nd==1\n", "a==1\nb==1\nc==1\nd==1\n"),
    ("x==1\n", "x==1\nz==2\n", "x==1\nz==2\n", "x==1\nz==2\n"),  # the same addition once
    ("x==1\n", "x==2\n", "x==1\n", "x==2\n"),  # only ours changed it
    ("x==1\n", "x==1\n", "x==3\n", "x==3\n"),  # only theirs changed it
    ("x==1\n", "x==2\n", "x==3\n", "x==3\n"),  # two pins: the newer, with a warning
    ("# deps\nx\n", "# deps\nx\nreq[extra]==1\n", "# deps\nx\nreq==1\n",
     "# deps\nx\nreq[extra]==1\nreq==1\n"),  # extras make another requirement
])
def test_requirements_merge(base: str, ours: str, theirs: str, expected: str) -> None:
    assert merge_requirements(base, ours, theirs).text == expected


def test_requirements_merge_warns_when_both_cannot_hold():
    merged = merge_requirements("x==1\n", "x==2\n", "x==3\n")
    assert merged.warnings and "cannot both hold" in merged.warnings[0]


def test_merge_driver_merges_appends_from_both_branches(repo):
    root = repo({"requirements.txt": "django==5.0\n",
                 ".gitattributes": "requirements*.txt merge=conflictscan\n"})
    driver = f"{sys.executable} -m analyzer merge-driver %O %A %B %P"
    git(root, "config", "merge.conflictscan.driver", driver)
    for name, line in (("one", "httpx==0.27\n"), ("two", "rich==13\n")):
        git(root, "checkout", "-q", "-b", name, "main")
        (root / "requirements.txt").write_text("django==5.0\n" + line)
        git(root, "commit", "-q", "-am", name)
    git(root, "checkout", "-q", "one")
    git(root, "merge", "-q", "--no-edit", "two")
    assert (root / "requirements.txt").read_text() == "django==5.0\nhttpx==0.27\nrich==13\n"
    # without the driver, git itself conflicts on these two appends
    git(root, "config", "--unset", "merge.conflictscan.driver")
    git(root, "reset", "-q", "--hard", "HEAD~1")
    clash = subprocess.run(["git", "-C", str(root), "-c", "merge.conflictscan.driver=false",
                            "merge", "--no-edit", "two"], capture_output=True, text=True,
                           check=False)
    assert clash.returncode != 0


def test_pyproject_arrays_merge_and_keep_the_rest_of_the_file():
    from analyzer.fixes.pyproject import merge_pyproject

    base = '[project]\nname = "x"  # keep me\ndependencies = [\n    "a>=1",\n]\n'
    ours = base.replace('"a>=1",\n', '"a>=1",\n    "b>=1",\n')
    theirs = base.replace('"a>=1",\n', '"a>=1",\n    "c>=1",\n') + \
        '\n[dependency-groups]\ntest = ["pytest>=8"]\n'
    merged = merge_pyproject(base, ours, theirs).text
    assert 'name = "x"  # keep me' in merged
    import tomllib

    data = tomllib.loads(merged)
    assert data["project"]["dependencies"] == ["a>=1", "b>=1", "c>=1"]
    assert data["dependency-groups"]["test"] == ["pytest>=8"]
