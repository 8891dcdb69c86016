"""Reading plan text: path-like tokens, shell commands and their options, the verb that
says whether a path is read, created or written. Pure string work, no knowledge of rules."""

from __future__ import annotations

import bisect
import re
import shlex
from collections.abc import Iterator

from analyzer.model import Mode
from analyzer.parsers.names import canonicalize_name

_READ_WORDS = re.compile(
    r"\b(read|reads|reading|refer to|see|consult|look at|review|reviews|reference|based on|"
    r"according to|follow|following|mirror|like in|as in|imports? from|uses?|load|loads|source|"
    r"per|from|like|such as|for example|described in|defined in|documented in|specified in|"
    r"listed in|outlined in|"
    r"is in|are in|lives? in|located in|found in|exists? in|similar to|modell?ed on|"
    r"verify|verifies|validate|validates|inspect|audit|"
    r"exclude|excludes|excluding|ignore|ignores|ignoring|except|"
    r"(do not|don't|never|without) (modify|modifying|touch|touching|edit|editing|change|changing)|"
    r"read-only|unchanged|untouched)\b",
    re.IGNORECASE,
)
_CREATE_WORDS = re.compile(r"\b(create|creates|new|scaffold|generate|touch|mkdir|add (a |the )?"
                           r"(new )?(file|module|package|directory|folder))\b", re.IGNORECASE)
_WRITE_WORDS = re.compile(r"\b(edit|edits|update|updates|modify|modifies|change|changes|"
                          r"register|registers|extend|extends|fix|fixes|refactor|rewrite|"
                          r"implement|implements|append|write|writes|put|move|rename|delete|"
                          r"remove|add|adds|configure|set up|setup|migrate|convert|replace|"
                          r"wire|integrate|insert|include|includes|expose|apply)\b",
                          re.IGNORECASE)
_VERBS = re.compile(f"(?P<read>{_READ_WORDS.pattern})|(?P<create>{_CREATE_WORDS.pattern})|"
                    f"(?P<write>{_WRITE_WORDS.pattern})", re.IGNORECASE)
# The same words matched case-sensitively in a lowercased ASCII line: ~4x faster than
# IGNORECASE, and for ASCII text the same matches at the same offsets.
_VERBS_LOWER = re.compile(_VERBS.pattern)
# The first word of every phrase above (tests/test_plan_prefilters.py derives them from the
# patterns): a verb starts only at a word that is one of these, so the pattern is tried there
# and nowhere else, instead of at every character of the line.
_FIRST_WORDS = frozenset((
    "according", "add", "adds", "append", "apply", "are", "as", "audit", "based", "change",
    "changes", "configure", "consult", "convert", "create", "creates", "defined", "delete",
    "described", "do", "documented", "don", "edit", "edits", "except", "exclude", "excludes",
    "excluding", "exist", "exists", "expose", "extend", "extends", "fix", "fixes", "follow",
    "following", "for", "found", "from", "generate", "ignore", "ignores", "ignoring",
    "implement", "implements", "import", "imports", "include", "includes", "insert", "inspect",
    "integrate", "is", "like", "listed", "live", "lives", "load", "loads", "located", "look",
    "migrate", "mirror", "mkdir", "modeled", "modelled", "modifies", "modify", "move", "never",
    "new", "outlined", "per", "put", "read", "reading", "reads", "refactor", "refer",
    "reference", "register", "registers", "remove", "rename", "replace", "review", "reviews",
    "rewrite", "scaffold", "see", "set", "setup", "similar", "source", "specified", "such",
    "touch", "unchanged", "untouched", "update", "updates", "use", "uses", "validate",
    "validates", "verifies", "verify", "wire", "without", "write", "writes",
))
_RUN = re.compile(r"\w+")
_TO_OR_INTO = re.compile(r"\b(?:to|into)\b")
_BACKTICKED = re.compile(r"`([^`]+)`")
_SHELL_QUOTING = re.compile(r"['\"\\]|(?![ \t\r\n])\s")  # what shlex reads differently
_REQUIREMENT_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")
_MODES = {"read": Mode.READ, "create": Mode.CREATE, "write": Mode.WRITE}
_RANK = {"write": 0, "create": 1, "read": 2}
# "remove X from Y", "extract X from Y": the file after "from" loses content, it is written
_TAKES_FROM = re.compile(r"\b(remove|removes|delete|deletes|drop|strip|extract|extracts|move|"
                         r"moves|cut|split|pull)\b", re.IGNORECASE)
