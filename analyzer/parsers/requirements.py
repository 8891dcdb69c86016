"""Requirements files, parsed with pip-requirements-parser: names, specifiers, lines, includes."""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass, field
from functools import lru_cache

from analyzer.parsers.names import canonicalize_name


@dataclass(frozen=True)
class Requirement:
    """One requirement line, as pip reads it."""

    name: str  # canonical
    spec: str  # "==2.31.0", ">=4,<5", "" (any), or the URL for direct references
    line: int
    text: str
    extras: tuple[str, ...] = ()  # canonical, sorted
    marker: str = ""
    legacy: bool = False  # a specifier packaging refuses (`==dev`, `>=2.*`), kept as text

    @property
    def key(self) -> tuple[str, tuple[str, ...], str]:
        """What pip would install twice: `pkg` and `pkg[extra]`, or one package under two
        markers, are different requirements, not a duplicate."""
        return self.name, self.extras, self.marker


@dataclass
class RequirementsFacts:
    """A requirements file: its requirements, includes and unreadable lines."""

    requirements: list[Requirement] = field(default_factory=list)
    includes: list[tuple[str, str, int]] = field(default_factory=list)  # (-r|-c, path, line)
    invalid: list[tuple[int, str]] = field(default_factory=list)  # (line, message)

    def by_key(self) -> dict[tuple[str, tuple[str, ...], str], list[Requirement]]:
        result: dict[tuple[str, tuple[str, ...], str], list[Requirement]] = {}
        for req in self.requirements:
            result.setdefault(req.key, []).append(req)
        return result


# The start of the common line `name[extras] specifier ; marker  # comment`. Each part takes
# characters the next cannot, so the regex never backtracks (the old one-line pattern had
# `\s*(…)?\s*` and `[^;#]*(\s+#.*)?`: a 4 KB line of spaces took 36 s).
_NAME_AND_EXTRAS = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*\s*(?:\[[^\]]*\])?")
_WHITESPACE = re.compile(r"\s+")
_COMMENT_LINE = re.compile(r"\s*#")


def _plain_requirement(line: str) -> str | None:
    """The requirement of a plain line (comment dropped), or None when the line needs pip's
    parser: options, includes, URLs, editables, a `#` that does not start a comment."""
    hash_at = line.find("#")
    if hash_at >= 0:
        if hash_at == 0 or not line[hash_at - 1].isspace():
            return None
        line = line[:hash_at].rstrip()
    head = _NAME_AND_EXTRAS.match(line)
    if head is None:
        return None
    rest = line[head.end():].lstrip()
    return line if not rest or rest[0] in "<>=!~;" else None


@lru_cache(maxsize=256)
def parse_requirements(text: str) -> RequirementsFacts:
    """Parse text as pip does.

    pip-requirements-parser builds an option parser for every line (about half a
    millisecond each), so plain `name[extras] spec ; marker` lines are read with packaging,
    which is what it uses for them too; every other line (options, includes, URLs,
    editables, continuations) goes to pip-requirements-parser. Results are cached by text:
    most branches share most versions of a file.
    """
    facts = RequirementsFacts()
    others: list[str] = []
    lines = text.splitlines()
    unread = _conflict_blocks(lines, facts)
    for number, raw in enumerate(lines, 1):
        line = raw.strip()
        if not line or line.startswith("#") or number in unread:
            others.append("")
            continue
        plain = _plain_requirement(line) if not line.endswith("\\") else None
        if plain is not None:
            parsed = _read_plain(plain)
            if parsed is not None:
                name, spec, extras, marker = parsed
                facts.requirements.append(Requirement(canonicalize_name(name), spec, number,
                                                      line, _extras(extras), marker))
                others.append("")
                continue
        others.append(raw)
    if any(others):
        _parse_with_pip(_within_pips_reach(_joined(others), facts), facts)
        facts.requirements.sort(key=lambda r: r.line)
    return facts


# git's conflict markers, as a merge leaves them in the file (`|||||||` with diff3)
_MARKER = re.compile(r"(<{7}|\|{7}|={7}|>{7})(?:[ \t].*)?")
_MARKER_HELP = ("unresolved merge conflict committed ('<<<<<<<' to '>>>>>>>'): resolve it; "
                "its first side is read, the rest is not")


