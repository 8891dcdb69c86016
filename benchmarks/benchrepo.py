"""A benchmark repository of a real project's shape, built in seconds with `git fast-import`.

Shaped like a large Django shop (saleor's order of size): ~5,000 files in 40 apps, 520 Django
migrations, thousands of commits, 1,500 tags, `requirements.txt`, `pyproject.toml` and a
`uv.lock` of 150 packages. Branches and worktrees are added on top with realistic changes:
each works in its own app module; some also add a requirement, relock, add a migration to a
shared app (a fork of its chain) or edit one shared settings line.
"""

from __future__ import annotations

from pathlib import Path

from benchlib import git

APPS = 40
MODULES_PER_APP = 110  # 40 apps x (110 modules + models, views, migrations) ~ 5,000 files
MIGRATIONS_PER_APP = 13  # 520 migrations
COMMITS = 3000
TAG_EVERY = 2  # 1,500 tags
PACKAGES = 150
REQUIREMENTS = 80
SETTINGS_LINES = 200


def app(n: int) -> str:
    return f"app{n:02d}"


def module_text(a: int, m: int, version: int = 0) -> str:
    body = "".join(f"def f{j}(x):\n    return x + {j + version}\n\n\n" for j in range(8))
    return f'"""{app(a)} module {m}."""\n\n\n{body}'


def migration_name(number: int) -> str:
    return f"{number:04d}_step_{number}"


def migration_text(a: int, number: int, parent: str | None) -> str:
    deps = f'[("{app(a)}", "{parent}")]' if parent else "[]"
    return ("from django.db import migrations\n\n\nclass Migration(migrations.Migration):\n"
            f"    dependencies = {deps}\n\n    operations = []\n")


def requirements_text(extra: list[str] | None = None) -> str:
    lines = [f"package{i:03d}==1.{i}.0\n" for i in range(REQUIREMENTS)]
    return "".join(lines + [f"{line}\n" for line in extra or []])


def pyproject_text() -> str:
    deps = "".join(f'    "package{i:03d}>=1.{i}",\n' for i in range(REQUIREMENTS))
    return (f'[project]\nname = "shop"\nversion = "1.0.0"\nrequires-python = ">=3.10"\n'
            f"dependencies = [\n{deps}]\n")


def uv_lock_text(bumped: int | None = None, added: str | None = None) -> str:
    parts = ['version = 1\nrequires-python = ">=3.10"\n\n']
    names = [f"package{i:03d}" for i in range(PACKAGES)] + ([added] if added else [])
    for i, name in enumerate(sorted(names)):
        version = f"1.{i}.{1 if i == bumped else 0}"
        parts.append(f'[[package]]\nname = "{name}"\nversion = "{version}"\n'
                     f'source = {{ registry = "https://pypi.org/simple" }}\n'
                     f'sdist = {{ url = "https://files.example/{name}-{version}.tar.gz", '
                     f'hash = "sha256:{i:064x}" }}\n\n')
    parts.append('[[package]]\nname = "shop"\nversion = "1.0.0"\nsource = { editable = "." }\n')
    return "".join(parts)


def settings_text(changed: dict[int, str] | None = None) -> str:
    changed = changed or {}
    return "".join(f"SETTING_{i} = {changed.get(i, str(i))}\n" for i in range(SETTINGS_LINES))


def base_files() -> dict[str, str]:
    files = {"requirements.txt": requirements_text(), "pyproject.toml": pyproject_text(),
             "uv.lock": uv_lock_text(), "shop/settings.py": settings_text(),
             "manage.py": "import sys\n", "README.md": "# shop\n"}
    for a in range(APPS):
        root = f"shop/{app(a)}"
        files[f"{root}/__init__.py"] = ""
        files[f"{root}/models.py"] = "from django.db import models\n"
        files[f"{root}/views.py"] = "def index(request):\n    return None\n"
        files[f"{root}/migrations/__init__.py"] = ""
        parent = None
        for number in range(1, MIGRATIONS_PER_APP + 1):
            files[f"{root}/migrations/{migration_name(number)}.py"] = migration_text(
                a, number, parent)
            parent = migration_name(number)
        for m in range(MODULES_PER_APP):
            files[f"{root}/mod{m:03d}.py"] = module_text(a, m)
    return files


class FastImport:
    """A `git fast-import` stream: commits with inline contents, lightweight tags."""

    def __init__(self, after: int = 1_600_000_000) -> None:
        self.parts: list[bytes] = []
        self.mark = 0
        self.time = after  # each commit 10 minutes after the one before

    def commit(self, ref: str, message: str, files: dict[str, str], parent: str | None) -> int:
        self.mark += 1
        self.time += 600
        author = f"bench <bench@example.com> {self.time} +0000"
        data = message.encode()
        head = [f"commit {ref}", f"mark :{self.mark}", f"committer {author}",
                f"data {len(data)}"]
        self.parts.append(("\n".join(head) + "\n").encode() + data + b"\n")
        if parent:
            self.parts.append(f"from {parent}\n".encode())
        for path, text in files.items():
            blob = text.encode()
            self.parts.append(f"M 100644 inline {path}\ndata {len(blob)}\n".encode() + blob
                              + b"\n")
        self.parts.append(b"\n")
        return self.mark

    def tag(self, name: str, mark: int) -> None:
        self.parts.append(f"reset refs/tags/{name}\nfrom :{mark}\n\n".encode())

    def run(self, root: Path) -> None:
        git(root, "fast-import", "--quiet", "--done",
            stdin=b"".join(self.parts) + b"done\n")
        self.parts = []


