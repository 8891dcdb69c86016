"""The ecosystem's conventions: config layering like ruff, concise output and statistics,
--quiet, text wrapped at the width with a hanging indent, NO_COLOR, python -m conflictscan,
baselines that name the pair."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT, branch, git
from tests.test_gates import CONFIG_REPO, revision

EXAMPLE = ROOT / "fixtures" / "plans" / "webapp-features.md"


def test_cli_ignore_adds_to_the_configured_one_and_extend_select_adds(repo, cli, plan):
    root = repo({"pyproject.toml": '[tool.conflictscan]\nignore = ["CS101"]\n'})
    plan_file = EXAMPLE
    everything = cli("plan", plan_file, "--repo", root, "--format", "json", "--fail-on", "never")
    assert "CS101" not in everything.rules() and {"CS201", "CS303"} <= everything.rules()
    more = cli("plan", plan_file, "--repo", root, "--ignore", "CS303", "--format", "json")
    assert "CS101" not in more.rules() and "CS303" not in more.rules()  # layered, not replaced
    only = cli("plan", plan_file, "--repo", root, "--select", "CS2", "--extend-select", "CS303",
               "--format", "json")
    assert only.rules() <= {"CS201", "CS202", "CS203", "CS204", "CS205", "CS206", "CS207",
                            "CS303"} and "CS303" in only.rules()
    extended = cli("plan", plan_file, "--repo", root, "--extend-ignore", "CS2", "--format",
                   "json")
    assert not any(r.startswith("CS2") for r in extended.rules()) and "CS101" not in \
        extended.rules()


def test_concise_statistics_and_quiet(cli):
    concise = cli("plan", EXAMPLE, "--output-format", "concise")
    lines = concise.out.splitlines()
    assert lines[0].startswith(f"{EXAMPLE}:") and " CS2" in lines[0]
    assert lines[-1].startswith("Found ")
    quiet = cli("plan", EXAMPLE, "--format", "concise", "--quiet")
    assert quiet.out.splitlines() == lines[:-1]
    stats = cli("plan", EXAMPLE, "--statistics")
    counts = [int(line.split()[0]) for line in stats.out.splitlines()]
    assert counts == sorted(counts, reverse=True) and sum(counts) == len(lines) - 1
    text = cli("plan", EXAMPLE, "--quiet")
    assert "Summary" not in text.out and "schedule" not in text.out and "CS201" in text.out


def test_text_wraps_at_80_columns_with_a_hanging_indent(cli, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    out = cli("plan", EXAMPLE).out
    lines = out.splitlines()[1:]  # the title line keeps the plan's path whole
    assert max(len(line) for line in lines) <= 80
    fix = next(i for i, line in enumerate(lines) if line.startswith("  fix: "))
    assert lines[fix + 1].startswith(" " * 7) and not lines[fix + 1][7].isspace()
    findings = [line for line in lines if line.startswith(("  fix:", "  run:", " " * 7))]
    assert findings and all(line == line.rstrip() for line in findings)
    json_words = set(cli("plan", EXAMPLE, "--format", "json").json["findings"][0]
                     ["mitigation"].split())
    assert json_words <= set(out.split())  # wrapped between words, never inside one


@pytest.mark.parametrize("value, coloured", [("1", False), ("", True)])
def test_no_color_set_and_non_empty_disables(value, coloured):
    code = ("import sys, analyzer.commands.output as o; sys.stdout.isatty = lambda: True; "
            "print(o._color('auto'))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={**os.environ, "NO_COLOR": value, "PYTHONPATH": str(ROOT)},
                          check=True)
    assert done.stdout.strip() == str(coloured)


def test_python_dash_m_conflictscan():
    done = subprocess.run([sys.executable, "-m", "conflictscan", "rules"], capture_output=True,
                          text=True, cwd=ROOT, check=False)
    assert done.returncode == 0 and "CS301" in done.stdout


def test_baseline_names_the_pair(repo, cli, tmp_path):
    root = repo({**CONFIG_REPO, "requirements.txt": "django\n"})
    branch(root, "a", {"requirements.txt": "django\nhttpx\n"})
    branch(root, "b", {"requirements.txt": "django\nrich\n"})
    baseline = tmp_path / "baseline.json"
    assert cli("branches", "--repo", root, "--write-baseline", baseline).code == 0
    accepted = cli("branches", "--repo", root, "--baseline", baseline, "--format", "json",
                   "--fail-on", "note")
    assert accepted.json["findings"] == []
    branch(root, "c", {"requirements.txt": "django\nattrs\n"})  # a new pair, a known file
    grown = cli("branches", "--repo", root, "--baseline", baseline, "--format", "json",
                "--fail-on", "note")
    assert any("c" in f["workstreams"] for f in grown.json["findings"])
    git(root, "branch", "-D", "c")
    assert revision  # the helpers are shared with test_gates


def test_inline_suppression_in_a_requirements_file(repo, cli, monkeypatch):
    root = repo({"requirements.txt": "django==4.2\n"})
    git(root, "checkout", "-q", "-b", "mine")
    (root / "requirements.txt").write_text("django==4.2\nhttpx\nhttpx==0.27\n")
    git(root, "add", "-A")
    monkeypatch.chdir(root)
    assert "CS204" in cli("check", "--format", "json", "--fail-on", "never").rules()
    (root / "requirements.txt").write_text(
        "django==4.2\nhttpx\nhttpx==0.27  # conflictscan: ignore[CS204]\n")
    git(root, "add", "-A")
    quiet = cli("check", "--format", "json", "--fail-on", "never")
    assert "CS204" not in quiet.rules() and "unused" not in quiet.err


def test_inline_suppression_in_a_plan_and_unused_ones_reported(cli, plan):
    text = """
        ## Task 1: API
        Run `uvicorn app:app --port 8000`.
        ## Task 2: Admin
        <!-- conflictscan: ignore CS401 -->
        Run `uvicorn admin:app --port 8000`.
        ## Task 3: Docs
        Write docs/index.md. <!-- conflictscan: ignore CS204 -->
    """
    result = cli("plan", plan(text), "--format", "json", "--fail-on", "never")
    assert "CS401" not in result.rules()
    assert "unused suppression ignore[CS204]" in result.err and ":7:" in result.err
    assert result.err.count("unused suppression") == 1  # not once per task with a finding
    bare = cli("plan", plan(text.replace("<!-- conflictscan: ignore CS401 -->", "")),
               "--format", "json", "--fail-on", "never")
    assert "CS401" in bare.rules()


def test_one_finding_per_cause_lists_the_members(repo, branches):
    pyproject = '[project]\nname = "x"\nversion = "1"\ndependencies = [\n    "requests",\n]\n'
    root = repo({"pyproject.toml": pyproject, "uv.lock": "# lock\n"})
    branch(root, "deps", {"pyproject.toml": pyproject.replace('"requests",',
                                                              '"requests",\n    "httpx",')})
    for n in range(5):
        branch(root, f"feature-{n}", {f"src/f{n}.py": "x = 1\n"}, base="deps")
    branch(root, "relock", {"uv.lock": "# lock regenerated\n"})
    result = branches(root)
    lock = [f for f in result.json["findings"] if f["rule"] == "CS207"]
    assert len(lock) == 1, lock
    assert set(lock[0]["workstreams"]) == {"deps", "relock", *(f"feature-{n}" for n in range(5))}
    assert "the same in 5 more workstreams" in lock[0]["message"]
