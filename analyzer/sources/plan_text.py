"""Reading plan text: path-like tokens, shell commands and their options, the verb that
says whether a path is read, created or written. Pure string work, no knowledge of rules."""

from __future__ import annotations

import posixpath
import re
import shlex
from collections.abc import Iterator

from packaging.utils import canonicalize_name

from analyzer.model import Mode
from analyzer.shared_paths import ENV_FILE

_EXTENSIONS = ("py", "pyi", "txt", "in", "toml", "lock", "cfg", "ini", "yaml", "yml", "json",
               "md", "rst", "sql", "html", "jinja", "jinja2", "j2", "js", "ts", "tsx", "jsx",
               "css", "scss", "sh", "csv", "xml", "env", "db", "sqlite", "sqlite3", "mako")
_FILE_NAMES = {"Dockerfile", "Makefile", "Pipfile", "Procfile", "Justfile", ".gitignore",
               ".dockerignore", ".pre-commit-config.yaml"}
_PATH_TOKEN = re.compile(r"[\w.*?{}\[\]/-]+")
_NOT_FILES = re.compile(r"^(node|vue|next|nuxt|react|express|angular|ember|backbone|d3|chart|"
                        r"three|moment|socket|alpine|htmx|p5)\.js$", re.IGNORECASE)
_READ_WORDS = re.compile(
    r"\b(read|reads|reading|refer to|see|consult|look at|review|reference|based on|according to|"
    r"follow|mirror|like in|as in|import from|imports? from|uses?|load|loads|source|"
    r"(do not|don't|never|without) (modify|modifying|touch|touching|edit|editing|change|changing)|"
    r"read-only|unchanged|untouched)\b",
    re.IGNORECASE,
)
_CREATE_WORDS = re.compile(r"\b(create|creates|new|scaffold|generate|touch|mkdir|add (a |the )?"
                           r"(new )?(file|module|package|directory|folder))\b", re.IGNORECASE)
_WRITE_WORDS = re.compile(r"\b(edit|edits|update|updates|modify|modifies|change|changes|"
                          r"register|registers|extend|extends|fix|fixes|refactor|rewrite|"
                          r"implement|implements|append|write|writes|put|move|rename|delete|"
                          r"remove)\b", re.IGNORECASE)

_COMMAND_START = re.compile(
    r"^(?:[-*+]|\d+[.)])?\s*(?:\*\*)?(?:run|then|execute|command|test)?(?:\*\*)?:?\s*(?:\$\s*)?"
    r"((?:[A-Z_]+=\S+\s+)*(?:python3?|pip3?|poetry|uv|pdm|pipenv|alembic|flask|uvicorn|gunicorn|"
    r"hypercorn|daphne|fastapi|streamlit|jupyter|django-admin|\./manage\.py|pytest|createdb|"
    r"dropdb|psql|virtualenv|ln|mkdir|touch|echo|export|cp|mv|rm)\b.*)$"
)

SERVER_DEFAULTS = {"uvicorn": 8000, "flask": 5000, "runserver": 8000, "gunicorn": 8000,
                    "hypercorn": 8000, "daphne": 8000, "fastapi": 8000, "streamlit": 8501,
                    "jupyter": 8888, "http.server": 8000, "mkdocs": 8000}

def mode_of(clause: str) -> Mode:
    """The verb nearest before a path decides: "create a.py and register it in b.py"
    creates a.py and writes b.py; "do not modify" reads. No verb: a write."""
    last: tuple[int, int, Mode] = (-1, 0, Mode.WRITE)
    for pattern, mode, rank in ((_WRITE_WORDS, Mode.WRITE, 0), (_CREATE_WORDS, Mode.CREATE, 1),
                                (_READ_WORDS, Mode.READ, 2)):
        for match in pattern.finditer(clause):
            last = max(last, (match.end(), rank, mode))  # a tie goes to the negation/read
    return last[2]


def code_segments(text: str) -> list[str]:
    """Commands outside fences: `code spans`, and lines that start with a known command."""
    segments = [m.group(1) for m in re.finditer(r"`([^`]+)`", text)]
    if segments:
        return segments  # the author marked the code: the rest of the line is prose
    start = _COMMAND_START.match(text)
    return [start.group(1)] if start else []


def split_command(command: str) -> list[str]:
    command = command.strip().lstrip("$").strip()
    command = command.split(" #", 1)[0]
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
    match = re.match(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)", spec)
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


def path_tokens(text: str) -> Iterator[tuple[str, int]]:
    """Path-like tokens with their offset; backticks make a bare `a/b` count as a path."""
    quoted_spans = [(m.start(1), m.end(1)) for m in re.finditer(r"`([^`]+)`", text)]
    for match in _PATH_TOKEN.finditer(text):
        token = match.group(0).rstrip(".,:;")
        if "/" not in token and "." not in token and token not in _FILE_NAMES:
            continue  # a plain word: the common case, decided cheaply
        start = match.start()
        if not token or "://" in text[start:start + len(token) + 3]:
            continue
        if start > 0 and text[start - 1] in "@:=":
            continue
        if token.startswith("/") or _NOT_FILES.match(token):
            continue  # a URL route or an absolute path outside the repository; a product name
        quoted = any(a <= start < b for a, b in quoted_spans)
        if looks_like_path(token) or (quoted and "/" in token and re.search(r"[A-Za-z]", token)
                                       and " " not in token and not token.startswith("-")):
            yield token, start


def looks_like_path(token: str) -> bool:
    name = token.rstrip("/").rsplit("/", 1)[-1]
    if token.startswith("-") or not re.search(r"[A-Za-z]", token):
        return False
    if name in _FILE_NAMES or ENV_FILE.search(token.rstrip("/")):
        return True
    if token.endswith("/") and len(token) > 2 and re.match(r"^[\w.-]+(/[\w.*-]+)*/$", token):
        return True
    suffix = name.rsplit(".", 1)[-1] if "." in name[1:] else ""
    if suffix.lower() in _EXTENSIONS and re.match(r"^[\w.*?{}\[\]/-]+$", token):
        # "e.g." and version numbers are not paths
        return len(name) > len(suffix) + 1 and not re.match(r"^\d", name)
    return "/" in token and "*" in token


def is_venv_path(path: str) -> bool:
    return path.endswith("/") and path.split("/", 1)[0] in ("venv", ".venv", "env")


def norm(path: str) -> str:
    """`./src//auth/` -> `src/auth/`: one spelling per path, keeping a directory's slash."""
    path = path.strip().strip("`'\"")
    trailing = "/" if path.endswith("/") and path != "/" else ""
    norm = posixpath.normpath(path) if path else path
    return norm + trailing if norm not in ("", ".") else path
