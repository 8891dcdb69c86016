"""Does a change keep `plan`'s output? Every format, on every fixture and real-world plan,
from this checkout and another one, compared byte for byte.

Each checkout's own interpreter (DIR/.venv/bin/python) runs this file with `--write OUT`: one
process per checkout runs `conflictscan plan` in-process on each plan and format and writes
the exit code, stdout and stderr to OUT. The two folders are then compared; the formats that
programs read (json, sarif, concise, --fix) must be identical, text and markdown differences
are listed for a person to judge.

    python benchmarks/same_output.py --against /work/base [--plans DIR ...] [--generated]
"""

from __future__ import annotations

import argparse
import contextlib
import filecmp
import io
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FORMATS = ("json", "sarif", "concise", "fix", "text", "markdown")
FOR_PROGRAMS = ("json", "sarif", "concise", "fix")
LEFT_OUT = ("labels.json", "LABELS.md", "SOURCES.md")


def plans_in(folders: list[Path]) -> list[Path]:
    return sorted(p for folder in folders if folder.is_dir() for p in folder.iterdir()
                  if p.name not in LEFT_OUT and not p.name.startswith("."))


def write(out: Path, plans: list[Path]) -> None:
    """In this interpreter: every plan in every format, into OUT."""
    from analyzer.cli import main

    out.mkdir(parents=True, exist_ok=True)
    for plan in plans:
        for fmt in FORMATS:
            argv = ["plan", str(plan), "--fail-on", "never", "--color", "never"]
            argv += ["--fix"] if fmt == "fix" else ["--format", fmt]
            stdout, stderr = io.StringIO(), io.StringIO()
            with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
                code = main(argv)
            (out / f"{plan.name}.{fmt}").write_text(
                f"exit {code}\n{stdout.getvalue()}\n--stderr--\n{stderr.getvalue()}",
                encoding="utf-8")


def generated(folder: Path) -> list[Path]:
    """Large and awkward plans: a bench plan, a chain of writers, a "run last" task."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from bench_plan import generate

    folder.mkdir(parents=True, exist_ok=True)
    (folder / "bench-300.md").write_text(generate(300), encoding="utf-8")
    chain = [f"## Task {i}: Step {i}\n\n" + (f"Depends on: Task {i - 1}\n\n" if i > 1 else "")
             + f"Edit `src/shared.py` and `src/step{i}.py`.\n" for i in range(1, 201)]
    (folder / "chain-200.md").write_text("\n".join(chain), encoding="utf-8")
    last = [f"## Task {i}: Part {i}\n\nEdit `src/app.py`; run `uvicorn app:app --port 8000`.\n"
            for i in range(1, 150)]
    last.append("## Task 150: Release\n\nRun this task last, after all other tasks.\n")
    (folder / "last-150.md").write_text("\n".join(last), encoding="utf-8")
    return sorted(folder.iterdir())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", type=Path, help="the other checkout, with its .venv")
    parser.add_argument("--plans", type=Path, nargs="*",
                        default=[ROOT / "fixtures" / "plans",
                                 ROOT.parent / "shared" / "realworld-plans",
                                 ROOT.parent.parent / "shared" / "realworld-plans"])
    parser.add_argument("--generated", action="store_true", help="large generated plans too")
    parser.add_argument("--write", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("plan", nargs="*", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.write:
        write(args.write, args.plan)
        return 0
    if args.against is None:
        parser.error("--against DIR is required")
    other = args.against / ".venv" / "bin" / "python"
    if not other.is_file():
        raise SystemExit(f"no {other}: install that checkout in its own .venv first")
    with tempfile.TemporaryDirectory() as tmp:
        plans = plans_in(args.plans)
        if args.generated:
            plans += generated(Path(tmp) / "generated")
        for name, python in (("ours", sys.executable), ("against", str(other))):
            subprocess.run([python, __file__, "--write", str(Path(tmp) / name),
                            *map(str, plans)], check=True, cwd=tmp)
        same, differ = 0, []
        for plan in plans:
            for fmt in FORMATS:
                name = f"{plan.name}.{fmt}"
                if filecmp.cmp(Path(tmp) / "ours" / name, Path(tmp) / "against" / name,
                               shallow=False):
                    same += 1
                else:
                    differ.append((fmt, name))
    print(f"{len(plans)} plans x {len(FORMATS)} formats: {same} identical, {len(differ)} differ")
    for fmt, name in differ:
        print(f"  {'MUST MATCH' if fmt in FOR_PROGRAMS else 'for a person'}: {name}")
    return 1 if any(fmt in FOR_PROGRAMS for fmt, _ in differ) else 0


if __name__ == "__main__":
    sys.exit(main())
