"""Whether two requirement specifiers for one package can both hold."""

from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=4096)  # a plan asks it per pair of tasks, of few distinct specifiers
def exclusive(first: str, second: str) -> bool:
    """True when a version pinned by one specifier is excluded by the other.

    Ranges that merely differ (`>=2` and `<3`) may still overlap, so only pins are judged:
    that keeps this free of false alarms.
    """
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    try:
        a, b = SpecifierSet(first), SpecifierSet(second)
    except InvalidSpecifier:
        return False
    for pinned, other in ((a, b), (b, a)):
        exact = [s.version for s in pinned if s.operator in ("==", "===")]
        pin = exact[0] if exact else ""
        if pin and "*" not in pin and not other.contains(pin, prereleases=True):
            return True
    return False
