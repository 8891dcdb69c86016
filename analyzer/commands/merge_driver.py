"""`conflictscan merge-driver %O %A %B %P`: git's merge of a requirements file, by package.

Git runs it only where the user set it up (`git config merge.conflictscan.driver …` and
`merge=conflictscan` in .gitattributes); conflictscan's own scans never run merge drivers.
"""

from __future__ import annotations

import argparse
import sys

from analyzer.errors import InputError, read_text
from analyzer.fixes.requirements import merge_requirements


def run_merge_driver(args: argparse.Namespace) -> int:
    base, ours, theirs = (read_text(p) for p in (args.base_file, args.ours_file,
                                                  args.theirs_file))
    merged = merge_requirements(base, ours, theirs)
    for warning in merged.warnings:
        print(f"conflictscan merge-driver: {args.path or args.ours_file}: {warning}",
              file=sys.stderr)
    try:
        with open(args.ours_file, "w", encoding="utf-8", newline="") as handle:
            handle.write(merged.text)
    except OSError as exc:
        raise InputError(f"cannot write the merge result: {exc.strerror}",
                         args.ours_file) from None
    return 0
