"""The gates: `check` for pre-commit (with the real pre-commit), `pr` for CI, their formats."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from tests.conftest import ROOT, branch, commit_on_main, git, write_files

SARIF_SCHEMA = ROOT / "tests" / "data" / "sarif-schema-2.1.0.json"
ALEMBIC_INI = "[alembic]\nscript_location = migrations\n"


def revision(rev: str, down: str | None) -> str:
    return (f'"""{rev}"""\nrevision: str = "{rev}"\ndown_revision: str | None = {down!r}\n'
            "\n\ndef upgrade():\n    pass\n")


def stale_migration_repo(repo) -> Path:
    """feature adds b2 on a1 while main has moved on to z9: a stale parent."""
    root = repo({"alembic.ini": ALEMBIC_INI, "migrations/versions/a1.py": revision("a1", None),
                 "requirements.txt": "django==4.2\n"})
    branch(root, "feature", {"migrations/versions/b2.py": revision("b2", "a1")})
    commit_on_main(root, {"migrations/versions/z9.py": revision("z9", "a1")})
    git(root, "checkout", "-q", "feature")
    return root


# --- check ------------------------------------------------------------------------------

def stale_staged_migration_repo(repo) -> Path:
    """As stale_migration_repo, but b2 is staged, not committed: the commit adds it."""
    root = repo({"alembic.ini": ALEMBIC_INI, "migrations/versions/a1.py": revision("a1", None),
                 "requirements.txt": "django==4.2\n"})
    git(root, "checkout", "-q", "-b", "feature")
    git(root, "checkout", "-q", "main")
    commit_on_main(root, {"migrations/versions/z9.py": revision("z9", "a1")})
    git(root, "checkout", "-q", "feature")
    write_files(root, {"migrations/versions/b2.py": revision("b2", "a1")})
    git(root, "add", "-A")
    return root


def test_check_flags_a_staged_migration_on_a_stale_parent(repo, cli, monkeypatch):
    root = stale_staged_migration_repo(repo)
    write_files(root, {"requirements.txt": "django==4.2\nhttpx\nhttpx==0.27\n"})
    git(root, "add", "requirements.txt")
    monkeypatch.chdir(root)
    result = cli("check", "--format", "json")
    assert result.code == 1
    assert {"CS302", "CS204"} <= result.rules()
    assert all("staged" in f["workstreams"] for f in result.json["findings"])


def test_check_judges_the_commit_not_the_branch(repo, cli, monkeypatch):
    """The branch already holds a stale migration: a commit that adds a harmless line passes,
    a commit that adds a risk of its own fails with that risk alone."""
    root = stale_migration_repo(repo)  # b2 committed on feature, on a parent main left
    write_files(root, {".env": "DEBUG=1\n"})
    git(root, "add", ".env")
    monkeypatch.chdir(root)
    harmless = cli("check", "--format", "json", "--fail-on", "note")
    assert harmless.code == 0 and harmless.json["findings"] == [], harmless.out
    write_files(root, {"requirements.txt": "django==4.2\nhttpx==0.26\nhttpx==0.27\n"})
    git(root, "add", "requirements.txt")
    risky = cli("check", "--format", "json", "--fail-on", "warning")
    assert risky.code == 1 and risky.rules() == {"CS204"}


@pytest.mark.parametrize("setup, says", [
    ("nothing-staged", "nothing staged"),
    ("no-base", "no base branch"),
    ("shallow", "share no commit"),
])
def test_check_is_a_clear_no_op_without_something_to_compare(repo, cli, tmp_path,
                                                              monkeypatch, setup, says):
    root = stale_staged_migration_repo(repo)
    if setup == "nothing-staged":
        git(root, "commit", "-q", "-m", "b2")
    elif setup == "no-base":
        git(root, "branch", "-D", "main")
    else:  # a CI clone: one branch, one commit deep, the base fetched shallow too
        git(root, "commit", "-q", "-m", "b2")
        git(root, "checkout", "-q", "main")  # the remote's default branch
        clone = tmp_path / "clone"
        git(tmp_path, "clone", "-q", "--depth=1", "--no-single-branch",
            f"file://{root}", str(clone))
        git(clone, "checkout", "-q", "feature")
        write_files(clone, {"migrations/versions/c3.py": revision("c3", "a1")})
        git(clone, "add", "-A")
        root = clone
    monkeypatch.chdir(root)
    result = cli("check")
    assert result.code == 0 and result.out == ""
    assert len(result.err.splitlines()) == 1 and says in result.err


def test_check_flags_a_lockfile_another_worktree_changes(repo, cli, tmp_path, monkeypatch):
    root = repo({"poetry.lock": "# lock\n", "pyproject.toml": "[tool.poetry]\nname = 'x'\n"})
    other = tmp_path / "other"
    git(root, "worktree", "add", "-q", "-b", "other", str(other))
    write_files(other, {"poetry.lock": "# lock other\n"})
    git(root, "checkout", "-q", "-b", "mine")
    write_files(root, {"poetry.lock": "# lock mine\n"})
    git(root, "add", "poetry.lock")
    monkeypatch.chdir(root)
    result = cli("check", "--format", "json")
    lock = next(f for f in result.json["findings"] if f["rule"] == "CS202")
    assert set(lock["workstreams"]) == {"staged", "other"} and lock["command"] == "poetry lock"
    assert result.code == 1
    # committed, the lock collision stays with the branch; the next commit is judged alone
    git(root, "commit", "-q", "-m", "lock, days ago")
    write_files(root, {"pyproject.toml": "[tool.poetry]\nname = 'y'\n"})
    git(root, "add", "pyproject.toml")
    assert cli("check", "--fail-on", "note").code == 0
    assert cli("branches", "--format", "json").rules() >= {"CS202"}


def test_check_near_miss_nothing_shared(repo, cli, monkeypatch, tmp_path):
    root = stale_migration_repo(repo)
    git(root, "checkout", "-q", "main")
    git(root, "checkout", "-q", "-b", "fresh")
    write_files(root, {"migrations/versions/c3.py": revision("c3", "z9")})
    git(root, "add", "-A")
    monkeypatch.chdir(root)
    result = cli("check", "--format", "json", "--fail-on", "note")
    assert result.code == 0, result.out
    assert result.json["findings"] == []


@pytest.fixture(scope="session")
def hook_repo(tmp_path_factory):
    """This checkout as pre-commit sees a hook repository: one commit of its files as they are
    now (uncommitted edits included), so pre-commit installs the hook once per session."""
    if not (ROOT / ".git").exists():
        pytest.skip("the hook test copies the files git tracks in this checkout")
    copy = tmp_path_factory.mktemp("hook-repo")
    listed = git(ROOT, "ls-files", "-z", "--cached", "--others", "--exclude-standard")
    for rel in filter(None, listed.split("\0")):
        source = ROOT / rel
        if source.is_file():
            (copy / rel).parent.mkdir(parents=True, exist_ok=True)
            (copy / rel).write_bytes(source.read_bytes())
    git(copy, "init", "-q")
    git(copy, "add", "-A")
    git(copy, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", "x")
    home = tmp_path_factory.mktemp("pre-commit-home")
    return f"file://{copy}", git(copy, "rev-parse", "HEAD").strip(), str(home)


def _pre_commit(project: Path, hook_repo, hook: str, *extra: str) -> subprocess.CompletedProcess:
    url, rev, home = hook_repo
    (project / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {url}\n    rev: {rev}\n    hooks:\n      - id: {hook}\n")
    git(project, "add", ".pre-commit-config.yaml")  # pre-commit refuses an unstaged config
    env = {**os.environ, "PRE_COMMIT_HOME": home, "PRE_COMMIT_COLOR": "never"}
    return subprocess.run([sys.executable, "-m", "pre_commit", "run", hook, *extra],
                          cwd=project, capture_output=True, text=True, env=env, check=False,
                          timeout=600)


@pytest.mark.slow
def test_pre_commit_hook_with_the_real_pre_commit(repo, hook_repo, tmp_path):
    root = stale_staged_migration_repo(repo)
    failed = _pre_commit(root, hook_repo, "conflictscan")
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "CS302" in failed.stdout and "alembic merge" in failed.stdout
    git(root, "commit", "-q", "-m", "x", "--no-verify")
    # the branch holds the stale migration now; a commit that adds nothing risky passes
    write_files(root, {"requirements.txt": "django==4.2\nhttpx\n"})
    git(root, "add", "-A")
    passed = _pre_commit(root, hook_repo, "conflictscan")
    assert passed.returncode == 0, passed.stdout + passed.stderr
    # CI: `pre-commit run --all-files` in a single-branch shallow clone is a clear no-op
    git(root, "commit", "-q", "-m", "y", "--no-verify")
    clone = tmp_path / "ci-clone"
    git(tmp_path, "clone", "-q", "--depth=1", "--single-branch", "--branch", "feature",
        f"file://{root}", str(clone))
    git(clone, "remote", "set-head", "origin", "--delete")  # as actions/checkout leaves it
    ci = _pre_commit(clone, hook_repo, "conflictscan", "--all-files", "--verbose")
    assert ci.returncode == 0, ci.stdout + ci.stderr
    assert "conflictscan check: no base branch here" in ci.stdout


@pytest.mark.slow
def test_plan_hook_with_the_real_pre_commit(repo, hook_repo):
    root = repo({"README.md": "x\n"})
    plan = (ROOT / "fixtures" / "plans" / "webapp-features.md").read_text()
    write_files(root, {"tasks.md": plan, "notes.md": "not a plan\n",
                       ".vscode/tasks.json": '{"version": "2.0.0", "tasks": []}\n',
                       ".github/ISSUE_TEMPLATE/task.yml": "name: Task\n",
                       "package.json": '{"name": "x"}\n'})
    git(root, "add", "-A")
    result = _pre_commit(root, hook_repo, "conflictscan-plan", "--verbose")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "CS201" in result.stdout and "notes.md" not in result.stdout
    assert ".vscode" not in result.stdout and ".github" not in result.stdout


# --- pr ----------------------------------------------------------------------------------

def test_pr_with_a_stale_migration_fails_with_an_annotation(repo, cli, monkeypatch):
    """The issue's "done when": an annotation on the down_revision line, with the command."""
    root = stale_migration_repo(repo)
    monkeypatch.chdir(root)
    result = cli("pr", "--base", "main", "--format", "github")
    assert result.code == 1
    line = next(line for line in result.out.splitlines() if line.startswith("::error"))
    assert line.startswith("::error file=migrations/versions/b2.py,line=3,title=CS302")
    assert 'alembic merge -m "merge b2 and z9" b2 z9' in line
    assert "down_revision = 'z9'" in line


