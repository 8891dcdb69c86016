"""`conflictscan hook agent`: a coding agent's pre-tool-use hook.

The agent (Claude Code's `PreToolUse`, and the agents that copy its shape) passes the tool
call as JSON on stdin: `tool_name`, `tool_input` (`file_path`, or `notebook_path`), `cwd`.
Exit 2 blocks the call and hands stderr to the agent as the reason; exit 0 lets it run.
Any other exit is a non-blocking error: a broken payload or repository never blocks an edit.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

from analyzer.commands.edits import PlannedEdit, answer_edits, reason
from analyzer.errors import InputError

EDIT_TOOLS = ("Edit", "Write", "MultiEdit", "NotebookEdit")
BLOCK, ALLOW, NOT_CHECKED = 2, 0, 1


def run_agent_hook(args: argparse.Namespace) -> int:
    try:
        payload = _payload(sys.stdin.read())
        edit = planned_edit(payload)
        if edit is None:
            return ALLOW  # a tool that edits no file
        directory = _existing_parent(edit.path)
        if directory is None:
            return ALLOW
        if not _in_git(directory):
            return ALLOW  # nothing to collide with
        answer = answer_edits(args, directory, [edit])
        why = reason(answer, args.fail_on or "error")
    except InputError as exc:
        print(f"conflictscan: the edit was not checked: {exc}", file=sys.stderr)
        return NOT_CHECKED
    if why:
        print(why, file=sys.stderr)
        return BLOCK
    return ALLOW


def _payload(text: str) -> dict[str, Any]:
    try:
        payload = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"the hook input is not JSON: {exc.msg}", "<stdin>", exc.lineno) \
            from None
    if not isinstance(payload, dict):
        raise InputError("the hook input is not a JSON object", "<stdin>")
    return payload


def planned_edit(payload: dict[str, Any]) -> PlannedEdit | None:
    """The file a tool call is about to write, and its text afterwards when the call says."""
    tool = payload.get("tool_name")
    tool_input = payload.get("tool_input")
    if tool not in EDIT_TOOLS or not isinstance(tool_input, dict):
        return None
    target = tool_input.get("notebook_path" if tool == "NotebookEdit" else "file_path")
    if not isinstance(target, str) or not target:
        return None
    cwd = payload.get("cwd")
    if not os.path.isabs(target) and isinstance(cwd, str):
        target = os.path.join(cwd, target)
    if tool == "Write":
        content = tool_input.get("content")
        return PlannedEdit(target, content if isinstance(content, str) else None)
    if tool == "Edit":
        return PlannedEdit(target, _replaced(target, [tool_input]))
    if tool == "MultiEdit":
        edits = tool_input.get("edits")
        return PlannedEdit(target, _replaced(target, edits if isinstance(edits, list) else []))
    return PlannedEdit(target)


def _replaced(path: str, edits: list[Any]) -> str | None:
    """The file's text after Edit/MultiEdit replacements; None when they cannot be applied."""
    from analyzer.sources.branches import read_worktree_file

    text = read_worktree_file(path)
    if text is None:
        return None
    for edit in edits:
        if not isinstance(edit, dict):
            return None
        old, new = edit.get("old_string"), edit.get("new_string")
        if not isinstance(old, str) or not isinstance(new, str) or old not in text:
            return None
        text = text.replace(old, new) if edit.get("replace_all") else text.replace(old, new, 1)
    return text


def _existing_parent(path: str) -> str | None:
    directory = os.path.dirname(os.path.abspath(path))
    while directory and not os.path.isdir(directory):
        parent = os.path.dirname(directory)
        if parent == directory:
            return None
        directory = parent
    return directory or None


def _in_git(directory: str) -> bool:
    while True:
        if os.path.exists(os.path.join(directory, ".git")):
            return True
        parent = os.path.dirname(directory)
        if parent == directory:
            return False
        directory = parent
