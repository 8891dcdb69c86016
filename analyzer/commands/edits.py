"""The pre-edit question: would writing these files now collide with another workstream?

One answer for two doors, `conflictscan hook agent` (an agent's pre-tool-use JSON on stdin)
and `conflictscan branches --file PATH…`: the full scan of branches and worktrees, with the
current worktree as it will be once the edit is made (the new text, when the tool call tells
it), through the same checks and severities; then only the findings that involve this
worktree and the edited file.
"""

from __future__ import annotations

import argparse
import difflib
import os
from dataclasses import dataclass, field

from analyzer.commands.branches import GitScan, scan_repository, workstream_text
from analyzer.commands.output import exit_code, suppress
from analyzer.errors import InputError
from analyzer.model import Evidence, Finding, Kind, Mode, Resource, Touch
from analyzer.sources.branches import (
    BranchScan,
    BranchSelection,
    GitWorkstream,
    read_worktree_file,
    touches_from_diff,
)
from analyzer.sources.git.objects import object_id
from analyzer.sources.scope import pathspecs


@dataclass(frozen=True)
class PlannedEdit:
    path: str  # as given: absolute, or relative to the current directory
    text: str | None = None  # the file's whole text after the edit, when known


@dataclass
class FileAnswer:
    path: str  # relative to the worktree's root
    findings: list[Finding] = field(default_factory=list)
    others: list[str] = field(default_factory=list)  # other workstreams that change it


@dataclass
class EditAnswer:
    files: list[FileAnswer]
    current: str | None  # the workstream the edit belongs to
    base: str
    skipped: str = ""  # why there was nothing to compare, if so

    def worst(self, fail_on: str) -> int:
        return exit_code([f for a in self.files for f in a.findings], fail_on)


def answer_edits(args: argparse.Namespace, directory: str,
                 edits: list[PlannedEdit]) -> EditAnswer:
    """Scan with the edits applied to the worktree that holds `directory`."""
    from analyzer.sources.git_repo import GitRepo

    git = GitRepo(directory)
    root = git.root
    try:
        base = args.base or _configured_base(root) or git.default_base()
        git.resolve(base)
    except InputError:
        git.close()
        return EditAnswer([], None, args.base or "", "no base branch here; set --base")
    relative = [_relative(root, e.path) for e in edits]
    wanted = [(rel, e) for rel, e in zip(relative, edits, strict=True) if rel is not None]
    if not wanted:
        git.close()
        return EditAnswer([], None, base, "the file is outside the repository")
    state: dict[str, str | None] = {"me": None}

    def apply(scan: BranchScan) -> None:
        me = _stream_of(scan, root)
        if me is None:
            return
        state["me"] = me.workstream.id
        for rel, edit in wanted:
            _apply_edit(scan, me, rel, edit)

    args.repo = root
    result = scan_repository(args, BranchSelection(keep_worktree=root), adjust=apply,
                             narrow=lambda layout: pathspecs([rel for rel, _ in wanted], layout),
                             git=git)
    try:
        me = state["me"]
        result.findings = suppress(result.findings, workstream_text(result), warn=False)
        files = [_file_answer(result, me, rel) for rel, _ in wanted]
        return EditAnswer(files, me, result.scan.base_name)
    finally:
        result.git.close()


def _configured_base(root: str) -> str | None:
    from analyzer.config import load_config

    return load_config(root).base


def _relative(root: str, path: str) -> str | None:
    full = os.path.realpath(path)
    rel = os.path.relpath(full, os.path.realpath(root))
    if rel == "." or rel.startswith(".." + os.sep) or rel == "..":
        return None
    return rel.replace(os.sep, "/")


def _stream_of(scan: BranchScan, root: str) -> GitWorkstream | None:
    here = os.path.realpath(root)
    return next((s for s in scan.streams
                 if s.worktree and os.path.realpath(s.worktree) == here), None)


def _apply_edit(scan: BranchScan, me: GitWorkstream, path: str, edit: PlannedEdit) -> None:
    """Replace what the worktree's diff says of `path` with the file as the edit leaves it."""
    assert me.worktree is not None
    on_disk = read_worktree_file(os.path.join(me.worktree, path))
    text = edit.text if edit.text is not None else on_disk
    ws = me.workstream
    if text is None:  # a file about to be created, its text unknown: still a write
        ws.touches = [t for t in ws.touches if t.evidence.path != path]
        ws.touches.append(Touch(ws.id, Resource(Kind.FILE, path), Mode.CREATE,
                                Evidence(path, None, "about to be created"), "added"))
        return
    if edit.text is None and any(t.resource.key == path for t in ws.touches):
        return  # already changed in the worktree, and the edit's text is unknown
    before = scan.git.read_blobs([f"{me.merge_base}:{path}"]).get(f"{me.merge_base}:{path}")
    ws.touches = [t for t in ws.touches if t.evidence.path != path and t.resource.key != path]
    if before == text:  # the edit's text is not known yet: the file is about to change
        ws.touches.append(Touch(ws.id, Resource(Kind.FILE, path), Mode.WRITE,
                                Evidence(path, None, "about to be edited"), "modified"))
        return
    diff = _git_diff(path, before, text, scan.git.object_format)
    ws.touches += touches_from_diff(ws.id, diff, [], None)
    me.overlay[path] = text


