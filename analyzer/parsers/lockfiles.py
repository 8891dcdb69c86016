"""`uv.lock` and `poetry.lock`, read with tomllib: the packages they pin and the record of the
manifest they were generated from (poetry's `content-hash`, uv's `requires-dist` of the
project itself), so that a merged lock can be checked against the merged manifest.

uv's record is the manifest as uv writes it, so the manifest is read the same way: a
package `[tool.uv.sources]` takes from a URL, git, a path or the workspace is recorded by
that source instead of its specifier (beside the specifier when the source has a marker),
and versions are compared as PEP 440 values (`==1.0` is `==1.0.0`).
"""

from __future__ import annotations

import json
import posixpath
import re
from dataclasses import dataclass, field
from typing import Any

from analyzer.compat import tomllib
from analyzer.parsers.names import canonicalize_name


@dataclass(frozen=True)
class LockFacts:
    """A lockfile's locked packages and what it records of its manifest."""

    packages: dict[str, tuple[str, ...]] = field(default_factory=dict)  # name -> versions
    manifest_record: str | None = None  # what the lock says of its manifest, when it does


def parse_lock(text: str, path: str, pieces: dict[str, dict[str, Any]] | None = None
               ) -> LockFacts | None:
    """The facts of a lockfile; None when it is not TOML (a lock merged into nonsense).

    `pieces` is a cache shared by the locks of one run: the sides and merges of a lockfile
    differ in a few `[[package]]` tables out of hundreds, so each table's text is parsed
    once (tomllib takes ~20 ms for a 5,000-line uv.lock; 56 merged versions of one took a
    second at 100 branches)."""
    try:
        data = tomllib.loads(text) if pieces is None else _load(text, pieces)
    except (tomllib.TOMLDecodeError, UnicodeError):
        return None
    versions: dict[str, list[str]] = {}
    record: list[str] = []
    has_record = False
    for entry in _tables(data.get("package")):
        name = canonicalize_name(str(entry.get("name", "")))
        versions.setdefault(name, []).append(str(entry.get("version", "")))
        source = entry.get("source")
        # uv: the project's own entry is the one at ".", beside the lock; a workspace's
        # other members have theirs at their own paths, from their own manifests
        if isinstance(source, dict) and any(source.get(kind) == "."
                                            for kind in ("editable", "virtual")):
            record += _requirements(entry.get("metadata"))
            has_record = True
    metadata = data.get("metadata")
    if posixpath.basename(path) == "poetry.lock" and isinstance(metadata, dict):
        record.append(str(metadata.get("content-hash", "")))
        has_record = "content-hash" in metadata
    return LockFacts({n: tuple(sorted(v)) for n, v in versions.items()},
                     "\n".join(sorted(set(record))) if has_record else None)


# a line that opens the next element of the top-level `package` array of tables
_PACKAGE_HEADER = re.compile(r"^(?=\[\[package\]\][ \t]*\r?$)", re.MULTILINE)


