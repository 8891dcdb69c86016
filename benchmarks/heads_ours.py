"""Print the heads of an alembic versions directory with conflictscan's own parser (a process
for bench_heads.py: imports and file reads included, as in a real scan)."""

from __future__ import annotations

import sys
from pathlib import Path

from analyzer.parsers.alembic import heads, parse_revision


def main() -> int:
    revisions = {}
    for path in Path(sys.argv[1]).glob("*.py"):
        revision = parse_revision(path.read_text(encoding="utf-8"), str(path))
        if revision:
            revisions[revision.revision] = revision
    print("\n".join(sorted(heads(revisions))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