def _conflict_blocks(lines: list[str], facts: RequirementsFacts) -> set[int]:
    """Line numbers of committed conflict blocks that are not read: the markers and every
    side but the first (reading both would list each package twice). Each block is one
    invalid line, at its `<<<<<<<`, said in the words of a merge, not of a parser."""
    unread: set[int] = set()
    side = 0  # 0 outside a block, 1 in its first side, 2 past `|||||||` or `=======`
    for number, raw in enumerate(lines, 1):
        marker = _MARKER.fullmatch(raw.rstrip())
        written = marker.group(1) if marker else ""
        kind = written[:1]
        if kind == "<":
            side = 1
            facts.invalid.append((number, _MARKER_HELP))
        elif kind in ("|", "=") and side:
            side = 2
        elif kind == ">" and side:
            side = 0
        elif kind:
            facts.invalid.append((number, f"stray conflict marker '{written}' "
                                          "committed (no '<<<<<<<' before it): remove it"))
        elif not side:
            continue
        elif side == 1 and not kind:
            continue  # the first side: read as the file's lines
        unread.add(number)
    return unread


def _joined(lines: list[str]) -> list[str]:
    """pip's joining of backslash-continued lines, done here so that each joined line can have
    its whitespace collapsed: pip-requirements-parser's comment regex, `(^|\\s+)(#.*)$`, is
    quadratic in a run of whitespace, and continued lines of blanks make one of any length.
    One space means the same to pip's tokenizer. A joined line keeps its first line's number;
    the lines it took become blank, as pip numbers them."""
    out: list[str] = []
    start: int | None = None
    for number, line in enumerate(lines):
        is_comment = _COMMENT_LINE.match(line) is not None
        if line.endswith("\\") and not is_comment:
            if start is None:
                start = number
            out.append(line.strip("\\"))
            continue
        if start is None:
            out.append(_WHITESPACE.sub(" ", line))
            continue
        out.append("")
        tail = " " + line if is_comment else line
        out[start] = _WHITESPACE.sub(" ", "".join(out[start:number]) + tail)
        out[start + 1:number] = [""] * (number - start - 1)
        start = None
    if start is not None:
        out[start] = _WHITESPACE.sub(" ", "".join(out[start:]))
        out[start + 1:] = [""] * (len(out) - start - 1)
    return out


# pip-requirements-parser's regexes are quadratic on some long lines (`^(.+)(\[[^\]]+\])$` on
# a line of brackets: 20,000 of them take 0.4 s); no real requirement line comes near these.
MAX_PIP_LINE = 16_384
MAX_BRACKETS = 16
_HASH_OPTION = re.compile(r"[ \t]*--hash[ \t]*=?[ \t]*[^\s\\]+")


def _within_pips_reach(lines: list[str], facts: RequirementsFacts) -> list[str]:
    """Lines pip's parser can take in linear time; the others are invalid lines of ours."""
    for index, line in enumerate(lines):
        if "--hash" in line:  # pip-compile's hashes say nothing we compare: 270 of them are
            line = lines[index] = _HASH_OPTION.sub("", line)  # no reason to refuse a line
        if len(line) > MAX_PIP_LINE or line.count("[") > MAX_BRACKETS:
            facts.invalid.append((index + 1, f"not a requirement: longer than "
                                             f"{MAX_PIP_LINE:,} characters or with more than "
                                             f"{MAX_BRACKETS} '['"))
            lines[index] = ""
    return lines


def _parse_with_pip(lines: list[str], facts: RequirementsFacts) -> None:
    """The lines packaging could not take, at their own line numbers (others left blank).
    The parser reads files only, so they go into a file of our own temporary directory,
    never into the scanned repository."""
    from pip_requirements_parser import RequirementsFile

    from analyzer.tempfiles import shared_private_dir

    handle, path = tempfile.mkstemp(suffix=".txt", dir=shared_private_dir())
    try:
        # A BOM makes it read UTF-8 whatever the locale (it would guess, and fail on an
        # ASCII one); undecodable bytes were never a requirement, `?` says so as well.
        with os.fdopen(handle, "w", encoding="utf-8-sig", errors="replace") as out:
            out.write("\n".join(lines) + "\n")
        parsed = RequirementsFile.from_file(path, include_nested=False)
    finally:
        os.unlink(path)
    for req in parsed.requirements:
        if not req.name:
            continue
        spec = str(req.specifier or "") or (req.link.url if getattr(req, "link", None) else "")
        facts.requirements.append(Requirement(canonicalize_name(req.name), spec,
                                              req.line_number or 0, (req.line or "").strip(),
                                              _extras(req.extras or ()), str(req.marker or "")))
    for option in parsed.options:
        for kind, key in (("-r", "requirements"), ("-c", "constraints")):
            for target in option.options.get(key, []):
                facts.includes.append((kind, target, option.line_number or 0))
    for line in parsed.invalid_lines:
        legacy = _legacy(line.line or "", line.line_number or 0)
        if legacy is not None:
            facts.requirements.append(legacy)
        else:
            facts.invalid.append((line.line_number or 0,
                                  (line.error_message or "").split("\n")[0]))


