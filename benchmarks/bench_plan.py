"""Plan-mode scaling: generated plans of 50, 500 and 5,000 tasks, timed in one run.

Tasks share little (each owns a module; one in ten adds a package, one in twenty a migration),
so the work should grow with the number of touches, not with the square of the task count.
Each figure is `conflictscan plan --format json` as a new process (start-up, reading, checks,
schedule and writing the report), alternated with the floor (`python -c pass`).
Target (issue 11): 5,000 tasks in under 2 s.

    pip install -e . && python benchmarks/bench_plan.py [--sizes 50,500,5000] [--runs 3]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from benchlib import PYTHON, alternate, conflictscan, seconds

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
    args = parser.parse_args()
    print(f"{'tasks':>6} {'min s':>7} {'median s':>9} {'x time':>7} {'peak MiB':>9} "
          f"{'json MB':>8} {'floor s':>8}")
    previous = None
    with tempfile.TemporaryDirectory() as tmp:
        for n in (int(s) for s in args.sizes.split(",")):
            path = Path(tmp) / f"plan-{n}.md"
            path.write_text(generate(n), encoding="utf-8")
            output = Path(tmp) / f"report-{n}.json"
            result = alternate({
                "ours": conflictscan("plan", str(path), "--format", "json", "--output",
                                     str(output), "--fail-on", "never"),
                "floor": [PYTHON, "-c", "pass"],
            }, runs=args.runs, cwd=tmp)
            ours = result["ours"]
            growth = f"{ours.median / previous:.1f}" if previous else "-"
            print(f"{n:>6} {seconds(ours.min):>7} {seconds(ours.median):>9} {growth:>7} "
                  f"{ours.peak_kib / 1024:>9.0f} {output.stat().st_size / 1e6:>8.1f} "
                  f"{seconds(result['floor'].median):>8}", flush=True)
            previous = ours.median
    return 0


if __name__ == "__main__":
    sys.exit(main())
