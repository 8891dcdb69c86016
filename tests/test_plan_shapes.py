"""Each bundled plan shape, read end to end, against its expected-findings snapshot.

Set CONFLICTSCAN_UPDATE_SNAPSHOTS=1 to rewrite the snapshots after a deliberate change, then
read the diff.
"""

from __future__ import annotations

import contextlib
import json
import os
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analyzer.errors import InputError
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


# --- controls: each shape has a near-miss (sequenced: notes only) and a quiet control -------

@pytest.mark.parametrize("name", [p for p in PLANS if "near-miss" in p or "quiet" in p])
def test_controls_raise_no_warning(cli, name):
    result = cli("plan", FIXTURES / "plans" / name, "--format", "json")
    assert result.code == 0, result.err
    loud = [f for f in result.json["findings"] if f["severity"] != "note"]
    assert loud == []
    notes = [f for f in result.json["findings"] if f["severity"] == "note"]
    assert bool(notes) == ("near-miss" in name)  # the near-miss is seen, and sequenced


# --- choosing a reading ---------------------------------------------------------------------

def test_speckit_checklist_beats_its_headings(cli):
    """"Format", "Path Conventions" and "## Task Summary" are headings, not tasks."""
    result = cli("plan", FIXTURES / "plans" / "speckit-tasks.md", "--fail-on", "never")
    assert "read as spec-kit tasks (13 tasks, 5 stages, 1 done)" in result.out
    assert "13 list items carry task ids" in result.out  # why
    assert "T006 ∥ T007" in result.out  # the plan's concurrency, in words
    as_json = cli("plan", FIXTURES / "plans" / "speckit-tasks.md", "--format", "json")
    ids = [w["plan_id"] for w in as_json.json["workstreams"]]
    assert ids == [f"T{n:03}" for n in range(1, 14)]
    assert as_json.json["workstreams"][0]["done"] is True


def test_shape_option_forces_a_reading(cli):
    result = cli("plan", FIXTURES / "plans" / "speckit-tasks.md", "--shape", "checklist",
                 "--format", "json", "--fail-on", "never")
    assert result.json["shape"] == "checklist"
    assert result.json["reading"]["why"] == "--shape checklist"
    unknown = cli("plan", FIXTURES / "plans" / "speckit-tasks.md", "--shape", "nope")
    assert unknown.code == 2 and "spec-kit" in unknown.err


def test_done_tasks_leave_collisions_unless_every_task_is_done(cli, plan):
    text = ("## Phase 1: Build\n\n- [{a}] T001 [P] Edit app/main.py\n"
            "- [{b}] T002 [P] Edit app/main.py too\n- [ ] T003 [P] Write docs/x.md\n")
    partly = cli("plan", plan(text.format(a="x", b=" ")), "--format", "json")
    assert partly.json["findings"] == [] and partly.json["schedule"]["left_out"] == ["T001"]
    everything = text.format(a="x", b="x").replace("- [ ] T003", "- [x] T003")
    done = cli("plan", plan(everything), "--format", "json", "--fail-on", "never")
    assert {f["resource"]["key"] for f in done.json["findings"]} == {"app/main.py"}
    assert "every task is marked done" in done.json["reading"]["notes"][0]


def test_story_order_from_the_prose(cli, plan):
    stories = ("## Phase 1: Setup\n\n- [ ] T001 Create app/main.py\n\n"
               "## Phase 2: User Story 1 - A\n\n- [ ] T002 [US1] Route a in app/routes.py\n\n"
               "## Phase 3: User Story 2 - B\n\n- [ ] T003 [US2] Route b in app/routes.py\n\n"
               "## Phase 4: User Story 3 - C\n\n- [ ] T004 [US3] Route c in app/routes.py\n\n"
               "## Dependencies\n\n{line}\n")
    chained = cli("plan", plan(stories.format(line="Stories run in priority order.")),
                  "--format", "json", "--fail-on", "never")
    assert [f["severity"] for f in chained.json["findings"]] == ["note"]
    declared = {
        "- US2 and US3 can run in parallel": {"T003", "T004"},
        "- All user stories can start in parallel once Setup is done": {"T002", "T003", "T004"},
        "- Developer A: US1\n- Developer B: US2": {"T002", "T003"},
        "- **US3**: Depends on US1": {"T003", "T004"},
    }
    for line, expected in declared.items():
        result = cli("plan", plan(stories.format(line=line)), "--format", "json",
                     "--fail-on", "never")
        loud = [f for f in result.json["findings"] if f["severity"] != "note"]
        assert len(loud) == 1 and set(loud[0]["workstreams"]) == expected, line