_CLAUSE_END = re.compile(r"[.;:(]\s|,\s(?=\w+ )|\s[-–—]\s|\s\(")

_BLANKS = re.compile(r"[ \t]{2,}")
_COMMAND_START = re.compile(
    r"^(?:[-*+]|\d+[.)])?\s*(?:\*\*)?(?:run|then|execute|command|test)?(?:\*\*)?:?\s*(?:\$\s*)?"
    r"((?:[A-Z_]+=\S+\s+)*(?:python3?|pip3?|poetry|uv|pdm|pipenv|alembic|flask|uvicorn|gunicorn|"
    r"hypercorn|daphne|fastapi|streamlit|jupyter|django-admin|\./manage\.py|pytest|createdb|"
    r"dropdb|psql|virtualenv|ln|mkdir|touch|echo|export|cp|mv|rm)\b.*)$"
)

SERVER_DEFAULTS = {"uvicorn": 8000, "flask": 5000, "runserver": 8000, "gunicorn": 8000,
                    "hypercorn": 8000, "daphne": 8000, "fastapi": 8000, "streamlit": 8501,
                    "jupyter": 8888, "http.server": 8000, "mkdocs": 8000}

class VerbIndex:
    """The verbs of one line, found once: the mode of each path is the verb nearest before it
    in its clause ("create a.py and register it in b.py" creates a.py and writes b.py; "do not
    modify" reads). Each lookup is a binary search, so a line of many paths stays linear."""

    def __init__(self, line: str):
        # one scan; where a read phrase and a verb start together ("do not modify") the read wins
        found = _verbs_of_lowercase(line.lower()) if line.isascii() else _VERBS.finditer(line)
        verbs = [(m.end(), _RANK[m.lastgroup or "write"], _MODES[m.lastgroup or "write"],
                  m.start()) for m in found]
        self.line = line
        self.verbs = verbs
        self.ends = [v[0] for v in verbs]
        # clauses matter only around a verb: without one every path is a write
        self.clause_ends = [m.end() for m in _CLAUSE_END.finditer(line)] if verbs else []

    def mode_at(self, offset: int) -> Mode:
        """No verb in the clause: a write."""
        c = bisect.bisect_right(self.clause_ends, offset) - 1
        clause_start = self.clause_ends[c] if c >= 0 else 0
        i = bisect.bisect_right(self.ends, offset) - 1
        if i < 0 or self.verbs[i][3] < clause_start:
            return Mode.WRITE
        # a tie at the same end goes to the higher rank (negation/read), sorted last
        end, _, mode, start = self.verbs[i]
        word = self.line[start:end].lower()
        if word == "from":
            if _TO_OR_INTO.search(self.line[end:offset]):
                # "migrate a.py from old/ to new/b.py": the verb before "from" decides
                return VerbIndex(self.line[clause_start:start]).mode_at(start - clause_start)
            if self._takes_from(clause_start, start):
                return Mode.WRITE
        return mode

    def _takes_from(self, clause_start: int, offset: int) -> bool:
        return bool(_TAKES_FROM.search(self.line, clause_start, offset))


def _verbs_of_lowercase(lower: str) -> Iterator[re.Match[str]]:
    """_VERBS_LOWER.finditer(lower), trying the pattern only where a word starts that can
    begin a verb: every verb starts at a word boundary, so at the start of a word."""
    end = 0
    for run in _RUN.finditer(lower):
        if run.group() in _FIRST_WORDS and run.start() >= end:
            match = _VERBS_LOWER.match(lower, run.start())
            if match:
                end = match.end()
                yield match


def needed(*words: str) -> re.Pattern[str]:
    """The lowercase words one of which an IGNORECASE pattern needs, for may_mention."""
    return re.compile("|".join(re.escape(word) for word in words))


def may_mention(text: str, words: re.Pattern[str]) -> bool:
    """False only when an IGNORECASE pattern that needs one of these words (`needed()`)
    cannot match: cheaper than running it. Only for ASCII text: elsewhere case folding may
    make a word of other letters (`ſ` is an s, `\u212a` a k), so the pattern decides."""
    return not text.isascii() or words.search(text.lower()) is not None


def folded(text: str) -> str | None:
    """The text as may_mention looks for words in it, for a text asked about several times:
    lowercased, or None when it is not ASCII (then every pattern decides)."""
    return text.lower() if text.isascii() else None


