"""What replaying real merge history taught: each cause of a false alarm, a miss or an exit 2
that `conflictscan backtest` found on the corpus, rebuilt as a small real repository, with
the near-miss that must still be flagged (or still be read) beside it."""

from __future__ import annotations

from tests.conftest import branch, commit_on_main
from tests.test_branches import migration

# --- Django: a changed migration is not a new one (paperless-ngx 17796357ee) -------------


def _shop(repo):
    return repo({"shop/migrations/__init__.py": "",
                 "shop/migrations/0001_initial.py": migration("shop", None),
                 "shop/migrations/0002_price.py": migration("shop", "0001_initial")})


def test_a_migration_slipped_in_before_an_existing_one_is_not_a_fork(repo, branches):
    """The branch splits a step out of 0002 into 0001_1 and points 0002 at it: the changed
    0002 replaces the base's, and the app keeps one leaf."""
    root = _shop(repo)
    branch(root, "split", {
        "shop/migrations/0001_1_clamp.py": migration("shop", "0001_initial"),
        "shop/migrations/0002_price.py": migration("shop", "0001_1_clamp")})
    commit_on_main(root, {"README.md": "docs\n"})
    assert "CS304" not in branches(root, "split").rules()


def test_a_migration_added_before_an_existing_one_without_rewiring_it_is_a_fork(
        repo, branches):
    root = _shop(repo)
    branch(root, "split", {"shop/migrations/0001_1_clamp.py": migration("shop", "0001_initial")})
    finding = next(f for f in branches(root, "split").json["findings"] if f["rule"] == "CS304")
    assert "0001_1_clamp" in finding["message"] and "0002_price" in finding["message"]
