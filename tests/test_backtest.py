"""`conflictscan backtest` on real repositories built here: merges with a textual conflict,
an alembic fork and a Django fork merged naively, a clean merge, a squash-merged pull
request; every count checked, in every format."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import jsonschema
import pytest

from analyzer.backtest.history import Replay
from analyzer.backtest.outcome import Outcome
from analyzer.backtest.replay import Analysis
from analyzer.backtest.score import Backtest
from analyzer.model import Evidence, Finding, Kind, Resource, Risk, Severity
from tests.conftest import ROOT, git, write_files
from tests.test_branches import ALEMBIC_INI, migration, revision

SCHEMA = json.loads((ROOT / "docs" / "backtest.schema.json").read_text(encoding="utf-8"))


def commit(root: Path, date: str, files: dict[str, str | None], message: str) -> None:
    write_files(root, files)
    git(root, "add", "-A")
    _dated(root, date, "commit", "-q", "-m", message)


def merge(root: Path, date: str, name: str, **options: str) -> None:
    """Merge `name` into main as a two-parent commit; the resolution does not matter to
    backtest (it never reads the merge result), so conflicts are resolved as ours."""
    _dated(root, date, "merge", "-q", "--no-ff", "-s", "ours" if options else "ort",
           "-m", f"Merge {name}", name)


def _dated(root: Path, date: str, *args: str) -> None:
    env = {**os.environ, "GIT_AUTHOR_DATE": f"{date}T12:00:00+00:00",
           "GIT_COMMITTER_DATE": f"{date}T12:00:00+00:00"}
    subprocess.run(["git", "-C", str(root), *args], check=True, env=env, capture_output=True)


def side(root: Path, date: str, name: str, files: dict[str, str | None]) -> None:
    git(root, "checkout", "-q", "-b", name)
    commit(root, date, files, f"work on {name}")
    git(root, "checkout", "-q", "main")
    git(root, "reset", "-q", "--hard", "HEAD")


@pytest.fixture
def history(repo):
    """Four merges: textual conflict (Feb), alembic fork (Mar), clean (Apr), Django fork
    (May)."""

    def build(extra: dict[str, str] | None = None) -> Path:
        root = repo({"alembic.ini": ALEMBIC_INI, "migrations/versions/a1_init.py":
                     revision("a1", None), "app.py": "x = 1\n", "requirements.txt":
                     "flask==2.0\n", "shop/migrations/__init__.py": "",
                     "shop/migrations/0001_initial.py": migration("shop", None),
                     **(extra or {})})
        side(root, "2024-02-01", "edit", {"app.py": "x = 2\n"})
        commit(root, "2024-02-01", {"app.py": "x = 3\n"}, "main edits app")
        merge(root, "2024-02-02", "edit", resolve="ours")
        side(root, "2024-03-01", "rev-b1", {"migrations/versions/b1.py": revision("b1", "a1")})
        commit(root, "2024-03-01", {"migrations/versions/b2.py": revision("b2", "a1")},
               "main adds b2")
        merge(root, "2024-03-02", "rev-b1")
        side(root, "2024-04-01", "docs", {"README.md": "docs\n"})
        merge(root, "2024-04-02", "docs")
        side(root, "2024-05-01", "price",
             {"shop/migrations/0002_price.py": migration("shop", "0001_initial")})
        commit(root, "2024-05-01",
               {"shop/migrations/0002_stock.py": migration("shop", "0001_initial")},
               "main adds stock")
        merge(root, "2024-05-02", "price")
        return root

    return build


def backtest(cli, root: Path, *args: str):
    result = cli("backtest", "--repo", root, "--format", "json", *args)
    assert result.code == 0, result.err
    report = result.json
    jsonschema.validate(report, SCHEMA)
    return report


def counts(report, family: str) -> tuple[int, int, int]:
    tally = report["families"][family]
    return tally["caught"], tally["missed"], tally["false"]


def test_every_kind_of_merge_is_scored(cli, history):
    root = history()
    objects = git(root, "count-objects", "-v")
    report = backtest(cli, root)
    assert report["merges"] == 4
    assert counts(report, "textual") == (1, 0, 0)
    assert report["families"]["textual"]["examples"]["caught"][0].endswith(" app.py")
    assert counts(report, "alembic") == (1, 0, 0)
    assert counts(report, "django") == (1, 0, 0)
    assert report["families"]["textual"]["precision"] == 1.0
    assert report["exit_2"]["count"] == report["tracebacks"]["count"] == 0
    assert report["seconds_per_merge"]["mean"] > 0
    assert git(root, "count-objects", "-v") == objects  # merge trees went to a scratch store
    assert git(root, "status", "--porcelain") == ""


def test_a_rule_switched_off_shows_as_missed(cli, history):
    root = history({"pyproject.toml": '[tool.conflictscan]\nignore = ["CS301"]\n'})
    report = backtest(cli, root)
    assert counts(report, "alembic") == (0, 1, 0)
    missed = report["families"]["alembic"]["examples"]["missed"][0]
    assert missed.endswith(" migrations/versions")
    assert report["families"]["alembic"]["recall"] == 0.0


def test_last_and_since_choose_the_newest_merges(cli, history):
    root = history()
    last = backtest(cli, root, "--last", "2")
    assert last["merges"] == 2
    assert counts(last, "django") == (1, 0, 0) and counts(last, "textual") == (0, 0, 0)
    since = backtest(cli, root, "--since", "2024-03-01")
    assert since["merges"] == 3
    assert counts(since, "alembic") == (1, 0, 0) and counts(since, "textual") == (0, 0, 0)
    assert cli("backtest", "--repo", root, "--last", "0").code == 2
    assert cli("backtest", "--repo", root, "--last", "1", "--since", "2024-01-01").code == 2


def test_a_squash_merged_pull_request_is_replayed_from_its_head(cli, repo):
    root = repo({"app.py": "x = 1\n"})
    side(root, "2024-02-01", "feature", {"app.py": "x = 2\n"})
    git(root, "update-ref", "refs/pull/7/head", "feature")
    git(root, "branch", "-q", "-D", "feature")
    commit(root, "2024-02-02", {"app.py": "x = 3\n"}, "Someone else edits app")
    commit(root, "2024-02-03", {"app.py": "x = 2\n"}, "Add the feature (#7)")
    report = backtest(cli, root)
    assert report["merges"] == 1
    assert counts(report, "textual") == (1, 0, 0)


def test_text_and_markdown_reports(cli, history, tmp_path):
    root = history()
    text = cli("backtest", "--repo", root)
    assert text.code == 0
    assert "4 merges replayed" in text.out
    assert "textual" in text.out and "1.00" in text.out
    assert "exit 2: 0 merges; tracebacks: 0" in text.out
    out = tmp_path / "report.md"
    assert cli("backtest", "--repo", root, "--format", "markdown", "--output", out).code == 0
    markdown = out.read_text(encoding="utf-8")
    assert "| family | caught | missed | false |" in markdown
    assert "| alembic | 1 | 0 | 0 |" in markdown


def test_not_a_repository_is_exit_2(cli, tmp_path):
    result = cli("backtest", "--repo", tmp_path)
    assert result.code == 2 and "not a git repository" in result.err


def test_false_alarms_and_severe_findings_on_clean_dependency_files_are_counted():
    """The scoring on its own: a CS103 on a path git merges cleanly is a false alarm; an
    error on a requirements file that merges and stays valid counts against the clean."""
    result = Backtest("repo", "HEAD")
    replay = Replay("c" * 40, "2024-01-01", "a" * 40, "b" * 40, "merge")

    def finding(rule: str, path: str) -> Finding:
        return Finding(rule, Severity.ERROR, Risk.HIGH, Resource(Kind.FILE, path), ("x",),
                       "m", "fix", evidence=(Evidence(path, 1, ""),))

    analysis = Analysis([finding("CS103", "app.py"), finding("CS201", "requirements.txt")])
    outcome = Outcome("base", [], dependency_files={"requirements.txt": "clean",
                                                    "pyproject.toml": "clean"})
    result.record(replay, analysis, outcome)
    assert (result.families["textual"].false, result.families["textual"].precision) == (1, 0.0)
    deps = result.families["dependencies"]
    assert (deps.false, deps.clean, deps.false_rate) == (1, 2, 0.5)
    assert deps.examples["false"] == ["cccccccccc requirements.txt (CS201)"]
    stopped = Analysis(error="git diff-tree failed")
    result.record(replay, stopped, Outcome("base", ["app.py"]))
    assert result.families["textual"].examples["missed"] == ["cccccccccc app.py (scan stopped)"]
    assert len(result.exit_2) == 1


def test_the_oracle_reads_migrations_by_content():
    """Leaves and heads as Django and alembic see them: squashed migrations replace their
    originals, South files have no graph, Python 2 revision files are still read."""
    from analyzer.backtest.outcome import _alembic_heads, _django_leaves

    squash = migration("shop", "0001_initial").replace(
        "    operations", "    replaces = [('shop', '0002_a'), ('shop', '0003_b')]\n    operations")
    texts = {"m/0001_initial.py": migration("shop", None),
             "m/0002_a.py": migration("shop", "0001_initial"),
             "m/0003_b.py": migration("shop", "0002_a"),
             "m/0002_squashed_0003_b.py": squash,
             "m/0004_c.py": migration("shop", "0003_b")}
    assert _django_leaves(texts) == {"0004_c"}
    # A reset: the originals deleted, the second squash depends on a name the first replaces.
    first = migration("shop", None).replace(
        "    operations", "    replaces = [('shop', '0001_initial')]\n    operations")
    second = migration("shop", "0001_initial").replace(
        "    operations", "    replaces = [('shop', '0002_a')]\n    operations")
    assert _django_leaves({"m/0001_squashed.py": first,
                           "m/0002_squashed_0002.py": second}) == {"0002_squashed_0002"}
    south = "class Migration(SchemaMigration):\n    def forwards(self, orm):\n        pass\n"
    assert _django_leaves({"m/0001_a.py": south, "m/0002_b.py": south}) is None
    py2 = 'revision = "b1"\ndown_revision = "a1"\nprint "upgrading"\n'
    assert _alembic_heads({"v/a1.py": revision("a1", None), "v/b1.py": py2,
                           "v/b2.py": revision("b2", "a1")}) == {"b1", "b2"}


def test_a_bare_clone_is_replayed_too(cli, history, tmp_path):
    root = history()
    bare = tmp_path / "mirror.git"
    git(root, "clone", "-q", "--bare", str(root), str(bare))
    objects = git(bare, "count-objects", "-v")
    report = backtest(cli, bare, "--ref", "main")
    assert report["merges"] == 4
    assert counts(report, "textual") == counts(report, "alembic") == (1, 0, 0)
    assert counts(report, "django") == (1, 0, 0)
    assert git(bare, "count-objects", "-v") == objects


def test_a_finding_on_the_other_name_of_a_rename_conflict_catches_it():
    """git names a directory-rename conflict at the destination, the finding may name the
    file where the branch added it: one conflict, caught, no false alarm."""
    result = Backtest("repo", "HEAD")
    replay = Replay("c" * 40, "2024-01-01", "a" * 40, "b" * 40, "merge")
    finding = Finding("CS103", Severity.ERROR, Risk.HIGH, Resource(Kind.FILE, "old/x.py"),
                      ("x",), "m", "fix", evidence=(Evidence("old/x.py", 1, ""),))
    outcome = Outcome("base", ["new/x.py"],
                      named_with={"old/x.py": {"old/x.py", "new/x.py"},
                                  "new/x.py": {"old/x.py", "new/x.py"}})
    result.record(replay, Analysis([finding]), outcome)
    textual = result.families["textual"]
    assert (textual.caught, textual.missed, textual.false) == (1, 0, 0)


def test_a_criss_cross_merge_is_not_measured_against_one_of_its_bases(cli, repo):
    """After a criss-cross (each side merged the other), two commits are best common
    ancestors and git merges against a virtual one: replayed against either, a version the
    branch merely took from the other side looks like its own change (lemur 26a78bc5bb:
    three false CS203). Such a merge is counted apart, not scored."""
    root = repo({"requirements.txt": "boto3==1.0\nflask==2.0\n"})
    side(root, "2024-02-01", "feature", {"app.py": "x = 1\n"})
    commit(root, "2024-02-01", {"requirements.txt": "boto3==1.1\nflask==2.0\n"}, "bump")
    git(root, "branch", "main-then")
    merge(root, "2024-02-02", "feature")  # main takes the feature
    git(root, "checkout", "-q", "feature")
    _dated(root, "2024-02-02", "merge", "-q", "--no-ff", "-m", "Merge main", "main-then")
    commit(root, "2024-02-03", {"requirements.txt": "boto3==1.1\nflask==2.1\n"}, "flask")
    git(root, "checkout", "-q", "main")
    commit(root, "2024-02-03", {"requirements.txt": "boto3==1.2\nflask==2.0\n"}, "boto3")
    merge(root, "2024-02-04", "feature", resolve="ours")
    report = backtest(cli, root, "--last", "1")
    assert report["merges"] == 0 and report["unmeasured"]["count"] == 1
    assert "2 merge-bases (a criss-cross merge)" in report["unmeasured"]["examples"][0]
    assert counts(report, "dependencies") == (0, 0, 0)
    # the near-miss: the merge before it had one base and is measured
    near = backtest(cli, root, "--last", "2")
    assert near["merges"] == 1 and near["unmeasured"]["count"] == 1