def test_pr_near_miss_migration_on_the_current_head(repo, cli, monkeypatch):
    root = stale_migration_repo(repo)
    git(root, "checkout", "-q", "-b", "fresh", "main")
    write_files(root, {"migrations/versions/c3.py": revision("c3", "z9")})
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "c3")
    monkeypatch.chdir(root)
    result = cli("pr", "--base", "main", "--format", "json", "--fail-on", "note")
    assert result.code == 0 and result.json["findings"] == []


def test_pr_lockfile_and_dependency_the_base_also_changed(repo, cli, monkeypatch):
    pyproject = '[project]\nname = "x"\nversion = "1.0"\ndependencies = [\n    "requests>=2",\n]\n'
    root = repo({"pyproject.toml": pyproject, "uv.lock": "# lock\n"})
    branch(root, "feature", {"pyproject.toml": pyproject.replace(">=2", "==2.32.0"),
                             "uv.lock": "# lock feature\n"})
    commit_on_main(root, {"pyproject.toml": pyproject.replace(">=2", "==2.30.0"),
                          "uv.lock": "# lock main\n"})
    monkeypatch.chdir(root)
    result = cli("pr", "--head", "feature", "--base", "main", "--format", "json")
    rules = result.rules()
    assert {"CS202", "CS203"} <= rules and "CS105" not in rules
    lock = next(f for f in result.json["findings"] if f["rule"] == "CS202")
    assert lock["command"] == "uv lock"
    assert set(lock["workstreams"]) == {"feature", "main since fork"}


