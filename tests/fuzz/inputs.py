"""What the fuzzers feed the parsers: random text and bytes, and mutations of our own fixtures
(truncation, bit flips, NUL, invalid UTF-8, BOM, CRLF, huge lines, deep nesting, YAML aliases)."""

from __future__ import annotations

import os
import posixpath
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import yaml
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parents[2]

# Lines huge enough to expose a quadratic step, inputs small enough for a one-second deadline
# (the growth checks take the sizes further, one shape at a time).
HUGE = (1_000, 20_000, 100_000)
MAX_BYTES = 200_000


def _fixture_files() -> dict[str, list[str]]:
    """File contents from the repository recipes in fixtures/repos, by the parser they feed."""
    seeds: dict[str, list[str]] = {}
    for recipe in sorted((ROOT / "fixtures" / "repos").glob("*.yaml")):
        data = yaml.safe_load(recipe.read_text(encoding="utf-8"))
        trees = [data.get("base", {}), *(data.get("branches", {}) or {}).values()]
        for tree in trees:
            for path, content in (tree or {}).items():
                if isinstance(content, str) and not path.startswith("_"):
                    seeds.setdefault(_kind(path), []).append(content)
    return seeds


def _kind(path: str) -> str:
    name = posixpath.basename(path)
    if name == "pyproject.toml":
        return "pyproject"
    if name.startswith("requirements") or "/requirements/" in path:
        return "requirements"
    if name == "alembic.ini":
        return "alembic.ini"
    if "/versions/" in path:
        return "alembic"
    if "/migrations/" in path:
        return "django"
    return "other"


FIXTURES = _fixture_files()

SEEDS: dict[str, list[str]] = {
    "requirements": [*FIXTURES.get("requirements", []),
                     "django==4.2  # web\nrequests[socks]>=2.31,<3 ; python_version >= '3.8'\n"
                     "-r base.txt\n-c constraints.txt\n-e git+https://example.com/x.git#egg=x\n"
                     "flask \\\n    ==3.0 \\\n    --hash=sha256:abcd\n./local/pkg\n"
                     "https://example.com/p-1.0.tar.gz\n--index-url https://pypi.org/simple\n"],
    "pyproject": [*FIXTURES.get("pyproject", []),
                  '[project]\nname = "app"\nversion = "1.0"\ndependencies = ["django>=4", '
                  '"requests[socks]==2.31"]\n[project.optional-dependencies]\ndev = ["pytest"]\n'
                  '[dependency-groups]\ntest = ["coverage", {include-group = "dev"}]\n'
                  '[tool.poetry.dependencies]\npython = "^3.10"\nflask = {version = "^3"}\n'
                  '[tool.poetry.group.dev.dependencies]\nmypy = "*"\n'
                  '[tool.conflictscan]\nselect = ["CS2"]\nfail-on = "warning"\n'
                  '[[tool.conflictscan.shared-files]]\npattern = "app/routes.py"\nrisk = "high"\n'
                  '[tool.alembic]\nscript_location = "db"\nversion_locations = ["db/a", "db/b"]\n'],
    "alembic": [*FIXTURES.get("alembic", []),
                '"""add users"""\nfrom alembic import op\nrevision: str = "b2c3"\n'
                'down_revision: str | None = ("a1", "a2")\nbranch_labels = None\n'
                'depends_on = ["x9"]\n\ndef upgrade():\n    op.add_column("t", "c")\n'],
    "django": [*FIXTURES.get("django", []),
               "from django.db import migrations\n\nclass Migration(migrations.Migration):\n"
               "    dependencies = [('shop', '0001_initial'), ('auth', '0012_x')]\n"
               "    operations = []\n"],
    "env": ["PORT=8000\nexport DATABASE_URL=postgres://u:p@localhost:5432/app\nDB_NAME='test'\n"
            "FLASK_RUN_PORT=5000 # dev\n",
            "services:\n  web:\n    ports:\n      - \"8000:8000\"\n      - 127.0.0.1:5432:5432\n"],
    "alembic.ini": [*FIXTURES.get("alembic.ini", []),
                    "[alembic]\nscript_location = %(here)s/db\nversion_locations = db/a db/b\n"
                    "path_separator = space\n"],
    "baseline": ['{"version": 1, "findings": [{"fingerprint": "abc", "rule": "CS101", '
                 '"message": "x"}]}\n'],
    "yaml": ["base: &base\n  group: 1\ntasks:\n  - <<: *base\n    title: a\n    files: [a.py]\n"
             "  - title: b\n    depends_on: [a]\n"],
}
SEEDS["config"] = [s for s in SEEDS["pyproject"] if "conflictscan" in s]


