"""Paths in plan prose: which words are files, in one linear pass over a line.

A line is split on whitespace once; each word is trimmed of markdown and punctuation and then
judged on its own (an extension, a known file name, a trailing slash). Context that changes
what a word means is read from its neighbours only: `button.tsx` in "in `ui/` (button.tsx,
card.tsx)" lives in `ui/`; `.env.example` in "Create .env.example in backend/" lives in
`backend/`. Nothing here re-reads the line per path, so a line of thousands of paths costs what
its length costs.
"""

from __future__ import annotations

import bisect
import posixpath
import re
from collections.abc import Iterator
from functools import lru_cache
from typing import NamedTuple

from analyzer.shared_paths import ENV_FILE

EXTENSIONS = frozenset((
    "py", "pyi", "txt", "in", "toml", "lock", "cfg", "ini", "yaml", "yml", "json", "md", "rst",
    "sql", "html", "jinja", "jinja2", "j2", "js", "mjs", "cjs", "ts", "tsx", "jsx", "vue",
    "svelte", "css", "scss", "sh", "csv", "xml", "env", "db", "sqlite", "sqlite3", "mako", "nix",
    "prisma", "graphql", "proto", "conf", "tf", "go", "rs", "java", "kt", "rb", "php", "ipynb",
))
# (each name without a dot ends in "file": path_mentions relies on it to skip plain words)
FILE_NAMES = frozenset((
    "Dockerfile", "Makefile", "Pipfile", "Procfile", "Justfile", "Containerfile", ".gitignore",
    ".dockerignore", ".pre-commit-config.yaml", ".gitattributes", ".editorconfig",
))
# Product names written like files: "React/Vue.js", "Node.js", "discord.py".
_PRODUCTS = frozenset((
    "node.js", "vue.js", "next.js", "nuxt.js", "react.js", "express.js", "angular.js",
    "ember.js", "backbone.js", "d3.js", "chart.js", "three.js", "moment.js", "socket.io",
    "alpine.js", "htmx.js", "p5.js", "nest.js", "deno.js", "knockout.js", "discord.py", "web.py",
    "interactions.py", "nextcord.py", "pycord.py", "solid.js", "svelte.js",
))
# Generated or machine-local directories: never a planned change, usually an ignore entry.
_GENERATED_DIRS = frozenset((
    "__pycache__", "node_modules", ".pytest_cache", ".mypy_cache", ".ruff_cache", ".tox",
    ".nox", ".git", ".next", ".turbo", "htmlcov", ".coverage", ".idea", ".vscode",
))
_BRANCH_PREFIXES = frozenset((
    "feat", "feature", "features", "fix", "bugfix", "hotfix", "release", "chore", "refactor",
    "origin", "upstream", "heads", "wip", "topic", "agent", "task",
))
_SYSTEM_ROOTS = frozenset((
    "etc", "usr", "var", "tmp", "mnt", "opt", "home", "dev", "proc", "sys", "bin", "sbin",
    "Users", "root", "Volumes", "srv", "run", "lib",
))
MAX_WORD = 300  # longer "words" are data (hashes, minified code), never a path in a plan
# CJK prose glues words to paths ("使用Next.js", "修改backend/main.py文件"): its characters
# (and full-width punctuation) end a word like a space does
_WORD_CHAR = (r"[^\s`'\"<>|\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af"
              r"\uff00-\uffef]")
_WORD = re.compile(_WORD_CHAR + "+")
# The words of an ASCII line that can be a path, found by the regex engine instead of judged
# one by one in Python: a whole word (nothing of a word before it) holding a slash, a dot or
# "file". (ASCII only: the CJK ranges of _WORD_CHAR take milliseconds to compile, at every
# start, and cannot occur in an ASCII line.)
_ASCII_WORD_CHAR = r"[^\s`'\"<>|]"
_MAYBE_PATH_WORD = re.compile(
    rf"(?<!{_ASCII_WORD_CHAR}){_ASCII_WORD_CHAR}*?(?:[/.]|file){_ASCII_WORD_CHAR}*")