def _load(text: str, pieces: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """What `tomllib.loads(text)` gives, read one `[[package]]` table at a time, each
    table's text parsed once per cache. A table's keys and sub-tables (`[package.metadata]`)
    follow its header up to the next one, so each piece is a document of its own, and in a
    valid lock the pieces' other top-level keys are disjoint. A header line inside a
    multi-line string or array leaves the piece before it unclosed, an error; on any error,
    a key defined twice or a `package` that is not the array of tables the text is read
    whole: the answer, error included, is tomllib's own."""
    data: dict[str, Any] = {}
    packages: list[Any] = []
    for number, piece in enumerate(_PACKAGE_HEADER.split(text)):
        parsed = pieces.get(piece)
        if parsed is None:
            try:
                parsed = tomllib.loads(piece)
            except tomllib.TOMLDecodeError:
                return _whole(text)
            pieces[piece] = parsed
        for key, value in parsed.items():
            if key == "package" and number > 0:
                packages += value
            elif key in data or key == "package":
                return _whole(text)
            else:
                data[key] = value
    if packages:
        data["package"] = packages
    return data


def _whole(text: str) -> dict[str, Any]:
    data: dict[str, Any] = tomllib.loads(text)
    return data


def _tables(value: Any) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _requirements(metadata: Any) -> list[str]:
    """uv's copy of the manifest: `requires-dist` and the `requires-dev` groups."""
    if not isinstance(metadata, dict):
        return []
    entries = _tables(metadata.get("requires-dist"))
    dev = metadata.get("requires-dev")
    for group in (dev.values() if isinstance(dev, dict) else ()):
        entries += _tables(group)
    return [_requirement_key(str(e.get("name", "")), str(e.get("specifier", "")))
            if not _SOURCE_KINDS & set(e) else _sourced(str(e.get("name", "")))
            for e in entries]


# where uv takes a package from instead of an index: the lock records the source, not the
# specifier (an `index` source keeps the specifier and only names the index)
_SOURCE_KINDS = {"url", "git", "path", "editable", "directory", "virtual", "workspace"}
_CONDITIONS = {"marker", "extra", "group"}


def _sourced(name: str) -> str:
    return f"{canonicalize_name(name)} @ source"


def _requirement_key(name: str, specifier: str) -> str:
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    try:
        spec = ",".join(sorted(_canonical(s.operator, s.version)
                               for s in SpecifierSet(specifier)))
    except InvalidSpecifier:
        spec = specifier.replace(" ", "")
    return f"{canonicalize_name(name)}{spec}"


def _canonical(operator: str, version: str) -> str:
    """One specifier with its version as a PEP 440 value: `==1.0` and `==1.0.0` are one
    pin, as uv and pip read them. `~=` and wildcards keep their length: it is their
    meaning; `===` compares strings."""
    from packaging.version import InvalidVersion, Version

    if operator in ("~=", "===") or version.endswith(".*"):
        return f"{operator}{version}"
    try:
        parsed = Version(version)
    except InvalidVersion:
        return f"{operator}{version}"
    # what packaging.utils.canonicalize_version gives, without loading packaging.tags and
    # platform with it
    release = list(parsed.release)
    while len(release) > 1 and release[-1] == 0:
        release.pop()
    text = f"{parsed.epoch}!" if parsed.epoch else ""
    text += ".".join(str(part) for part in release)
    text += "".join(str(part) for part in parsed.pre) if parsed.pre else ""
    text += f".post{parsed.post}" if parsed.post is not None else ""
    text += f".dev{parsed.dev}" if parsed.dev is not None else ""
    text += f"+{parsed.local}" if parsed.local else ""
    return f"{operator}{text}"


def manifest_fingerprint(text: str | None, uv: bool) -> str | None:
    """What of a pyproject.toml its lock depends on, in the lock's own terms: for uv the
    requirement keys it copies, for poetry the tables its content-hash covers. None when the
    manifest is absent or not TOML."""
    if text is None:
        return None
    try:
        data = tomllib.loads(text)
    except (tomllib.TOMLDecodeError, UnicodeError):
        return None
    project, tool = _table(data, "project"), _table(data, "tool")
    if not uv:
        poetry = _table(tool, "poetry")
        relevant = {"poetry": {k: poetry.get(k) for k in (
            "dependencies", "dev-dependencies", "group", "source", "extras")},
            "project": {k: project.get(k) for k in (
                "dependencies", "optional-dependencies", "requires-python")}}
        return json.dumps(relevant, sort_keys=True, default=str)
    entries: list[Any] = list(_strings(project.get("dependencies")))
    for group in (data.get("dependency-groups") or {}, project.get("optional-dependencies") or {}):
        for values in (group.values() if isinstance(group, dict) else ()):
            entries += _strings(values)
    uv_table = _table(tool, "uv")
    entries += _strings(uv_table.get("dev-dependencies"))
    sources = {canonicalize_name(str(k)): v for k, v in _table(uv_table, "sources").items()}
    return "\n".join(sorted({key for e in entries for key in _pep508_keys(e, sources)}))


def _table(data: dict[str, Any], key: str) -> dict[str, Any]:
    value = data.get(key)
    return value if isinstance(value, dict) else {}


def _strings(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _pep508_keys(entry: str, sources: dict[str, Any]) -> list[str]:
    """What uv records of one requirement: its specifier, or the sources
    `[tool.uv.sources]` gives its package, and the specifier again for whatever the
    sources' markers leave to the index."""
    from packaging.requirements import InvalidRequirement, Requirement

    try:
        parsed = Requirement(entry)
    except InvalidRequirement:
        return [entry.replace(" ", "")]
    if parsed.url:  # `name @ git+https://…`: uv records the URL, as for a source
        return [_sourced(parsed.name)]
    plain = _requirement_key(parsed.name, str(parsed.specifier))
    given = sources.get(canonicalize_name(parsed.name))
    chosen = [given] if isinstance(given, dict) else _tables(given)
    if not chosen:
        return [plain]
    keys = [_sourced(parsed.name) if _SOURCE_KINDS & set(source) else plain
            for source in chosen]
    if all(_CONDITIONS & set(source) for source in chosen):
        keys.append(plain)
    return keys


@dataclass(frozen=True)
class Version:
    """One side of a merge, or its result: its lock and its manifest's fingerprint."""

    lock: LockFacts | None
    manifest: str | None


MATCHES, NO_MATCH, UNKNOWN = "matches", "no longer matches", "unknown"


def lock_matches(merged: Version, sides: list[Version], uv: bool) -> tuple[str, str]:
    """Whether a merged lock still belongs to the merged manifest, and why not.

    uv copies the manifest's requirements into the lock, so the two are compared directly.
    poetry records a hash of it: the merged lock carries the hash of one side, which belongs
    to the merged manifest only if that side's manifest is the merged one.
    """
    if merged.lock is None:
        return NO_MATCH, "the merged lock is not valid TOML"
    twice = sorted(name for name, versions in merged.lock.packages.items()
                   if len(versions) > 1 and not any(
                       side.lock and side.lock.packages.get(name) == versions for side in sides))
    if twice:
        return NO_MATCH, f"it locks {', '.join(twice[:3])} at two versions"
    if merged.manifest is None and any(side.manifest is not None for side in sides):
        return NO_MATCH, "pyproject.toml itself conflicts: resolved, it is neither side's"
    if merged.manifest is None or merged.lock.manifest_record is None:
        return UNKNOWN, ""
    if uv and merged.lock.manifest_record == merged.manifest:
        return MATCHES, ""
    owners = [side for side in sides if side.lock
              and side.lock.manifest_record == merged.lock.manifest_record]
    if owners and any(side.manifest == merged.manifest for side in owners):
        return MATCHES, ""
    if uv:
        return NO_MATCH, "the requirements it records are not the merged pyproject.toml's"
    return NO_MATCH, "its content-hash is one side's, the merged pyproject.toml is not"
