"""The GitHub Action's script (action/run.sh), run on real repositories as the runner runs
it, for each exit code: annotations, job summary, a valid SARIF file and the step outputs
whatever happens."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml

from tests.conftest import ROOT, git, write_files
from tests.test_gates import ALEMBIC_INI, revision

SARIF_SCHEMA = json.loads((ROOT / "tests" / "data" / "sarif-schema-2.1.0.json").read_text())


def clone_with(tmp_path: Path, repo, feature: dict[str, str | None],
               main_moves: dict[str, str] | None = None) -> Path:
    """An upstream with `main` and a `feature` branch, cloned as actions/checkout leaves it
    (origin/main there, the head checked out)."""
    upstream = repo({"alembic.ini": ALEMBIC_INI, "migrations/versions/a1.py": revision("a1", None),
                     "pyproject.toml": "[project]\nname = 'x'\n", "app.py": "x = 1\n"})
    git(upstream, "checkout", "-q", "-b", "feature")
    write_files(upstream, feature)
    git(upstream, "add", "-A")
    git(upstream, "commit", "-q", "-m", "feature")
    git(upstream, "checkout", "-q", "main")
    if main_moves:
        write_files(upstream, main_moves)
        git(upstream, "add", "-A")
        git(upstream, "commit", "-q", "-m", "main moves on")
    checkout = tmp_path / "checkout"
    git(tmp_path, "clone", "-q", str(upstream), str(checkout))
    git(checkout, "checkout", "-q", "feature")
    return checkout


def run_action(checkout: Path, tmp_path: Path, **env: str) -> tuple[subprocess.CompletedProcess,
                                                                    dict[str, str], str]:
    output, summary = tmp_path / "output", tmp_path / "summary.md"
    environment = {**os.environ, "PYTHONPATH": str(ROOT), "CONFLICTSCAN": f"{sys.executable} -m "
                   "analyzer", "PYTHON": sys.executable, "GITHUB_OUTPUT": str(output),
                   "GITHUB_STEP_SUMMARY": str(summary), "GITHUB_WORKSPACE": str(checkout),
                   "EVENT_NAME": "pull_request", "BASE_REF": "main", **env}
    done = subprocess.run(["bash", str(ROOT / "action" / "run.sh")], cwd=checkout,
                          env=environment, capture_output=True, text=True, check=False)
    outputs = dict(line.split("=", 1) for line in output.read_text().splitlines())
    return done, outputs, summary.read_text() if summary.exists() else ""


def sarif_of(outputs: dict[str, str]) -> dict:
    sarif = json.loads(Path(outputs["sarif-file"]).read_text())
    jsonschema.validate(sarif, SARIF_SCHEMA)
    return sarif


def test_exit_0_nothing_to_report(repo, tmp_path):
    checkout = clone_with(tmp_path, repo, {"app.py": "x = 2\n"})
    done, outputs, summary = run_action(checkout, tmp_path)
    assert done.returncode == 0, done.stderr
    assert outputs["exit-code"] == "0" and outputs["errors"] == "0"
    assert sarif_of(outputs)["runs"][0]["results"] == []
    assert "No collisions found" in summary


def test_exit_1_findings_annotated_summarised_and_in_sarif(repo, tmp_path):
    checkout = clone_with(tmp_path, repo, {"migrations/versions/b2.py": revision("b2", "a1")},
                          {"migrations/versions/z9.py": revision("z9", "a1")})
    done, outputs, summary = run_action(checkout, tmp_path)
    assert done.returncode == 1, done.stderr
    assert "::error file=migrations/versions/b2.py,line=3" in done.stdout
    assert "CS302" in summary
    assert outputs["errors"] == "1" and outputs["exit-code"] == "1"
    assert [r["ruleId"] for r in sarif_of(outputs)["runs"][0]["results"]] == ["CS302"]


def test_exit_2_an_unreadable_file_still_reports_the_rest(repo, tmp_path):
    checkout = clone_with(tmp_path, repo, {
        "migrations/versions/b2.py": revision("b2", "a1"),
        "migrations/versions/broken.py": "revision = (\n"},
        {"migrations/versions/z9.py": revision("z9", "a1")})
    done, outputs, summary = run_action(checkout, tmp_path)
    assert done.returncode == 2, done.stderr
    assert "::error file=migrations/versions/broken.py" in done.stdout
    assert "::error file=migrations/versions/b2.py,line=3" in done.stdout
    assert "CS302" in summary and outputs["errors"] == "1"
    run = sarif_of(outputs)["runs"][0]
    assert run["invocations"][0]["executionSuccessful"] is False


def test_exit_2_a_fatal_error_is_an_annotation_with_an_empty_valid_sarif(repo, tmp_path):
    checkout = clone_with(tmp_path, repo, {"pyproject.toml": "[project\nname = 'x'\n"})
    done, outputs, summary = run_action(checkout, tmp_path)
    assert done.returncode == 2, done.stderr
    assert "::error file=pyproject.toml,line=1" in done.stdout
    assert "could not run" in summary and "TOML" in summary
    assert sarif_of(outputs)["runs"][0]["results"] == [] and outputs["exit-code"] == "2"


@pytest.mark.parametrize("event", ["push", "merge_group"])
def test_base_from_the_event(repo, tmp_path, event):
    checkout = clone_with(tmp_path, repo, {"migrations/versions/b2.py": revision("b2", "a1")},
                          {"migrations/versions/z9.py": revision("z9", "a1")})
    main = git(checkout, "rev-parse", "origin/main").strip()
    env = ({"EVENT_NAME": "push", "PUSH_BEFORE": "0" * 40, "DEFAULT_BRANCH": "main"}
           if event == "push" else {"EVENT_NAME": "merge_group", "MERGE_GROUP_BASE_SHA": main})
    done, outputs, _ = run_action(checkout, tmp_path, BASE_REF="", **env)
    assert done.returncode == 1, done.stderr
    assert outputs["errors"] == "1"


def test_action_inputs_reach_the_script_and_the_version_is_this_release():
    from analyzer import __version__

    action = yaml.safe_load((ROOT / "action.yml").read_text())
    assert action["inputs"]["version"]["default"] == __version__
    steps = action["runs"]["steps"]
    setup = next(s for s in steps if s.get("uses", "").startswith("actions/setup-python"))
    assert setup["with"]["update-environment"] is False
    check = next(s for s in steps if s.get("id") == "check")
    assert check["working-directory"] == "${{ inputs.working-directory }}"
    passed = " ".join(check["env"].values())
    for name in ("select", "ignore", "baseline", "fail-on", "args", "sarif-file", "others"):
        assert f"inputs.{name}" in passed
    assert set(action["outputs"]) >= {"errors", "warnings", "notes", "sarif-file"}
