"""Each bundled plan shape, read end to end, against its expected-findings snapshot.

Set CONFLICTSCAN_UPDATE_SNAPSHOTS=1 to rewrite the snapshots after a deliberate change, then
read the diff.
"""

from __future__ import annotations

import os

import pytest

from tests.conftest import FIXTURES

PLANS = sorted(p.name for p in (FIXTURES / "plans").iterdir())


def snapshot(result) -> str:
    reading = result.json["reading"]
    lines = [f"shape: {result.json['shape']}", f"read as: {reading['as']}",
             "tasks: " + " | ".join(w["name"] for w in result.json["workstreams"])]
    lines += [f"concurrency: {line}" for line in reading["concurrency"]]
    lines += [f"note: {line}" for line in reading["notes"]]
    for f in result.json["findings"]:
        key = f["resource"]["key"] if f["resource"] else "-"
        lines.append(f"{f['rule']} {f['severity']} {key}: {', '.join(f['workstreams'])}")
    schedule = result.json["schedule"]
    if schedule["setup"]:
        lines.append("setup: " + "; ".join(schedule["setup"]))
    lines += [f"wave {i}: {', '.join(w)}" for i, w in enumerate(schedule["waves"], 1)]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("name", PLANS)
def test_plan_matches_snapshot(cli, name):
    result = cli("plan", FIXTURES / "plans" / name, "--format", "json", "--fail-on", "never")
    assert result.code == 0, result.err
    expected_path = FIXTURES / "expected" / f"{name}.txt"
    actual = snapshot(result)
    if os.environ.get("CONFLICTSCAN_UPDATE_SNAPSHOTS"):
        expected_path.parent.mkdir(exist_ok=True)
        expected_path.write_text(actual, encoding="utf-8")
    assert actual == expected_path.read_text(encoding="utf-8")


def test_every_plan_has_a_snapshot():
    snapshots = {p.name for p in (FIXTURES / "expected").iterdir() if p.is_file()}
    assert snapshots == {f"{name}.txt" for name in PLANS}