_CODE_SPAN = re.compile(r"`[^`\n]{1,400}`")
_NAME_CHARS = r"[\w.*?{}\[\]()/@+$~,-]+"
_PATH_CHARS = re.compile(rf"(?=.*[A-Za-z]){_NAME_CHARS}")  # and a letter somewhere
_DIR_WORDS = frozenset(("in", "at", "under", "inside", "into", "within", "for", "to"))
_JOIN_REACH = 6
_LIST_REACH = 40  # words read after "dir/ (" looking for the names it lists
_ENV_PART = re.compile(r"[\w-]{1,30}")
_LETTER_OR_UNDERSCORE = re.compile(r"[A-Za-z_]")
_CAPITALISED_JS = re.compile(r"[A-Z][A-Za-z0-9]{0,20}\.js")
_DOT_EXTENSIONS = tuple(f".{e}" for e in EXTENSIONS)
_FILLER = frozenset(("the", "a", "file", "files", "directory", "folder", "dir", "new", "root",
                     "existing", "our", "its", "their", "project"))


class PathMention(NamedTuple):
    """A path as the plan means it, the offset of its word, and whether the plan wrote it with
    its directory (a bare `main.py` may be resolved to the plan's `src/backend/main.py`).
    A named tuple: a plan makes one per path it names, and a tuple is the cheapest to make."""

    path: str
    start: int
    bare: bool
    quoted: bool


@lru_cache(maxsize=1 << 16)  # a plan names each path many times (mentions, then touches)
def norm(path: str) -> str:
    """`./src//auth/` -> `src/auth/`: one spelling per path, keeping a directory's slash."""
    path = path.strip().strip("`'\"")
    if path and path[0] not in "./" and "//" not in path and "/." not in path:
        return path  # the usual relative path: normpath would return it as it is
    trailing = "/" if path.endswith("/") and path != "/" else ""
    normal = posixpath.normpath(path) if path else path
    return normal + trailing if normal not in ("", ".") else path


def code_span_bounds(text: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in _CODE_SPAN.finditer(text)]


def _inside(spans: list[tuple[int, int]], starts: list[int], offset: int) -> bool:
    i = bisect.bisect_right(starts, offset) - 1
    return i >= 0 and spans[i][0] <= offset < spans[i][1]


def _trim(word: str) -> tuple[str, int]:
    """A word without markdown emphasis and prose punctuation; the offset of what is kept."""
    if word and word[0] not in "*([{~>" and word[-1] not in "*.,:;!?)]}" and word[:2] != "__":
        return word, 0  # the common case: nothing to trim
    lead = 0
    while lead < len(word) and word[lead] in "*([{~>":
        if word[lead] == "{" and "}" in word[lead:] and "," in word[lead:]:
            break  # a brace glob at the start: {a,b}.py
        lead += 1
    core = word[lead:]
    if core.startswith("__") and core.endswith("__") and len(core) > 4:
        core = core[2:-2]  # __bold__
    core = core.rstrip("*.,:;!?")
    while core and core[-1] in ")]}" and core.count(core[-1]) > core.count(
            {")": "(", "]": "[", "}": "{"}[core[-1]]):
        core = core[:-1].rstrip("*.,:;!?")
    return core, lead


def _split_commas(word: str) -> Iterator[tuple[str, int]]:
    """`a.py,b.py` -> two words; `{api,core}` stays one."""
    depth = 0
    start = 0
    for i, char in enumerate(word):
        if char == "{":
            depth += 1
        elif char == "}":
            depth = max(0, depth - 1)
        elif char == "," and depth == 0:
            yield word[start:i], start
            start = i + 1
    yield word[start:], start


def is_product_name(token: str) -> bool:
    name = token.rstrip("/").rsplit("/", 1)[-1]
    if name.lower() in _PRODUCTS:
        return True
    # "Vue.js", "Socket.IO": a capitalised word before .js names a product, not a file
    return "/" not in token and bool(_CAPITALISED_JS.fullmatch(name))


