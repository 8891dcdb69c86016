"""One plan file, parsed once and shared by every reader that scores it."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from analyzer.compat import tomllib
from analyzer.errors import InputError

STRUCTURED_SUFFIXES = (".json", ".yaml", ".yml", ".toml")
_CHECKBOX = re.compile(r"^\[([ xX])\]\s*")
_FRONT_MATTER_END = re.compile(r"^(?:---|\.\.\.)\s*$")


@dataclass(frozen=True)
class Block:
    kind: str  # "heading", "paragraph", "item"
    level: int  # heading level, or list nesting depth
    start: int  # 0-based first line
    end: int  # 0-based line after the block
    text: str  # a heading's text; the first line of a paragraph or item (checkbox removed)
    checkbox: str = ""  # "", " " (open) or "x" (done)


class Document:
    def __init__(self, path: str, text: str):
        self.path = path
        self.text = text
        self.suffix = Path(path).suffix.lower()
        self.memo: dict[str, Any] = {}  # what a reader found while scoring, for its read

    @cached_property
    def lines(self) -> list[str]:
        return self.text.splitlines()

    @property
    def structured(self) -> bool:
        return self.suffix in STRUCTURED_SUFFIXES

    @cached_property
    def blocks(self) -> list[Block]:
        return [] if self.structured else markdown_blocks(self.text)

    @cached_property
    def headings(self) -> list[Block]:
        return [b for b in self.blocks if b.kind == "heading"]

    @cached_property
    def section_ends(self) -> dict[int, int]:
        """Heading start -> the line where its section ends (the next heading of its level or
        above), found in one pass."""
        ends: dict[int, int] = {}
        open_sections: list[Block] = []
        for h in self.headings:
            while open_sections and open_sections[-1].level >= h.level:
                ends[open_sections.pop().start] = h.start
            open_sections.append(h)
        for h in open_sections:
            ends[h.start] = len(self.lines)
        return ends

    @cached_property
    def data(self) -> Any:
        """The parsed structured file (JSON, YAML, TOML); None for markdown."""
        return parse_structured(self.path, self.text, self.suffix) if self.structured else None

    @cached_property
    def front_matter(self) -> tuple[dict[str, Any], int]:
        """YAML front matter between `---` lines, and the 0-based line after it."""
        lines = self.lines
        if not lines or lines[0].strip() != "---":
            return {}, 0
        for i in range(1, min(len(lines), 500)):
            if _FRONT_MATTER_END.match(lines[i]):
                from analyzer.parsers.yaml_safe import load_yaml

                try:
                    data = load_yaml("\n".join(lines[1:i]), scalars_as_text=True)
                except InputError:
                    return {}, 0
                return (data if isinstance(data, dict) else {}), i + 1
        return {}, 0

    def body(self, start: int, end: int) -> list[tuple[int, str]]:
        """Lines [start, end) as (1-based number, text)."""
        first = max(start, 0)
        last = max(first, min(end, len(self.lines)))  # (a slice would read a negative end)
        return list(zip(range(first + 1, last + 1), self.lines[first:last], strict=True))

    def section_of(self, heading: Block) -> tuple[int, int]:
        return heading.start, self.section_ends.get(heading.start, len(self.lines))


_FENCE = re.compile(r"^\s*(`{3,}|~{3,})")
_ATX = re.compile(r"^\s{0,3}(#{1,6})(?:\s+(.*?))?\s*$")
_SETEXT = re.compile(r"^\s{0,3}(=+|-+)\s*$")
_BREAK = re.compile(r"^\s{0,3}(?:(?:-\s*){3,}|(?:\*\s*){3,}|(?:_\s*){3,})$")
_ITEM = re.compile(r"^(\s*)([-*+]|\d{1,9}[.)])(\s+|$)")
_CLOSING_HASHES = re.compile(r"\s+#+\s*$")


@dataclass
class _Open:
    marker_indent: int
    content_indent: int
    start: int
    text: str
    checkbox: str
    last: int  # last line that belongs to it


def markdown_blocks(text: str) -> list[Block]:
    """Headings, top-level paragraphs and list items (with their nesting depth), in
    document order: the block structure of CommonMark that plans use, in one linear pass
    over the lines (a full parser costs a second per megabyte)."""
    lines = text.splitlines()
    blocks: list[Block] = []
    items: list[_Open] = []
    paragraph: int | None = None  # start of the open top-level paragraph
    fence = ""
    blank_before = True

    def close_items(indent: int) -> None:
        while items and items[-1].marker_indent >= indent:
            item = items.pop()
            blocks.append(Block("item", len(items) + 1, item.start, item.last + 1, item.text,
                                item.checkbox))
            if items:  # a parent holds its nested items
                items[-1].last = max(items[-1].last, item.last)

    def close_paragraph(end: int) -> None:
        nonlocal paragraph
        if paragraph is not None:
            blocks.append(Block("paragraph", 0, paragraph, end, lines[paragraph].strip()))
            paragraph = None

    for i, line in enumerate(lines):
        if fence:
            if line.strip().startswith(fence) and line.strip().strip(fence[0]) == "":
                fence = ""
            if items:
                items[-1].last = i
            continue
        stripped = line.strip()
        if not stripped:
            close_paragraph(i)
            blank_before = True
            continue
        indent = len(line) - len(line.lstrip())
        first = stripped[0]  # a cheap look decides which patterns can apply
        heading = _ATX.match(line) if first == "#" else None
        if heading:
            close_paragraph(i)
            close_items(0)
            title = _CLOSING_HASHES.sub("", heading.group(2) or "")
            blocks.append(Block("heading", len(heading.group(1)), i, i + 1, title.strip()))
            blank_before = True
            continue
        if paragraph is not None and first in "=-" and _SETEXT.match(line) and not items:
            level = 1 if stripped.startswith("=") else 2
            blocks.append(Block("heading", level, paragraph, i + 1, lines[paragraph].strip()))
            paragraph = None
            blank_before = True
            continue
        if first in "-*_" and _BREAK.match(line):
            close_paragraph(i)
            close_items(indent)
            blank_before = True
            continue
        opening = _FENCE.match(line) if first in "`~" else None
        if opening:
            fence = opening.group(1)[0] * len(opening.group(1))
            close_paragraph(i)
            if items and (indent > items[-1].marker_indent or not blank_before):
                items[-1].last = i
            else:
                close_items(indent)
            blank_before = False
            continue
        item = _ITEM.match(line) if first in "-*+0123456789" else None
        # An ordered item interrupts a paragraph only when it starts at 1 (CommonMark).
        if item and not (paragraph is not None and item.group(2)[:-1] not in ("", "1")):
            close_paragraph(i)
            close_items(indent)
            marker_end = item.end(2)
            content = line[item.end():]
            box = _CHECKBOX.match(content)
            items.append(_Open(indent, marker_end + 1, i,
                               _CHECKBOX.sub("", content, count=1).strip(),
                               box.group(1).lower() if box else "", i))
        elif items and (indent > items[-1].marker_indent or not blank_before):
            items[-1].last = i  # a continuation of the open item
        else:
            close_items(indent)
            if items:
                items[-1].last = i
            elif paragraph is None:
                paragraph = i
        blank_before = False
    close_paragraph(len(lines))
    close_items(0)
    blocks.sort(key=lambda b: (b.start, b.level))
    return blocks


def parse_structured(path: str, text: str, suffix: str) -> Any:
    try:
        if suffix == ".json":
            return json.loads(text)
        if suffix == ".toml":
            return tomllib.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"invalid JSON: {exc.msg}", path, exc.lineno) from None
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"line (\d+)", str(exc))
        line = int(match.group(1)) if match else None
        raise InputError(f"invalid TOML: {exc}", path, line) from None
    except (RecursionError, ValueError):  # nested too deeply; an int of 4,300+ digits
        kind = "JSON" if suffix == ".json" else "TOML"
        raise InputError(f"invalid {kind}: nested too deeply or a number too long", path) \
            from None
    from analyzer.parsers.yaml_safe import load_yaml

    return load_yaml(text, path)
