"""Package names in their canonical form (PEP 503), as `packaging.utils.canonicalize_name`
gives them: that module imports `packaging.tags` and `platform`, too slow to load for a
one-line normalisation on the pre-commit path."""

from __future__ import annotations

import re

_SEPARATORS = re.compile(r"[-_.]+")


def canonicalize_name(name: str) -> str:
    """`Django_Rest.Framework` -> `django-rest-framework`."""
    return _SEPARATORS.sub("-", name).lower()
