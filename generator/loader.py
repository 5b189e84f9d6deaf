"""Load YAML files into plain data plus a map from each value's path to its source position.

PyYAML's resolvers follow YAML 1.1, where `no`, `on` and `10:30` are not strings. Schema authors
write enum values like those, so this loader resolves only the YAML 1.2 core forms (true/false,
null, decimal numbers) and keeps mapping keys as their source text. Duplicate keys are errors,
not silent overwrites.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .diagnostics import Diagnostic, Pos

PathKey = tuple[str | int, ...]

# libyaml's parser builds the same nodes (with marks) several times faster than the pure-Python one.
_COMPOSER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_INT = re.compile(r"[-+]?[0-9]+\Z")
_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?\Z")
_NULL = {"", "~", "null", "Null", "NULL"}
_BOOL = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}


@dataclass
class LoadedFile:
    path: str
    data: Any
    positions: dict[PathKey, Pos] = field(default_factory=dict)

    def pos(self, path: PathKey) -> Pos:
        """The position of `path`, or of its nearest ancestor that has one."""
        while path not in self.positions and path:
            path = path[:-1]
        return self.positions.get(path, Pos(self.path, 1, 1))


def _scalar(node: yaml.ScalarNode) -> Any:
    value = node.value
    if node.style:  # quoted or block scalars are always strings (plain is None, or "" from libyaml)
        return value
    if node.tag not in (
        "tag:yaml.org,2002:str",
        "tag:yaml.org,2002:int",
        "tag:yaml.org,2002:float",
        "tag:yaml.org,2002:bool",
        "tag:yaml.org,2002:null",
    ):
        return value
    if value in _NULL:
        return None
    if value in _BOOL:
        return _BOOL[value]
    if _INT.match(value):
        return int(value)
    if _FLOAT.match(value) and any(c.isdigit() for c in value):
        return float(value)
    return value


class _Builder:
    def __init__(self, path: str) -> None:
        self.path = path
        self.positions: dict[PathKey, Pos] = {}
        self.errors: list[Diagnostic] = []

    def at(self, mark: yaml.Mark) -> Pos:
        return Pos(self.path, mark.line + 1, mark.column + 1)

    def build(self, node: yaml.Node, path: PathKey) -> Any:
        self.positions.setdefault(path, self.at(node.start_mark))
        if isinstance(node, yaml.MappingNode):
            out: dict[str, Any] = {}
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode):
                    self.errors.append(Diagnostic(self.at(key_node.start_mark), "mapping keys must be plain strings"))
                    continue
                key = key_node.value
                if key in out:
                    first = self.positions[(*path, key)]
                    self.errors.append(
                        Diagnostic(
                            self.at(key_node.start_mark), f"duplicate key '{key}' (first defined at line {first.line})"
                        )
                    )
                    continue
                self.positions[(*path, key)] = self.at(key_node.start_mark)
                out[key] = self.build(value_node, (*path, key))
            return out
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*path, i)) for i, item in enumerate(node.value)]
        return _scalar(node)


def _yaml_problem(exc: yaml.MarkedYAMLError) -> str:
    """The problem plus where its construct began: an unterminated string is noticed only at the end
    of the file, so the start of the string is the line the author needs."""
    problem = exc.problem or str(exc)
    if not exc.context:
        return problem
    mark = exc.context_mark
    where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
    return f"{problem} ({exc.context}{where})"


def load_text(text: str, display_path: str) -> tuple[LoadedFile, list[Diagnostic]]:
    """Parse one YAML document; syntax errors come back as diagnostics, never as exceptions."""
    try:
        node = yaml.compose(text, Loader=_COMPOSER)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        pos = Pos(display_path, mark.line + 1, mark.column + 1) if mark else Pos(display_path, 1, 1)
        return LoadedFile(display_path, None), [Diagnostic(pos, f"invalid YAML: {_yaml_problem(exc)}")]
    except yaml.YAMLError as exc:  # e.g. several documents in one file
        return LoadedFile(display_path, None), [Diagnostic(Pos(display_path, 1, 1), f"invalid YAML: {exc}")]
    if node is None:
        return LoadedFile(display_path, {}), []
    builder = _Builder(display_path)
    data = builder.build(node, ())
    return LoadedFile(display_path, data, builder.positions), builder.errors


def load_file(path: Path, display_path: str) -> tuple[LoadedFile, list[Diagnostic]]:
    return load_text(path.read_text(encoding="utf-8"), display_path)
