"""Touches read across a plan's tasks, after each task is read on its own.

A bare `main.py` is the plan's one `src/backend/main.py`; "add a stage filter to the list
endpoint" writes the file a recent task put the list endpoint in; a task that adds endpoints
to a web app whose plan names only its app module registers them there; "update all
templates" is the plan's `templates/`. Each needs what the other tasks say.
"""

from __future__ import annotations

import posixpath
import re
from collections import deque
from collections.abc import Callable, Sequence

from analyzer.model import Kind, Mode, Resource
from analyzer.sources.plan_facts import PlanFacts
from analyzer.sources.plan_paths import norm
from analyzer.sources.plan_predicted import PredictedTouch, TaskText, dedupe
from analyzer.sources.plan_text import VerbIndex, folded


def resolve_names(touches: list[PredictedTouch], facts: PlanFacts) -> list[PredictedTouch]:
    """Bare and partial file names -> the one full path the plan or repository names."""
    resolved = []
    renamed = False
    for touch in touches:
        if touch.resource.kind is Kind.FILE:
            path, candidates = facts.resolve(touch.resource.key)
            if path != touch.resource.key:
                touch = touch._replace(resource=Resource(Kind.FILE, path))
                renamed = True
            elif candidates:
                shown = ", ".join(candidates[:3]) + (" …" if len(candidates) > 3 else "")
                touch = touch._replace(detail=(touch.detail + "; " if touch.detail else "")
                                + f"ambiguous: {shown}")
        resolved.append(touch)
    # `touches` come deduplicated (a task's finish()): only a new name can make a duplicate
    return dedupe(resolved) if renamed else resolved


# a clause that adds routes or middleware to the app: "create knowledge API routes", "create
# rate limit middleware", "provide an API endpoint"; not "add auth to all routes" (edits them)
_WIRING = re.compile(
    r"\b(?:add|adds|adding|create|creates|creating|implement|implements|implementing|build|"
    r"builds|develop|develops|provide|provides|expose|exposes|register|registers|set up|new)\b"
    r"(?:(?!\b(?:to|from|in|into|across|for|of|on|with|by)\b)[^.;:,()\n]){0,40}?"
    r"\b(?:endpoints?|routes?|routers?|websockets?|middlewares?)\b|"
    r"\bcors\b(?: \w+)? (?:configuration|settings|policy|origins|middleware)\b", re.IGNORECASE)
# the plan is a web app; packages that only exist for one (slowapi, uvicorn) say so too
_WEB_APP = re.compile(r"\b(?:fastapi|flask|starlette|litestar|sanic|quart|slowapi|uvicorn)\b",
                      re.IGNORECASE)
_ASGI_APP = re.compile(r"\b(?:fastapi|starlette|slowapi|uvicorn)\b", re.IGNORECASE)
_WIRED_MODULES = re.compile(r"(?:^|/)(?:routes?|routers?|endpoints?|api|views?|blueprints?|"
                            r"handlers?|controllers?|middlewares?)(?:/|\.py$)")
_ENTRY_NAMES = ("main.py", "app.py")
_CONVENTIONAL_ENTRY = "main.py"  # FastAPI's own layout: `app = FastAPI()` in main.py


def routes_into_the_app(tasks: Sequence[TaskText], results: list[list[PredictedTouch]],
                        python_side: list[Callable[[str], bool]], facts: PlanFacts) -> None:
    """A web app registers its routers and middleware in its one app module (`include_router`,
    `add_middleware`). Where the plan names no module for routes or middleware, a task that
    adds them without naming one of those files writes that app module: the one the plan
    names, else, in a FastAPI plan, `main.py` (the one the repository or plan has when it
    names one by that name)."""
    text = " ".join(line for lines, _ in tasks for _, line in lines[:50])[:200_000]
    if not _WEB_APP.search(text) or any(
            _WIRED_MODULES.search(t.resource.key) for touches in results for t in touches
            if t.resource.kind in (Kind.FILE, Kind.AREA)):
        return
    entries = {t.resource.key for touches in results for t in touches
               if t.resource.kind is Kind.FILE and t.mode.writes
               and posixpath.basename(t.resource.key) in _ENTRY_NAMES}
    if not entries and _ASGI_APP.search(text) and not facts.uses_django:  # Django: urls.py
        entries = {facts.resolve(_CONVENTIONAL_ENTRY)[0]}
    if len(entries) != 1:
        return
    entry = entries.pop()
    for (lines, _), touches, on_python_side in zip(tasks, results, python_side, strict=True):
        if any(t.resource.kind in (Kind.FILE, Kind.AREA) and t.mode.writes
               and posixpath.basename(t.resource.key) in _ENTRY_NAMES for t in touches):
            continue
        for number, line in lines:
            wiring = _WIRING.search(line)
            if wiring and on_python_side(line):
                what = "middleware" if re.search(r"middleware|cors", wiring.group(0), re.I) else (
                    "routes")
                touches.append(PredictedTouch(Resource(Kind.FILE, entry), Mode.WRITE, number,
                                              line.strip(), f"registers its {what} in the app"))
                break


