"""The dependency arrays of `pyproject.toml` merged by package, edited with tomlkit so the
rest of the file keeps its format: `[project] dependencies`, each optional-dependencies
extra and each PEP 735 dependency group. Their changes since `base` join ours."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from analyzer.compat import tomllib
from analyzer.fixes.edits import FixRefused
from analyzer.fixes.requirements import Merged, merge_requirements


def _arrays(data: dict[str, Any]) -> Iterator[tuple[tuple[str, ...], list[str]]]:
    project = data.get("project")
    if isinstance(project, dict):
        if isinstance(project.get("dependencies"), list):
            yield ("project", "dependencies"), project["dependencies"]
        extras = project.get("optional-dependencies")
        if isinstance(extras, dict):
            for name, entries in extras.items():
                if isinstance(entries, list):
                    yield ("project", "optional-dependencies", name), entries
    groups = data.get("dependency-groups")
    if isinstance(groups, dict):
        for name, entries in groups.items():
            if isinstance(entries, list):
                yield ("dependency-groups", name), entries


def _read(text: str, which: str) -> dict[str, Any]:
    try:
        data: dict[str, Any] = tomllib.loads(text)
    except (tomllib.TOMLDecodeError, RecursionError) as exc:
        raise FixRefused(f"{which} pyproject.toml does not parse as TOML: {exc}") from None
    return data


def merge_pyproject(base: str, ours: str, theirs: str) -> Merged:
    """Our pyproject.toml with their dependency changes merged into each array."""
    import tomlkit

    base_arrays = dict(_arrays(_read(base, "the base's") if base else {}))
    their_arrays = dict(_arrays(_read(theirs, "their")))
    document = tomlkit.parse(ours)
    our_arrays = dict(_arrays(document.unwrap()))
    warnings: list[str] = []
    for key in list(our_arrays) + [k for k in their_arrays if k not in our_arrays]:
        mine = [e for e in our_arrays.get(key, []) if isinstance(e, str)]
        old = [e for e in base_arrays.get(key, []) if isinstance(e, str)]
        new = [e for e in their_arrays.get(key, []) if isinstance(e, str)]
        if new == old:
            continue
        merged = merge_requirements("\n".join(old), "\n".join(mine), "\n".join(new))
        warnings += merged.warnings
        entries = merged.text.splitlines()
        if entries == mine:
            continue
        table: Any = document
        for part in key[:-1]:
            if part not in table:
                table[part] = tomlkit.table()
            table = table[part]
        original = table.get(key[-1])
        array = tomlkit.array()
        array.multiline(original is None or "\n" in original.as_string() or len(entries) > 3)
        for entry in entries:
            array.append(entry)
        table[key[-1]] = array
    return Merged(tomlkit.dumps(document), warnings)
