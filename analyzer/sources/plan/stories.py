"""The order of a plan's phases and user stories, as its prose declares it.

Phases run one after another by default. Stated dependencies replace that chain for the
stage they name ("US4 depends on US2, US3", "Phase 4 (US2): Depends on Phase 2"); "all user
stories can start in parallel" lets every story start after the phases before the first
story; a pair declared parallel ("US2 & US3 (Can run in parallel)", "Developer A: US1 …
Developer B: US2") drops the default edge between them. A phase after the stories (Polish)
waits for everything before it.
"""

from __future__ import annotations

import re

from analyzer.sources.plan.document import Document
from analyzer.sources.plan.model import Plan, PlanStage

_STORY_REF = re.compile(
    r"\b(?:US|user stor(?:y|ies)|stor(?:y|ies))\s{0,2}(\d{1,3})"
    r"(?:\s{0,2}[-–]\s{0,2}(?:US)?(\d{1,3}))?"
    r"((?:\s{0,2}(?:,|&|\+|/|\band\b)\s{0,2}(?:US)?\d{1,3}\b)*)",
    re.IGNORECASE)
_PHASE_REF = re.compile(
    r"\bphases?\s{0,2}(\d{1,3})(?:\s{0,2}[-–]\s{0,2}(\d{1,3}))?"
    r"((?:\s{0,2}(?:,|&|\+|/|\band\b)\s{0,2}\d{1,3}\b)*)", re.IGNORECASE)
_MORE = re.compile(r"\d{1,3}")
_DEPENDS = re.compile(r"\bdepends?\s+on\b|\bafter\b", re.IGNORECASE)
_ALL_STORIES = re.compile(
    r"(?:all\s+)?(?:user\s+)?stor(?:y|ies)(?:\s+implementation)?\b.{0,60}?\b(?:can|may)\b.{0,40}?"
    r"\bparallel|(?:user\s+)?stories\b.{0,30}?\bin\s+parallel", re.IGNORECASE)
_ALL_STORIES_REF = re.compile(r"\ball\s+(?:\w+\s+){0,2}(?:user\s+)?stories\b", re.IGNORECASE)
_PARALLEL = re.compile(r"\bparallel\b|∥|\|\|", re.IGNORECASE)
_NOT_PARALLEL = re.compile(r"\b(?:not|never|cannot|can't)\b[^.]{0,30}\bparallel", re.IGNORECASE)
_DEVELOPER = re.compile(
    r"^[\s#>*_-]{0,6}(?:\d+\.\s*)?\**(?:developer|dev|team member|engineer|person)\s+([A-Z0-9])\b",
    re.IGNORECASE)
_BREAK = re.compile(r"^\s{0,3}(?:#{1,6}\s|\d+\.\s|[-*]\s+\*\*(?:week|step|day)\b)", re.IGNORECASE)
_PAREN = re.compile(r"\([^()]{0,200}\)")


def _numbers(match: re.Match[str]) -> list[int]:
    first = int(match.group(1))
    if match.group(2):
        last = int(match.group(2))
        return list(range(first, last + 1)) if 0 <= last - first <= 50 else [first]
    return [first, *(int(n) for n in _MORE.findall(match.group(3) or ""))]


class _Resolver:
    def __init__(self, stages: list[PlanStage]):
        self.stages = stages
        self.by_story = {s.story: s.key for s in stages if s.story}
        self.by_number: dict[int, str] = {}
        self.by_word: dict[str, str] = {}
        for stage in stages:
            number = re.match(r"^\w+\s+(\d+)", stage.key)
            if number:
                self.by_number.setdefault(int(number.group(1)), stage.key)
            words = re.sub(r"^\W*\w+\s+\d+\w*\s*[:.–-]?\s*", "", stage.name)
            word = re.match(r"[A-Za-z]{4,}", words)
            if word and not stage.story and word.group().lower() not in ("user", "phase"):
                self.by_word.setdefault(word.group().lower(), stage.key)
        words = "|".join(re.escape(w) for w in self.by_word)
        self.might_name = re.compile(r"US\s{0,2}\d|stor(?:y|ies)|phases?\s{0,2}\d"
                                     + (f"|\\b(?:{words})\\b" if words else ""), re.IGNORECASE)

    def stages_in(self, text: str, *, all_stories: bool = True) -> list[str]:
        """The stages a piece of prose names; "all user stories" names every story unless
        `all_stories` is off."""
        if not self.might_name.search(text):
            return []
        keys: list[str] = []
        for match in _STORY_REF.finditer(text):
            keys += [self.by_story[f"US{n}"] for n in _numbers(match) if f"US{n}" in self.by_story]
        for match in _PHASE_REF.finditer(text):
            keys += [self.by_number[n] for n in _numbers(match) if n in self.by_number]
        if all_stories and _ALL_STORIES_REF.search(text):
            keys += list(self.by_story.values())
        lowered = text.lower()
        keys += [key for word, key in self.by_word.items() if re.search(rf"\b{word}\b", lowered)]
        return list(dict.fromkeys(keys))


