"""Run `conflictscan backtest` over a folder of clones and print one table.

    python benchmarks/backtest_corpus.py FOLDER [--last 200] [--repos LIST.toml] [--json F]

Each clone is replayed by its own `conflictscan backtest --format json` process (the
installed console script, as a user runs it); the table has one row per repository and a
total: per family precision/recall (caught/missed/false), the rate of severe findings on
dependency files that merge cleanly and stay valid, exit-2 and traceback counts, and the
time per merge. Clones named in the list but absent from the folder are skipped, loudly.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

HERE = Path(__file__).resolve().parent
FAMILIES = ("textual", "alembic", "django", "dependencies")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path, help="the folder holding one clone per repository")
    parser.add_argument("--last", type=int, default=200,
                        help="merges per repository (200), unless the list gives `last`")
    parser.add_argument("--jobs", type=int, default=2, help="repositories replayed at once")
    parser.add_argument("--repos", type=Path, default=HERE / "backtest_repos.toml")
    parser.add_argument("--json", type=Path, help="also keep every repository's report here")
    args = parser.parse_args()
    beside = Path(sys.executable).parent / "conflictscan"  # the one installed with this Python
    command = str(beside) if beside.exists() else shutil.which("conflictscan") or "conflictscan"
    listed = tomllib.loads(args.repos.read_text(encoding="utf-8"))["repo"]
    present = []
    for entry in listed:
        if (args.folder / entry.get("clone", entry["name"])).is_dir():
            present.append(entry)
        else:
            print(f"skipped {entry['name']}: no clone in {args.folder}", file=sys.stderr)
    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        done = pool.map(lambda e: _backtest(command, args.folder / e.get("clone", e["name"]),
                                            e.get("last", args.last), e.get("ref", "HEAD")),
                        present)
        reports = {e["name"]: report for e, report in zip(present, done, strict=True)
                   if report is not None}
    if args.json:
        args.json.write_text(json.dumps(reports, indent=2), encoding="utf-8")
    print(table(reports))
    return 0


def _backtest(command: str, clone: Path, last: int, ref: str) -> dict[str, Any] | None:
    started = time.perf_counter()
    done = subprocess.run([command, "backtest", "--format", "json", "--examples", "40",
                           "--last", str(last),
                           "--ref", ref, "--repo", str(clone)],
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        print(f"{clone.name}: exit {done.returncode}: {done.stderr.strip()[-500:]}",
              file=sys.stderr)
        return None
    report: dict[str, Any] = json.loads(done.stdout)
    print(f"{clone.name}: {report['merges']} merges in {time.perf_counter() - started:.0f} s",
          file=sys.stderr)
    return report


def table(reports: dict[str, dict[str, Any]]) -> str:
    headers = ["repository", "merges", *(f"{f} P/R (c/m/f)" for f in FAMILIES[:3]),
               "deps P/R (c/m/f)", "severe on clean deps", "exit 2", "tracebacks", "s/merge"]
    rows = [_row(name, report) for name, report in reports.items()]
    if reports:
        rows.append(_row("total", _total(list(reports.values()))))
    widths = [max(len(str(r[i])) for r in [headers, *rows]) for i in range(len(headers))]
    lines = ["  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()
             for r in [headers, *rows]]
    return "\n".join(lines)


def _row(name: str, report: dict[str, Any]) -> list[str]:
    cells = [name, str(report["merges"])]
    for family in FAMILIES:
        tally = report["families"][family]
        cells.append(f"{_ratio(tally, 'precision')}/{_ratio(tally, 'recall')} "
                     f"({tally['caught']}/{tally['missed']}/{tally['false']})")
    deps = report["families"]["dependencies"]
    rate = deps["false"] / deps["clean"] if deps["clean"] else None
    cells.append(f"{deps['false']}/{deps['clean']}" + (f" ({rate:.1%})" if rate is not None
                                                        else ""))
    mean = report["seconds_per_merge"]["mean"]
    cells += [str(report["exit_2"]["count"]), str(report["tracebacks"]["count"]),
              f"{mean:.2f}" if mean is not None else "-"]
    return cells


def _ratio(tally: dict[str, Any], key: str) -> str:
    caught, missed, false = tally["caught"], tally["missed"], tally["false"]
    denominator = caught + false if key == "precision" else caught + missed
    return f"{caught / denominator:.2f}" if denominator else "-"


def _total(reports: list[dict[str, Any]]) -> dict[str, Any]:
    merges = sum(r["merges"] for r in reports)
    seconds = sum((r["seconds_per_merge"]["mean"] or 0) * r["merges"] for r in reports)
    return {
        "merges": merges,
        "families": {f: {k: sum(r["families"][f][k] for r in reports)
                         for k in ("caught", "missed", "false", "clean")} for f in FAMILIES},
        "exit_2": {"count": sum(r["exit_2"]["count"] for r in reports)},
        "tracebacks": {"count": sum(r["tracebacks"]["count"] for r in reports)},
        "seconds_per_merge": {"mean": seconds / merges if merges else None},
    }


if __name__ == "__main__":
    sys.exit(main())