def test_pr_against_other_open_pull_requests(repo, cli, monkeypatch):
    root = repo({"alembic.ini": ALEMBIC_INI, "migrations/versions/a1.py": revision("a1", None)})
    branch(root, "feature", {"migrations/versions/b2.py": revision("b2", "a1")})
    branch(root, "other", {"migrations/versions/c3.py": revision("c3", "a1")})
    branch(root, "unrelated", {"README.md": "x\n"})
    git(root, "update-ref", "refs/pull/2/head", "other")
    git(root, "update-ref", "refs/pull/3/head", "unrelated")
    monkeypatch.chdir(root)
    result = cli("pr", "--head", "feature", "--base", "main", "--others", "refs/pull/*/head",
                 "--format", "json")
    finding = next(f for f in result.json["findings"] if f["rule"] == "CS301")
    assert set(finding["workstreams"]) == {"feature", "refs/pull/2/head"}
    assert not cli("pr", "--head", "feature", "--base", "main", "--format", "json").rules()


# --- output formats ----------------------------------------------------------------------

def test_sarif_validates_against_the_official_schema(repo, cli, monkeypatch):
    root = stale_migration_repo(repo)
    monkeypatch.chdir(root)
    result = cli("pr", "--base", "main", "--format", "sarif")
    sarif = json.loads(result.out)
    jsonschema.validate(sarif, json.loads(SARIF_SCHEMA.read_text()))
    run = sarif["runs"][0]
    assert {r["id"] for r in run["tool"]["driver"]["rules"]} >= {"CS301", "CS302"}
    (res,) = run["results"]
    assert res["ruleId"] == "CS302"
    assert res["locations"][0]["physicalLocation"]["region"]["startLine"] == 3
    again = json.loads(cli("pr", "--base", "main", "--format", "sarif").out)
    assert again["runs"][0]["results"][0]["partialFingerprints"] == res["partialFingerprints"]
    plan = cli("plan", ROOT / "fixtures" / "plans" / "webapp-features.md", "--format", "sarif")
    jsonschema.validate(json.loads(plan.out), json.loads(SARIF_SCHEMA.read_text()))


