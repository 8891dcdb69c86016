"""`conflictscan fix`: the mitigation of a finding, applied to the current worktree.

A dry run by default (the diff and the commands it would run); `--apply` writes, and only the
files each fix names, inside the current worktree, refusing files with uncommitted changes
unless `--force`. The project's code never runs; with `--run-lock` the package manager's own
lock command does, since a lockfile is never merged by hand.
"""

from __future__ import annotations

import argparse
import datetime
import os
import posixpath
import shutil
import sys
from collections.abc import Iterator

from analyzer.baseline import fingerprint
from analyzer.checks.migration_graph import roots_in_base
from analyzer.commands.branches import GitScan, current_workstream, scan_repository
from analyzer.errors import InputError
from analyzer.fixes import alembic as alembic_fix
from analyzer.fixes import django as django_fix
from analyzer.fixes.edits import FileEdit, Fix, FixRefused
from analyzer.fixes.pyproject import merge_pyproject
from analyzer.fixes.requirements import merge_requirements
from analyzer.model import Finding
from analyzer.parsers.alembic import Revision, heads
from analyzer.parsers.django_migrations import DjangoMigration, leaves
from analyzer.sources.branches import BranchSelection, GitWorkstream, read_worktree_file
from analyzer.sources.git.runner import run_lock_command
from analyzer.sources.git_facts import BASE
from analyzer.sources.repo_layout import is_requirements

MERGE_FILE_NOTE = ("the merge file names the other workstreams' migrations: apply it in one "
                   "workstream only, and migrate once they are merged together")
FIXABLE = ("CS202", "CS203", "CS204", "CS301", "CS302", "CS304")
LOCK_COMMANDS = {"uv.lock": "uv lock", "poetry.lock": "poetry lock",
                 "pdm.lock": "pdm lock", "Pipfile.lock": "pipenv lock"}


def run_fix(args: argparse.Namespace) -> int:
    args.select, args.ignore, args.fail_on = [], [], None
    result = scan_repository(args, BranchSelection(worktrees=True))
    try:
        current = current_workstream(result.scan)
        if current is None:
            print("conflictscan fix: this worktree has no changes against "
                  f"{result.scan.base_name}; nothing to fix")
            return 0
        stream = next(s for s in result.scan.streams if s.workstream.id == current)
        chosen = [f for f in result.findings if _wanted(f, current, args)]
        if not chosen:
            print(f"conflictscan fix: nothing to fix for '{stream.workstream.name}'")
            return 0
        fixes = [_fix_for(f, current, stream, result, args) for f in chosen]
        _print(fixes, chosen, args.apply)
        if args.apply:
            return _apply(fixes, stream, result, args)
        return 1 if any(f.edits or f.commands for f in fixes) else 0
    finally:
        result.git.close()


def _wanted(finding: Finding, current: str, args: argparse.Namespace) -> bool:
    if current not in finding.workstreams:
        return False
    if args.ids:
        return any(fingerprint(finding).startswith(i.lower()) for i in args.ids)
    if args.rule:
        return finding.rule in {r.upper() for r in args.rule}
    return args.all or finding.rule in FIXABLE or _requirements_conflict(finding)


def _requirements_conflict(finding: Finding) -> bool:
    """A textual conflict in a dependency file: merged by package, it needs no hand."""
    path = finding.path or ""
    return finding.rule in ("CS103", "CS105") and (
        is_requirements(path) or posixpath.basename(path) == "pyproject.toml")


def _fix_for(finding: Finding, current: str, stream: GitWorkstream, result: GitScan,
             args: argparse.Namespace) -> Fix:
    fix = Fix(finding.rule, finding.message)
    try:
        if finding.rule == "CS302":
            fix.edits = list(_alembic_reparent(finding, current, stream, result, args.merge))
        elif finding.rule == "CS301":
            fix.edits = [_alembic_merge(finding, current, stream, result)]
            fix.notes.append(MERGE_FILE_NOTE)
        elif finding.rule == "CS304":
            fix.edits = list(_django(finding, current, stream, result, args.merge))
            if any(e.old is None for e in fix.edits):
                fix.notes.append(MERGE_FILE_NOTE)
        elif (finding.rule in ("CS203", "CS204") and finding.path) or \
                _requirements_conflict(finding):
            fix.edits = list(_dependencies(finding, current, stream, result))
            fix.notes.append(DRIVER_SETUP)
        elif finding.rule == "CS202" and finding.path:
            fix.commands = _lock_commands(finding.path, result.scan.base_name)
        else:
            raise FixRefused(f"{finding.rule} has no automatic fix; {finding.mitigation}")
    except FixRefused as why:
        fix.refused = str(why)
    return fix


