"""What really happened when the two sides merged, read from the naive merged tree that
`git merge-tree --write-tree` writes into the scratch object store: the conflicted paths,
the alembic heads and Django leaf migrations, and whether each dependency file that both
sides changed is still valid (parses, no duplicate the merge created).

This is the oracle the rules are scored against, so it reads the files by content and
does not depend on the repository layout the analysis discovers.
"""

from __future__ import annotations

import ast
import json
import posixpath
import re
from collections import Counter
from dataclasses import dataclass, field

from analyzer.compat import tomllib
from analyzer.errors import InputError
from analyzer.parsers.alembic import parse_revision
from analyzer.parsers.requirements import parse_requirements
from analyzer.shared_paths import is_lockfile, is_manifest
from analyzer.sources.git_repo import GitRepo
from analyzer.sources.repo_layout import is_requirements

_PY2_ASSIGNMENT = re.compile(r"""^(revision|down_revision)\s*(?::[^=]*)?=\s*(.+?)\s*$""",
                             re.MULTILINE)
_QUOTED = re.compile(r"""['"]([^'"]+)['"]""")
_MIGRATION_CLASS = re.compile(r"^class Migration\(", re.MULTILINE)  # Django or South
# Django's own (South's SchemaMigration has no graph: its files run in name order)
_DJANGO_CLASS = re.compile(r"^class Migration\((?:[\w.]+\.)?Migration\)", re.MULTILINE)


@dataclass
class Outcome:
    base: str
    conflicts: list[str] = field(default_factory=list)
    # path -> every path git names in its conflicts (a rename's source and destination)
    named_with: dict[str, set[str]] = field(default_factory=dict)
    alembic_forks: dict[str, str] = field(default_factory=dict)  # versions dir -> heads
    django_forks: dict[str, str] = field(default_factory=dict)  # migrations dir -> leaves
    dependency_files: dict[str, str] = field(default_factory=dict)  # path -> "clean" or why not


def merge_outcome(git: GitRepo, first: str, second: str, base: str) -> Outcome:
    merged = git.merge(first, second)
    tree, conflicts = merged.tree, merged.conflicted
    outcome = Outcome(base, list(conflicts))
    for conflict in merged.conflicts:
        for path in conflict.paths:
            outcome.named_with.setdefault(path, set()).update(conflict.paths)
    (changed_1, _), (changed_2, added_2) = git.changes(base, first), git.changes(base, second)
    both = changed_1 & changed_2
    _migrations(git, outcome, (first, second, tree), added_2)
    for path in sorted(both):
        if is_manifest(path) or is_lockfile(path):
            outcome.dependency_files[path] = (
                "conflict" if path in conflicts else
                _validity(git, path, (first, second, tree)))
    return outcome


# --- migrations -------------------------------------------------------------------------


def _migrations(git: GitRepo, outcome: Outcome, trees: tuple[str, str, str],
                added: set[str]) -> None:
    """Chains the merged branch adds to, where the merge leaves the target branch with more
    heads (leaves) than it had: two sides on one parent, or a revision on a stale parent.
    A directory with a conflicted file is left to the textual family: its graph is unknown."""
    conflicted = {posixpath.dirname(p) for p in outcome.conflicts}
    shared = sorted({posixpath.dirname(p) for p in added if p.endswith(".py")} - conflicted
                    - {""})
    if not shared:
        return
    first, _, tree = trees
    listings = [git.list_tree(first, shared), git.list_tree(tree, shared)]
    specs = [f"{rev}:{path}" for rev, files in zip((first, tree), listings, strict=True)
             for path in files if path.endswith(".py") and posixpath.dirname(path) in shared]
    blobs = git.read_blobs(specs)
    for directory in shared:
        before, after = ({spec.split(":", 1)[1]: text for spec, text in blobs.items()
                          if spec.startswith(f"{rev}:") and text is not None
                          and posixpath.dirname(spec.split(":", 1)[1]) == directory}
                         for rev in (first, tree))
        for read, forks in ((_alembic_heads, outcome.alembic_forks),
                            (_django_leaves, outcome.django_forks)):
            tips_before, tips_after = read(before), read(after)
            if tips_after is not None and len(tips_after) > max(len(tips_before or ()), 1):
                forks[directory] = ", ".join(sorted(tips_after))


