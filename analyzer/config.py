"""`[tool.conflictscan]` in the scanned repository's pyproject.toml, validated key by key.

Options on the command line win over the file; the file wins over the defaults.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from analyzer.catalog import SharedFilePattern
from analyzer.errors import InputError, reading
from analyzer.model import Finding, Risk, Severity
from analyzer.parsers.toml_tables import TomlDocument, load_toml

if TYPE_CHECKING:
    from analyzer.sources.git_repo import GitRepo
    from analyzer.sources.repo_layout import RepoLayout

FAIL_LEVELS = ("error", "warning", "note", "never")
CONFIGS_KEPT = 16  # pyproject.toml texts whose table is kept: a few repositories' worth
_RULE_ID = re.compile(r"^CS\d{1,3}$", re.IGNORECASE)


@dataclass
class Config:
    """`[tool.conflictscan]` as read, before the command line's options."""

    select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    severity: dict[str, Severity] = field(default_factory=dict)
    fail_on: str | None = None
    base: str | None = None
    shared_files: list[SharedFilePattern] = field(default_factory=list)
    migration_locations: list[str] = field(default_factory=list)
    baseline: str | None = None
    path: str | None = None  # where it was read from

    def with_severity(self, findings: list[Finding]) -> list[Finding]:
        """The findings at the severity the team set for their rules: every command that
        reports or scores findings reads them through this, so none judges another."""
        if not self.severity:
            return findings
        return [replace(f, severity=self.severity[f.rule]) if f.rule in self.severity else f
                for f in findings]

    def locate_migrations(self, layout: RepoLayout) -> RepoLayout:
        """The layout with the alembic folders the team named, over those the tree suggests:
        every command that reads a layout goes through this, so none forgets it."""
        if self.migration_locations:
            layout.alembic_versions = tuple(self.migration_locations)
        return layout


def repo_config(git: GitRepo) -> Config:
    """The scanned repository's configuration, read once a run however many steps ask."""
    return git.remember(("config",), lambda: load_config(git.root))


def load_config(root: str | None) -> Config:
    """The configuration of the repository at root; an empty one when it has none."""
    if root is None:
        return Config()
    from analyzer.safe_files import read_repo_text

    path = os.path.join(root, "pyproject.toml")
    if os.path.isdir(path):
        return Config()
    text = read_repo_text(path, root)
    if text is None:
        return Config()
    with reading(path):
        section = _section(text, path)
        if section is None:
            return Config()
        return _validate(section, path, text.splitlines())


def _section(text: str, path: str) -> Any:
    """`[tool.conflictscan]` of a pyproject.toml, None when it has none. Kept between runs
    under the file's very text (`analyzer.kept`): parsing the whole file, and loading
    tomllib to, took ~10 ms of every pre-commit hook for a table most files lack. A file
    that does not parse is parsed (and reported) on every run; a table JSON cannot hold
    (a TOML date) is not kept."""
    from analyzer import kept

    stamp: list[object] = [1, text]
    known = kept.load("config", stamp)
    if isinstance(known, dict) and "section" in known:
        return known["section"]
    doc = TomlDocument(load_toml(text, path), path, text)
    section = doc.table(doc.data, "tool").get("conflictscan")
    kept.store("config", stamp, {"section": section}, prefix="config-", keep=CONFIGS_KEPT)
    return section


def _validate(section: Any, path: str, lines: list[str]) -> Config:
    def fail(key: str, message: str) -> InputError:
        line = next((n for n, text in enumerate(lines, 1)
                     if re.match(rf"\s*\"?{re.escape(key)}\"?\s*=", text)), None)
        return InputError(f"tool.conflictscan.{key}: {message}", path, line)

    if not isinstance(section, dict):
        raise InputError("[tool.conflictscan] must be a table", path)
    config = Config(path=path)
    known = {"select", "ignore", "severity", "fail-on", "base", "shared-files",
             "migration-locations", "baseline"}
    for key, value in section.items():
        if key not in known:
            hint = ", ".join(sorted(known))
            raise fail(key, f"unknown key (the keys are: {hint})")
        if key in ("select", "ignore"):
            if not isinstance(value, list) or not all(isinstance(v, str) and _RULE_ID.match(v)
                                                      for v in value):
                raise fail(key, 'expected a list of rule ids or prefixes, such as ["CS2", "CS401"]')
            setattr(config, key, [v.upper() for v in value])
        elif key == "severity":
            if not isinstance(value, dict):
                raise fail(key, 'expected a table, such as { CS104 = "warning" }')
            for rule, level in value.items():
                if not _RULE_ID.match(rule) or level not in ("error", "warning", "note"):
                    raise fail(key, f"{rule} = {level!r}: expected a rule id = "
                                    '"error", "warning" or "note"')
                config.severity[rule.upper()] = Severity(level)
        elif key == "fail-on":
            if value not in FAIL_LEVELS:
                raise fail(key, f"{value!r}: expected one of {', '.join(FAIL_LEVELS)}")
            config.fail_on = value
        elif key in ("base", "baseline"):
            if not isinstance(value, str) or not value:
                raise fail(key, "expected a non-empty string")
            setattr(config, key, value)
        elif key == "migration-locations":
            if not isinstance(value, list) or not all(isinstance(v, str) and v.strip("/ ")
                                                      for v in value):
                raise fail(key, 'expected a list of directories, such as ["db/versions"]')
            config.migration_locations = [v.strip("/") for v in value]
        elif key == "shared-files":
            config.shared_files = [_shared_file(entry, fail) for entry in _tables(value, fail)]
    return config


def _tables(value: Any, fail: Any) -> list[dict[str, Any]]:
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise fail("shared-files", 'expected an array of tables: [[tool.conflictscan.'
                                   'shared-files]] with pattern, risk and why')
    return value


def _shared_file(entry: dict[str, Any], fail: Any) -> SharedFilePattern:
    unknown = set(entry) - {"pattern", "risk", "why", "fix"}
    if unknown:
        raise fail("shared-files", f"unknown key {sorted(unknown)[0]!r} (pattern, risk, why, fix)")
    if not isinstance(entry.get("pattern"), str) or not entry["pattern"].strip():
        raise fail("shared-files", "every entry needs a pattern, such as \"app/routes.py\"")
    try:
        risk = Risk(entry.get("risk", "medium"))
    except ValueError:
        raise fail("shared-files", f"risk {entry.get('risk')!r}: expected high, medium or low") \
            from None
    return SharedFilePattern(entry["pattern"], risk, str(entry.get("why", "shared by your team")),
                             str(entry.get("fix", "")))