# --- alembic ----------------------------------------------------------------------------


def _now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")


def _worktree_text(stream: GitWorkstream, path: str) -> str:
    root = stream.worktree or ""
    text = read_worktree_file(os.path.join(root, path))
    if text is None:
        raise FixRefused(f"{path} cannot be read in {root}")
    return text


def _chain(finding: Finding, current: str,
           result: GitScan) -> tuple[dict[str, Revision], dict[str, list[Revision]]]:
    """The base history and additions of the alembic chain the finding is about: the one
    this worktree adds to on the finding's parent (each environment is its own history)."""
    migrations = result.facts.migrations
    parent = finding.resource.key.split(":", 1)[1] if finding.resource else ""
    mine = [c for c, added in migrations.alembic_added.items() if current in added]
    chain = next((c for c in mine if parent in migrations.alembic_base.get(c, {})),
                 mine[0] if mine else "")
    return migrations.alembic_base.get(chain, {}), migrations.alembic_added.get(chain, {})


def _alembic_reparent(finding: Finding, current: str, stream: GitWorkstream,
                      result: GitScan, merge: bool) -> Iterator[FileEdit]:
    facts = result.facts
    alembic_base, alembic_added = _chain(finding, current, result)
    base_heads = sorted(heads(alembic_base))
    mine = {r.revision: r for r in alembic_added.get(current, [])}
    declared = {*alembic_base, *(r.revision for revs in alembic_added.values() for r in revs)}
    missing = {r for r, rev in mine.items() if any(p not in declared for p in rev.down_revisions)}
    if merge and missing:
        raise FixRefused("alembic cannot merge heads while a parent is missing "
                         f"({', '.join(sorted(missing))}); re-parent instead (without --merge)")
    if merge:
        yield _alembic_merge(finding, current, stream, result, extra=base_heads)
        return
    if len(base_heads) != 1:
        raise FixRefused(f"{facts.base_name} has {len(base_heads)} alembic heads "
                         f"({', '.join(base_heads)}); merge them there first, or use --merge")
    parents = {r: rev.down_revisions for r, rev in {**alembic_base, **mine}.items()}
    has_root = any(not r.down_revisions and not r.branch_labels for r in alembic_base.values())
    for revision in mine.values():
        # a stale parent, a parent declared nowhere, or no parent beside the chain's root:
        # each moves onto the base's head; a revision inside the chain keeps its parent
        wrong = [p for p in revision.down_revisions if p in alembic_base or p not in declared]
        second_root = has_root and not revision.down_revisions and not revision.branch_labels
        if base_heads[0] in revision.down_revisions or not (wrong or second_root):
            continue
        if wrong and revision.revision not in missing and not roots_in_base(
                parents, alembic_base, revision.revision):
            continue
        new = tuple(base_heads[0] if p in wrong else p for p in revision.down_revisions)
        new = tuple(dict.fromkeys(new)) or (base_heads[0],)
        text = _worktree_text(stream, revision.path)
        yield FileEdit(revision.path, text, alembic_fix.reparent(text, revision.path, new))


def _alembic_merge(finding: Finding, current: str, stream: GitWorkstream, result: GitScan,
                   extra: list[str] | None = None) -> FileEdit:
    alembic_base, alembic_added = _chain(finding, current, result)
    added = {r.revision: r for revs in alembic_added.values() for r in revs}
    merged = {**alembic_base, **added}
    parent = finding.resource.key.split(":", 1)[1] if finding.resource else ""
    all_parents = {r: rev.down_revisions for r, rev in merged.items()}
    grown = sorted(h for h in heads(merged) - set(alembic_base)
                   if parent in roots_in_base(all_parents, alembic_base, h))
    grown = sorted(set(grown) | set(extra or []))
    mine = [r for r in alembic_added.get(current, []) if r.revision in grown]
    if not mine:
        raise FixRefused("none of the heads is this worktree's own revision")
    sample = _worktree_text(stream, mine[0].path)
    versions = posixpath.dirname(mine[0].path)
    files = [r.path for r in merged.values() if posixpath.dirname(r.path) == versions]
    return alembic_fix.merge_revision(grown, versions, list(merged), files, sample, _now())


# --- Django -----------------------------------------------------------------------------