def _alembic_heads(texts: dict[str, str]) -> set[str] | None:
    """Heads of the alembic revisions among these files; None when there are none."""
    parents: dict[str, tuple[str, ...]] = {}
    for path, text in texts.items():
        if _MIGRATION_CLASS.search(text):
            continue
        try:
            revision = parse_revision(text, path)
            if revision is not None:
                parents[revision.revision] = revision.down_revisions
        except InputError:  # Python 2 or conflict markers: read the two assignments
            values = dict(_PY2_ASSIGNMENT.findall(text))
            if "revision" in values and "down_revision" in values:
                ids = _QUOTED.findall(values["revision"])
                if ids:
                    parents[ids[0]] = tuple(_QUOTED.findall(values["down_revision"]))
    if not parents:
        return None
    return set(parents) - {p for ps in parents.values() for p in ps}


def _django_leaves(texts: dict[str, str]) -> set[str] | None:
    """Leaf migrations of the app whose migrations these files are; None when none are."""
    deps: dict[str, list[tuple[str, str]]] = {}
    replaces: dict[str, list[str]] = {}
    for path, text in texts.items():
        if not _DJANGO_CLASS.search(text):
            continue
        name = posixpath.basename(path)[:-3]
        try:
            deps[name], replaces[name] = _migration_fields(ast.parse(text))
        except (SyntaxError, ValueError):
            continue  # conflict markers: git reports that file as conflicted
    if not deps:
        return None
    replaced = {old for name, olds in replaces.items() for old in olds}
    # The app's own label: the one most of its dependencies on its own migrations use, those
    # a squash replaced included (a reset deletes them; Django still resolves the name).
    labels = Counter(app for pairs in deps.values() for app, dep in pairs
                     if dep in deps or dep in replaced)
    label = labels.most_common(1)[0][0] if labels else None
    nodes = set(deps) - replaced
    used = set()
    for name in nodes:
        for app, dep in deps[name]:
            if app == label:
                used.add(next((n for n in nodes if dep in replaces.get(n, ())), dep))
    return nodes - used


def _migration_fields(tree: ast.Module) -> tuple[list[tuple[str, str]], list[str]]:
    dependencies: list[tuple[str, str]] = []
    replaced: list[str] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Assign) or len(node.targets) != 1:
            continue
        target = node.targets[0]
        if not isinstance(target, ast.Name) or target.id not in ("dependencies", "replaces"):
            continue
        if not isinstance(node.value, (ast.List, ast.Tuple)):
            continue
        for item in node.value.elts:
            if isinstance(item, (ast.Tuple, ast.List)) and len(item.elts) == 2 and all(
                    isinstance(e, ast.Constant) and isinstance(e.value, str) for e in item.elts):
                app, name = (e.value for e in item.elts)  # type: ignore[attr-defined]
                if target.id == "dependencies":
                    dependencies.append((app, name))
                else:
                    replaced.append(name)
    return dependencies, replaced


# --- dependency files -------------------------------------------------------------------


def _validity(git: GitRepo, path: str, trees: tuple[str, str, str]) -> str:
    """"clean", or what the merge broke that neither side had broken."""
    blobs = git.read_blobs([f"{rev}:{path}" for rev in trees])
    texts = [blobs.get(f"{rev}:{path}") for rev in trees]
    if texts[2] is None:
        return "clean"  # deleted, or binary
    merged = _faults(path, texts[2])
    before = set().union(*(_faults(path, t) for t in texts[:2] if t is not None))
    new = sorted(merged - before)
    return "; ".join(new) if new else "clean"


def _faults(path: str, text: str) -> set[str]:
    name = posixpath.basename(path)
    if is_requirements(path):
        facts = parse_requirements(text)
        faults = {f"invalid line: {message}" for _, message in facts.invalid}
        keys = Counter(_requirement_key(r.text) for r in facts.requirements)
        return faults | {f"duplicate {key[0]}" for key, n in keys.items() if n > 1}
    if name.endswith(".toml") or name in ("poetry.lock", "uv.lock", "pdm.lock"):
        try:
            tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            return {f"not valid TOML: {exc}"}
    elif name == "Pipfile.lock":
        try:
            json.loads(text)
        except ValueError as exc:
            return {f"not valid JSON: {exc}"}
    return set()


def _requirement_key(text: str) -> tuple[str, ...]:
    """Two lines are the same requirement when name, extras and marker agree."""
    from packaging.requirements import InvalidRequirement, Requirement
    from packaging.utils import canonicalize_name

    try:
        parsed = Requirement(text.split(" #", 1)[0].strip())
    except InvalidRequirement:
        return (text.strip(),)
    return (canonicalize_name(parsed.name), ",".join(sorted(parsed.extras)),
            str(parsed.marker or ""))