def looks_like_path(token: str, quoted: bool = False) -> bool:
    """Whether a trimmed word names a file or directory of the project."""
    # URLs fail the name characters (":" is none of them), as does any word without a letter
    if (not token or len(token) > MAX_WORD or token[0] in "-@$" or token.startswith("www.")
            or not _PATH_CHARS.fullmatch(token)):
        return False
    stripped = token.rstrip("/")
    parts = stripped.split("/")
    name = parts[-1]
    # (every product name has a dot: most names skip the call)
    if not _GENERATED_DIRS.isdisjoint(parts) or ("." in name and is_product_name(token)):
        return False
    if name in FILE_NAMES or (name.startswith(".env") and (
            ENV_FILE.search(stripped) or _is_env_template(name))):
        return True
    if "." in name[1:]:
        stem, suffix = name.rsplit(".", 1)
        if suffix.lower() in EXTENSIONS:
            # a stem with a letter: "0001_initial.py" is a file, "3.11.py" and "e.g." are not;
            # "src/**/*.ts" is a glob
            return bool(_LETTER_OR_UNDERSCORE.search(stem.lstrip(".")) or stem.startswith(".")
                        or ("*" in stem and "/" in token))
    if token.endswith("/") and len(stripped) > 1:
        return parts[0] not in _BRANCH_PREFIXES or len(parts) > 2
    if "*" in token and "/" in token:
        return True
    if quoted and "/" in token and len(parts) >= 2 and all(parts):
        # `src/auth` in backticks is a path; `feat/backend-work` is a branch
        return parts[0] not in _BRANCH_PREFIXES and not parts[0][:1].isupper()
    return False


def _is_env_template(name: str) -> bool:
    """`.env`, `.env.local.example`: up to three dotted suffixes after `.env`."""
    parts = name.split(".")
    return (parts[:2] == ["", "env"] and len(parts) <= 5
            and all(_ENV_PART.fullmatch(p) for p in parts[2:]))


def path_mentions(text: str) -> list[PathMention]:
    """Every path a line names, with directories carried to the bare names they qualify."""
    if len(text) > 200_000:
        text = text[:200_000]
    spans = code_span_bounds(text) if "`" in text else []
    span_starts = [s for s, _ in spans]
    mentions: list[PathMention] = []
    directory = False  # a directory among them
    for match in _maybe_path_words(text):
        word = match.group()
        # a file name without a dot is a ...file ("Dockerfile")
        if len(word) > MAX_WORD or ("/" not in word and "." not in word
                                    and word.strip("*_:,.;()") not in FILE_NAMES):
            continue
        at = match.start()
        quoted = _inside(spans, span_starts, at) if spans else False
        for piece, offset in _split_commas(word) if "," in word else ((word, 0),):
            core, lead = _trim(piece)
            start = at + offset + lead
            if core.startswith("/"):
                rooted = core.lstrip("/")
                head = rooted.split("/", 1)[0]
                # "/src/x.py" is the project's file; "/api/tasks" a route; "/etc/x.conf" the
                # host's
                if head in _SYSTEM_ROOTS or not looks_like_path(rooted) or (
                        "/" not in rooted.rstrip("/") and not rooted.endswith(_DOT_EXTENSIONS)):
                    continue
                core = rooted
            if start > 0 and text[start - 1] in "@:=" and not quoted:
                continue  # user@host:path, key=value
            if looks_like_path(core, quoted):
                path = norm(core)
                directory = directory or path.endswith("/")
                mentions.append(PathMention(path, start, "/" not in core.rstrip("/"), quoted))
    if not directory:
        return mentions  # only a directory qualifies its neighbours
    # every word, for the neighbours of a directory
    return _qualify(mentions, [(m.group(), m.start()) for m in _WORD.finditer(text)])


def _maybe_path_words(text: str) -> Iterator[re.Match[str]]:
    """The words with a slash, a dot or "file" in them: the others are no path, and most
    words of a line are others."""
    if text.isascii():
        return _MAYBE_PATH_WORD.finditer(text)
    return (match for match in _WORD.finditer(text)
            if "/" in match.group() or "." in match.group() or "file" in match.group())


