"""The alembic line scanner agrees with the `ast` reader on every file it accepts, and
leaves to the reader every shape it is not sure of."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analyzer.errors import InputError
from analyzer.parsers import alembic

TEMPLATE = '''"""add users

Revision ID: {rev}
Revises: {down}
"""
from typing import Sequence, Union

from alembic import op

revision: str = {rev!r}
down_revision: Union[str, None] = {down!r}
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.execute("SELECT 1")
'''
DECOY = TEMPLATE + '''    op.execute("""
revision = 'not-me'
""")
'''

PLAIN = [
    TEMPLATE.format(rev="ab12", down="0001"),
    TEMPLATE.format(rev="ab12", down=None),
    "revision = 'b'\ndown_revision = ('a1', 'a2')\nbranch_labels = ('plugins',)\n",
    'revision = "b"  # ours\ndown_revision = ["a"]\ndepends_on = ()\n',
    "x = 1\nrevision = 'b'\ndown_revision = None\n",
]
FOR_THE_PARSER = [
    "revision = 'b'\ndown_revision = (\n    'a',\n)\n",  # multi-line
    "revision = 'b'\ndown_revision = 'a' if True else 'c'\n",  # computed
    "revision = 'b'\nrevision = 'c'\n",  # set twice: the last wins
    "revision = r'b'\n",  # a prefix
    "revision = ('b',)\n",  # not a string
    '"""\nrevision = \'fake\'\n"""\nrevision = \'real\'\n',  # inside a docstring
    "revision = 'b'; down_revision = 'a'\n",
    DECOY.format(rev="ab12", down="0001"),  # a field line inside a string
]


@pytest.mark.parametrize("text", PLAIN)
def test_plain_files_are_scanned_as_the_parser_reads_them(text: str) -> None:
    scanned = alembic._scan(text, "v.py")
    assert scanned is not None
    assert scanned == alembic._parse(text, "v.py")


@pytest.mark.parametrize("text", FOR_THE_PARSER)
def test_other_shapes_go_to_the_parser(text: str) -> None:
    assert alembic._scan(text, "v.py") is None
    assert outcome(alembic.parse_revision, text) == outcome(alembic._parse, text)


def outcome(read: object, text: str) -> object:
    try:
        return read(text, "v.py")  # type: ignore[operator]
    except InputError as error:
        return str(error)


def test_the_decoy_in_a_string_is_not_read() -> None:
    parsed = alembic.parse_revision(DECOY.format(rev="ab12", down="0001"), "v.py")
    assert parsed is not None and parsed.revision == "ab12" and parsed.down_line == 11


names = st.text(alphabet="abcdef0123456789_", min_size=1, max_size=8)
values = st.one_of(st.none(), names, st.lists(names, max_size=3).map(tuple),
                   st.lists(names, max_size=3))
spacing = st.sampled_from(["=", " = ", "  =\t", ": str = ", ": Union[str, None]="])


@settings(max_examples=300, deadline=None)
@given(rev=names, down=values, labels=values, sep=spacing, order=st.permutations(range(3)),
       comment=st.sampled_from(["", "  # note"]), filler=st.sampled_from(
           ["", "import os\n", "'''doc'''\n", "def f():\n    revision = 'inner'\n"]))
def test_scanner_agrees_with_the_parser(rev: str, down: object, labels: object, sep: str,
                                        order: list[int], comment: str, filler: str) -> None:
    lines = [f"revision{sep}{rev!r}{comment}", f"down_revision{sep}{down!r}",
             f"branch_labels{sep}{labels!r}"]
    text = filler + "\n".join(lines[i] for i in order) + "\n"
    scanned = alembic._scan(text, "v.py")
    if scanned is not None:
        assert scanned == alembic._parse(text, "v.py")
