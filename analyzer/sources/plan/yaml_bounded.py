"""YAML with a bound on alias expansion: a plan is data, and a few anchors must not expand
into billions of nodes for the readers that walk it."""

from __future__ import annotations

from typing import Any

from analyzer.errors import InputError

MAX_NODES = 1_000_000


def load_yaml(text: str, path: str | None = None, *, scalars_as_text: bool = False) -> Any:
    """`scalars_as_text` keeps every scalar as written: `[001, 010]` stays ["001", "010"]
    (YAML 1.1 would read 1 and the octal 8), `true` stays "true"."""
    import yaml

    base = yaml.BaseLoader if scalars_as_text else yaml.SafeLoader

    class BoundedLoader(base):  # type: ignore[valid-type,misc]
        def construct_document(self, node: yaml.Node) -> Any:
            _check_expansion(node)
            return super().construct_document(node)

    try:
        return yaml.load(text, Loader=BoundedLoader)  # a SafeLoader (or BaseLoader) subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        raise InputError(f"invalid YAML: {problem}", path, mark.line + 1 if mark else None) \
            from None
    except RecursionError:
        raise InputError("invalid YAML: nested too deeply", path) from None


def _check_expansion(root: Any) -> None:
    """The node count once every alias is expanded, computed once per shared node."""
    import yaml

    sizes: dict[int, int] = {}
    visiting: set[int] = set()  # a recursive alias adds nothing more
    stack: list[tuple[Any, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        key = id(node)
        if key in sizes or (key in visiting and not children_done):
            continue
        if isinstance(node, yaml.ScalarNode):
            sizes[key] = 1
            continue
        children = [c for pair in node.value for c in pair] \
            if isinstance(node, yaml.MappingNode) else list(node.value)
        if children_done:
            total = 1 + sum(sizes.get(id(c), 0) for c in children)
            if total > MAX_NODES:
                raise yaml.YAMLError(f"aliases expand to more than {MAX_NODES:,} values")
            sizes[key] = total
            visiting.discard(key)
        else:
            visiting.add(key)
            stack.append((node, True))
            stack.extend((c, False) for c in children if id(c) not in sizes)
