"""Small parsers the markdown readers share: titles, dependency lines, references, phases."""

from __future__ import annotations

import re
from itertools import pairwise

from analyzer.sources.plan.document import Block, Document
from analyzer.sources.plan.model import PlanStage, PlanTask
from analyzer.sources.plan_text import folded, may_mention, may_mention_folded, needed

_EMPHASIS = re.compile(r"(?<![\w])[*_]{1,3}|[*_]{1,3}(?![\w])|`")
_DEPENDS_LABEL = re.compile(
    r"^[\s>*_-]*(?:depends on|dependencies|dependency|requires|blocked by|runs? after|after|"
    r"prerequisites?)\s*[*_]*\s*:\s*[*_]*(.*)$",
    re.IGNORECASE,
)
# "Needs Agent 2", "after Agent 1, 2, 4 merged", "depends on Task 3", "blocked by T012"
_DEPENDS_PROSE = re.compile(
    r"\b(?:needs|depends on|requires|blocked by|waits? for|after|once)\b", re.IGNORECASE)
# "Run last", "do this after every other task": waits for all the others.
_LAST = re.compile(r"\b(?:runs?|run it|do (?:this|it)|goes|comes|starts?)\s+last\b|"
                   r"\bafter (?:all|every) (?:the )?(?:other )?(?:tasks|agents|tracks|lanes|"
                   r"sessions|work)\b|\bonce (?:all|every) (?:other )?(?:tasks|agents|tracks|"
                   r"lanes) (?:are|have)\b", re.IGNORECASE)
EVERY_OTHER = "*"
_NONE = re.compile(r"^\W*(?:none|nothing|n/a|-|no dependencies)\b", re.IGNORECASE)
# A task reference: a prefix word and numbers ("Agent 1, 2 & 4", "Task 3"), or an id.
_REF_RUN = re.compile(
    r"\b(agent|task|track|lane|session|wp|ticket)s?\s+#?([A-Z]?\d+(?:\.\d+)?)"
    r"((?:\s{0,3}(?:,|&|\+|/|\band\b)\s{0,3}#?[A-Z]?\d+(?:\.\d+)?\b)*)",
    re.IGNORECASE,
)
_REF_MORE = re.compile(r"[A-Z]?\d+(?:\.\d+)?", re.IGNORECASE)
_BARE_ID = re.compile(r"(?<![\w.-])(T\d{2,4}|[A-Z]\d{1,2}|#\d{1,5})(?![\w-])")
_PHASE_HEADING = re.compile(
    r"^(?:\W{0,3})(phase|wave|stage|group|batch|milestone|sprint|week|step|part|level|round)"
    r"\s*(\d+(?:\.\d+)*[a-z]?|[A-Z]\b)?", re.IGNORECASE)


_IN_ORDER = re.compile(r"\b(?:sequential(?:ly)?|in order|one (?:at a time|after (?:the )?other|"
                       r"after another)|serial(?:ly)?|not parallel)\b", re.IGNORECASE)


def plain(text: str) -> str:
    """A title without markdown emphasis (at word edges only: `0001_init.py` stays whole),
    code ticks, or a trailing colon."""
    if "*" in text or "_" in text or "`" in text:  # (what every emphasis holds)
        text = _EMPHASIS.sub("", text)
    return text.strip().rstrip(":").strip()


def short_title(text: str, limit: int = 80) -> str:
    """A task's title: its first clause."""
    title = re.split(r"[:;]\s|\.\s|\s[(–—]", plain(text), maxsplit=1)[0].strip()
    return title if len(title) <= limit else title[: limit - 1].rstrip() + "…"


def references(text: str) -> list[str]:
    """Task references in a piece of prose: "Agent 1, 2 & 4" -> Agent 1, Agent 2, Agent 4."""
    refs: list[str] = []
    for match in _REF_RUN.finditer(text[:2000]):
        word = match.group(1).capitalize()
        for number in [match.group(2), *_REF_MORE.findall(match.group(3) or "")]:
            refs.append(f"{word} {number}")
    refs += [m.group(1) for m in _BARE_ID.finditer(text[:2000])]
    return list(dict.fromkeys(refs))


def dependency_refs(body: list[tuple[int, str]]) -> list[str]:
    """References on the dependency lines of a task's body: a `Dependencies:` label with its
    value or the list under it, and prose such as "Needs Agent 2" or "after Task 1 is merged"."""
    refs: list[str] = []
    lower = folded("\n".join([line for _, line in body[1:]]))
    if lower is not None and not any(map(lower.__contains__, _ANY_DEPENDENCY_WORDS)):
        return refs  # no line holds a word any of the patterns needs: most bodies
    under_label = False
    for _, line in body[1:]:
        lower = folded(line)  # once for the three patterns' words
        if may_mention_folded(lower, _LAST_WORDS) and _LAST.search(line[:2000]):
            refs.append(EVERY_OTHER)
        label = _DEPENDS_LABEL.match(line) if ":" in line and may_mention_folded(
            lower, _LABEL_WORDS) else None
        if label:
            value = label.group(1).strip()
            under_label = not value
            if value and not _NONE.match(plain(value)):
                refs += references(value) or _plain_list(value)
            continue
        stripped = line.strip()
        if under_label and stripped.startswith(("-", "*", "+")):
            refs += references(stripped)
            continue
        under_label = False
        if may_mention_folded(lower, _PROSE_WORDS) and _DEPENDS_PROSE.search(line):
            for clause in re.split(r"(?i)\b(?:needs|depends on|requires|blocked by|waits? for|"
                                   r"after|once)\b", line[:2000])[1:]:
                refs += references(clause[:120])
    return list(dict.fromkeys(refs))


