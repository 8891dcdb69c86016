"""No traceback, ever: every input that once crashed gets a clear message with its file and
line and exit 2 (or, for one bad file among many, a problem in the report while the scan goes
on); exit 1 means findings and nothing else; the last-resort guard names the file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

from analyzer.errors import reading
from tests.conftest import ROOT, branch, git

CONFLICTSCAN = [sys.executable, "-m", "analyzer"]
TWO_TASKS = "## Task 1: A\nEdit `a.py`.\n\n## Task 2: B\nEdit `b.py`.\n"


def run_cli(*args: object, cwd: object = None,
            encoding: str = "utf-8") -> subprocess.CompletedProcess[str]:
    """The real console entry point in its own process, as CI runs it; stdout strict, as in
    most locales (C.UTF-8 alone is lenient)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONIOENCODING": f"{encoding}:strict"}
    return subprocess.run([*CONFLICTSCAN, *map(str, args)], capture_output=True, text=True,
                          errors="replace", cwd=cwd, env=env, timeout=120, check=False)


# --- the last-resort guard --------------------------------------------------------------------

def test_an_internal_error_is_exit_2_with_the_file_and_no_traceback(cli, monkeypatch):
    def broken(*_: object) -> int:
        with reading("rules/dependencies.toml"):
            raise KeyError("boom")

    monkeypatch.setattr("analyzer.commands.rules.list_rules", broken)
    result = cli("rules")
    assert result.code == 2
    assert result.err.startswith("conflictscan: internal error in rules while reading "
                                 "rules/dependencies.toml: KeyError: 'boom' — please report")
    assert "Traceback" not in result.err and "--debug" in result.err


def test_debug_shows_the_traceback(cli, monkeypatch):
    def broken(*_: object) -> int:
        raise ZeroDivisionError("boom")

    monkeypatch.setattr("analyzer.commands.rules.list_rules", broken)
    for argv in (("--debug", "rules"), ("rules", "--debug")):
        result = cli(*argv)
        assert result.code == 2
        assert "Traceback" in result.err and "internal error in rules" in result.err


def test_interrupt_is_130_with_one_line(cli, monkeypatch):
    def interrupted(*_: object) -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr("analyzer.commands.rules.list_rules", interrupted)
    result = cli("rules")
    assert result.code == 130 and result.err == "conflictscan: interrupted\n"


