"""JSON as text: indented for a person at a terminal, compact everywhere else.

`json.dumps(indent=...)` runs CPython's pure-Python encoder; without indent it runs the C
one, ~10x faster. A 5,000-task plan's report is ~11 MB: the indented encoding was most of
that command's time. Files and pipes are read by programs (jq, CI, code scanning), which
need no indentation; `jq .` indents them for a reader.
"""

from __future__ import annotations

import json
import sys


def to_json(data: object) -> str:
    if sys.stdout.isatty():
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n"
