"""The backtest report as text, Markdown or JSON: one row per rule family, then examples."""

from __future__ import annotations

import json

from analyzer.backtest.score import Backtest, Tally

_HEADERS = ("family", "caught", "missed", "false", "precision", "recall",
            "false alarms / clean units")


def render_json(result: Backtest) -> str:
    return json.dumps(result.as_dict(), indent=2) + "\n"


def render_text(result: Backtest) -> str:
    rows = [_HEADERS, *(_row(name, tally) for name, tally in result.families.items())]
    widths = [max(len(row[i]) for row in rows) for i in range(len(_HEADERS))]
    lines = [_title(result), ""]
    lines += ["  ".join(cell.ljust(w) if i == 0 else cell.rjust(w)
                        for i, (cell, w) in enumerate(zip(row, widths, strict=True))).rstrip()
              for row in rows]
    lines += ["", _footer(result), *_examples(result, bullet="  ")]
    return "\n".join(lines) + "\n"


def render_markdown(result: Backtest) -> str:
    lines = [f"### {_title(result)}", "", "| " + " | ".join(_HEADERS) + " |",
             "|" + "---|" * len(_HEADERS)]
    lines += ["| " + " | ".join(_row(name, tally)) + " |"
              for name, tally in result.families.items()]
    lines += ["", _footer(result), ""]
    examples = _examples(result, bullet="- ")
    if examples:
        lines += ["<details><summary>examples</summary>", "", *examples, "", "</details>"]
    return "\n".join(lines) + "\n"


def _title(result: Backtest) -> str:
    unmeasured = f", {len(result.unmeasured)} could not be merged here" \
        if result.unmeasured else ""
    return (f"conflictscan backtest of {result.repository} ({result.ref}): "
            f"{result.merges} merges replayed{unmeasured}")


def _row(name: str, tally: Tally) -> tuple[str, ...]:
    rate = (f"{tally.false} of {tally.clean} ({tally.false_rate:.1%})"
            if tally.false_rate is not None else "-")
    return (name, str(tally.caught), str(tally.missed), str(tally.false),
            _ratio(tally.precision), _ratio(tally.recall), rate)


def _ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def _footer(result: Backtest) -> str:
    data = result.as_dict()["seconds_per_merge"]
    if data["mean"] is None:
        return "no merge replayed"
    timing = (f"time per merge: mean {data['mean']:.2f} s, median {data['median']:.2f} s, "
              f"max {data['max']:.2f} s ({data['slowest']})")
    return (f"exit 2: {len(result.exit_2)} merges; tracebacks: {len(result.tracebacks)}; "
            f"{timing}")


def _examples(result: Backtest, bullet: str) -> list[str]:
    lines: list[str] = []
    for name, tally in result.families.items():
        for kind in ("missed", "false"):
            for example in tally.examples[kind]:
                lines.append(f"{bullet}{kind} {name}: {example}")
    for label, items in (("exit 2", result.exit_2), ("traceback", result.tracebacks),
                         ("not merged", result.unmeasured)):
        lines += [f"{bullet}{label}: {item}" for item in items[:result.examples]]
    return lines