def build(root: Path) -> None:
    """The base repository, checked out on `main`."""
    root.mkdir(parents=True)
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.email", "bench@example.com")
    git(root, "config", "user.name", "bench")
    stream = FastImport()
    mark = stream.commit("refs/heads/main", "initial", base_files(), None)
    for c in range(1, COMMITS):
        a, m = c % APPS, (c * 7) % MODULES_PER_APP
        changes = {f"shop/{app(a)}/mod{m:03d}.py": module_text(a, m, c),
                   f"shop/{app((a + 13) % APPS)}/mod{(m + 5) % MODULES_PER_APP:03d}.py":
                   module_text((a + 13) % APPS, (m + 5) % MODULES_PER_APP, c)}
        mark = stream.commit("refs/heads/main", f"change {c}", changes, f":{mark}")
        if c % TAG_EVERY == 0:
            stream.tag(f"v{c // 1000}.{c % 1000}", mark)
    stream.run(root)
    git(root, "reset", "-q", "--hard", "main")


def branch_changes(b: int) -> dict[str, str]:
    """What branch or worktree `b` changes: its own module, and one in a few a shared file."""
    a = b % APPS
    changes = {f"shop/{app(a)}/mod{(b // APPS) % MODULES_PER_APP:03d}.py":
               module_text(a, (b // APPS) % MODULES_PER_APP, 10_000 + b)}
    if b % 5 == 0:
        changes["requirements.txt"] = requirements_text([f"feature{b}==1.0"])
    if b % 10 == 1:
        changes["uv.lock"] = uv_lock_text(bumped=b % PACKAGES)
    if b % 10 == 2:  # two branches on one app's chain: a Django fork
        shared = (b // 10) % 4
        changes[f"shop/{app(shared)}/migrations/{migration_name(MIGRATIONS_PER_APP + 1)}"
                f"_b{b}.py"] = migration_text(shared, MIGRATIONS_PER_APP + 1,
                                              migration_name(MIGRATIONS_PER_APP))
    if b % 8 == 3:
        line = 10 if b % 16 == 3 else 20 + b  # half share one line, half have their own
        changes["shop/settings.py"] = settings_text({line: f"'feature {b}'"})
    return changes


def add_branches(root: Path, count: int, prefix: str = "feature-") -> list[str]:
    # branches start after main's last commit, as real ones do: a commit dated before its
    # parent makes every merge-base walk the whole history (a merge-tree took 14 ms, not 3)
    stream = FastImport(int(git(root, "log", "-1", "--format=%ct", "main")))
    names = []
    for b in range(count):
        name = f"{prefix}{b}"
        stream.commit(f"refs/heads/{name}", f"feature {b}", branch_changes(b),
                      "refs/heads/main^0")
        names.append(name)
    stream.run(root)
    return names


def add_worktrees(root: Path, count: int) -> list[Path]:
    """Worktrees with uncommitted changes (the racily clean case of fresh checkouts too)."""
    trees = []
    for w in range(count):
        tree = root.parent / f"{root.name}-wt{w}"
        git(root, "worktree", "add", "-q", "-b", f"task-{w}", str(tree), "main")
        for path, text in branch_changes(1000 + w).items():
            (tree / path).parent.mkdir(parents=True, exist_ok=True)
            (tree / path).write_text(text)
        trees.append(tree)
    return trees


STAGED_KINDS = ("source", "requirements", "migration")


def stage(root: Path, kind: str) -> None:
    """The change being committed in the main checkout, on a branch of its own."""
    git(root, "checkout", "-q", "-B", "mine", "main")
    if kind == "source":
        path = f"shop/{app(39)}/mod109.py"
        (root / path).write_text(module_text(39, 109, 99_999))
    elif kind == "requirements":
        path = "requirements.txt"
        (root / path).write_text(requirements_text(["mine==1.0"]))
    elif kind == "migration":
        path = f"shop/{app(2)}/migrations/{migration_name(MIGRATIONS_PER_APP + 1)}_mine.py"
        (root / path).write_text(migration_text(2, MIGRATIONS_PER_APP + 1,
                                                migration_name(MIGRATIONS_PER_APP)))
    else:
        raise ValueError(kind)
    git(root, "add", "--", path)


def unstage(root: Path) -> None:
    git(root, "reset", "-q", "--hard", "main")
    git(root, "checkout", "-q", "main")
    git(root, "clean", "-qfd")
