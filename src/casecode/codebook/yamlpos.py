"""Read YAML into plain Python data while remembering where every value and key came from.

Codebook mistakes are reported as ``file:line:column``, so the loader keeps the position of each
node, keyed by its path (``("codes", 0, "rules", 1, "keywords")``). Two YAML 1.1 surprises are
removed: only ``true``/``false`` are booleans (so ``[no, not]`` stays a list of words), and a key
given twice in one mapping is reported instead of silently keeping the last value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import yaml

Path_ = tuple[Any, ...]


@lru_cache(maxsize=1)
def _loaders() -> tuple[type, type]:
    """The two loaders, made on first use so that importing casecode does not import yaml: one
    that keeps positions, and libyaml's fast one for text already checked. Both read YAML 1.2's
    booleans (true/false only)."""
    import yaml

    class Loader(yaml.SafeLoader):
        pass

    Loader.yaml_implicit_resolvers = {
        first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    Loader.add_implicit_resolver(
        "tag:yaml.org,2002:bool",
        re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
        list("tTfF"),
    )

    class FastLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
        pass

    FastLoader.yaml_implicit_resolvers = Loader.yaml_implicit_resolvers
    return Loader, FastLoader


def load_plain(text: str) -> Any:
    """Data only, for YAML already checked (a project's stored codebook)."""
    import yaml

    return yaml.load(text, Loader=_loaders()[1])  # noqa: S506 - a safe loader


@dataclass
class Positioned:
    """Parsed YAML plus the (line, column) of each value and of each mapping key, 1-based."""

    data: Any
    values: dict[Path_, tuple[int, int]] = field(default_factory=dict)
    keys: dict[Path_, tuple[int, int]] = field(default_factory=dict)
    duplicates: list[tuple[Path_, tuple[int, int]]] = field(default_factory=list)

    def where(self, path: Path_, *, key: bool = False) -> tuple[int, int]:
        """The position of ``path``'s key (or value); the nearest enclosing node's if unknown."""
        path = tuple(path)
        while True:
            if key and path in self.keys:
                return self.keys[path]
            if path in self.values:
                return self.values[path]
            if not path:
                return (1, 1)
            path = path[:-1]


class YamlSyntaxError(Exception):
    def __init__(self, message: str, line: int, column: int) -> None:
        super().__init__(message)
        self.message, self.line, self.column = message, line, column


def _mark(node: yaml.Node) -> tuple[int, int]:
    return (node.start_mark.line + 1, node.start_mark.column + 1)


def load(text: str) -> Positioned:
    """Parse one YAML document; raise ``YamlSyntaxError`` with a position if it does not parse."""
    import yaml

    _check_depth(text)
    loader = _loaders()[0](text)
    try:
        root = loader.get_single_node()
        result = Positioned(None)
        if root is not None:
            done: dict = {}
            result.data = _convert(loader, root, (), result, set(), done)
            if _expanded_size(root, {}) > MAX_VALUES:
                raise YamlSyntaxError(
                    f"YAML error: more than {MAX_VALUES:,} values (with aliases expanded); "
                    "far too many for a codebook",
                    1,
                    1,
                )
        return result
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = exc.problem or exc.context or "invalid YAML"
        if exc.context and exc.problem and exc.context not in problem:
            problem = f"{problem} ({exc.context})"
        raise YamlSyntaxError(f"YAML syntax error: {problem}", line, column) from exc
    except yaml.YAMLError as exc:  # e.g. more than one document
        raise YamlSyntaxError(f"YAML error: {exc}", 1, 1) from exc
    finally:
        loader.dispose()


MAX_VALUES = 200_000
MAX_DEPTH = 100  # lists and mappings inside each other (a code's children are two levels)


def _check_depth(text: str) -> None:
    """Refuse YAML nested deeper than ``MAX_DEPTH`` before it is built: building it recurses
    (a hostile file would exhaust the stack). Streamed: nothing is built here."""
    import yaml

    depth = 0
    try:
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                depth += 1
                if depth > MAX_DEPTH:
                    line, column = event.start_mark.line + 1, event.start_mark.column + 1
                    raise YamlSyntaxError(
                        f"YAML error: nested more than {MAX_DEPTH} levels deep", line, column
                    )
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                depth -= 1
    except yaml.YAMLError:
        return  # a syntax error: the loader below reports it with its position


def _expanded_size(node: yaml.Node, sizes: dict) -> int:
    """How many values the document has once every alias is expanded."""
    import yaml

    if id(node) in sizes:
        return sizes[id(node)]
    sizes[id(node)] = 1  # guards recursion; recursive aliases are refused elsewhere
    total = 1
    if isinstance(node, yaml.SequenceNode):
        total += sum(_expanded_size(item, sizes) for item in node.value)
    elif isinstance(node, yaml.MappingNode):
        total += sum(_expanded_size(v, sizes) for _, v in node.value)
    sizes[id(node)] = min(total, MAX_VALUES + 1)
    return sizes[id(node)]


def _convert(
    loader: Any, node: yaml.Node, path: Path_, out: Positioned, active: set, done: dict
) -> Any:
    """Build plain data from ``node``. An aliased node is built once and shared, so nested
    aliases (a "billion laughs" document) cost no more than the document itself."""
    import yaml

    out.values.setdefault(path, _mark(node))
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_object(node, deep=True)
    if id(node) in active:  # an alias that contains itself
        raise YamlSyntaxError("YAML error: a recursive alias", *_mark(node))
    if id(node) in done:
        return done[id(node)]
    active = active | {id(node)}
    if isinstance(node, yaml.SequenceNode):
        items = [
            _convert(loader, item, (*path, i), out, active, done)
            for i, item in enumerate(node.value)
        ]
        done[id(node)] = items
        return items
    if isinstance(node, yaml.MappingNode):
        loader.flatten_mapping(node)  # honour << merge keys
        mapping: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if not isinstance(key, (str, int, float, bool)) or key is None:
                key = str(key)
            child = (*path, key)
            if key in mapping:
                out.duplicates.append((child, _mark(key_node)))
            out.keys[child] = _mark(key_node)
            out.values[child] = _mark(value_node)
            mapping[key] = _convert(loader, value_node, child, out, active, done)
        done[id(node)] = mapping
        return mapping
    return loader.construct_object(node, deep=True)
