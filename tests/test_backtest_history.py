"""What replaying real merge history taught: each cause of a false alarm, a miss or an exit 2
that `conflictscan backtest` found on the corpus, rebuilt as a small real repository, with
the near-miss that must still be flagged (or still be read) beside it."""

from __future__ import annotations

from tests.conftest import branch, commit_on_main
from tests.test_backtest import backtest, commit, counts, merge, side
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


# --- backtest judges the merged branch, as `pr` judges a head (netbox 41d05490fc) --------


def _fork_on_main(repo, side_files):
    root = _shop(repo)
    side(root, "2024-02-01", "feature", side_files)
    commit(root, "2024-02-01", {
        "shop/migrations/0003_a.py": migration("shop", "0002_price"),
        "shop/migrations/0003_b.py": migration("shop", "0002_price")}, "main forks shop")
    merge(root, "2024-02-02", "feature")
    return root


def test_a_fork_the_first_parent_has_alone_is_not_the_merges(repo, cli):
    """The first parent carries two leaves of its own (a merge migration comes later); the
    merged branch changes only the docs: the merge adds no leaf, nothing to flag."""
    report = backtest(cli, _fork_on_main(repo, {"README.md": "docs\n"}))
    assert counts(report, "django") == (0, 0, 0)


def test_a_fork_the_merged_branch_adds_to_is_still_caught(repo, cli):
    report = backtest(cli, _fork_on_main(
        repo, {"shop/migrations/0003_c.py": migration("shop", "0002_price")}))
    assert counts(report, "django") == (1, 0, 0)