def test_github_annotations_and_job_summary(repo, cli, monkeypatch, tmp_path):
    root = stale_migration_repo(repo)
    summary = tmp_path / "summary.md"
    monkeypatch.chdir(root)
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    result = cli("pr", "--base", "main", "--format", "github")
    assert "full list in the job summary" in result.out
    text = summary.read_text()
    assert "| 🔴 | CS302 | `migrations/versions/b2.py:3` |" in text
    assert "alembic merge" in text


def test_markdown_to_a_file(repo, cli, monkeypatch, tmp_path):
    root = stale_migration_repo(repo)
    monkeypatch.chdir(root)
    target = tmp_path / "comment.md"
    result = cli("pr", "--base", "main", "--format", "markdown", "--output", target)
    assert result.code == 1 and result.out == ""
    assert target.read_text().startswith("## conflictscan pr: 1 error")


# --- configuration and baseline -----------------------------------------------------------

CONFIG_REPO = {"alembic.ini": ALEMBIC_INI, "migrations/versions/a1.py": revision("a1", None),
               "app/routes.py": "ROUTES = []\n" + "\n" * 20 + "END = 1\n"}


def test_config_select_severity_fail_on_and_base(repo, cli, monkeypatch):
    config = """
        [tool.conflictscan]
        base = "trunk"
        select = ["CS3"]
        severity = { CS301 = "warning" }
        fail-on = "warning"
    """
    root = repo({**CONFIG_REPO, "pyproject.toml": config})
    git(root, "branch", "-m", "trunk")
    branch(root, "a", {"migrations/versions/b2.py": revision("b2", "a1"),
                       "app/routes.py": "ROUTES = [1]\n" + "\n" * 20 + "END = 1\n"}, base="trunk")
    branch(root, "b", {"migrations/versions/c3.py": revision("c3", "a1"),
                       "app/routes.py": "ROUTES = []\n" + "\n" * 20 + "END = 2\n"}, base="trunk")
    git(root, "checkout", "-q", "trunk")
    result = cli("branches", "--repo", root, "--format", "json")
    assert result.rules() == {"CS301"}  # select; base from the config
    assert result.json["findings"][0]["severity"] == "warning"
    assert result.code == 1  # fail-on = warning
    assert cli("branches", "--repo", root, "--fail-on", "error").code == 0  # the CLI wins