def declare_story_order(doc: Document, plan: Plan) -> None:
    stages = plan.stages
    if len(stages) < 2:
        return
    resolve = _Resolver(stages)
    stories = {s.key for s in stages if s.story}
    task_lines = {number for t in plan.tasks for number, _ in t.body}
    explicit: dict[str, list[str]] = {}
    parallel_pairs: list[tuple[str, str]] = []
    all_parallel = ""
    developer_block: dict[str, list[str]] = {}
    for number, line in enumerate(doc.lines, 1):
        if number in task_lines or len(line) > 2000:
            continue
        if _BREAK.match(line):
            developer_block = {}
        developer = _DEVELOPER.match(line)
        if developer:
            who = developer.group(1).upper()
            if who in developer_block:
                developer_block = {}
            mine = [k for k in resolve.stages_in(line[developer.end():]) if k in stories]
            for theirs in developer_block.values():
                parallel_pairs += [(a, b) for a in mine for b in theirs if a != b]
            developer_block[who] = mine
            continue
        if not resolve.stages_in(line) and not _ALL_STORIES.search(line):
            continue
        depends = _DEPENDS.search(line)
        if depends and re.search(r"depends?\s+on", depends.group(), re.IGNORECASE):
            subject = resolve.stages_in(line[:depends.start()])
            clause = _PAREN.sub(" ", line[depends.end():])
            clause = re.split(r"\s[-–—]\s|;|\bparallel\b|\bbut\b", clause, maxsplit=1)[0]
            targets = resolve.stages_in(clause)
            for key in subject:
                deps = [t for t in targets if t != key]
                if deps:
                    explicit.setdefault(key, [])
                    explicit[key] += [d for d in deps if d not in explicit[key]]
        if _PARALLEL.search(line) and not _NOT_PARALLEL.search(line):
            named = [k for k in resolve.stages_in(line, all_stories=False) if k in stories]
            if _ALL_STORIES_REF.search(line) or (_ALL_STORIES.search(line) and not named):
                all_parallel = all_parallel or line.strip()[:120]
                continue
            parallel_pairs += [(a, b) for i, a in enumerate(named) for b in named[i + 1:]]
    _order(plan, explicit, parallel_pairs, bool(all_parallel))
    if explicit:
        plan.declared.append("stage order from the stated dependencies: " + "; ".join(
            f"{k} after {', '.join(v)}" for k, v in list(explicit.items())[:12]))
    if all_parallel:
        plan.declared.append(f"user stories declared parallel: \"{all_parallel}\"")
    order = {s.key: i for i, s in enumerate(stages)}
    pairs = list(dict.fromkeys(" \u2225 ".join(sorted(pair, key=order.__getitem__))
                               for pair in parallel_pairs))
    if pairs:
        plan.declared.append("declared parallel: " + ", ".join(pairs[:8])
                             + (" …" if len(pairs) > 8 else ""))


def _order(plan: Plan, explicit: dict[str, list[str]], pairs: list[tuple[str, str]],
           all_parallel: bool) -> None:
    stages = plan.stages
    position = {s.key: i for i, s in enumerate(stages)}
    for i, stage in enumerate(stages):
        earlier_plain = [s.key for s in stages[:i] if not s.story]
        if stage.key in explicit:
            after = [k for k in explicit[stage.key] if position.get(k, i) < i]
            if stage.story and earlier_plain and not any(
                    not stages[position[k]].story for k in after):
                after.append(earlier_plain[-1])
            stage.after = after or stage.after
        elif not stage.story:
            stage.after = [s.key for s in stages[:i]] if any(s.story for s in stages[:i]) \
                else stage.after
        elif all_parallel and earlier_plain:
            stage.after = [earlier_plain[-1]]
    by_key = {s.key: s for s in stages}
    for a, b in pairs:
        if a not in by_key or b not in by_key:
            continue
        first, second = sorted((by_key[a], by_key[b]), key=lambda s: position[s.key])
        if second.key not in explicit and second.after == [first.key]:
            second.after = list(first.after)
            for later in stages[position[second.key] + 1:]:  # what waited for both still does
                if second.key in later.after and first.key not in later.after:
                    later.after.append(first.key)