def _django(finding: Finding, current: str, stream: GitWorkstream, result: GitScan,
            merge: bool) -> Iterator[FileEdit]:
    facts = result.facts
    app = finding.resource.key.split(":", 1)[1] if finding.resource else ""
    base = facts.migrations.django_base.get(app, {})
    mine = [m for m in facts.migrations.django_added.get(current, []) if m.app == app]
    if not mine:
        raise FixRefused(f"this worktree adds no migration to '{app}'")
    others = {m.name: m for ws, ms in facts.migrations.django_added.items() if ws != current
              for m in ms if m.app == app}
    base_leaves = sorted(leaves(base))
    my_names = {m.name for m in mine}
    chain = _in_order(mine)
    first_parents = [p for p in chain[0].parents if p not in my_names]
    old_parent = first_parents[0] if first_parents else ""
    directory = posixpath.dirname(chain[0].path)
    if merge or (others and old_parent in base_leaves):
        merged = {**base, **others, **{m.name: m for m in mine}}
        yield django_fix.merge_migration(app, directory, sorted(leaves(merged)))
        return
    if len(base_leaves) != 1:
        raise FixRefused(f"'{app}' has {len(base_leaves)} leaf migrations on "
                         f"{facts.base_name}; merge them there first, or use --merge")
    _refuse_if_referenced(stream, app, my_names, directory)
    texts = [(m.name, m.path, _worktree_text(stream, m.path)) for m in chain]
    max_path = posixpath.join(directory, "max_migration.txt")
    max_text = read_worktree_file(os.path.join(stream.worktree or "", max_path))
    max_file = (max_path, max_text) if max_text is not None else None
    yield from django_fix.rebase_chain(app, texts, old_parent, base_leaves[0], max_file)


def _in_order(migrations: list[DjangoMigration]) -> list[DjangoMigration]:
    """A chain in dependency order: each after the ones of the chain it depends on."""
    by_name = {m.name: m for m in migrations}
    ordered: list[DjangoMigration] = []
    done: set[str] = set()

    def visit(name: str, depth: int = 0) -> None:
        if name in done or name not in by_name or depth > len(by_name):
            return
        done.add(name)
        for parent in by_name[name].parents:
            visit(parent, depth + 1)
        ordered.append(by_name[name])

    for name in sorted(by_name):
        visit(name)
    return ordered


def _refuse_if_referenced(stream: GitWorkstream, app: str, names: set[str],
                          directory: str) -> None:
    """A migration another app depends on cannot be renamed without editing that app."""
    root = stream.worktree or ""
    for folder, _, files in os.walk(root):
        if ".git" in folder.split(os.sep) or posixpath.basename(folder) != "migrations":
            continue
        relative = os.path.relpath(folder, root).replace(os.sep, "/")
        if relative == directory:
            continue
        for name in files:
            if not name.endswith(".py"):
                continue
            text = read_worktree_file(os.path.join(folder, name)) or ""
            for migration in names:
                if f'"{migration}"' in text or f"'{migration}'" in text:
                    raise FixRefused(f"{relative}/{name} depends on {app}.{migration}; "
                                     "renaming it would break that app: use --merge")


# --- dependencies -----------------------------------------------------------------------


def _dependencies(finding: Finding, current: str, stream: GitWorkstream,
                  result: GitScan) -> Iterator[FileEdit]:
    """Our file with the other side's changes merged in, one line per package: what the
    merge will hold, so the conflict or the duplicate never reaches it."""
    path = finding.path or ""
    merge = merge_pyproject if posixpath.basename(path) == "pyproject.toml" else \
        merge_requirements
    others = [ws for ws in finding.workstreams if ws != current]
    streams = {s.workstream.id: s for s in result.scan.streams}
    git = result.git
    base_spec = f"{stream.merge_base}:{path}"
    specs = [base_spec]
    for ws in others:
        if ws == BASE:
            specs.append(f"{result.scan.base_commit}:{path}")
        elif ws in streams and not streams[ws].worktree:
            specs.append(f"{streams[ws].commit}:{path}")
    blobs = git.read_blobs(specs)
    ours = _worktree_text(stream, path)
    merged = ours
    base_text = blobs.get(base_spec) or ""
    warnings: list[str] = []
    for ws in others:
        other = streams.get(ws)
        if ws == BASE:
            theirs = blobs.get(f"{result.scan.base_commit}:{path}")
        elif other is not None and other.worktree:
            theirs = read_worktree_file(os.path.join(other.worktree, path))
        elif other is not None:
            theirs = blobs.get(f"{other.commit}:{path}")
        else:
            theirs = None
        if theirs is None:
            continue
        outcome = merge(base_text, merged, theirs)
        merged, warnings = outcome.text, warnings + outcome.warnings
    for warning in warnings:
        print(f"conflictscan fix: warning: {path}: {warning}", file=sys.stderr)
    if merged != ours:
        yield FileEdit(path, ours, merged)