def plan_seeds() -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8")
            for p in sorted((ROOT / "fixtures" / "plans").iterdir()) if p.is_file()}


_INSERTS = [b"\x00", b"\xff\xfe", b"\xc3", b"\xed\xa0\x80", b"\r", b"\r\n", b"\t", b"\\\n",
            b"&a [*a]", b"*a", b"&b", b"<<: *b", b"[[", b"]]", b"{", b"}", b'"', b"'", b"#",
            b"`", b"[/]", b"[link=x]", b"\x1b[31m", b"\xc2\xb2", b"9" * 5000, b"- [ ] ",
            b"## Task 9: ", b"**Task 3 - x:**", b"\\", b"=", b";", b"@", b"://"]


@st.composite
def mutated(draw: st.DrawFn, seeds: list[str], huge: bool = True) -> str:
    """A seed, changed by one to four mutations, as text with undecodable bytes escaped."""
    data = draw(st.sampled_from(seeds)).encode("utf-8")
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(data)))
        kind = draw(st.sampled_from(["truncate", "flip", "insert", "bom", "crlf", "huge", "nest",
                                     "repeat", "text", "delete"]))
        if kind == "truncate":
            data = data[:at]
        elif kind == "flip" and data:
            at = min(at, len(data) - 1)
            data = data[:at] + bytes([data[at] ^ (1 << draw(st.integers(0, 7)))]) + data[at + 1:]
        elif kind == "insert":
            data = data[:at] + draw(st.sampled_from(_INSERTS)) + data[at:]
        elif kind == "bom":
            data = b"\xef\xbb\xbf" + data
        elif kind == "crlf":
            data = data.replace(b"\n", b"\r\n")
        elif kind == "huge" and huge:
            unit = draw(st.sampled_from([b" ", b"a", b"\t", b"-", b"a/", b"x.py ", b"(", b"0"]))
            data = data[:at] + unit * (draw(st.sampled_from(HUGE)) // len(unit)) + data[at:]
        elif kind == "nest":
            opener, closer = draw(st.sampled_from([(b"[", b"]"), (b"(", b")"), (b"{", b"}"),
                                                   (b"- ", b"\n"), (b"> ", b"")]))
            depth = draw(st.sampled_from([100, 1_000, 10_000]))
            data = data[:at] + opener * depth + closer * depth + data[at:]
        elif kind == "repeat":
            line_start = data.rfind(b"\n", 0, at) + 1
            line_end = data.find(b"\n", at)
            line = data[line_start:line_end if line_end >= 0 else len(data)] + b"\n"
            data = data[:line_start] + line * draw(st.sampled_from([10, 200])) + data[line_start:]
        elif kind == "text":
            data = data[:at] + draw(st.text(max_size=40)).encode("utf-8", "surrogatepass") + \
                data[at:]
        elif kind == "delete" and data:
            data = data[:at] + data[at + draw(st.integers(1, 20)):]
        data = data[:MAX_BYTES]
    return data.decode("utf-8", "surrogateescape")


def any_text(seeds: list[str], huge: bool = True) -> st.SearchStrategy[str]:
    """Random text (surrogates included), random bytes, and mutated seeds."""
    return st.one_of(
        st.text(st.characters(blacklist_categories=())),
        st.binary().map(lambda b: b.decode("utf-8", "surrogateescape")),
        mutated(seeds, huge),
    )


LONG = os.environ.get("CONFLICTSCAN_FUZZ") == "long"


@contextmanager
def cpu_second() -> Iterator[None]:
    """The long run's bound: one input, at most one second of CPU time."""
    start = time.process_time()
    yield
    spent = time.process_time() - start
    assert not LONG or spent <= 1.0, f"took {spent:.2f} s of CPU time"


def lines_of(call: Callable[[str], object]) -> Callable[[str], None]:
    def each(text: str) -> None:
        for line in text.splitlines():
            call(line)
    return each
