"""SARIF as GitHub code scanning keeps it: the official schema (bundled), and GitHub's own
ingestion rules (SARIF support for code scanning: required fields, limits, fingerprints,
locations in the checkout) checked result by result."""

from __future__ import annotations

import json
import re
from typing import Any

import jsonschema
import pytest

from tests.conftest import ROOT, branch, git, write_files
from tests.test_gates import ALEMBIC_INI, revision, stale_migration_repo

SCHEMA = json.loads((ROOT / "tests" / "data" / "sarif-schema-2.1.0.json").read_text())
_LINK = re.compile(r"\[[^\]]+\]\((\d+)\)")
_SLOT = re.compile(r"<[a-z_]+>|\{[a-z_]+\}")


def github_ingestion_problems(sarif: dict[str, Any]) -> list[str]:
    """What GitHub's code scanning would reject, truncate or show wrongly."""
    problems = []
    if sarif.get("version") != "2.1.0":
        problems.append("version must be 2.1.0")
    runs = sarif.get("runs", [])
    if not 1 <= len(runs) <= 20:
        problems.append("1 to 20 runs per file")
    for run in runs:
        driver = run["tool"]["driver"]
        if not driver.get("name"):
            problems.append("tool.driver.name is required")
        if not str(run.get("automationDetails", {}).get("id", "")).strip():
            problems.append("automationDetails.id: two uploads of one workflow would collide")
        rules = {rule["id"]: rule for rule in driver.get("rules", [])}
        if len(rules) > 25_000 or len(rules) != len(driver.get("rules", [])):
            problems.append("at most 25,000 rules, each id once")
        for rule in rules.values():
            problems += _rule_problems(rule)
        results = run.get("results", [])
        if len(results) > 25_000:
            problems.append("at most 25,000 results per run")
        for result in results:
            problems += _result_problems(result, rules)
    return problems


def _rule_problems(rule: dict[str, Any]) -> list[str]:
    rid = rule["id"]
    problems = []
    if len(rid) > 255:
        problems.append(f"{rid}: rule id longer than 255")
    for key in ("shortDescription", "fullDescription"):
        if not 0 < len(rule.get(key, {}).get("text", "")) <= 1024:
            problems.append(f"{rid}: {key}.text must be 1 to 1,024 characters")
    help_text = rule.get("help", {})
    outside_code = re.sub(r"`[^`]*`", "", help_text.get("markdown", ""))  # code spans stay
    if not help_text.get("text") or _SLOT.search(outside_code) or "{" in outside_code:
        problems.append(f"{rid}: help missing or with a <slot> GitHub's sanitizer strips")
    if not str(rule.get("helpUri", "")).startswith("https://"):
        problems.append(f"{rid}: helpUri must be an absolute https URL")
    props = rule.get("properties", {})
    if props.get("precision") not in ("very-high", "high", "medium", "low"):
        problems.append(f"{rid}: precision")
    if props.get("problem.severity") not in ("error", "warning", "recommendation"):
        problems.append(f"{rid}: problem.severity")
    if not 0 < len(props.get("tags", [])) <= 10:
        problems.append(f"{rid}: 1 to 10 tags (20 accepted, 10 shown)")
    return problems


def _result_problems(result: dict[str, Any], rules: dict[str, Any]) -> list[str]:
    rid = result.get("ruleId", "")
    problems = []
    if rid not in rules or len(rid) > 255:
        problems.append(f"ruleId {rid!r} must name a rule and be at most 255 characters")
    if result.get("level") not in ("none", "note", "warning", "error"):
        problems.append(f"{rid}: level")
    text = result.get("message", {}).get("text", "")
    if not text:
        problems.append(f"{rid}: message.text is required")
    if "primaryLocationLineHash" not in result.get("partialFingerprints", {}):
        problems.append(f"{rid}: partialFingerprints.primaryLocationLineHash")
    locations = result.get("locations", [])
    if not 1 <= len(locations) <= 10:
        problems.append(f"{rid}: 1 to 10 locations (GitHub shows the first)")
    related = result.get("relatedLocations", [])
    if len(locations) + len(related) > 1000:
        problems.append(f"{rid}: more than 1,000 locations")
    for location in [*locations, *related]:
        physical = location["physicalLocation"]
        uri = physical["artifactLocation"]["uri"]
        if re.match(r"^[a-z]+:", uri) or uri.startswith("/") or ".." in uri.split("/"):
            problems.append(f"{rid}: {uri} is not repository-relative")
        if " " in uri or "%" in uri.replace("%20", "").replace("%25", ""):
            problems.append(f"{rid}: {uri} is not percent-encoded")
        if physical.get("region", {}).get("startLine", 0) < 1:
            problems.append(f"{rid}: region.startLine is required and at least 1")
    ids = {r.get("id") for r in related}
    for link in _LINK.findall(text):
        if int(link) not in ids:
            problems.append(f"{rid}: message links to a related location that is not there")
    if related and not _LINK.search(text):
        problems.append(f"{rid}: related locations are not linked from the message")
    return problems


