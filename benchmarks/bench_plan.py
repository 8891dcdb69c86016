"""Plan-mode scaling: generated plans of 50, 500 and 5,000 tasks, timed in one run.

Tasks share little (each owns a module; one in ten adds a package, one in twenty a migration),
so the work should grow with the number of touches, not with the square of the task count.

    python benchmarks/bench_plan.py
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from analyzer.catalog import load_catalog
from analyzer.engine import CheckContext, run_checks
from analyzer.index import ResourceIndex
from analyzer.schedule import propose_schedule
from analyzer.sources.plan import load_plan
from analyzer.sources.repo_layout import conventions

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


def scan(path: str) -> tuple[int, int]:
    loaded = load_plan(path, conventions())
    workstreams = loaded.workstreams
    index = ResourceIndex(workstreams, loaded.stages)
    findings = run_checks(CheckContext(index, load_catalog(), conventions()))
    propose_schedule(index, findings, path)
    return sum(len(ws.touches) for ws in workstreams), len(findings)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="50,500,5000")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    load_catalog()  # warm: the catalog is read once per process in real use too
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in (int(s) for s in args.sizes.split(",")):
            path = Path(tmp) / f"plan-{n}.md"
            path.write_text(generate(n), encoding="utf-8")
            times = []
            for _ in range(args.repeat):
                start = time.perf_counter()
                touches, findings = scan(str(path))
                times.append(time.perf_counter() - start)
            rows.append((n, touches, findings, statistics.median(times)))
    print(f"{'tasks':>6} {'touches':>8} {'findings':>8} {'median s':>9} {'x time':>7} "
          f"{'x touches':>9} {'us/touch':>8}")
    previous = None
    for n, touches, findings, seconds in rows:
        growth = f"{seconds / previous[3]:.1f}" if previous else "-"
        touch_growth = f"{touches / previous[1]:.1f}" if previous else "-"
        print(f"{n:>6} {touches:>8} {findings:>8} {seconds:>9.3f} {growth:>7} {touch_growth:>9} "
              f"{seconds / touches * 1e6:>8.1f}")
        previous = (n, touches, findings, seconds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
