"""Plan-mode scaling: generated plans of 50, 500 and 5,000 tasks, timed in one run.

Tasks share little (each owns a module; one in ten adds a package, one in twenty a migration),
so the work should grow with the number of touches, not with the square of the task count.
Each figure is `conflictscan plan --format json` as a new process (start-up, reading, checks,
schedule and writing the report), alternated with the floor (`python -c pass`).
Target (issue 11): 5,000 tasks in under 2 s.

`--against DIR` times another checkout's conflictscan (DIR/.venv/bin/python -m analyzer) the
same way, alternated in the same run (ours, theirs, floor, ours, …), so a before/after pair
shares the machine's load.

    pip install -e . && python benchmarks/bench_plan.py [--sizes 50,500,5000] [--runs 3]
    python benchmarks/bench_plan.py --against /work/base   # e.g. the unchanged starting point
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from benchlib import PYTHON, alternate, seconds

PACKAGES = ["httpx", "orjson", "redis", "celery", "stripe", "pyjwt", "boto3", "pydantic"]


def generate(n: int) -> str:
    parts = ["# Generated plan\n"]
    for i in range(1, n + 1):
        lines = [f"## Task {i}: Module {i}", "",
                 f"Implement `src/mod{i}/service.py` and `src/mod{i}/api.py`.",
                 f"Tests in `tests/mod{i}/test_api.py`; read `src/core/config.py`.", "```bash",
                 "pip install -r requirements.txt", f"pytest tests/mod{i}/"]
        if i % 10 == 0:
            lines.append(f"pip install {PACKAGES[i // 10 % len(PACKAGES)]}")
        if i % 20 == 0:
            lines.append(f'alembic revision -m "mod{i}"')
        lines += [f"uvicorn mod{i}.app:app --port {9000 + i}", "```", ""]
        parts.append("\n".join(lines))
    return "\n".join(parts)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="50,500,5000")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--against", type=Path, default=None,
                        help="another checkout with its own .venv: timed alternated with ours")
    args = parser.parse_args()
    other = _other_python(args.against) if args.against else None
    print(f"{'tasks':>6} {'who':>7} {'min s':>7} {'median s':>9} {'x time':>7} "
          f"{'peak MiB':>9} {'json MB':>8} {'floor s':>8}")
    previous: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for n in (int(s) for s in args.sizes.split(",")):
            path = Path(tmp) / f"plan-{n}.md"
            path.write_text(generate(n), encoding="utf-8")
            commands = {"ours": _plan(PYTHON, path, Path(tmp) / f"ours-{n}.json")}
            if other:
                commands["against"] = _plan(other, path, Path(tmp) / f"against-{n}.json")
            result = alternate({**commands, "floor": [PYTHON, "-c", "pass"]},
                               runs=args.runs, cwd=tmp)
            for who in commands:
                timing = result[who]
                growth = f"{timing.median / previous[who]:.1f}" if who in previous else "-"
                size = (Path(tmp) / f"{who}-{n}.json").stat().st_size / 1e6
                print(f"{n:>6} {who:>7} {seconds(timing.min):>7} {seconds(timing.median):>9} "
                      f"{growth:>7} {timing.peak_kib / 1024:>9.0f} {size:>8.1f} "
                      f"{seconds(result['floor'].median):>8}", flush=True)
                previous[who] = timing.median
    return 0


def _plan(python: str, plan: Path, output: Path) -> list[str]:
    return [python, "-m", "analyzer", "plan", str(plan), "--format", "json", "--output",
            str(output), "--fail-on", "never"]


def _other_python(checkout: Path) -> str:
    """The interpreter of another checkout's venv, where its conflictscan is installed."""
    python = checkout / ".venv" / "bin" / "python"
    if not python.is_file():
        raise SystemExit(f"no {python}: install that checkout in its own .venv first")
    return str(python)


if __name__ == "__main__":
    sys.exit(main())
