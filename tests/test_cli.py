"""The command line as a user meets it: help, version, exit codes, formats, the catalog."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import jsonschema
import pytest

from analyzer import __version__
from analyzer.catalog import load_catalog
from tests.conftest import FIXTURES, ROOT

EXAMPLE = FIXTURES / "plans" / "webapp-features.md"


def test_version(cli):
    with pytest.raises(SystemExit) as exit_info:
        cli("--version")
    assert exit_info.value.code == 0


def test_no_command_prints_help_and_exits_2(cli):
    result = cli()
    assert result.code == 2 and "plan" in result.out


def test_console_script_runs_the_example():
    """The installed `conflictscan` entry point, in a real subprocess, on the README example."""
    env = {**os.environ, "NO_COLOR": "1"}
    done = subprocess.run([sys.executable, "-m", "analyzer", "plan", str(EXAMPLE)],
                          capture_output=True, text=True, cwd=ROOT, env=env, check=False)
    assert done.returncode == 1, done.stderr
    assert "CS201" in done.stdout and "Proposed schedule" in done.stdout
    version = subprocess.run([sys.executable, "-m", "analyzer", "--version"],
                             capture_output=True, text=True, check=False)
    assert version.stdout.strip() == f"conflictscan {__version__}"


def test_text_report_tells_what_to_change(cli):
    result = cli("plan", EXAMPLE)
    assert result.code == 1
    out = result.out
    assert "Shared resources" in out and "requirements.txt" in out
    assert "fix: Let one workstream own requirements.txt" in out
    assert 'run: alembic merge -m "merge parallel heads" heads' in out
    assert "Wave 1:" in out and "Summary: 2 errors" in out
    assert "webapp-features.md:9" in out  # the plan line of the evidence


def test_fail_on_levels(cli):
    assert cli("plan", EXAMPLE, "--fail-on", "never").code == 0
    assert cli("plan", EXAMPLE, "--fail-on", "warning").code == 1
    assert cli("plan", EXAMPLE, "--select", "CS4").code == 0  # warnings only
    assert cli("plan", EXAMPLE, "--select", "CS4", "--fail-on", "warning").code == 1
    assert cli("plan", FIXTURES / "plans" / "module-sliced.md", "--fail-on", "note").code == 0


def test_select_and_ignore_by_prefix(cli):
    result = cli("plan", EXAMPLE, "--format", "json", "--select", "CS2,CS3", "--ignore", "CS303")
    assert result.rules() == {"CS201"}


def test_json_report_matches_its_schema(cli):
    schema = json.loads((ROOT / "docs" / "report.schema.json").read_text())
    for plan in sorted((FIXTURES / "plans").iterdir()):
        result = cli("plan", plan, "--format", "json", "--fail-on", "never")
        jsonschema.validate(result.json, schema)
        assert result.json["schema_version"] == 1


def test_output_file(cli, tmp_path):
    target = tmp_path / "report.json"
    result = cli("plan", EXAMPLE, "--format", "json", "--output", target)
    assert result.code == 1 and result.out == ""
    assert json.loads(target.read_text())["summary"]["errors"] == 2
    text_target = tmp_path / "report.txt"
    cli("plan", EXAMPLE, "-o", text_target)
    assert "\x1b[" not in text_target.read_text()  # no colour codes in files
    assert "Proposed schedule" in text_target.read_text()


def test_color_can_be_forced(cli):
    assert "\x1b[" in cli("plan", EXAMPLE, "--color", "always").out
    assert "\x1b[" not in cli("plan", EXAMPLE, "--color", "never").out


def test_rules_lists_every_rule(cli):
    result = cli("rules")
    assert result.code == 0
    for rule_id in load_catalog().rules:
        assert rule_id in result.out


def test_explain(cli):
    result = cli("explain", "cs303")
    assert result.code == 0
    assert "Why this is risky" in result.out and "alembic" in result.out
    assert "the migration chain" in result.out  # neutral words, never <slots> or {braces}
    assert "<" not in result.out and "{" not in result.out
    assert "{" not in result.out


def test_explain_unknown_rule(cli):
    result = cli("explain", "CS999")
    assert result.code == 2 and "unknown rule 'CS999'" in result.err


def test_every_rule_is_complete_and_filled_by_its_check():
    catalog = load_catalog()
    assert catalog.known_packages, "known_packages must sit before the first [[rule]]"
    for rule in catalog.rules.values():
        assert rule.id.startswith("CS") and len(rule.id) == 5
        assert rule.why and rule.example and rule.fix and rule.title


def test_every_rule_has_a_flagging_test():
    """A rule without a test that makes it fire is not done."""
    sources = "".join(p.read_text() for p in (ROOT / "tests").glob("test_*.py"))
    for rule_id in load_catalog().rules:
        assert f'"{rule_id}"' in sources, f"no test names {rule_id}"


def test_fast_start_does_not_import_heavy_modules():
    """The CLI entry must stay light: rich, git and markdown load only when used."""
    code = ("import sys; from analyzer import cli; "
            "print(sorted(m for m in ('rich', 'git', 'markdown_it', 'yaml', 'unidiff') "
            "if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, cwd=ROOT)
    assert done.stdout.strip() == "[]"


def test_branches_json_report_matches_its_schema(repo, branches):
    from tests.conftest import branch

    schema = json.loads((ROOT / "docs" / "report.schema.json").read_text())
    root = repo({"requirements.txt": "django==4.2\n", "app.py": "x = 1\n"})
    branch(root, "a", {"requirements.txt": "django==4.2\nhttpx\n", "app.py": "x = 2\n"})
    branch(root, "b", {"requirements.txt": "httpx\ndjango==4.2\n", "app.py": "x = 3\n"})
    result = branches(root)
    jsonschema.validate(result.json, schema)
    assert result.json["mode"] == "branches" and result.json["schedule"] is None


def test_several_plans_make_one_report_each_in_every_format(cli, tmp_path):
    plans = FIXTURES / "plans"
    result = cli("plan", plans / "module-sliced.md", plans / "tasks.toml")
    assert result.code == 0
    assert result.out.count("Summary:") == 2
    as_json = cli("plan", plans / "module-sliced.md", plans / "tasks.toml", "--format", "json")
    assert [r["source"] for r in as_json.json] == [str(plans / "module-sliced.md"),
                                                   str(plans / "tasks.toml")]
    sarif = cli("plan", plans / "module-sliced.md", plans / "tasks.toml", "--format", "sarif",
                "--fail-on", "never")
    assert len(sarif.json["runs"]) == 2
    written = cli("plan", plans / "module-sliced.md", plans / "tasks.toml", "--output",
                  tmp_path / "report.txt")
    assert (tmp_path / "report.txt").read_text().count("Summary:") == 2, written.err


def test_a_command_parser_is_the_full_parsers_command() -> None:
    """The parser of one command (what a process builds) defines exactly that command as the
    full parser does: the same help, so the same options; every command is named."""
    from analyzer.cli import COMMANDS, _command_named, build_parser

    def command(parser, name):  # type: ignore[no-untyped-def]
        return parser._subparsers._group_actions[0].choices[name]

    full = build_parser()
    assert set(full._subparsers._group_actions[0].choices) == set(COMMANDS)
    for name in COMMANDS:
        assert command(build_parser(name), name).format_help() == command(
            full, name).format_help(), name
    assert _command_named(["--debug", "check", "--format", "json"]) == "check"
    assert _command_named(["--debug"]) is None
    assert _command_named(["chek"]) is None  # the full parser says what is wrong
