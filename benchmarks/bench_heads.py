"""alembic heads: ours against `alembic heads`, both as cold processes, alternated.

Generates an alembic project of 1,000 and 5,000 revisions (a chain with a few merge points)
and times, each as a new process:

* ours: `python heads_ours.py DIR` — our parser and head computation, imports included;
* alembic: `python -m alembic heads` — alembic's own answer (it imports every revision file);
* floor: `python -c` that only reads every revision file.

Both must name the same heads.

    pip install -e . && pip install -r benchmarks/requirements.txt
    python benchmarks/bench_heads.py [--sizes 1000,5000] [--runs 5]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from benchlib import PYTHON, alternate, seconds

HERE = Path(__file__).resolve().parent


def revision_text(number: int) -> str:
    if number == 0:
        down = "None"
    elif number % 100 == 50:  # a merge point now and then, as real histories have
        down = f"('r{number - 1:05d}', 'x{number:05d}')"
    else:
        down = f"'r{number - 1:05d}'"
    return (f'"""step {number}\n\nRevision ID: r{number:05d}\nRevises: \n"""\n'
            f"revision = 'r{number:05d}'\ndown_revision = {down}\nbranch_labels = None\n"
            "depends_on = None\n\n\ndef upgrade():\n    pass\n\n\ndef downgrade():\n    pass\n")


def side_text(number: int) -> str:
    return (f"revision = 'x{number:05d}'\ndown_revision = 'r{number - 2:05d}'\n"
            "branch_labels = None\ndepends_on = None\n\n\ndef upgrade():\n    pass\n")


def build(root: Path, count: int) -> None:
    versions = root / "migrations" / "versions"
    versions.mkdir(parents=True)
    (root / "alembic.ini").write_text("[alembic]\nscript_location = migrations\n")
    for number in range(count):
        (versions / f"r{number:05d}_step.py").write_text(revision_text(number))
        if number % 100 == 50:
            (versions / f"x{number:05d}_side.py").write_text(side_text(number))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,5000")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    ok = True
    read_all = ("import pathlib,sys; [p.read_text() for p in "
                "pathlib.Path(sys.argv[1]).glob('*.py')]")
    print(f"{'revisions':>9} {'ours min':>9} {'median':>7} {'alembic min':>11} {'median':>7} "
          f"{'ratio':>6} {'floor':>6} heads")
    for count in (int(s) for s in args.sizes.split(",")):
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            build(root, count)
            versions = str(root / "migrations" / "versions")
            result = alternate({
                "ours": [PYTHON, str(HERE / "heads_ours.py"), versions],
                "alembic": [PYTHON, "-m", "alembic", "heads"],
                "floor": [PYTHON, "-c", read_all, versions],
            }, runs=args.runs, cwd=root)
            ours, theirs = result["ours"], result["alembic"]
            ours_heads = set(ours.last_stdout.split())
            their_heads = {line.split()[0] for line in theirs.last_stdout.splitlines() if line}
            same = ours_heads == their_heads and theirs.last_code == 0
            ok &= same
            print(f"{count:>9} {seconds(ours.min):>9} {seconds(ours.median):>7} "
                  f"{seconds(theirs.min):>11} {seconds(theirs.median):>7} "
                  f"{theirs.median / ours.median:>5.1f}x {seconds(result['floor'].median):>6} "
                  f"{'same' if same else 'DIFFER'}", flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