def test_config_shared_files_and_migration_locations(cli, plan, repo):
    config = """
        [tool.conflictscan]
        migration-locations = ["db/versions"]

        [[tool.conflictscan.shared-files]]
        pattern = "app/routes.py"
        risk = "high"
        why = "the one router"
        fix = "Add routes in app/routes/<feature>.py instead."
    """
    root = repo({"pyproject.toml": config})
    result = cli("plan", plan("""
        ## Task 1: A
        Edit `app/routes.py`. Add a migration.
        ## Task 2: B
        Edit `app/routes.py`. Add a migration.
    """), "--repo", root, "--format", "json", "--fail-on", "never")
    routes = next(f for f in result.json["findings"] if f["rule"] == "CS101")
    assert routes["risk"] == "high" and routes["severity"] == "error"
    assert routes["mitigation"] == "Add routes in app/routes/<feature>.py instead."
    assert ("CS303", "alembic:db/versions", ("Task 1: A", "Task 2: B")) in result.findings()


@pytest.mark.parametrize("body, message", [
    ('colour = "red"', "tool.conflictscan.colour: unknown key"),
    ('fail-on = "sometimes"', "tool.conflictscan.fail-on: 'sometimes': expected one of"),
    ('select = "CS1"', "tool.conflictscan.select: expected a list of rule ids"),
    ('severity = { CS101 = "fatal" }', "tool.conflictscan.severity: CS101 = 'fatal'"),
    ('[[tool.conflictscan.shared-files]]\nrisk = "high"', "every entry needs a pattern"),
])
def test_config_errors_name_the_key(repo, cli, body, message):
    root = repo({"pyproject.toml": "[tool.conflictscan]\n" + body + "\n"})
    result = cli("branches", "--repo", root)
    assert result.code == 2
    assert message in result.err and "pyproject.toml" in result.err


def test_baseline_accepts_known_findings(repo, cli, tmp_path):
    root = repo({**CONFIG_REPO})
    branch(root, "a", {"migrations/versions/b2.py": revision("b2", "a1")})
    branch(root, "b", {"migrations/versions/c3.py": revision("c3", "a1")})
    baseline = tmp_path / "baseline.json"
    wrote = cli("branches", "--repo", root, "--write-baseline", baseline)
    assert wrote.code == 0 and "CS301" in baseline.read_text()
    accepted = cli("branches", "--repo", root, "--baseline", baseline, "--format", "json")
    assert accepted.code == 0 and accepted.json["findings"] == []
    assert accepted.json["summary"]["accepted"] == 1
    branch(root, "c", {"migrations/versions/d4.py": revision("d4", "a1")}, base="main")
    grown = cli("branches", "--repo", root, "--baseline", baseline, "--format", "json")
    assert grown.code == 1  # a new head makes it a different finding


def test_bad_baseline_file(repo, cli, tmp_path):
    root = repo({"a.txt": "a\n"})
    bad = tmp_path / "baseline.json"
    bad.write_text("{}")
    result = cli("branches", "--repo", root, "--baseline", bad)
    assert result.code == 2 and "not a conflictscan baseline" in result.err


# --- the GitHub Action and the GitLab job -------------------------------------------------

def test_gitlab_job_commands_parse():
    import shlex

    import yaml

    from analyzer.cli import build_parser

    job = yaml.safe_load((ROOT / "docs" / "gitlab-ci.yml").read_text())["conflictscan"]
    commands = [line for line in job["script"] if line.startswith("conflictscan ")]
    assert len(commands) == 3
    for line in commands:
        words = shlex.split(line.replace("$CI_MERGE_REQUEST_TARGET_BRANCH_NAME", "main"))
        args = build_parser().parse_args(words[1:])
        assert args.command == "pr" and args.base == "origin/main"


