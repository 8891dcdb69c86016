"""Bad input gets a clear message naming the file (and line), and exit code 2."""

from __future__ import annotations

import json
import time

import pytest


def test_missing_file(cli, tmp_path):
    result = cli("plan", tmp_path / "nope.md")
    assert result.code == 2
    assert "nope.md: no such file" in result.err
    assert "Traceback" not in result.err


def test_directory_without_plans(cli, tmp_path):
    (tmp_path / "notes.bin").write_bytes(b"\x00")
    result = cli("plan", tmp_path)
    assert result.code == 2 and "no plan files in this directory" in result.err


def test_empty_file(cli, plan):
    result = cli("plan", plan(""))
    assert result.code == 2
    assert "the plan is empty" in result.err
    assert "## Task 1: Models" in result.err  # shows the accepted shapes
    assert "spec-kit" in result.err and "task-master" in result.err


def test_binary_file(cli, tmp_path):
    path = tmp_path / "tasks.md"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    result = cli("plan", path)
    assert result.code == 2 and "binary" in result.err


def test_non_utf8_file_names_the_line(cli, tmp_path):
    path = tmp_path / "tasks.md"
    path.write_bytes("## Task 1: A\n\n## Task 2: Caf\xe9\n".encode("latin-1"))
    result = cli("plan", path)
    assert result.code == 2
    assert "tasks.md:3: not valid UTF-8" in result.err


def test_nothing_that_looks_like_a_task(cli, plan):
    result = cli("plan", plan("Just some notes about the project.\n\nNothing to do here.\n"))
    assert result.code == 2
    assert "nothing in this file looks like a task" in result.err
    assert "JSON, YAML or TOML" in result.err


def test_single_task_is_fine(cli, plan):
    result = cli("plan", plan("## Task 1: Only one\nEdit `app/x.py` and `pip install pyjwt`.\n"))
    assert result.code == 0
    assert "A single task cannot collide" in result.out


def test_duplicate_markdown_titles_are_told_apart(cli, plan):
    result = cli("plan", plan("""
        ## Task: Tests
        Edit `a/test_x.py`.
        ## Task: Tests
        Edit `a/test_x.py`.
    """), "--format", "json", "--fail-on", "never")
    assert result.code == 0
    names = [w["name"] for w in result.json["workstreams"]]
    assert names == ["Task: Tests", "Task: Tests #2"]
    assert ("CS101", "a/test_x.py", ("Task: Tests", "Task: Tests #2")) in result.findings()


def test_duplicate_ids_in_structured_plan(cli, plan):
    text = json.dumps({"tasks": [{"id": "a", "files": ["x.py"]}, {"id": "a", "files": ["y.py"]}]},
                      indent=2)
    result = cli("plan", plan(text, "tasks.json"))
    assert result.code == 2
    assert "task id 'a' is used twice" in result.err


def test_invalid_json_names_the_line(cli, plan):
    result = cli("plan", plan('{"tasks": [\n  {"id": "a",}\n]}\n', "tasks.json"))
    assert result.code == 2 and "tasks.json:2: invalid JSON" in result.err


def test_invalid_yaml_names_the_line(cli, plan):
    result = cli("plan", plan("tasks:\n  - id: a\n    files: [x.py\n  - id: b\n", "tasks.yaml"))
    assert result.code == 2 and "tasks.yaml:" in result.err and "invalid YAML" in result.err


def test_invalid_toml_names_the_line(cli, plan):
    result = cli("plan", plan('[[tasks]]\nid = "a"\nfiles = [\n', "tasks.toml"))
    assert result.code == 2 and "invalid TOML" in result.err


def test_structured_plan_without_tasks(cli, plan):
    result = cli("plan", plan('{"name": "not a plan"}', "tasks.json"))
    assert result.code == 2 and "no list of tasks found" in result.err


def test_unknown_dependency_in_structured_plan(cli, plan):
    text = json.dumps({"tasks": [{"id": "a", "depends_on": ["zz"]}]}, indent=2)
    result = cli("plan", plan(text, "tasks.json"))
    assert result.code == 2 and "depends on unknown task 'zz'" in result.err


def test_unknown_task_in_execution_group(cli, plan):
    text = json.dumps({"tasks": [{"id": "a"}], "execution_groups": [["a", "b"]]})
    result = cli("plan", plan(text, "tasks.json"))
    assert result.code == 2 and "names unknown task 'b'" in result.err


def test_dependency_cycle(cli, plan):
    text = json.dumps({"tasks": [{"id": "a", "depends_on": ["b"]},
                                 {"id": "b", "depends_on": ["a"]}]}, indent=2)
    result = cli("plan", plan(text, "tasks.json"))
    assert result.code == 2 and "cycle" in result.err


def test_unknown_rule_in_select(cli, plan):
    result = cli("plan", plan("## Task 1: A\nEdit `a.py`.\n"), "--select", "CS999")
    assert result.code == 2 and "unknown rule 'CS999'" in result.err


def test_unknown_option_is_a_usage_error(cli, plan):
    result = cli("plan", plan("## Task 1: A\n"), "--frobnicate")
    assert result.code == 2 and "unrecognized arguments" in result.err


def test_unwritable_output(cli, plan, tmp_path):
    result = cli("plan", plan("## Task 1: A\n"), "--output", tmp_path / "missing" / "r.txt")
    assert result.code == 2 and "cannot write the report" in result.err


@pytest.mark.parametrize("size_mb", [5])
def test_large_plan_is_read_quickly(cli, plan, size_mb):
    task = ("## Task {n}: Feature {n}\n\nEdit `src/mod{n}/service.py` and `src/mod{n}/api.py`.\n"
            "Add tests in `tests/mod{n}/test_api.py` and run `pytest tests/mod{n}/`.\n"
            "Some prose that explains the task in a few more words, as plans do. " * 3 + "\n\n")
    body, n = [], 0
    while sum(map(len, body)) < size_mb * 1_000_000:
        n += 1
        body.append(task.format(n=n))
    path = plan("".join(body))
    start = time.process_time()  # CPU time: a busy machine's other work does not count
    result = cli("plan", path, "--format", "json", "--fail-on", "never")
    elapsed = time.process_time() - start
    assert result.code == 0, result.err
    assert len(result.json["workstreams"]) == n
    assert elapsed < 60, f"{size_mb} MB plan took {elapsed:.1f}s"