def test_older_speckit_flavour_reads_files_sub_bullets(cli):
    result = cli("plan", FIXTURES / "plans" / "speckit-near-miss.md", "--format", "json",
                 "--fail-on", "never")
    first = result.json["workstreams"][0]
    assert first["plan_id"] == "T001" and first["name"] == "Initialize the project"
    assert {"kind": "file", "key": "pyproject.toml", "mode": "create"}.items() <= \
        first["touches"][0].items()


# --- task-master ----------------------------------------------------------------------------

def test_taskmaster_tags_string_ids_and_subtasks(cli, plan):
    data = {
        "master": {"tasks": [
            {"id": 1, "title": "API", "dependencies": [], "status": "pending",
             "details": "Edit app/main.py"},
            {"id": 2, "title": "UI", "dependencies": [], "status": "pending",
             "details": "Edit web/page.tsx",
             "subtasks": [{"id": 1, "title": "Form", "dependencies": ["1.2"],
                           "details": "Also edit app/main.py"}]},
        ]},
        "feature-x": [{"id": "1", "title": "Flag", "dependencies": [], "status": "done",
                       "details": "Edit app/flags.py"}],
    }
    result = cli("plan", plan(json.dumps(data), "tasks.json"), "--format", "json",
                 "--fail-on", "never")
    assert result.json["shape"] == "task-master"
    assert [w["id"] for w in result.json["workstreams"]] == ["master/1", "master/2",
                                                             "feature-x/1"]
    second = result.json["workstreams"][1]
    assert second["depends_on"] == ["master/1"]  # a subtask waits for task 1's subtask 2
    assert any(t["key"] == "app/main.py" for t in second["touches"])  # subtask text folded in


# --- ccpm -----------------------------------------------------------------------------------

def _epic(root, files):
    root.mkdir()
    (root / "epic.md").write_text("---\nname: e\nstatus: backlog\n---\n\n# Epic: e\n")
    for name, text in files.items():
        (root / name).write_text(text)
    return root


def test_ccpm_ids_stay_as_written(cli, tmp_path):
    """YAML 1.1 reads [008, 010] as 8 and the octal 8: ids must match the file names."""
    task = "---\nname: {n}\nstatus: open\ndepends_on: {d}\nparallel: true\n---\n\nEdit {f}\n"
    epic = _epic(tmp_path / "epic", {
        "008.md": task.format(n="a", d="[]", f="`src/a.py`"),
        "010.md": task.format(n="b", d="[]", f="`src/b.py`"),
        "011.md": task.format(n="c", d="[008, 010]  # both first", f="`src/c.py`"),
    })
    result = cli("plan", epic, "--format", "json")
    deps = {w["id"]: w["depends_on"] for w in result.json["workstreams"]}
    assert deps == {"008": [], "010": [], "011": ["008", "010"]}
    files = cli("plan", epic / "008.md", epic / "011.md", "--format", "json")
    assert isinstance(files.json, dict) and len(files.json["workstreams"]) == 2  # one plan


def test_ccpm_stale_conflict_id_is_a_note(cli):
    result = cli("plan", FIXTURES / "plans" / "ccpm-epic", "--format", "json",
                 "--fail-on", "never")
    assert any("'010'" in n and "no task file" in n for n in result.json["reading"]["notes"])
    receipts = result.json["workstreams"][2]
    assert receipts["alone"] is True and receipts["depends_on"] == ["001", "002"]


# --- bounds ---------------------------------------------------------------------------------

def _read_seconds(text: str, name: str = "tasks.md") -> tuple[float, int]:
    from analyzer.sources.plan.choose import read_document
    from analyzer.sources.plan.document import Document

    start = time.process_time()  # CPU time: other work on a busy machine does not count
    plan = read_document(Document(name, text))
    return time.process_time() - start, len(plan.tasks)


def test_readers_are_linear_on_a_4_mb_spec_kit_plan():
    parts, k = ["# Tasks\n\n"], 0
    for p in range(1, 1001):
        parts.append(f"## Phase {p}: User Story {p} - Part\n\n")
        for n in range(40):
            k += 1
            parts.append(f"- [ ] T{k:05} [P] [US{p}] Edit src/mod{p}/f{n}.py as the spec says\n"
                         f"  - **Files**: `src/mod{p}/f{n}.py`\n")
    text = "".join(parts)
    assert len(text) > 4_000_000
    seconds, count = _read_seconds(text)
    assert count == 40_000 and seconds < 5, seconds


@pytest.mark.parametrize("text", [
    "**Task 1 - " + "x" * 150 + "\n",  # a label line too long to be a label
    ("-" + " " * 16000 + "[ ] x\n") * 20,
    "## " + "#" * 20000 + "\n- [ ] " + "[P] " * 5000 + "\n",
    "- [ ] T001 " + "[US1]" * 10000 + "\n- [ ] T002 x\n",
    ("Depends on: " + "Agent 1, " * 3000 + "\n") * 5 + "## Agent 1\n## Agent 2\n",
])
def test_pathological_lines_read_quickly(text):
    try:
        seconds, _ = _read_seconds(text)
    except InputError:
        return  # a clear error is fine; a hang is not
    assert seconds < 2, seconds


def test_yaml_aliases_are_bounded(cli, plan):
    pairs = zip("abcdefgh", "bcdefghi", strict=True)
    bomb = 'a: &a ["x","x","x","x","x","x","x","x","x"]\n' + "".join(
        f"{n}: &{n} [{', '.join([f'*{p}'] * 9)}]\n" for p, n in pairs)
    result = cli("plan", plan(bomb + "tasks: [{id: one}]\n", "tasks.yaml"))
    assert result.code == 2 and "aliases expand" in result.err


def test_a_directory_of_plans_reports_each_and_names_the_unreadable(cli, tmp_path):
    plans = tmp_path / "plans"
    plans.mkdir()
    (plans / "a.md").write_text(
        "### Agent 1: API\n- [ ] T001 Add app/routes.py\n- [ ] T002 Register it in app/main.py\n"
        "\n### Agent 2: Jobs\n- [ ] T003 Add app/jobs.py\n- [ ] T004 Register it in app/main.py\n")
    (plans / "b.md").write_text("just prose\n")
    result = cli("plan", plans, "--format", "json")
    assert result.code == 2  # a plan could not be read
    first, second = result.json
    assert first["stages"][0]["inside"] == "sequence"  # T-ids under agents: tracks
    assert [f["overlap"] for f in first["findings"]] == ["T002 ∥ T004: Agent 1 ∥ Agent 2"]
    assert second["problems"][0]["message"].startswith("nothing in this file looks like a task")


def test_phase_headings_keep_their_numbers_and_say_how_they_run(cli, plan):
    dotted = ("## Phase 3.1: Setup\n- [ ] T001 [P] Edit app/a.py\n- [ ] T002 [P] Edit app/b.py\n"
              "## Phase 3.2: Core\n- [ ] T003 [P] Edit app/a.py\n")
    result = cli("plan", plan(dotted), "--format", "json", "--fail-on", "never")
    assert [s["key"] for s in result.json["stages"]] == ["Phase 3.1", "Phase 3.2"]
    assert [f["severity"] for f in result.json["findings"]] == ["note"]  # 3.2 after 3.1
    ordered = ("## Phase 1 (sequential)\n\n### Task 1: A\nEdit `app/x.py`.\n\n"
               "### Task 2: B\nEdit `app/x.py`.\n")
    sequenced = cli("plan", plan(ordered), "--format", "json", "--fail-on", "never")
    assert sequenced.json["stages"][0]["inside"] == "sequence"
    assert [f["severity"] for f in sequenced.json["findings"]] == ["note"]


# --- fuzz: any text is a plan or a clear error, never a traceback ---------------------------

_PIECES = ["- [ ] ", "- [x] ", "T001 ", "T002 ", "[P] ", "[US1] ", "## Phase 1: ", "### Agent 1: ",
           "#### A1: ", "### Track A\n", "## Task 2: ", "**Task 3 - X:**", "Depends on: Task 2",
           "after Agent 1 merged", "US2 depends on US1", "All user stories can run in parallel",
           "Developer A: US1", "```\n", "---\n", "app/main.py ", "  - **Files**: `a.py`", "\n",
           "\n\n", "1. ", "   ", "run last", "owns:\n  - `api/**`\n", "Phase 2 (sequential)\n"]


@given(st.lists(st.sampled_from(_PIECES), max_size=40), st.sampled_from(["tasks.md", "t.md"]))
@settings(max_examples=150, deadline=None)
def test_markdown_readers_never_crash(pieces, name):
    from analyzer.sources.plan.choose import SHAPES, read_document
    from analyzer.sources.plan.document import Document

    text = "".join(pieces)
    for shape in [None, *[s for s in SHAPES if s != "ccpm"]]:
        with contextlib.suppress(InputError):
            read_document(Document(name, text), shape)


_JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=8),
                     lambda inner: st.lists(inner, max_size=4)
                     | st.dictionaries(st.sampled_from(["tasks", "master", "id", "title",
                                                        "dependencies", "subtasks", "status",
                                                        "packages", "package_id", "scope",
                                                        "write_allow", "depends_on", "files",
                                                        "group"]), inner, max_size=5),
                     max_leaves=30)


@given(_JSON)
@settings(max_examples=200, deadline=None)
def test_structured_readers_never_crash(data):
    from analyzer.sources.plan.choose import read_document
    from analyzer.sources.plan.document import Document

    with contextlib.suppress(InputError):
        read_document(Document("tasks.json", json.dumps(data)))


def test_structured_tasks_declare_conflicts_and_running_alone(cli, plan):
    tasks = [{"id": "a", "files": ["x.py"]},
             {"id": "b", "files": ["x.py"], "conflicts_with": ["a"]},
             {"id": "c", "files": ["x.py"], "parallel": False},
             {"id": "d", "files": ["y.py"], "status": "cancelled"},
             {"id": "e", "files": ["y.py"]}]
    result = cli("plan", plan(json.dumps({"tasks": tasks}), "tasks.json"), "--format", "json",
                 "--fail-on", "never")
    assert [(f["severity"], f["workstreams"]) for f in result.json["findings"]] == [
        ("note", ["a", "b", "c"])]
    assert result.json["schedule"]["left_out"] == ["d"]


def test_a_body_is_the_numbered_lines_between_start_and_end():
    from analyzer.sources.plan.document import Document

    doc = Document("plan.md", "# Plan\n## Task 1\nEdit a.py\n")
    assert doc.body(1, 3) == [(2, "## Task 1"), (3, "Edit a.py")]
    assert doc.body(-2, 9) == [(1, "# Plan"), (2, "## Task 1"), (3, "Edit a.py")]
    # the near miss: an end before the start (or a negative one) is no line, not a slice
    # counted from the end
    assert doc.body(2, 1) == [] and doc.body(0, -1) == []
