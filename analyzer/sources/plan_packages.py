"""Packages a plan names without a verb: "JWT auth with bcrypt", "using openpyxl",
"Celery with a Redis broker". Each is a dependency edit of the task that first names it.

Precision first: only well-known distributions from the catalog (`rules/dependencies.toml`)
count, never a word that merely looks like one; a package the plan names again later is
already installed by then; "without X" and "instead of X" name what is *not* used.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from itertools import repeat

from analyzer.catalog import catalog_dir
from analyzer.compat import tomllib
from analyzer.parsers.names import canonicalize_name

# ASCII runs, so that names inside CJK prose ("集成Whisper等") are found too
_NAME = re.compile(r"@?[A-Za-z][A-Za-z0-9._-]{0,60}(?:/[A-Za-z0-9._-]{1,60})?")
_FOLDED_WORD = re.compile(r"[a-z0-9][a-z0-9-]{0,60}")
_NEGATED = re.compile(r"\b(without|instead of|not|no|never|rather than|replac\w+|drop\w*|"
                      r"remov\w+|avoid\w*)\s+(?:the\s+|a\s+|using\s+)?$", re.IGNORECASE)
_TRAILING_TOOL = re.compile(r"^\s*(?:cli|server|container|image|service|compose|desktop|"
                            r"cluster|instance|api key|account|dashboard|console)\b",
                            re.IGNORECASE)


@dataclass(frozen=True)
class PackageNames:
    python: frozenset[str]
    node: frozenset[str]
    aliases: dict[str, str]  # a name as people write it -> the distribution
    tools: frozenset[str]  # names that mean the tool when a tool word follows ("Redis server")
    common: frozenset[str]  # never a dependency without a verb ("click", "rich text")
    # every name worth a closer look, lowercased with "_" and "." as "-": a fast first filter
    candidates: frozenset[str] = frozenset()


@cache
def package_names() -> PackageNames:
    data = tomllib.loads((catalog_dir() / "dependencies.toml").read_text(encoding="utf-8"))
    python = frozenset(canonicalize_name(n) for key in ("known_packages", "known_packages_more")
                       for n in data.get(key, ()))
    node = frozenset(n.lower() for n in data.get("node_packages", ()))
    aliases = {k.lower(): v for k, v in data.get("package_aliases", {}).items()}
    candidates = python | {_folded(n) for n in node} | {
        _folded(k.removeprefix("npm:")) for k in aliases}
    return PackageNames(
        candidates=candidates,
        python=python,
        node=frozenset(n.lower() for n in data.get("node_packages", ())),
        aliases={k.lower(): v for k, v in data.get("package_aliases", {}).items()},
        tools=frozenset(canonicalize_name(n) for n in data.get("tool_names", ())),
        common=frozenset(canonicalize_name(n) for n in data.get("common_words", ())),
    )


def named_packages(prose: str, names: PackageNames, node: bool) -> list[tuple[str, int]]:
    """(distribution, offset) for each well-known package the prose names, in order.

    `node`: the plan's project is a Node.js one, so names are looked up among npm packages.
    """
    if len(prose) > 20_000:
        prose = prose[:20_000]
    found: list[tuple[str, int]] = []
    seen: set[str] = set()
    words = _FOLDED_WORD.findall(prose.lower().replace("_", "-").replace(".", "-"))
    # (each word starts with a letter or digit: stripping "-" strips its end; map, not a
    # generator, runs it without a Python frame per word)
    if names.candidates.isdisjoint(map(str.rstrip, words, repeat("-"))) and not (
            node and "@" in prose):
        return found  # no known name at all: the common case, decided in one pass
    for match in _NAME.finditer(prose):
        word = match.group(0).rstrip(".-_")
        start = match.start()
        if start > 0 and (prose[start - 1] in "/\\.-_" or (prose[start - 1].isalnum()
                          and prose[start - 1].isascii())):
            continue  # a part of a path, a dotted name or a longer word
        if match.end() < len(prose) and prose[match.end()] in "/(" and "/" not in word:
            continue  # a directory, a call
        name = _distribution(word, names, node)
        if not name or name in seen:
            continue
        if _NEGATED.search(prose[max(0, start - 30):start]):
            continue
        if name in names.tools and _TRAILING_TOOL.match(prose[match.end():match.end() + 20]):
            continue  # "Docker Compose", "Redis server": the tool, not the client library
        seen.add(name)
        found.append((name, start))
    return found


def _folded(name: str) -> str:
    return name.lower().replace("_", "-").replace(".", "-")


def _distribution(word: str, names: PackageNames, node: bool) -> str | None:
    lower = word.lower()
    if not lower.startswith("@") and _folded(lower) not in names.candidates:
        return None
    if node:
        if lower.startswith("@") and "/" in lower:
            return lower  # a scoped npm package is always a package
        alias = names.aliases.get(f"npm:{lower}")
        if alias:
            return alias
        return lower if lower in names.node and lower not in names.common else None
    if "/" in lower or lower.startswith("@"):
        return None
    alias = names.aliases.get(lower)
    if alias:
        return canonicalize_name(alias)
    canonical = canonicalize_name(lower)
    if canonical in names.common or canonical not in names.python:
        return None
    return canonical if len(word) > 3 or not word.isupper() else None