def test_a_closed_pipe_ends_quietly():
    process = subprocess.Popen([*CONFLICTSCAN, "rules"], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()  # the reader goes away before a line is written
    err = process.stderr.read().decode()
    assert process.wait(timeout=60) == 141
    assert err == ""


# --- reports: rich markup, terminal escapes, names that are not UTF-8 --------------------------

def test_markup_in_titles_is_printed_not_obeyed(cli, plan):
    path = plan("## Auth [/]\nEdit `app/auth.py` and `requirements.txt`.\n\n"
                "## Login [link=https://evil.example]click[/link] \x1b]8;;x\x1b\\\n"
                "Edit `app/auth.py` and `requirements.txt`.\n")
    result = cli("plan", path, "--color", "always")
    assert result.code == 1, result.err  # the findings, nothing else
    assert "Auth [/]" in result.out
    assert "[link=https://evil.example]click[/link]" in result.out
    assert "\x1b]8;;https://evil" not in result.out  # no hyperlink was made
    assert "\x1b]8;;x" not in result.out  # nor passed through from the title


def test_non_utf8_file_name_in_sarif_json_and_text(repo, tmp_path):
    root = repo({"requirements.txt": "django==4.2\n"})
    name = os.fsdecode(b"requirements-\xff.txt")
    branch(root, "a", {name: "flask==3.0\n"})
    branch(root, "b", {name: "flask==3.1\n"})
    sarif = tmp_path / "out.sarif"
    done = run_cli("branches", "--repo", root, "--format", "sarif", "--output", sarif)
    assert done.returncode == 1, done.stderr
    data = json.loads(sarif.read_text(encoding="utf-8"))  # valid UTF-8, valid JSON
    uris = {loc["physicalLocation"]["artifactLocation"]["uri"]
            for result in data["runs"][0]["results"] for loc in result.get("locations", [])}
    assert "requirements-%FF.txt" in uris  # the file's own bytes, for code scanning
    for fmt in ("json", "text", "github", "markdown"):
        done = run_cli("branches", "--repo", root, "--format", fmt)
        assert done.returncode == 1 and "Traceback" not in done.stderr, (fmt, done.stderr)
    as_json = run_cli("branches", "--repo", root, "--format", "json")
    assert "requirements-\ufffd.txt" in as_json.stdout
    as_ascii = run_cli("branches", "--repo", root, "--format", "text", encoding="ascii")
    assert as_ascii.returncode == 1 and "requirements-?.txt" in as_ascii.stdout


# --- pyproject.toml of a branch: one bad file is a problem, the scan goes on ------------------

WRONG_SHAPES = [
    ('[project]\nname = "a"\nname = "b"\n', "pyproject.toml:3: does not parse as TOML: "
                                             "Cannot overwrite a value"),
    ('project = "oops"\n', "pyproject.toml:1: project must be a table, not a string"),
    ("tool = 1\n", "pyproject.toml:1: tool must be a table, not an integer"),
    ('[project]\ndependencies = "x"\n', "pyproject.toml:2: project.dependencies must be an "
                                         "array, not a string"),
    ("[project]\ndependencies = [1]\n", "pyproject.toml:2: project.dependencies must be an "
                                         "array of strings, but an item is an integer"),
    ('[project]\noptional-dependencies = "x"\n', "pyproject.toml:2: "
     "project.optional-dependencies must be a table, not a string"),
    ('[project.optional-dependencies]\ndev = "pytest"\n', "pyproject.toml:2: "
     "project.optional-dependencies.dev must be an array, not a string"),
    ('dependency-groups = ["x"]\n', "pyproject.toml:1: dependency-groups must be a table, "
                                    "not an array"),
    ("[dependency-groups]\ntest = 1\n", "pyproject.toml:2: dependency-groups.test must be an "
                                        "array, not an integer"),
    ("[tool]\npoetry = []\n", "pyproject.toml:2: tool.poetry must be a table, not an array"),
    ('[tool.poetry]\ndependencies = ["x"]\n', "pyproject.toml:2: tool.poetry.dependencies "
                                              "must be a table, not an array"),
    ("[tool.poetry]\ngroup = 1\n", "pyproject.toml:2: tool.poetry.group must be a table"),
    ("[tool.poetry.group]\ndev = 1\n", "pyproject.toml:2: tool.poetry.group.dev must be a "
                                       "table"),
    ("[tool.poetry.group.dev]\ndependencies = []\n", "pyproject.toml:2: "
     "tool.poetry.group.dev.dependencies must be a table, not an array"),
    ("a = " + "[" * 5000 + "]" * 5000 + "\n", "pyproject.toml: does not parse as TOML: "
                                              "nested too deeply"),
]


@pytest.mark.parametrize(("text", "message"), WRONG_SHAPES)
def test_a_wrong_pyproject_on_a_branch_is_a_problem_and_the_scan_goes_on(repo, branches, text,
                                                                         message):
    root = repo({"requirements.txt": "django==4.2\n", "pyproject.toml": '[project]\nname = "x"\n'})
    branch(root, "a", {"pyproject.toml": text, "requirements.txt": "django==4.2\nflask\n"})
    branch(root, "b", {"requirements.txt": "django==4.2\nhttpx\n"})
    result = branches(root)
    assert result.code == 2, result.err
    assert any(message in p["path"] + (f":{p['line']}" if p["line"] else "") + ": "
               + p["message"] for p in result.json["problems"]), result.json["problems"]
    assert result.rules() & {"CS101", "CS103", "CS104"}  # the other files still count
    assert "Traceback" not in result.err


def test_a_problem_prints_in_the_text_report(repo, cli):
    root = repo({"pyproject.toml": '[project]\nname = "x"\n'})
    branch(root, "a", {"pyproject.toml": 'project = "oops"\n'})
    result = cli("branches", "--repo", root)
    assert result.code == 2
    assert "could not read pyproject.toml:1: project must be a table" in result.out


# --- the repository's own configuration --------------------------------------------------------

@pytest.mark.parametrize(("text", "message"), [
    ("tool = 1\n", "pyproject.toml:1: tool must be a table, not an integer"),
    ("[tool]\nconflictscan = 3\n", "[tool.conflictscan] must be a table"),
    ("[tool]\nalembic = 3\n", "pyproject.toml:2: tool.alembic must be a table, not an integer"),
    ('[tool.conflictscan]\nshared-files = [{pattern = ""}]\n', "every entry needs a pattern"),
    ('[tool.conflictscan]\nmigration-locations = [""]\n', "expected a list of directories"),
    ('[tool.conflictscan]\nselect = "CS1"\n', "expected a list of rule ids"),
    ('[tool.conflictscan]\nfail-on = [1]\n', "expected one of error, warning"),
    ('[tool.conflictscan]\nseverity = {CS101 = 1}\n', 'expected a rule id = "error"'),
    ("x = " + "9" * 5000 + "\n", "does not parse as TOML: Exceeds the limit (4300 digits)"),
])
def test_wrong_types_in_the_repository_configuration(cli, plan, tmp_path, text, message):
    (tmp_path / "pyproject.toml").write_text(text, encoding="utf-8")
    result = cli("plan", plan(TWO_TASKS), "--repo", tmp_path)
    assert result.code == 2 and message in result.err, result.err
    assert "Traceback" not in result.err


def test_latin1_alembic_ini_names_the_line(cli, plan, tmp_path):
    (tmp_path / "alembic.ini").write_bytes(b"[alembic]\n# caf\xe9\nscript_location = db\n")
    result = cli("plan", plan(TWO_TASKS), "--repo", tmp_path)
    assert result.code == 2
    assert "alembic.ini:2: not valid UTF-8 (byte 0xe9)" in result.err


def test_empty_version_locations_mean_alembics_default(cli, plan, tmp_path):
    (tmp_path / "alembic.ini").write_text("[alembic]\nscript_location = db\n"
                                          "version_locations = ,\n", encoding="utf-8")
    result = cli("plan", plan("## Task 1: A\nRun `alembic revision -m a`.\n\n"
                              "## Task 2: B\nRun `alembic revision -m b`.\n"),
                 "--repo", tmp_path, "--format", "json", "--fail-on", "never")
    assert result.code == 0, result.err
    assert any(key == "alembic:db/versions" for _, key, _ in result.findings())


# --- migrations ------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "message"), [
    ('revision = "b2"\ndown_revision = {["a1"]}\n',
     "a.py:2: down_revision is not a literal"),
    ('revision = "b2"\ndown_revision = 0x' + "f" * 5000 + "\n",
     "a.py:2: down_revision must be a revision id, a tuple of them or None"),
])
def test_a_hostile_alembic_revision_is_a_problem(repo, branches, text, message):
    root = repo({"alembic/versions/a0.py": 'revision = "a1"\ndown_revision = None\n'})
    branch(root, "a", {"alembic/versions/a.py": text})
    branch(root, "b", {"alembic/versions/b.py": 'revision = "c3"\ndown_revision = "a1"\n'})
    result = branches(root)
    assert result.code == 2
    assert any(message in f"{p['path']}:{p['line']}: {p['message']}".replace(":None", "")
               for p in result.json["problems"]), result.json["problems"]