def sarif_of(cli, *args: str) -> dict[str, Any]:
    result = cli(*args, "--format", "sarif", "--fail-on", "never")
    sarif = json.loads(result.out)
    jsonschema.validate(sarif, SCHEMA)
    assert github_ingestion_problems(sarif) == []
    return sarif


@pytest.fixture
def forked_pull_requests(repo):
    """feature (the PR) and other (another open PR, as refs/pull/2/head) each add a revision
    on a1; feature's branch is also fetched as refs/pull/1/head, as CI fetches them all."""
    root = repo({"alembic.ini": ALEMBIC_INI, "migrations/versions/a1.py": revision("a1", None)})
    branch(root, "feature", {"migrations/versions/b 2.py": revision("b2", "a1")})
    branch(root, "other", {"migrations/versions/c3.py": revision("c3", "a1")})
    git(root, "update-ref", "refs/pull/1/head", "feature")
    git(root, "update-ref", "refs/pull/2/head", "other")
    git(root, "checkout", "-q", "feature")
    return root


def test_pr_alert_is_on_the_pull_request_s_own_file(forked_pull_requests, cli, monkeypatch):
    monkeypatch.chdir(forked_pull_requests)
    sarif = sarif_of(cli, "pr", "--base", "main", "--others", "refs/pull/*/head")
    run = sarif["runs"][0]
    assert run["automationDetails"]["id"] == "conflictscan/pr/"
    (result,) = run["results"]  # the head's own ref is no other PR: no doubled pair
    assert result["ruleId"] == "CS301"
    primary = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert primary == "migrations/versions/b%202.py"  # the PR's file, percent-encoded
    (other,) = result["relatedLocations"]
    assert other["physicalLocation"]["artifactLocation"]["uri"] == "migrations/versions/c3.py"
    assert "[migrations/versions/c3.py:3](1)" in result["message"]["text"]
    assert set(result["properties"]["workstreams"]) == {"HEAD", "refs/pull/2/head"}


def test_others_pattern_that_names_the_head_branch_is_left_out(forked_pull_requests, cli,
                                                               monkeypatch):
    monkeypatch.chdir(forked_pull_requests)
    result = cli("pr", "--head", "feature", "--base", "main", "--others", "*", "--format",
                 "json")
    pairs = [tuple(sorted(f["workstreams"])) for f in result.json["findings"]]
    assert pairs == [("feature", "other")] or pairs == [("feature", "refs/pull/2/head")]


def test_every_mode_passes_the_schema_and_github_s_rules(repo, cli, monkeypatch, tmp_path):
    root = stale_migration_repo(repo)
    write_files(root, {"requirements.txt": "django==4.2\nhttpx\nhttpx==0.27\n"})
    git(root, "add", "requirements.txt")
    plan = (ROOT / "fixtures" / "plans" / "webapp-features.md").read_text()
    write_files(root, {"docs/tasks.md": plan})
    monkeypatch.chdir(root)
    ids = set()
    for command in (["pr", "--base", "main"], ["check"], ["branches"],
                    ["plan", str(root / "docs" / "tasks.md")]):
        sarif = sarif_of(cli, *command)
        ids.add(sarif["runs"][0]["automationDetails"]["id"])
        assert sarif["runs"][0]["results"], command
    assert len(ids) == 4  # one category per mode


def test_fingerprints_are_stable_and_name_the_pair(forked_pull_requests, cli, monkeypatch):
    monkeypatch.chdir(forked_pull_requests)
    first = sarif_of(cli, "pr", "--base", "main", "--others", "refs/pull/*/head")
    again = sarif_of(cli, "pr", "--base", "main", "--others", "refs/pull/*/head")
    prints = [r["partialFingerprints"] for r in first["runs"][0]["results"]]
    assert prints == [r["partialFingerprints"] for r in again["runs"][0]["results"]]


def test_rules_doc_is_generated_from_the_catalog(cli):
    from analyzer.commands.rules import rules_markdown

    doc = (ROOT / "docs" / "rules.md").read_text()
    assert doc == rules_markdown(), "regenerate: conflictscan rules --format markdown > " \
                                    "docs/rules.md"
    anchors = set(re.findall(r'<a id="(cs\d+)"></a>', doc))
    sarif_rules = json.loads(cli("plan", str(ROOT / "fixtures" / "plans" /
                                              "webapp-features.md"), "--format", "sarif",
                                 "--fail-on", "never").out)["runs"][0]["tool"]["driver"]["rules"]
    for rule in sarif_rules:
        assert rule["helpUri"].endswith(f"docs/rules.md#{rule['id'].lower()}")
        assert rule["id"].lower() in anchors