# A name, then a specifier packaging no longer accepts (PEP 440 came after these files):
# `webassets==dev`, `molecule>=2.*`, clauses without commas (`Django>=1.7 <1.8`,
# `sorl-thumbnail>=11.09<12`, which old pip split on the operators). Read as text: the name
# and the clauses as written, joined by commas.
_CLAUSE = r"(?:===|==|!=|<=|>=|~=|<|>)[ \t]{0,20}[A-Za-z0-9.*+!_-]{1,100}"
_LEGACY = re.compile(rf"([A-Za-z0-9][A-Za-z0-9._-]{{0,200}})[ \t]{{0,20}}({_CLAUSE}"
                     rf"(?:[ \t]{{0,20}},?[ \t]{{0,20}}{_CLAUSE}){{0,10}})[ \t]*(?:#.*)?")
_LEGACY_CLAUSE = re.compile(_CLAUSE)


def _legacy(line: str, number: int) -> Requirement | None:
    match = _LEGACY.fullmatch(line.strip()[:2000])
    if match is None:
        return None
    clauses = ",".join(c.replace(" ", "").replace("\t", "")
                       for c in _LEGACY_CLAUSE.findall(match.group(2)))
    # commas were all it lacked: compared as the same specifier written with them
    clauses = normal_specifier(clauses) or clauses
    return Requirement(canonicalize_name(match.group(1)), clauses, number, line.strip(),
                       legacy=True)


_NAME = r"[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?"
# `name[extras] specifiers` with no marker: packaging's own grammar for these, checked here
# so that only packaging.specifiers loads (packaging.requirements loads markers, tags and
# platform: ~70 ms a pre-commit hook would pay on every commit)
_NO_MARKER = re.compile(rf"({_NAME})\s*(?:\[\s*({_NAME}(?:\s*,\s*{_NAME})*)?\s*\])?\s*"
                        r"([<>=!~][^;@]*)?")


def _read_plain(line: str) -> tuple[str, str, list[str], str] | None:
    """(name, normalised specifier, extras, marker) as packaging reads the requirement;
    None when it is invalid."""
    plain = _NO_MARKER.fullmatch(line)
    if plain is not None:
        spec = normal_specifier(plain.group(3) or "")
        if spec is None:
            return None
        extras = [e.strip() for e in (plain.group(2) or "").split(",") if e.strip()]
        return plain.group(1), spec, extras, ""
    from packaging.requirements import InvalidRequirement
    from packaging.requirements import Requirement as Parsed

    try:
        parsed = Parsed(line)
    except InvalidRequirement:
        return None
    return parsed.name, str(parsed.specifier), list(parsed.extras), str(parsed.marker or "")


# One clause on a plain release (`==2.31.0`, `>=4`), which packaging keeps as written, the
# spaces dropped: most lines of most files, read without loading packaging (~3 ms a hook).
_SIMPLE_SPECIFIER = re.compile(r"[ \t]*(==|!=|<=|>=|<|>)[ \t]*([0-9]+(?:\.[0-9]+)*)[ \t]*")


def normal_specifier(text: str) -> str | None:
    """`str(SpecifierSet(text))`: the specifier as packaging writes it; None when packaging
    refuses it."""
    simple = _SIMPLE_SPECIFIER.fullmatch(text)
    if simple is not None:
        return simple.group(1) + simple.group(2)
    if not text:
        return ""
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    try:
        return str(SpecifierSet(text))
    except InvalidSpecifier:
        return None


def _extras(extras: object) -> tuple[str, ...]:
    return tuple(sorted(canonicalize_name(e) for e in extras))  # type: ignore[attr-defined]
