"""Real plans, hand-labelled: how well `conflictscan plan` reads them and what it flags.

Runs the real CLI (`conflictscan plan PLAN --format json`) on every plan in
`../shared/realworld-plans/` (a ccpm epic directory is one plan) and compares the report with
`labels.json` there:

- tasks read against the labelled count (read correctly: within 10%; for task-master plans
  with subtasks, either the tasks or the tasks plus subtasks);
- recall over `must` items: an item is found when a warning or error matches it;
- precision over warning and error findings: a finding matches an item when its resource
  contains one of the item's `resource` substrings (lowercase) and it names at least two of
  the item's tasks (one, when the item lists one); `must` items count as hits, `soft` items
  neither, a `not` item or nothing labelled counts as a false positive.

    python benchmarks/plans_realworld.py [--plans DIR] [--labels FILE] [-v]
    python benchmarks/plans_realworld.py --plans fixtures/plans --labels fixtures/labels.json

The plans are other people's text: they are read from ../shared and never copied here.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# ../shared from the project root; from a worktree nested one level deeper, its parent's.
DEFAULT_PLANS = next((d / "shared" / "realworld-plans" for d in (ROOT.parent, ROOT.parent.parent)
                      if (d / "shared" / "realworld-plans").is_dir()),
                     ROOT.parent / "shared" / "realworld-plans")
COUNTED = ("warning", "error")


@dataclass
class Outcome:
    name: str
    shape: str = ""
    read: int = 0
    expected: int = 0
    read_ok: bool = False
    must_found: int = 0
    must_total: int = 0
    hits: int = 0
    false_positives: int = 0
    neutral: int = 0
    seconds: float = 0.0
    error: str = ""
    details: list[str] = field(default_factory=list)


def conflictscan() -> list[str]:
    script = Path(sys.executable).with_name("conflictscan")
    if script.exists():
        return [str(script)]
    found = shutil.which("conflictscan")
    return [found] if found else [sys.executable, "-m", "analyzer"]


def run_plan(path: Path) -> tuple[dict[str, Any] | None, str, float]:
    command = [*conflictscan(), "plan", str(path), "--format", "json", "--fail-on", "never",
               "--color", "never"]
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, check=False)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        lines = done.stderr.strip().splitlines()
        message = next((line for line in lines if "error" in line), f"exit {done.returncode}")
        return None, message, elapsed
    return json.loads(done.stdout), "", elapsed


def plan_ids(report: dict[str, Any], labelled: list[str]) -> dict[str, str]:
    """Workstream id -> the task id as written in the plan.

    The report's `plan_id` when it has one; otherwise a labelled id that the workstream's id
    or name starts with ("Agent 1: Security" -> "Agent 1"), so older reports compare too.
    """
    by_lower = {i.lower(): i for i in labelled}
    mapping: dict[str, str] = {}
    for ws in report.get("workstreams", []):
        written = str(ws.get("plan_id") or ws["id"])
        if written.lower() in by_lower:
            mapping[ws["id"]] = by_lower[written.lower()]
            continue
        for candidate in (str(ws["id"]), str(ws.get("name", ""))):
            text = re.sub(r"^[\s*_#`\[\]xX-]*", "", candidate).lower()
            match = next((i for i in sorted(labelled, key=len, reverse=True)
                          if re.match(re.escape(i.lower()) + r"(?![\w.])", text)), None)
            if match:
                mapping[ws["id"]] = match
                break
        else:
            mapping[ws["id"]] = written
    return mapping


def resource_text(finding: dict[str, Any]) -> str:
    resource = finding.get("resource")
    if not resource:
        return ""
    return f"{resource['kind']} {resource['key']}".lower()


def matches(item: dict[str, Any], text: str, tasks: set[str]) -> bool:
    if not any(sub.lower() in text for sub in item["resource"]):
        return False
    needed = min(2, len(item["tasks"]))
    return len(tasks & set(item["tasks"])) >= needed


def score(label: dict[str, Any], report: dict[str, Any], outcome: Outcome,
          verbose: bool) -> None:
    ids = plan_ids(report, label["ids"])
    outcome.shape = str(report.get("shape", ""))
    outcome.read = len(report.get("workstreams", []))
    allowed = {label["tasks"], label["tasks"] + label.get("subtasks", 0)}
    outcome.read_ok = any(abs(outcome.read - n) <= 0.1 * n for n in allowed)
    found: set[str] = set()
    for finding in report.get("findings", []):
        if finding["severity"] not in COUNTED:
            continue
        text = resource_text(finding)
        tasks = {ids.get(w, w) for w in finding["workstreams"]}
        must = [i["id"] for i in label["must"] if matches(i, text, tasks)]
        soft = [i["id"] for i in label["soft"] if matches(i, text, tasks)]
        verdict = "hit " + ",".join(must) if must else "soft " + ",".join(soft) if soft else (
            "FP")
        if must:
            outcome.hits += 1
            found.update(must)
        elif soft:
            outcome.neutral += 1
        else:
            outcome.false_positives += 1
        outcome.details.append(f"    {verdict:<14} {finding['rule']} {finding['severity']:<7} "
                               f"{text}: {', '.join(sorted(tasks))}")
    outcome.must_total = len(label["must"])
    outcome.must_found = len(found)
    if verbose:
        outcome.details += [f"    MISSED {i['id']} {'/'.join(i['resource'])}: "
                            f"{', '.join(i['tasks'])}" for i in label["must"]
                            if i["id"] not in found]


def ratio(part: int, whole: int) -> str:
    return f"{part / whole:.2f}" if whole else "n/a"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--plans", type=Path, default=DEFAULT_PLANS,
                        help="the labelled plans (default: ../shared/realworld-plans)")
    parser.add_argument("--labels", type=Path,
                        help="the labels (default: labels.json beside the plans)")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="list every counted finding and every missed must item")
    args = parser.parse_args(argv)
    labels = json.loads((args.labels or args.plans / "labels.json").read_text(encoding="utf-8"))

    outcomes: list[Outcome] = []
    for label in labels:
        outcome = Outcome(label["file"], expected=label["tasks"],
                          must_total=len(label["must"]))
        report, error, outcome.seconds = run_plan(args.plans / label["file"])
        if report is None:
            outcome.error = error.replace(str(args.plans) + "/", "")
        else:
            score(label, report, outcome, args.verbose)
        outcomes.append(outcome)

    header = (f"{'plan':<36} {'tasks':>9} {'ok':>3} {'must':>6} {'hit':>4} {'FP':>4} "
              f"{'soft':>4} {'sec':>5}  read as")
    print(header)
    print("-" * len(header))
    for o in outcomes:
        shape = f"ERROR {o.error.replace('conflictscan: error: ', '')[:70]}" if o.error else o.shape
        print(f"{o.name:<36} {o.read:>4}/{o.expected:<4} {'yes' if o.read_ok else 'no':>3} "
              f"{o.must_found:>2}/{o.must_total:<3} {o.hits:>4} {o.false_positives:>4} "
              f"{o.neutral:>4} {o.seconds:>5.2f}  {shape}")
        if args.verbose:
            print("\n".join(o.details))
    read_ok = sum(o.read_ok for o in outcomes)
    must_found = sum(o.must_found for o in outcomes)
    must_total = sum(o.must_total for o in outcomes)
    hits = sum(o.hits for o in outcomes)
    counted = hits + sum(o.false_positives for o in outcomes)
    print(f"plans read correctly: {read_ok}/{len(outcomes)}")
    print(f"recall over must: {ratio(must_found, must_total)} ({must_found}/{must_total})")
    print(f"precision over warnings/errors: {ratio(hits, counted)} ({hits}/{counted}; "
          f"{sum(o.neutral for o in outcomes)} on soft items not counted)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
