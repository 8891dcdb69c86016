"""Stable fingerprints of findings, and the baseline file that accepts known ones.

A fingerprint leaves out line numbers and messages, so a finding keeps its identity while the
code around it moves: the same rule on the same resource in the same files between the same
workstreams (a new pair colliding on a known file is a new finding).
"""

from __future__ import annotations

import hashlib
import json

from analyzer.errors import InputError
from analyzer.model import Finding
from analyzer.safe_files import read_text

BASELINE_VERSION = 2  # 2: fingerprints name the workstreams


def fingerprint(finding: Finding) -> str:
    resource = f"{finding.resource.kind.value}:{finding.resource.key}" if finding.resource else ""
    paths = sorted({e.path for e in finding.evidence})
    text = "|".join([finding.rule, resource, *paths, *sorted(finding.workstreams)])
    return hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()[:24]


def load_baseline(path: str, root: str | None = None) -> set[str]:
    """The accepted fingerprints; with `root`, the file must be inside that repository."""
    text = read_text(path, root=root)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"invalid JSON: {exc.msg}", path, exc.lineno) from None
    except (RecursionError, ValueError):  # nested too deeply; an integer of 4,300+ digits
        raise InputError("invalid JSON: nested too deeply or a number too long", path) \
            from None
    entries = data.get("findings") if isinstance(data, dict) else None
    if not isinstance(entries, list) or not all(
            isinstance(entry, dict) and isinstance(entry.get("fingerprint"), str)
            for entry in entries):
        raise InputError('not a conflictscan baseline (expected {"findings": [{"fingerprint": '
                         '"…"}]}); write one with --write-baseline', path)
    return {entry["fingerprint"] for entry in entries}


def write_baseline(path: str, findings: list[Finding]) -> None:
    entries = sorted(({"fingerprint": fingerprint(f), "rule": f.rule, "message": f.message}
                      for f in findings), key=lambda e: (e["rule"], e["fingerprint"]))
    try:
        with open(path, "w", encoding="utf-8") as handle:
            json.dump({"version": BASELINE_VERSION, "findings": entries}, handle, indent=2)
            handle.write("\n")
    except OSError as exc:
        raise InputError(f"cannot write the baseline: {exc.strerror}", path) from None