def _git_diff(path: str, before: str | None, after: str, object_format: str) -> str:
    """A zero-context diff in git's own format, with the new blob's id as git would name it
    in this repository (sha1 or sha256)."""
    def lines(text: str) -> list[str]:
        return [line if line.endswith("\n") else line + "\n" for line in text.splitlines(True)]

    data = after.encode("utf-8", "surrogateescape")
    blob = object_id("blob", data, object_format)
    head = [f"diff --git a/{path} b/{path}\n"]
    if before is None:
        head += ["new file mode 100644\n", f"index {'0' * len(blob)}..{blob}\n", "--- /dev/null\n"]
    else:
        head += [f"index {'1' * len(blob)}..{blob} 100644\n", f"--- a/{path}\n"]
    head.append(f"+++ b/{path}\n")
    hunks = list(difflib.unified_diff(lines(before or ""), lines(after), n=0))[2:]
    return "".join(head + hunks)


def _file_answer(result: GitScan, me: str | None, path: str) -> FileAnswer:
    others = [ws.name for ws in result.scan.workstreams
              if ws.id != me and any(t.resource == Resource(Kind.FILE, path) and t.mode.writes
                                     for t in ws.touches)]
    findings = [f for f in result.findings if me in f.workstreams and _about(f, me, path)]
    return FileAnswer(path, findings, others)


def _about(finding: Finding, me: str | None, path: str) -> bool:
    """The finding concerns this file: its resource, or this workstream's evidence in it."""
    if finding.resource is not None and finding.resource.key == path:
        return True
    return any(e.path == path and ws == me
               for e, ws in zip(finding.evidence, finding.evidence_of, strict=False))


# --- the two views --------------------------------------------------------------------


def reason(answer: EditAnswer, fail_on: str) -> str:
    """One line for an agent: the worst collision, its fix, and how many more."""
    from analyzer.commands.output import THRESHOLD

    found = [(a.path, f) for a in answer.files for f in a.findings
             if f.severity.rank >= THRESHOLD[fail_on]]
    if not found:
        return ""
    path, worst = max(found, key=lambda pf: (pf[1].severity.rank, pf[1].risk.rank))
    text = (f"conflictscan {worst.rule} ({worst.severity.value}): editing {path} now collides "
            f"with another workstream. {worst.message.rstrip('.')}. Fix: {worst.mitigation}")
    if worst.command:
        text += f" Run: {worst.command}"
    if len(found) > 1:
        text += f" (+{len(found) - 1} more: conflictscan branches --file {path})"
    return " ".join(text.split())


def as_json(answer: EditAnswer, fail_on: str) -> dict[str, object]:
    """The report of docs/file-query.schema.json, version 1."""
    from analyzer import __version__

    return {
        "schema_version": 1,
        "tool": {"name": "conflictscan", "version": __version__},
        "base": answer.base,
        "current": answer.current,
        "skipped": answer.skipped or None,
        "fail_on": fail_on,
        "collides": answer.worst(fail_on) == 1,
        "files": [{
            "path": a.path,
            "changed_by_others": a.others,
            "findings": [{"rule": f.rule, "severity": f.severity.value, "risk": f.risk.value,
                          "workstreams": list(f.workstreams), "message": f.message,
                          "mitigation": f.mitigation, "command": f.command or None}
                         for f in a.findings],
        } for a in answer.files],
    }


def render_text(answer: EditAnswer) -> str:
    if answer.skipped:
        return f"conflictscan: {answer.skipped}; nothing to compare\n"
    out = []
    for a in answer.files:
        also = f" (also changed by {', '.join(a.others)})" if a.others else ""
        if not a.findings:
            out.append(f"{a.path}: no collision{also}")
            continue
        out.append(f"{a.path}:{also}")
        for f in a.findings:
            out.append(f"  {f.rule} {f.severity.value:<7} {f.message}")
            out.append(f"    fix: {f.mitigation}" + (f" Run: {f.command}" if f.command else ""))
    return "\n".join(out) + "\n"
