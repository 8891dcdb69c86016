"""A requirement's specifier as packaging writes it, the common ones read without packaging
(the pre-commit hook does not load it for a file of plain pins): the same text as
`str(SpecifierSet(text))` on every input, and None exactly where packaging refuses it."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from packaging.specifiers import InvalidSpecifier, SpecifierSet

from analyzer.parsers.requirements import normal_specifier


def packagings(text: str) -> str | None:
    try:
        return str(SpecifierSet(text))
    except InvalidSpecifier:
        return None


@pytest.mark.parametrize("text", [
    "", "==2.31.0", " == 2.31.0 ", "\t>=4\t", "<5", "!=1.0", "<=01.2", ">1.2.3.4.5",
    # near misses, packaging's to read: each differs from a plain release somewhere
    "~=1", "~=1.4", "===1.0", "==1.*", "==1.0a1", "==v1", "==1!2", ">=1.", "==\u0661",
    ">=4,<5", "<5,>=4", "==1.0,==1.0.0", " ", "=1.0", "==1.0 ; x",
])
def test_as_packaging_writes_it(text: str) -> None:
    assert normal_specifier(text) == packagings(text)


CLAUSE = st.tuples(st.sampled_from(["==", "!=", "<=", ">=", "<", ">", "~=", "===", "="]),
                   st.from_regex(r"[0-9]{1,3}(\.[0-9]{1,3}){0,3}(\.\*|a1|\.)?", fullmatch=True),
                   st.sampled_from(["", " ", "\t", "\u00a0"]))


@given(st.lists(CLAUSE, min_size=1, max_size=3))
def test_any_clauses_as_packaging_writes_them(clauses: list[tuple[str, str, str]]) -> None:
    text = ",".join(f"{space}{op}{space}{version}{space}" for op, version, space in clauses)
    assert normal_specifier(text) == packagings(text)


@given(st.text(max_size=30))
def test_any_text_as_packaging_writes_it(text: str) -> None:
    assert normal_specifier(text) == packagings(text)


@given(st.from_regex(r"(\d!)?\d{1,3}(\.\d{1,3}){0,3}((a|b|rc)\d)?(\.post\d)?(\.dev\d)?"
                     r"(\+[a-z0-9]{1,4})?", fullmatch=True))
def test_a_lock_version_is_canonical_as_packaging_makes_it(version: str) -> None:
    """The lock reader's own canonical version (it must not load packaging.utils, which
    loads packaging.tags and platform) is packaging's `canonicalize_version`."""
    from packaging.utils import canonicalize_version

    from analyzer.parsers.lockfiles import _canonical

    assert _canonical("==", version) == "==" + canonicalize_version(version)