DRIVER_SETUP = ("requirements files still differ line by line from the other side; git merges "
                "them by package with: git config merge.conflictscan.driver "
                "'conflictscan merge-driver %O %A %B %P' && echo 'requirements*.txt "
                "merge=conflictscan' >> .gitattributes")


def _lock_commands(path: str, base: str) -> list[str]:
    name = posixpath.basename(path)
    command = LOCK_COMMANDS.get(name)
    if command is None:
        raise FixRefused(f"{path}: no known lock command; regenerate it with its tool")
    directory = posixpath.dirname(path)
    prefix = f"cd {directory} && " if directory else ""
    return [f"git checkout {base} -- {path}", f"{prefix}{command}"]


# --- output and writing -----------------------------------------------------------------


def _print(fixes: list[Fix], findings: list[Finding], applying: bool) -> None:
    out = sys.stdout
    for fix, finding in zip(fixes, findings, strict=True):
        out.write(f"{finding.rule} {fingerprint(finding)[:10]} {finding.path or ''}\n")
        out.write(f"  {finding.message}\n")
        if fix.refused:
            out.write(f"  not fixed: {fix.refused}\n\n")
            continue
        diff = fix.diff()
        if diff:
            out.write(diff)
        for command in fix.commands:
            out.write(f"  {'runs' if applying else 'would run'}: {command}\n")
        for note in fix.notes:
            out.write(f"  note: {note}\n")
        out.write("\n")


def _apply(fixes: list[Fix], stream: GitWorkstream, result: GitScan,
           args: argparse.Namespace) -> int:
    root = os.path.realpath(stream.worktree or result.git.root)
    edits = [e for f in fixes if not f.refused for e in f.edits]
    dirty = _uncommitted(result, stream, edits)
    if dirty and not args.force:
        raise InputError(f"uncommitted changes in {', '.join(sorted(dirty))}; commit or stash "
                         "them, or pass --force", root)
    for edit in edits:
        for rel in filter(None, (edit.path, edit.renamed_from)):
            _inside(root, rel)
    for edit in edits:
        target = os.path.join(root, edit.path)
        if edit.new is not None:
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with open(target, "w", encoding="utf-8", newline="") as handle:
                handle.write(edit.new)
        if edit.renamed_from and edit.renamed_from != edit.path:
            os.unlink(os.path.join(root, edit.renamed_from))
        print(f"conflictscan fix: wrote {edit.path}"
              + (f" (was {edit.renamed_from})" if edit.renamed_from else ""))
    failed = 0
    for fix in fixes:
        if fix.commands and not fix.refused:
            failed += _run_lock(fix, root, result, args)
    refused = sum(1 for f in fixes if f.refused)
    return 1 if refused or failed else 0


def _inside(root: str, relative: str) -> None:
    path = os.path.realpath(os.path.join(root, relative))
    if not path.startswith(root + os.sep) or os.path.islink(os.path.join(root, relative)):
        raise InputError("refusing to write outside the worktree or through a link",
                         relative)


def _uncommitted(result: GitScan, stream: GitWorkstream, edits: list[FileEdit]) -> set[str]:
    """Files a fix would write whose worktree text differs from the commit: a user's edit
    a fix must not overwrite."""
    paths = [p for e in edits for p in (e.renamed_from or e.path,) if e.old is not None]
    blobs = result.git.read_blobs([f"{stream.commit}:{p}" for p in paths])
    return {p for p in paths
            if blobs.get(f"{stream.commit}:{p}") != read_worktree_file(
                os.path.join(stream.worktree or "", p))}


def _run_lock(fix: Fix, root: str, result: GitScan, args: argparse.Namespace) -> int:
    """Restore the base's lockfile and run the manager's lock command: the one place a
    program runs, and only with --run-lock."""
    if not args.run_lock:
        print("conflictscan fix: lockfiles are regenerated by their tool; pass --run-lock to "
              "run: " + " && ".join(fix.commands))
        return 0
    lock = fix.commands[0].rsplit(" -- ", 1)[1]
    base_text = result.git.read_blobs([f"{result.scan.base_commit}:{lock}"]).get(
        f"{result.scan.base_commit}:{lock}")
    if base_text is not None:
        _inside(root, lock)
        with open(os.path.join(root, lock), "w", encoding="utf-8", newline="") as handle:
            handle.write(base_text)
    tool_command = fix.commands[-1].split("&& ")[-1].split()
    directory = os.path.join(root, posixpath.dirname(lock))
    if shutil.which(tool_command[0]) is None:
        print(f"conflictscan fix: {tool_command[0]} is not installed; run "
              f"`{' '.join(tool_command)}` in {directory}", file=sys.stderr)
        return 1
    return 0 if run_lock_command(tool_command, directory) == 0 else 1