def test_check_and_pr_json_reports_match_the_schema(repo, cli, monkeypatch):
    schema = json.loads((ROOT / "docs" / "report.schema.json").read_text())
    root = stale_migration_repo(repo)
    write_files(root, {"requirements.txt": "django==4.2\nhttpx\n"})
    git(root, "add", "requirements.txt")
    monkeypatch.chdir(root)
    for command in (["pr", "--base", "main"], ["check"]):
        result = cli(*command, "--format", "json", "--fail-on", "never")
        jsonschema.validate(result.json, schema)
        assert result.json["mode"] == command[0]


def test_check_compares_with_other_local_branches_too(repo, cli, monkeypatch):
    root = repo({"uv.lock": "# lock\n", "pyproject.toml": "[project]\nname = 'x'\n"})
    branch(root, "elsewhere", {"uv.lock": "# lock elsewhere\n"})
    git(root, "checkout", "-q", "-b", "mine")
    write_files(root, {"uv.lock": "# lock mine\n"})
    git(root, "add", "uv.lock")
    monkeypatch.chdir(root)
    result = cli("check", "--format", "json")
    lock = next(f for f in result.json["findings"] if f["rule"] == "CS202")
    assert set(lock["workstreams"]) == {"staged", "elsewhere"}


def test_check_ignores_unstaged_changes(repo, cli, monkeypatch):
    root = repo({"uv.lock": "# lock\n", "pyproject.toml": "[project]\nname = 'x'\n",
                 "app.py": "x = 1\n"})
    branch(root, "elsewhere", {"uv.lock": "# lock elsewhere\n"})
    git(root, "checkout", "-q", "-b", "mine")
    write_files(root, {"app.py": "x = 2\n"})
    git(root, "add", "app.py")
    write_files(root, {"uv.lock": "# lock mine, not staged\n"})  # unstaged: not committed
    monkeypatch.chdir(root)
    result = cli("check", "--format", "json", "--fail-on", "note")
    assert result.json["findings"] == [] and result.code == 0


def test_pr_conflict_with_the_base_is_reported_once(repo, cli, monkeypatch):
    root = repo({"app.py": "LIMIT = 10\n"})
    branch(root, "feature", {"app.py": "LIMIT = 20\n"})
    commit_on_main(root, {"app.py": "LIMIT = 99\n"})
    monkeypatch.chdir(root)
    result = cli("pr", "--head", "feature", "--base", "main", "--format", "json")
    assert result.findings() == [("CS103", "app.py", ("feature", "main since fork"))]


def test_check_reads_the_index_of_the_commit_being_made(repo, cli, tmp_path, monkeypatch):
    """`git commit PATHS` runs the hook with GIT_INDEX_FILE set to the commit's own index:
    that is the change being committed, and no other worktree may be read through it."""
    root = repo({"poetry.lock": "# lock\n", "app.py": "x = 1\n"})
    other = tmp_path / "other"
    git(root, "worktree", "add", "-q", "-b", "other", str(other))
    write_files(other, {"poetry.lock": "# lock other\n"})
    git(root, "checkout", "-q", "-b", "mine")
    write_files(root, {"poetry.lock": "# lock mine\n", "app.py": "x = 2\n"})
    git(root, "add", "-A")  # the worktree's index stages the lock too
    partial = tmp_path / "next-index"
    partial.write_bytes((root / ".git" / "index").read_bytes())
    subprocess.run(["git", "reset", "-q", "HEAD", "--", "poetry.lock"], cwd=root, check=True,
                   env={**os.environ, "GIT_INDEX_FILE": str(partial)})
    monkeypatch.chdir(root)
    assert "CS202" in cli("check", "--format", "json").rules()
    monkeypatch.setenv("GIT_INDEX_FILE", str(partial))  # `git commit app.py`
    only_app = cli("check", "--format", "json", "--fail-on", "note")
    assert only_app.code == 0 and only_app.json["findings"] == [], only_app.out
    write_files(root, {"poetry.lock": "# lock mine\n"})
    subprocess.run(["git", "add", "poetry.lock"], cwd=root, check=True,
                   env={**os.environ, "GIT_INDEX_FILE": str(partial)})
    with_lock = cli("check", "--format", "json")  # the other worktree is still read right
    lock = next(f for f in with_lock.json["findings"] if f["rule"] == "CS202")
    assert set(lock["workstreams"]) == {"staged", "other"}
