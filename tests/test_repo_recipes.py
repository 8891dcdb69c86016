"""Repository recipes in fixtures/repos/: each builds a real repository (a base, branches,
commits on the base afterwards) and `conflictscan branches` must find exactly what its
snapshot in fixtures/expected/repos/ says, flagged cases and near-misses alike.

Optional keys: `checkout` (a branch left checked out in the working tree), `args` (what
follows `conflictscan branches`, e.g. named refs and `--base`). Files set to null are deleted.

Set CONFLICTSCAN_UPDATE_SNAPSHOTS=1 to rewrite the snapshots after a deliberate change, then
read the diff.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

from tests.conftest import FIXTURES, commit_on_main, git

RECIPES = sorted((FIXTURES / "repos").glob("*.yaml"))


def build(recipe: dict, root: Path) -> None:
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.email", "test@example.com")
    git(root, "config", "user.name", "Test")
    commit_on_main(root, recipe["base"])
    for name, files in recipe.get("branches", {}).items():
        files = dict(files)
        git(root, "checkout", "-q", "-b", name, files.pop("_from", "main"))
        commit_on_main(root, files)
        git(root, "checkout", "-q", "main")
    if recipe.get("main_after"):
        commit_on_main(root, recipe["main_after"])
    if recipe.get("checkout"):
        git(root, "checkout", "-q", recipe["checkout"])


def snapshot(report: dict) -> str:
    lines = []
    for f in report["findings"]:
        key = f["resource"]["key"] if f["resource"] else "-"
        lines.append(f"{f['rule']} {f['severity']} {key}: {', '.join(sorted(f['workstreams']))}"
                     f"\n    {f['message']}")
        if f["command"]:
            lines.append(f"    $ {f['command']}")
    for problem in report["problems"]:
        lines.append(f"problem {problem['path']}: {problem['message']}")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("recipe_path", RECIPES, ids=[p.stem for p in RECIPES])
def test_recipe_matches_snapshot(recipe_path, tmp_path, branches):
    recipe = yaml.safe_load(recipe_path.read_text())
    root = tmp_path / "repo"
    build(recipe, root)
    actual = snapshot(branches(root, *recipe.get("args", [])).json)
    expected = FIXTURES / "expected" / "repos" / f"{recipe_path.stem}.txt"
    if os.environ.get("CONFLICTSCAN_UPDATE_SNAPSHOTS"):
        expected.parent.mkdir(parents=True, exist_ok=True)
        expected.write_text(actual, encoding="utf-8")
    assert actual == expected.read_text(encoding="utf-8")


def test_every_recipe_has_a_snapshot():
    snapshots = {p.stem for p in (FIXTURES / "expected" / "repos").glob("*.txt")}
    assert snapshots == {p.stem for p in RECIPES}


def test_a_bare_clone_finds_the_same_chains(tmp_path, branches):
    """CI mirrors are bare: the layout comes from the base commit, not from files on disk."""
    recipe = yaml.safe_load((FIXTURES / "repos" / "alembic-anywhere.yaml").read_text())
    root = tmp_path / "repo"
    build(recipe, root)
    bare = tmp_path / "mirror.git"
    git(tmp_path, "clone", "-q", "--bare", str(root), str(bare))
    refs = list(recipe["branches"])
    actual = snapshot(branches(bare, *refs, "--base", "main").json)
    expected = FIXTURES / "expected" / "repos" / "alembic-anywhere.txt"
    assert actual == expected.read_text(encoding="utf-8")