def test_a_hostile_django_migration_is_a_problem(repo, branches):
    root = repo({"shop/migrations/__init__.py": "", "shop/migrations/0001_initial.py": "x = 1\n"})
    branch(root, "a", {"shop/migrations/0002_a.py": (
        "from django.db import migrations\n\n\nclass Migration(migrations.Migration):\n"
        "    x = " + "-" * 200_000 + "1\n")})
    result = branches(root)
    assert result.code == 2
    assert "0002_a.py" in result.err and "Traceback" not in result.err


# --- environment: ports that are not ASCII digits ---------------------------------------------

def test_superscript_port_in_env_file(repo, branches):
    root = repo({"README.md": "x\n"})
    branch(root, "a", {".env": "PORT=²\n"})
    branch(root, "b", {".env": "PORT=²\n"})
    result = branches(root)
    assert result.code == 0, result.err
    assert "CS401" not in result.rules()


@pytest.mark.parametrize("command", ["PORT=² python -m http.server",
                                     "python -m http.server " + "9" * 5000])
def test_ports_in_plans_are_ascii_and_short(cli, plan, command):
    result = cli("plan", plan(f"## Task 1: A\nRun `{command}`.\n\n"
                              f"## Task 2: B\nRun `{command}`.\n"), "--format", "json")
    assert result.code in (0, 1) and "Traceback" not in result.err, result.err


