"""A semantic three-way merge of requirements files: both sides' additions, one line per
package, the stricter or newer specifier where they differ (a warning when both cannot hold),
the order and comments of our side kept. Used by `fix` and by the git merge driver."""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass, field

from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]{0,200})")


@dataclass
class Merged:
    text: str
    warnings: list[str] = field(default_factory=list)


def _key(line: str) -> str | None:
    """The package a line requires (canonical name with extras and marker), None otherwise."""
    body = line.split(" #", 1)[0].strip()
    if not body or body.startswith(("#", "-")) or len(body) > 2000:
        return None
    try:
        req = Requirement(body)
    except InvalidRequirement:
        match = _NAME.match(body)
        return canonicalize_name(match.group(1)) if match else None
    extras = ",".join(sorted(req.extras))
    return canonicalize_name(req.name) + (f"[{extras}]" if extras else "") + (
        f";{req.marker}" if req.marker else "")


def _spec(line: str) -> str:
    try:
        return str(Requirement(line.split(" #", 1)[0].strip()).specifier)
    except InvalidRequirement:
        return ""


def _lines(text: str) -> list[str]:
    return text.splitlines()


def _by_key(lines: list[str]) -> dict[str, str]:
    result: dict[str, str] = {}
    for line in lines:
        key = _key(line)
        if key is not None:
            result.setdefault(key, line)
    return result


def _pins(spec: str) -> list[Version]:
    found = []
    for item in spec.split(","):
        item = item.strip()
        if item.startswith("==") and "*" not in item:
            with contextlib.suppress(InvalidVersion):
                found.append(Version(item.lstrip("=").strip()))
    return found


def choose(key: str, ours: str, theirs: str, warnings: list[str]) -> str:
    """The line to keep when both sides require `key` differently."""
    a, b = _spec(ours), _spec(theirs)
    if a == b:
        return ours
    pins_a, pins_b = _pins(a), _pins(b)
    if pins_a and pins_b:  # two pins: the newer one, said aloud
        keep = theirs if max(pins_b) > max(pins_a) else ours
        warnings.append(f"{key}: {a} and {b} cannot both hold; kept {_spec(keep)} (newer)")
        return keep
    try:
        both = SpecifierSet(a) & SpecifierSet(b)
    except InvalidSpecifier:
        warnings.append(f"{key}: cannot compare {a!r} and {b!r}; kept ours ({a})")
        return ours
    for pinned, line, other in ((pins_a, ours, b), (pins_b, theirs, a)):
        if pinned:  # a pin within the other's range is the stricter requirement
            if SpecifierSet(other).contains(pinned[0], prereleases=True):
                return line
            warnings.append(f"{key}: {a} and {b} cannot both hold; kept {_spec(line)} (pin)")
            return line
    name = key.split("[", 1)[0].split(";", 1)[0]
    marker = key.split(";", 1)[1] if ";" in key else ""
    extras = key[len(name):].split(";", 1)[0]
    return f"{name}{extras}{','.join(sorted(str(s) for s in both))}" + (
        f"; {marker}" if marker else "")


def merge_requirements(base: str, ours: str, theirs: str) -> Merged:
    """Our file with their changes since `base` applied, one line per package."""
    base_lines, our_lines, their_lines = _lines(base), _lines(ours), _lines(theirs)
    base_by, their_by = _by_key(base_lines), _by_key(their_lines)
    warnings: list[str] = []
    result: list[str] = []
    seen: set[str] = set()
    for line in our_lines:
        key = _key(line)
        if key is None:
            result.append(line)
            continue
        if key in seen:  # a duplicate on our side: one line per package
            continue
        seen.add(key)
        if key in base_by and key not in their_by:  # they removed it
            if _spec(line) == _spec(base_by[key]):
                continue
            warnings.append(f"{key}: they removed it, we changed it; kept ours")
        if key in their_by and their_by[key] != base_by.get(key):
            theirs_line = their_by[key]
            if base_by.get(key) is not None and _spec(line) == _spec(base_by[key]):
                line = theirs_line  # only they changed it
            else:
                line = choose(key, line, theirs_line, warnings)
        result.append(line)
    our_comments = {line.strip() for line in our_lines if _key(line) is None and line.strip()}
    base_other = {line.strip() for line in base_lines if _key(line) is None}
    additions = []
    for line in their_lines:
        key = _key(line)
        if key is None:
            if line.strip() and line.strip() not in our_comments | base_other:
                additions.append(line)
            continue
        if key not in seen and key not in base_by:
            seen.add(key)
            additions.append(line)
    result = _insert(result, additions)
    text = "\n".join(result)
    if result and (ours.endswith("\n") or not ours):
        text += "\n"
    return Merged(text, warnings)


def _insert(lines: list[str], additions: list[str]) -> list[str]:
    """Their new lines: in sorted place when our file is sorted by name, else at the end."""
    if not additions:
        return lines
    named = [k for k in (_key(line) for line in lines) if k is not None]
    if len(named) >= 2 and named == sorted(named):
        result = list(lines)
        for line in additions:
            key = _key(line)
            if key is None:
                result.append(line)
                continue
            position = next((i for i, k in enumerate(_key(x) for x in result)
                             if k is not None and k > key), None)
            if position is None:
                last = max((i for i, x in enumerate(result) if _key(x) is not None), default=-1)
                position = last + 1
            result.insert(position, line)
        return result
    while lines and not lines[-1].strip():
        lines = lines[:-1]
    return [*lines, *additions]