def labelled_dependencies(body: list[tuple[int, str]]) -> list[str]:
    """Only the `Depends on: …` labels of a body, no prose: for shapes whose descriptions
    say "after" without meaning an order (spec-kit's `**Action**:` bullets)."""
    refs: list[str] = []
    for _, line in body[1:]:
        label = _DEPENDS_LABEL.match(line) if _may_label(line) else None
        if label and label.group(1).strip() and not _NONE.match(plain(label.group(1))):
            value = label.group(1).strip()
            refs += references(value) or _plain_list(value)
    return list(dict.fromkeys(refs))


# words each of the patterns above needs, to skip the lines that cannot match (most of them)
_LAST_WORD_LIST = ("last", "after", "once")
_PROSE_WORD_LIST = ("need", "depends on", "requires", "blocked by", "wait", "after", "once")
_LABEL_WORD_LIST = ("depend", "requires", "blocked by", "after", "prerequisite")
_LAST_WORDS = needed(*_LAST_WORD_LIST)
_PROSE_WORDS = needed(*_PROSE_WORD_LIST)
_LABEL_WORDS = needed(*_LABEL_WORD_LIST)
# every word of the three above, each looked for on its own (str.find speed: an alternation
# of words is tried at every character)
_ANY_DEPENDENCY_WORDS = tuple(dict.fromkeys(
    (*_LAST_WORD_LIST, *_PROSE_WORD_LIST, *_LABEL_WORD_LIST)))


def _may_label(line: str) -> bool:
    return ":" in line and may_mention(line, _LABEL_WORDS)


def _plain_list(value: str) -> list[str]:
    cleaned = re.sub(r"[*_`]", "", value)
    return [r.strip() for r in re.split(r",|;|\band\b", cleaned) if r.strip()][:20]


def phase_headings(doc: Document, below_level: int = 7) -> list[Block]:
    """Headings that name a phase, wave, group … (above the task level)."""
    return [h for h in doc.headings
            if h.level < below_level and _PHASE_HEADING.match(plain(h.text))]


def stage_key(text: str) -> str:
    """"Phase 3: User Story 1 - Login" -> "Phase 3"; a heading without a number keeps its
    text."""
    match = _PHASE_HEADING.match(plain(text))
    if match and match.group(2):
        return f"{match.group(1).capitalize()} {match.group(2)}"
    return short_title(text, 40)


def assign_stages(doc: Document, tasks: list[PlanTask], headings: list[Block],
                  inside: str = "parallel") -> list[PlanStage]:
    """Put each task in the innermost of `headings` above it; the stages run in document
    order, one after another, unless the plan declares otherwise later."""
    stages: list[PlanStage] = []
    used: dict[str, PlanStage] = {}
    spans = [(h, *doc.section_of(h)) for h in headings]
    open_spans: list[tuple[Block, int, int]] = []
    next_span = 0
    for task in sorted(tasks, key=lambda t: t.line):  # one walk: sections nest
        index = task.line - 1
        while next_span < len(spans) and spans[next_span][0].start < index:
            while open_spans and open_spans[-1][2] <= spans[next_span][1]:
                open_spans.pop()
            open_spans.append(spans[next_span])
            next_span += 1
        while open_spans and open_spans[-1][2] <= index:
            open_spans.pop()
        if not open_spans:
            continue
        owner = open_spans[-1][0]
        key = stage_key(owner.text)
        if key not in used:
            how = inside
            if inside == "parallel" and _IN_ORDER.search(owner.text):
                how = "sequence"  # "## Phase 2 (sequential)"
            stage = PlanStage(key, plain(owner.text), owner.start + 1, how)
            used[key] = stage
            stages.append(stage)
        task.stage = key
    for previous, stage in pairwise(stages):
        stage.after = [previous.key]
    return stages


_OWNS = re.compile(r"\b(?:owns?|files you own|owned files|files? owned|you own|ownership|"
                   r"write[_ ]allow|files to (?:edit|create|modify)|files)\b[^:]{0,40}:"
                   r"\s*[*_]*\s*$", re.IGNORECASE)
_SPAN = re.compile(r"`([^`\n]{1,300})`")
_LISTED_PATH = re.compile(r"^\s*[-*+]\s+([\w./*{}\[\]-]*[/.*][\w./*{}\[\]-]*)")


def owned_files(body: list[tuple[int, str]]) -> list[tuple[str, int]]:
    """Paths listed under "owns:" / "Files you own:" / "Files:" in a task's body."""
    found: list[tuple[str, int]] = []
    indent: int | None = None
    for number, line in body:
        stripped = line.strip()
        if _OWNS.search(stripped):
            indent = len(line) - len(line.lstrip())
            continue
        if indent is None:
            continue
        depth = len(line) - len(line.lstrip())
        if not stripped or not stripped.startswith(("-", "*", "+")) or depth < indent:
            if stripped:
                indent = None
            continue
        spans = _SPAN.findall(stripped)
        listed = _LISTED_PATH.match(line)
        for token in spans or ([listed.group(1)] if listed else []):
            if "/" in token or "." in token.lstrip("."):
                found.append((token.strip(), number))
    return found
