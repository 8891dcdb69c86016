"""What a fix changes: whole-file edits (create, rewrite, rename) and the commands it would
run, rendered as a unified diff for the dry run."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field


class FixRefused(Exception):
    """A fix that cannot be made safely; the message says why and what to do instead."""


@dataclass(frozen=True)
class FileEdit:
    path: str  # repository-relative, "/"-separated
    old: str | None  # None: the file is created
    new: str | None  # None: the file is removed (the old name of a renamed file)
    renamed_from: str | None = None

    def diff(self) -> str:
        old_name = f"a/{self.renamed_from or self.path}" if self.old is not None else "/dev/null"
        new_name = f"b/{self.path}" if self.new is not None else "/dev/null"
        lines = difflib.unified_diff((self.old or "").splitlines(keepends=True),
                                     (self.new or "").splitlines(keepends=True),
                                     old_name, new_name)
        text = "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n"
                       for line in lines)
        if self.renamed_from and self.old == self.new:
            return f"rename {self.renamed_from} -> {self.path}\n"
        return text


@dataclass
class Fix:
    """One finding's mitigation: the edits, the commands, or why it cannot be applied."""

    rule: str
    title: str
    edits: list[FileEdit] = field(default_factory=list)
    commands: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    refused: str = ""

    def diff(self) -> str:
        return "".join(edit.diff() for edit in self.edits)
