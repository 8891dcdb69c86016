"""YAML loaded safely and boundedly: for every YAML file we read (plans and their front
matter today).

`yaml.safe_load` runs no code, but aliases make two other attacks: an alias bomb (443 bytes of
nested aliases that mean a billion values: anything that walks the result never ends) and a
recursive alias (`&a [*a]`: a list that contains itself, a RecursionError later). The loader
below refuses both before building anything, by measuring the composed node graph once.
"""

from __future__ import annotations

import re
from typing import Any

from analyzer.errors import InputError

# Aliases may add this many values to a document, beyond the values written in it: anchors for
# shared defaults (`<<: *defaults`) stay far below it, a bomb is far above it.
MAX_ALIAS_EXPANSION = 100_000


# PyYAML's scanner keeps a possible key per open bracket and re-checks them all at each token:
# quadratic in the nesting of [ and { (4,000 levels: 2 s). Plans nest a few levels.
MAX_FLOW_DEPTH = 100
_BRACKET = re.compile(r"[\[\]{}]")


def _flow_depth(text: str) -> int:
    """An upper bound of the [ and { nesting: brackets inside quotes count too."""
    depth = deepest = 0
    for match in _BRACKET.finditer(text):
        if match.group() in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif depth:
            depth -= 1
    return deepest


def load_yaml(text: str, path: str | None = None, *, scalars_as_text: bool = False) -> Any:
    """The document's data, or an InputError naming the line: invalid YAML, an alias bomb, a
    recursive alias, nesting too deep for the parser. `scalars_as_text` keeps every scalar as
    written: `[001, 010]` stays ["001", "010"] (YAML 1.1 would read 1 and the octal 8)."""
    import yaml

    if _flow_depth(text) > MAX_FLOW_DEPTH:
        raise InputError(f"invalid YAML: brackets nested more than {MAX_FLOW_DEPTH} deep", path)
    loader = None
    try:
        loader = _loader_class(scalars_as_text)(text)  # the reader refuses some characters
        return loader.get_single_data()
    except InputError as exc:
        exc.path = path
        raise
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1
        raise InputError(f"invalid YAML: the special character #x{exc.character:04x} is not "
                          "allowed",
                         path, line) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        raise InputError(f"invalid YAML: {problem}", path, mark.line + 1 if mark else None) \
            from None
    except (RecursionError, MemoryError):
        raise InputError("invalid YAML: nested too deeply to read", path) from None
    except ValueError as exc:  # an integer of more than 4,300 digits
        raise InputError(f"invalid YAML: {exc}", path) from None
    finally:
        if loader is not None:
            loader.dispose()


_LOADERS: dict[bool, type] = {}


def _loader_class(scalars_as_text: bool) -> type:
    """Built on first use: yaml stays off the import path of commands that never read YAML."""
    if scalars_as_text not in _LOADERS:
        import yaml

        base = yaml.BaseLoader if scalars_as_text else yaml.SafeLoader

        class BoundedLoader(base):  # type: ignore[valid-type,misc]
            def construct_document(self, node: yaml.Node) -> Any:
                check_aliases(node)
                return super().construct_document(node)

        _LOADERS[scalars_as_text] = BoundedLoader
    return _LOADERS[scalars_as_text]


def check_aliases(root: Any) -> None:
    """Count the values the node graph expands to, each shared node once per use, and find
    cycles, in one iterative walk (linear in the graph, no recursion)."""
    import yaml

    expanded: dict[int, int] = {}  # id(node) -> values it expands to, once known
    on_path: set[int] = set()
    distinct = 0
    stack: list[tuple[Any, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        key = id(node)
        children = _children(node, yaml)
        if children_done:
            on_path.discard(key)
            expanded[key] = 1 + sum(expanded[id(child)] for child in children)
            continue
        if key in expanded:
            continue
        if key in on_path:
            raise InputError("a YAML alias refers to a value that contains it (a recursive "
                             "alias)", None, node.start_mark.line + 1)
        distinct += 1
        on_path.add(key)
        stack.append((node, True))
        for child in children:
            if id(child) in on_path:
                raise InputError("a YAML alias refers to a value that contains it (a "
                                 "recursive alias)", None, child.start_mark.line + 1)
            if id(child) not in expanded:
                stack.append((child, False))
    total = expanded.get(id(root), 0)
    if total - distinct > MAX_ALIAS_EXPANSION:
        raise InputError(f"YAML aliases expand to {total:,} values from {distinct:,} written "
                         f"ones (more than {MAX_ALIAS_EXPANSION:,} added: an alias bomb?)",
                         None, None)


def _children(node: Any, yaml: Any) -> list[Any]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []
