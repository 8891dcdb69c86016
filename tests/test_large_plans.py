"""Large plans: the work grows with the plan, not with its square; long groups of names are
shortened for a person and kept whole for programs.

The growth test times the whole `plan` command in this process on 1,000 and 4,000 tasks
(CPU time, the best of two alternated runs, so a busy machine slows both alike) and allows
4x the tasks up to 7x the time: linear work is ~4x, the pairwise work it replaced was ~12x.
"""

from __future__ import annotations

import contextlib
import io
import json
import time
from pathlib import Path

import pytest

from analyzer.cli import main

GROWTH_ALLOWED = 7.0  # 4x the tasks; quadratic work is 16x, linear 4x plus start-up noise


def chained_plan(n: int) -> str:
    """Each task after the one before, all writing one shared file (the shape that compared
    every pair of writers), every tenth adding a package and starting a server on one port,
    and a last task that runs after all the others."""
    parts = ["# Chain\n"]
    for i in range(1, n + 1):
        after = f"\nDepends on: Task {i - 1}\n" if i > 1 else ""
        extra = (f"\n```bash\npip install httpx\nuvicorn mod{i}.app:app --port 8000\n```\n"
                 if i % 10 == 0 else "")
        parts.append(f"## Task {i}: Step {i}\n{after}\nEdit `src/shared.py` and "
                     f"`src/step{i}.py`; tests in `tests/test_step{i}.py`.\n{extra}")
    parts.append(f"## Task {n + 1}: Release\n\nRun this task last, after all other tasks.\n\n"
                 "Edit `CHANGELOG.md`.\n")
    return "\n".join(parts)


def run_plan(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        code = main(["plan", *argv, "--fail-on", "never", "--color", "never"])
    return code, out.getvalue()


def cpu_seconds(plan: Path, output: Path) -> float:
    start = time.process_time()
    code, _ = run_plan(str(plan), "--format", "json", "--output", str(output))
    assert code == 0
    return time.process_time() - start


@pytest.mark.slow
def test_growth_is_near_linear(tmp_path: Path):
    small, large = tmp_path / "small.md", tmp_path / "large.md"
    small.write_text(chained_plan(1000), encoding="utf-8")
    large.write_text(chained_plan(4000), encoding="utf-8")
    output = tmp_path / "report.json"
    cpu_seconds(small, output)  # imports and caches, once
    timings: dict[Path, list[float]] = {small: [], large: []}
    for _ in range(2):
        for plan in (small, large):
            timings[plan].append(cpu_seconds(plan, output))
    growth = min(timings[large]) / min(timings[small])
    assert growth < GROWTH_ALLOWED, timings
    report = json.loads(output.read_text(encoding="utf-8"))
    assert len(report["workstreams"]) == 4001
    release = report["workstreams"][-1]
    assert len(release["depends_on"]) == 4000  # "run last": after every other task


def shared_file_plan(n: int) -> str:
    return "\n".join(f"## Task {i}: Part {i}\n\nEdit `src/routes.py` and `src/part{i}.py`.\n"
                     for i in range(1, n + 1))


def test_a_long_group_is_shortened_in_text_and_markdown_only(tmp_path: Path):
    plan = tmp_path / "plan.md"
    plan.write_text(shared_file_plan(13), encoding="utf-8")
    _, text = run_plan(str(plan))
    _, markdown = run_plan(str(plan), "--format", "markdown")
    _, report = run_plan(str(plan), "--format", "json")
    for shown in (text, markdown):
        flat = " ".join(shown.split())
        assert "is written by 13 workstreams: 'Task 1: Part 1', " in flat
        assert "'Task 8: Part 8' and 5 more" in flat
        assert "'Task 8: Part 8', 'Task 9: Part 9'" not in flat
    message = next(f["message"] for f in json.loads(report)["findings"] if f["rule"] == "CS101")
    assert "'Task 12: Part 12' and 'Task 13: Part 13'" in message  # programs get every name


def test_the_near_miss_twelve_names_are_all_shown(tmp_path: Path):
    plan = tmp_path / "plan.md"
    plan.write_text(shared_file_plan(12), encoding="utf-8")
    _, text = run_plan(str(plan))
    flat = " ".join(text.split())
    assert "'Task 11: Part 11' and 'Task 12: Part 12'" in flat
    assert "'Task 8: Part 8', 'Task 9: Part 9'" in flat
    assert "more" not in flat.split("Shared resources")[0]