_ALL_OF = re.compile(r"\ball (?:the |of the )?([a-z][a-z_-]{2,30})\b", re.IGNORECASE)


def all_of_a_directory(tasks: Sequence[TaskText], results: list[list[PredictedTouch]]) -> None:
    """"Update all templates" where the plan has a top-level `templates/`: that directory."""
    # the tasks that may say "all <word>" (no match crosses a line end): most say none
    saying = [(lines, touches) for (lines, _), touches in zip(tasks, results, strict=True)
              if _may_say_all_of("\n".join([line for _, line in lines]))]
    if not saying:
        return
    top = {t.resource.key.split("/", 1)[0] for touches in results for t in touches
           if t.resource.kind in (Kind.FILE, Kind.AREA) and "/" in t.resource.key}
    for lines, touches in saying:
        for number, line in lines:
            for match in _ALL_OF.finditer(line[:2000]):
                word = match.group(1).lower()
                if word in top and word not in _NOT_DIRECTORIES:
                    verb = VerbIndex(line).mode_at(match.start())
                    if verb.writes:
                        touches.append(PredictedTouch(Resource(Kind.AREA, word + "/"), Mode.WRITE,
                                                      number, line.strip(), f"all {word}"))
                    break


# _ALL_OF in a lowercased ASCII text, its leading \b asked after the literal "all" (a literal
# first is found at str.find speed; a pattern that starts with \b is tried at every character)
_ALL_OF_LOWER = re.compile(r"all(?<![a-z0-9_]all) (?:the |of the )?[a-z][a-z_-]{2,30}\b")


def _may_say_all_of(text: str) -> bool:
    """False only where _ALL_OF finds nothing."""
    lower = folded(text)
    return lower is None or _ALL_OF_LOWER.search(lower) is not None


_NOT_DIRECTORIES = frozenset(("src", "app", "lib", "backend", "frontend", "tests", "test",
                              "docs", "scripts"))


_PLACE = re.compile(
    r"\b([a-z][a-z_-]{2,30} [a-z][a-z_-]{2,30}) (?:in|at) `?([\w./-]{3,200}\.\w{1,6})")
_NOT_PLACES = frozenset(("the", "a", "an", "this", "that", "it", "file", "files", "code", "all",
                         "and", "or", "with", "logic", "method", "function", "class", "tests",
                         "test", "support", "changes", "handling", "field", "fields"))
_LOOK_BACK = 8
_MAX_PLACES = 32


def inherit_named_places(tasks: Sequence[TaskText], results: list[list[PredictedTouch]]) -> None:
    """"Add stage filter to list endpoint" after "Add search to list endpoint in ideas.py":
    a task that names no file but the same thing a recent task placed in one writes that file.
    Only from the few tasks just before it, and only by a two-word name ("list endpoint")."""
    scoped = [any(t.resource.kind in (Kind.FILE, Kind.AREA) and t.mode.writes for t in touches)
              for touches in results]
    # the next task that names no file, after each task: a place is read only by one of those,
    # within _LOOK_BACK tasks (most plans have few such tasks, many have none)
    after = [len(results) + _LOOK_BACK + 1] * (len(results) + 1)
    for index in range(len(results) - 1, -1, -1):
        after[index] = after[index + 1] if scoped[index] else index
    places: deque[tuple[int, str, str]] = deque()  # task index, "list endpoint", path
    for index, ((lines, _), touches) in enumerate(zip(tasks, results, strict=True)):
        if scoped[index] and after[index + 1] - index > _LOOK_BACK:
            continue  # no task that could inherit its places comes soon enough
        text = " ".join([line for _, line in lines])[:4000]
        if not scoped[index]:
            while places and index - places[0][0] > _LOOK_BACK:
                places.popleft()  # only the few tasks just before count: the cost stays linear
            recent = list(places)[-_MAX_PLACES:]
            for _, name, path in reversed(recent):
                at = text.find(name)
                if at >= 0:
                    number = lines[0][0] if lines else 0
                    results[index].append(PredictedTouch(
                        Resource(Kind.FILE, path), Mode.WRITE, number, text[:200],
                        f"the {name} of {path}"))
                    break
            continue
        written: set[str] | None = None  # made for the first place named: few tasks name one
        for match in _PLACE.finditer(text):
            name, path = match.group(1), norm(match.group(2))
            if set(name.split()) & _NOT_PLACES:
                continue
            if written is None:
                written = {t.resource.key for t in touches if t.mode.writes}
            full = next((w for w in written if w == path or w.endswith("/" + path)), None)
            if full:
                places.append((index, name, full))