def may_mention_folded(lower: str | None, words: re.Pattern[str]) -> bool:
    """may_mention(text, words) for `lower = folded(text)`."""
    return lower is None or words.search(lower) is not None


def mode_of(clause: str) -> Mode:
    """The mode of a path that follows this text."""
    return VerbIndex(clause).mode_at(len(clause))


def code_segments(text: str) -> list[str]:
    """Commands outside fences: `code spans`, and lines that start with a known command."""
    segments = [m.group(1) for m in _BACKTICKED.finditer(text)]
    if segments:
        return segments  # the author marked the code: the rest of the line is prose
    # One space per run of blanks first: the pattern's optional parts each take blanks, and
    # a long run split between them every way is quadratic before it fails.
    start = _COMMAND_START.match(_BLANKS.sub(" ", text))
    return [start.group(1)] if start else []


def split_command(command: str) -> list[str]:
    command = command.strip().lstrip("$").strip()
    command = command.split(" #", 1)[0]
    if not _SHELL_QUOTING.search(command):
        return command.split()  # no quotes, escapes or odd blanks: what shlex would return
    try:
        return shlex.split(command)
    except ValueError:
        return command.split()


def option(words: list[str], *names: str) -> str | None:
    for i, word in enumerate(words):
        for name in names:
            if word == name and i + 1 < len(words):
                return words[i + 1]
            if word.startswith(name + "="):
                return word.split("=", 1)[1]
    return None


_PIP_VALUE_OPTIONS = {"-i", "--index-url", "--extra-index-url", "-f", "--find-links", "-t",
                      "--target", "--prefix", "--root", "--platform", "--python-version",
                      "--only-binary", "--no-binary", "--trusted-host", "--src", "--log"}


def pip_install_args(args: list[str]) -> tuple[list[str], list[str]]:
    packages: list[str] = []
    reads: list[str] = []
    skip_next = False
    take_file = False
    editable = False
    for arg in args:
        if skip_next:
            skip_next = False
        elif take_file:
            reads.append(arg)
            take_file = False
        elif editable:
            editable = False
        elif arg in ("-r", "--requirement", "-c", "--constraint"):
            take_file = True
        elif arg.startswith(("-r", "-c")) and len(arg) > 2 and not arg.startswith("--"):
            reads.append(arg[2:])
        elif arg.startswith(("--requirement=", "--constraint=")):
            reads.append(arg.split("=", 1)[1])
        elif arg in ("-e", "--editable"):
            editable = True
        elif arg in _PIP_VALUE_OPTIONS:
            skip_next = True
        elif arg.endswith((",", ".")) and not arg.startswith((".", "-")):
            packages.append(arg.rstrip(",."))
            break  # "pip install x, then …": the command ended with the comma
        elif arg.startswith(("-", ".", ">")) or "/" in arg or arg.endswith((".whl", ".zip", ".gz")):
            continue  # options, local paths, archives: not a package from the index
        else:
            packages.append(arg)
    return packages, reads


def requirement_name(spec: str) -> str | None:
    match = _REQUIREMENT_NAME.match(spec)
    if not match:
        return None
    return canonicalize_name(match.group(1))


def server_port(kind: str, words: list[str], env: dict[str, str]) -> int | None:
    explicit = None
    if kind == "runserver":
        args = [w for w in words[2:] if not w.startswith("-")]
        explicit = args[0].rsplit(":", 1)[-1] if args else None
    elif kind in ("gunicorn", "hypercorn"):
        bind = option(words, "-b", "--bind")
        explicit = bind.rsplit(":", 1)[-1] if bind and ":" in bind else None
    elif kind == "http.server":
        args = [w for w in words[1:] if w.isdigit()]
        explicit = args[0] if args else None
    elif kind == "streamlit":
        explicit = option(words, "--server.port")
    elif kind == "mkdocs":
        address = option(words, "-a", "--dev-addr")
        explicit = address.rsplit(":", 1)[-1] if address else None
    else:
        explicit = option(words, "--port", "-p")
    flask_port = env.get("FLASK_RUN_PORT") if kind == "flask" else None
    explicit = explicit or env.get("PORT") or flask_port
    if explicit and explicit.isascii() and explicit.isdigit() and len(explicit) <= 5:
        return int(explicit)
    if explicit:  # a variable such as $PORT: the task already chose its own port
        return None
    return SERVER_DEFAULTS[kind]


def is_venv_path(path: str) -> bool:
    return path.endswith("/") and path.split("/", 1)[0] in ("venv", ".venv", "env")
