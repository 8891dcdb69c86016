"""Backtest scores an alembic fork only through the revisions the merged branch brings: the
oracle compares the merge with its first parent, so a fork the first parent already has is
no alarm about this merge (found on real histories, issue 8)."""

from __future__ import annotations

from analyzer.backtest.history import Replay
from analyzer.backtest.outcome import Outcome
from analyzer.backtest.replay import FIRST, SECOND, Analysis
from analyzer.backtest.score import Backtest
from analyzer.model import Evidence, Finding, Kind, Resource, Risk, Severity

V = "migrations/versions"


def _fork(owners: tuple[str, ...]) -> Finding:
    evidence = tuple(Evidence(f"{V}/{o[0]}.py", 3, "") for o in owners)
    return Finding("CS301", Severity.ERROR, Risk.HIGH, Resource(Kind.MIGRATION, "alembic:a1"),
                   tuple(dict.fromkeys(owners)), "m", "fix", evidence=evidence,
                   evidence_of=owners)


def test_a_fork_the_first_parent_already_has_is_no_alarm_about_this_merge():
    result = Backtest("repo", "HEAD")
    replay = Replay("c" * 40, "2024-01-01", "a" * 40, "b" * 40, "merge")
    result.record(replay, Analysis([_fork((FIRST, FIRST))]), Outcome("base"))
    alembic = result.families["alembic"]
    assert (alembic.caught, alembic.missed, alembic.false) == (0, 0, 0)


def test_a_fork_the_merged_branch_takes_part_in_is_scored():
    result = Backtest("repo", "HEAD")
    replay = Replay("c" * 40, "2024-01-01", "a" * 40, "b" * 40, "merge")
    result.record(replay, Analysis([_fork((FIRST, SECOND))]),
                  Outcome("base", alembic_forks={V: "b2, c3"}))
    result.record(replay, Analysis([_fork((SECOND, SECOND))]), Outcome("base"))
    alembic = result.families["alembic"]
    assert (alembic.caught, alembic.missed, alembic.false) == (1, 0, 1)
