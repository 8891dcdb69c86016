"""TOML read with tomllib, and typed access to its tables.

A user's `pyproject.toml` can say `project = "oops"`, `tool = 1` or `dependencies = "x"`: valid
TOML, wrong shape. Every lookup goes through `TomlDocument`, so a value of the wrong type is one
clear InputError naming the key and its line, never an AttributeError three calls later.
"""

from __future__ import annotations

import re
from typing import Any, TypeVar

from analyzer.errors import InputError

T = TypeVar("T")

_TYPE_NAMES: dict[type, str] = {dict: "a table", list: "an array", str: "a string",
                                bool: "a boolean", int: "an integer", float: "a number"}
_ERROR_LINE = re.compile(r"\(at line (\d+), column \d+\)")


def load_toml(text: str, path: str) -> dict[str, Any]:
    """The document, or an InputError with the line tomllib names."""
    from analyzer.compat import tomllib  # loads when a file is parsed (~10 ms a process)

    try:
        data: dict[str, Any] = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = _ERROR_LINE.search(str(exc))
        message = _ERROR_LINE.sub("", str(exc)).strip()
        raise InputError(f"does not parse as TOML: {message}", path,
                         int(match.group(1)) if match else None) from None
    except RecursionError:  # tomllib reads nested arrays and inline tables recursively
        raise InputError("does not parse as TOML: nested too deeply", path) from None
    except ValueError as exc:  # an integer of more than 4,300 digits
        raise InputError(f"does not parse as TOML: {exc}", path) from None
    return data


def type_name(value: object) -> str:
    for kind in (bool, dict, list, str, int, float):  # bool before int: True is an int
        if isinstance(value, kind):
            return _TYPE_NAMES[kind]
    return "a date or time"


class TomlDocument:
    """A parsed document and its text, for typed lookups that fail with the key's line."""

    def __init__(self, data: dict[str, Any], path: str, text: str):
        self.data = data
        self.path = path
        self.text = text

    def table(self, parent: dict[str, Any], key: str, where: str = "") -> dict[str, Any]:
        """parent[key] as a table; {} when absent."""
        return self._get(parent, key, where, dict) or {}

    def array(self, parent: dict[str, Any], key: str, where: str = "") -> list[Any]:
        """parent[key] as an array; [] when absent."""
        return self._get(parent, key, where, list) or []

    def strings(self, parent: dict[str, Any], key: str, where: str = "") -> list[str]:
        """parent[key] as an array of strings; [] when absent."""
        values = self.array(parent, key, where)
        for value in values:
            if not isinstance(value, str):
                raise self.wrong(_dotted(where, key), f"an array of strings, but an item is "
                                                      f"{type_name(value)}")
        return values

    def string(self, parent: dict[str, Any], key: str, where: str = "") -> str | None:
        return self._get(parent, key, where, str)

    def _get(self, parent: dict[str, Any], key: str, where: str, kind: type[T]) -> T | None:
        value = parent.get(key)
        if value is None or isinstance(value, kind):
            return value
        raise self.wrong(_dotted(where, key), f"{_TYPE_NAMES[kind]}, not {type_name(value)}")

    def wrong(self, dotted: str, expected: str) -> InputError:
        return InputError(f"{dotted} must be {expected}", self.path, self.line_of(dotted))

    def line_of(self, dotted: str) -> int | None:
        """The line that sets a dotted key: its `key =` (in any table), else its `[header]`.
        Only asked for an error message, so one pass over the text is cheap enough."""
        last = dotted.rsplit(".", 1)[-1]
        assignment = re.compile(rf"\s*[\"']?{re.escape(last)}[\"']?\s*[=.]")
        header = re.compile(rf"\s*\[+\s*{re.escape(dotted)}\s*\]")
        found = None
        for number, line in enumerate(self.text.splitlines(), 1):
            if header.match(line):
                return number
            if found is None and assignment.match(line):
                found = number
        return found


def _dotted(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key