def test_a_package_manager_by_its_full_path(cli, plan):
    result = cli("plan", plan("## Task 1: A\nRun `/usr/local/bin/poetry add httpx`.\n\n"
                              "## Task 2: B\nRun `poetry add pyjwt`.\n"),
                 "--format", "json", "--fail-on", "never")
    assert result.code == 0, result.err
    assert ("CS201", "pyproject.toml", ("Task 1: A", "Task 2: B")) in result.findings() or \
        "pyproject.toml" in json.dumps(result.json["findings"])


# --- YAML plans ---------------------------------------------------------------------------------

def test_recursive_yaml_alias(cli, plan):
    result = cli("plan", plan("tasks: &a\n  - title: x\n    files: *a\n", "tasks.yaml"))
    assert result.code == 2
    assert "tasks.yaml:" in result.err and "recursive alias" in result.err


def test_yaml_alias_bomb_is_refused_at_once(cli, plan):
    lines = ['a: &a ["x","x","x","x","x","x","x","x","x"]']
    for n, name in enumerate("bcdefghi"):
        previous = "abcdefghi"[n]
        lines.append(f"{name}: &{name} [" + ",".join([f"*{previous}"] * 9) + "]")
    lines.append("tasks: [{title: t, files: *i}]")
    path = plan("\n".join(lines) + "\n", "tasks.yaml")
    assert len(path.read_bytes()) < 600
    result = cli("plan", path)
    assert result.code == 2 and "an alias bomb" in result.err


def test_a_long_number_in_a_group(cli, plan):
    text = "tasks:\n  - title: a\n    group: \"" + "9" * 5000 + "\"\n  - title: b\n"
    result = cli("plan", plan(text, "tasks.yaml"), "--format", "json")
    assert result.code in (0, 1), result.err


# --- baseline files -------------------------------------------------------------------------

@pytest.mark.parametrize(("content", "message"), [
    (b"[" * 100_000 + b"]" * 100_000, "invalid JSON: nested too deeply"),
    (b'{"findings": {"a": 1}}', "not a conflictscan baseline"),
    (b'{"findings": [{"fingerprint": [1]}]}', "not a conflictscan baseline"),
    (b"5", "not a conflictscan baseline"),
    (b'{"findings": [' + b"9" * 5000 + b"]}", "invalid JSON"),
    (b'\xff\xfe{"findings": []}', "baseline.json:1: not valid UTF-8"),
])
def test_hostile_baseline(cli, plan, tmp_path, content, message):
    baseline = tmp_path / "baseline.json"
    baseline.write_bytes(content)
    result = cli("plan", plan(TWO_TASKS), "--baseline", baseline)
    assert result.code == 2 and message in result.err, result.err


def test_every_case_above_without_a_traceback_through_the_console_script(tmp_path):
    """One subprocess run of the real script, to prove the guard holds outside pytest too."""
    plan = tmp_path / "tasks.md"
    plan.write_text(textwrap.dedent("""\
        ## Auth [/]
        Run `/usr/local/bin/poetry add x` and `PORT=² flask run`.
        ## B
        Run `poetry add y`.
        """), encoding="utf-8")
    done = run_cli("plan", plan)
    assert done.returncode in (0, 1) and "Traceback" not in done.stderr, done.stderr
    git(tmp_path, "init", "-q")  # a repository whose pyproject is wrong
    (tmp_path / "pyproject.toml").write_text("tool = 1\n", encoding="utf-8")
    done = run_cli("plan", plan, "--repo", tmp_path)
    assert done.returncode == 2 and "Traceback" not in done.stderr