def _qualify(mentions: list[PathMention], raw: list[tuple[str, int]]) -> list[PathMention]:
    """Join bare names to the directory the sentence puts them in, in one pass.

    "Create .env.example in backend/" -> backend/.env.example; "in ui/ (a.tsx, b.tsx)" ->
    ui/a.tsx, ui/b.tsx. The directory itself is then where the files go, not a touch.
    """
    if not mentions:
        return mentions
    offsets = [o for _, o in raw]
    by_start = {m.start: i for i, m in enumerate(mentions)}
    result = list(mentions)
    consumed: set[int] = set()
    for i, mention in enumerate(mentions):
        if not mention.path.endswith("/"):
            continue
        w = bisect.bisect_left(offsets, mention.start)
        if w >= len(raw) or raw[w][1] > mention.start + 2:
            w = max(0, bisect.bisect_right(offsets, mention.start) - 1)
        # bare names listed in parentheses right after the directory
        j = w + 1
        listed = False
        if j < len(raw) and raw[j][0].startswith("("):
            while j < min(len(raw), w + 1 + _LIST_REACH):
                word, offset = raw[j]
                k = _mention_at(by_start, word, offset)
                if k is not None and mentions[k].bare and not mentions[k].path.endswith("/"):
                    result[k] = _joined(mentions[k], mention.path)
                    listed = True
                if word.rstrip(".,;:").endswith(")"):
                    break
                j += 1
        # "NAME [file] in DIR/": the bare name just before the preposition
        back = w - 1
        while back >= 0 and raw[back][0].lower().strip("*_") in _FILLER:
            back -= 1
        if back >= 1 and raw[back][0].lower().strip("*_") in _DIR_WORDS:
            # "README.md with setup instructions in backend/": the nearest bare name before,
            # a few words back and in the same clause
            for before in range(back - 1, max(-1, back - 1 - _JOIN_REACH), -1):
                word = raw[before][0]
                if word.endswith((",", ";", ".", ":")):
                    break  # the clause ended after this word
                k = _mention_at(by_start, word, raw[before][1])
                if k is not None and mentions[k].bare and not mentions[k].path.endswith("/"):
                    result[k] = _joined(mentions[k], mention.path)
                    listed = True
                    break
                if k is not None or word.startswith("("):
                    break
        if listed:
            consumed.add(i)
    return [m for i, m in enumerate(result) if i not in consumed]


def _mention_at(by_start: dict[int, int], word: str, offset: int) -> int | None:
    for delta in range(0, min(len(word), 4)):
        if offset + delta in by_start:
            return by_start[offset + delta]
    return None


def _joined(mention: PathMention, directory: str) -> PathMention:
    return PathMention(norm(directory + mention.path), mention.start, False, mention.quoted)


# --- tree drawings ----------------------------------------------------------------------------

_TREE_GLYPHS = "│├└─┬┼┃┣┗━|`+- \t\u00a0"


class TreeWalker:
    """Paths of a directory tree drawn in a fenced block, each with its directories.

        src/api/
        │   ├── __init__.py        ->  src/api/__init__.py

    Indentation decides the parent: a name belongs to the nearest directory drawn above it
    further to the left. Feed the block's lines in order; `None` for lines naming no path.
    """

    def __init__(self, fence: int = 0) -> None:
        self.fence = fence  # which fenced block this walker reads
        self.stack: list[tuple[int, str]] = []
        self.started = False  # a drawn tree line was seen: the block is a tree

    def feed(self, line: str) -> str | None:
        self.started = self.started or is_tree_line(line)
        body = line.split(" #", 1)[0].split("  //", 1)[0].rstrip()
        column = 0
        while column < len(body) and body[column] in _TREE_GLYPHS:
            column += 1
        rest = body[column:].split()
        if not rest:
            return None
        name, _ = _trim(rest[0])
        if not name or (not looks_like_path(name, quoted=True) and not re.fullmatch(
                r"[\w.-]{1,80}/", name)):
            return None
        while self.stack and self.stack[-1][0] >= column:
            self.stack.pop()
        parents = "".join(d for _, d in self.stack)
        path = norm(parents + name.lstrip("/"))
        if name.endswith("/"):
            self.stack.append((column, name.lstrip("/")))
            return path
        return path


def is_tree_line(line: str) -> bool:
    # (asked of every line of every fenced block: no generator)
    return ("├" in line or "└" in line or "│" in line or "|--" in line or "+--" in line
            or "`--" in line)


def single_path(text: str) -> bool:
    """A line that is one path and maybe a comment: an entry of an undrawn tree."""
    words = text.split(" #", 1)[0].split("  //", 1)[0].split()
    return len(words) == 1 and looks_like_path(_trim(words[0])[0], quoted=True)
