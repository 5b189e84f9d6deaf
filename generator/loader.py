"""Load YAML files into plain data plus a map from each value's path to its source position.

PyYAML's resolvers follow YAML 1.1, where `no`, `on` and `10:30` are not strings. Schema authors
write enum values like those, so this loader resolves only the YAML 1.2 core forms (true/false,
null, decimal numbers) and keeps mapping keys as their source text. Duplicate keys are errors,
not silent overwrites.

A schema file is untrusted input, so the loader is hardened as safe YAML loaders are: it builds
values from libyaml's event stream without recursion, and refuses (as a diagnostic, never an
exception) a file over MAX_FILE_BYTES or holding more than MAX_VALUES values, nesting deeper
than MAX_DEPTH, an alias inside the collection it names, and aliases that would copy more than
MAX_ALIAS_NODES values (a "billion laughs" file of a dozen lines expands to billions). Each limit
is checked before the work it bounds, so a hostile file costs little time and memory.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import yaml

from .diagnostics import Diagnostic, Pos

PathKey = tuple[str | int, ...]

# libyaml's parser emits the same events (with marks) several times faster than the pure-Python one.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

MAX_FILE_BYTES = 4 * 1024 * 1024  # the largest file of the full Stalwart registry is ~100 KB
MAX_DEPTH = 64  # real schemas nest about 10 deep; libyaml slows quadratically with depth
MAX_VALUES = 100_000  # values per file; the largest of the full registry has ~2,000 (~250 B each)
MAX_ALIAS_NODES = 50_000  # values copied through aliases, per file (a real schema uses none)

_INT = re.compile(r"[-+]?[0-9]+\Z")
_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?\Z")
_NULL = {"", "~", "null", "Null", "NULL"}
_BOOL = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
# Tags whose plain scalars still get the YAML 1.2 core resolution ("!" is YAML's non-specific tag).
_CORE_TAGS = {
    None,
    "!",
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
}


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


def _scalar(event: yaml.ScalarEvent) -> Any:
    value = event.value
    if event.style:  # quoted or block scalars are always strings (plain is None, or "" from libyaml)
        return value
    if event.tag not in _CORE_TAGS:
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


class _Refused(Exception):
    """A limit or alias rule the file breaks: reported at `pos`, the rest of the file is not read."""

    def __init__(self, pos: Pos, message: str) -> None:
        super().__init__(message)
        self.pos, self.message = pos, message


@dataclass
class _Anchor:
    """An anchored value as built, with its subtree's positions relative to it, for aliases to copy."""

    value: Any
    pos: Pos
    positions: list[tuple[PathKey, Pos]]
    key_text: str | None  # a scalar's source text, in case an alias uses it as a mapping key

    @property
    def size(self) -> int:
        return len(self.positions) + 1


class _Mark(Protocol):
    """What a position needs of a PyYAML mark (the pure and the C parser have one class each)."""

    line: int
    column: int


@dataclass
class _Frame:
    """A mapping or sequence being built. `path` is None while building something to discard."""

    value: dict[str, Any] | list[Any]
    path: PathKey | None
    pos: Pos
    anchor: str | None
    first_position: int  # index into the builder's insertion order where this subtree starts
    key: str | None = None
    has_key: bool = False
    drop_value: bool = False  # the key was refused, so its value is read and thrown away
    is_key: bool = False  # a collection used as a mapping key: refused once it ends


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


class _Builder:
    def __init__(self, path: str) -> None:
        self.path = path
        self.positions: dict[PathKey, Pos] = {}
        self.order: list[PathKey] = []  # positions' keys in insertion order, to cut out an anchor's subtree
        self.errors: list[Diagnostic] = []
        self.anchors: dict[str, _Anchor] = {}
        self.open_anchors: dict[str, Pos] = {}
        self.stack: list[_Frame] = []
        self.aliased = 0
        self.root: Any = None

    def at(self, mark: _Mark | None) -> Pos:
        if mark is None:  # PyYAML's parser marks every event; its stubs allow None
            return Pos(self.path, 1, 1)
        return Pos(self.path, mark.line + 1, mark.column + 1)

    def record(self, path: PathKey, pos: Pos) -> None:
        """The first position given for a path stays: a mapping value is located at its key."""
        if path not in self.positions:
            if len(self.order) >= MAX_VALUES:
                raise _Refused(pos, f"more than {MAX_VALUES} values, the limit for a schema file")
            self.order.append(path)
            self.positions[path] = pos

    # -- where the next value goes --------------------------------------------------------------

    def slot(self) -> tuple[PathKey | None, bool]:
        """(path of the next value or None to discard it, whether it is a mapping key)."""
        if not self.stack:
            return (), False
        top = self.stack[-1]
        if top.path is None:
            return None, False
        if isinstance(top.value, list):
            return (*top.path, len(top.value)), False
        if not top.has_key:
            return None, True
        if top.drop_value or top.key is None:  # a refused key (None) always drops its value
            return None, False
        return (*top.path, top.key), False

    def place(self, value: Any) -> None:
        """Attach a finished value to its parent (or make it the document)."""
        if not self.stack:
            self.root = value
            return
        top = self.stack[-1]
        if top.path is None:
            return
        if isinstance(top.value, list):
            top.value.append(value)
        elif top.drop_value or top.key is None:  # a refused key (None) always drops its value
            top.has_key = top.drop_value = False
        else:
            top.value[top.key] = value
            top.has_key = False

    def take_key(self, text: str | None, pos: Pos) -> None:
        """A mapping key: plain text, or None for a collection (refused, and its value skipped)."""
        top = self.stack[-1]
        top.has_key, top.key = True, text
        if text is None:
            self.errors.append(Diagnostic(pos, "mapping keys must be plain strings"))
            top.drop_value = True
            return
        assert isinstance(top.value, dict) and top.path is not None
        if text in top.value:
            first = self.positions[(*top.path, text)]
            self.errors.append(Diagnostic(pos, f"duplicate key '{text}' (first defined at line {first.line})"))
            top.drop_value = True
            return
        self.record((*top.path, text), pos)

    # -- events ---------------------------------------------------------------------------------

    def scalar(self, event: yaml.ScalarEvent) -> None:
        pos = self.at(event.start_mark)
        path, is_key = self.slot()
        if is_key:
            self.take_key(event.value, pos)
            value: Any = event.value
        else:
            value = _scalar(event)
            if path is not None:
                self.record(path, pos)
            self.place(value)
        if event.anchor is not None:
            self.define(event.anchor, pos, _Anchor(value, pos, [], event.value))

    def start(self, event: yaml.CollectionStartEvent, value: dict[str, Any] | list[Any]) -> None:
        pos = self.at(event.start_mark)
        if len(self.stack) >= MAX_DEPTH:
            raise _Refused(pos, f"nested deeper than {MAX_DEPTH} levels, the limit for a schema file")
        path, is_key = self.slot()
        if path is not None:
            self.record(path, pos)
        if event.anchor is not None:
            self.check_new_anchor(event.anchor, pos)
            self.open_anchors[event.anchor] = pos
        self.stack.append(_Frame(value, path, pos, event.anchor, len(self.order), is_key=is_key))

    def end(self) -> None:
        frame = self.stack.pop()
        if frame.anchor is not None:
            del self.open_anchors[frame.anchor]
            prefix = len(frame.path) if frame.path is not None else 0
            subtree = [(p[prefix:], self.positions[p]) for p in self.order[frame.first_position :]]
            self.anchors[frame.anchor] = _Anchor(frame.value, frame.pos, subtree, None)
        if frame.is_key:
            self.take_key(None, frame.pos)
        else:
            self.place(frame.value)

    def alias(self, event: yaml.AliasEvent) -> None:
        pos = self.at(event.start_mark)
        name = event.anchor or ""  # PyYAML names every alias; its stubs allow None
        if name in self.open_anchors:
            where = self.open_anchors[name]
            raise _Refused(pos, f"recursive alias '*{name}': it is inside the collection anchored at line {where.line}")
        anchor = self.anchors.get(name)
        if anchor is None:
            raise _Refused(pos, f"invalid YAML: found undefined alias '*{name}'")
        path, is_key = self.slot()
        if is_key:
            self.take_key(anchor.key_text, pos)
            return
        if path is None:
            self.place(None)
            return
        self.aliased += anchor.size
        if self.aliased > MAX_ALIAS_NODES:
            raise _Refused(
                pos,
                f"aliases expand to more than {MAX_ALIAS_NODES} values, the limit for a schema file (an alias bomb?)",
            )
        self.record(path, pos)
        for sub, sub_pos in anchor.positions:
            self.record((*path, *sub), sub_pos)
        self.place(_copy(anchor.value))

    def check_new_anchor(self, name: str, pos: Pos) -> None:
        first = self.anchors[name].pos if name in self.anchors else self.open_anchors.get(name)
        if first is not None:
            raise _Refused(pos, f"invalid YAML: duplicate anchor '&{name}' (first defined at line {first.line})")

    def define(self, name: str, pos: Pos, anchor: _Anchor) -> None:
        self.check_new_anchor(name, pos)
        self.anchors[name] = anchor

    def run(self, text: str) -> Any:
        first_document: Pos | None = None
        for event in yaml.parse(text, Loader=_LOADER):
            if isinstance(event, yaml.ScalarEvent):
                self.scalar(event)
            elif isinstance(event, yaml.MappingStartEvent):
                self.start(event, {})
            elif isinstance(event, yaml.SequenceStartEvent):
                self.start(event, [])
            elif isinstance(event, yaml.CollectionEndEvent):
                self.end()
            elif isinstance(event, yaml.AliasEvent):
                self.alias(event)
            elif isinstance(event, yaml.DocumentStartEvent):
                if first_document is not None:  # worded as PyYAML's composer words it
                    where = f"line {first_document.line}, column {first_document.col}"
                    raise _Refused(
                        self.at(event.start_mark),
                        f"invalid YAML: but found another document (expected a single document in the stream at {where})",
                    )
                first_document = self.at(event.start_mark)
        return self.root


def _yaml_problem(exc: yaml.MarkedYAMLError) -> str:
    """The problem plus where its construct began: an unterminated string is noticed only at the end
    of the file, so the start of the string is the line the author needs."""
    problem = exc.problem or str(exc)
    if not exc.context:
        return problem
    mark = exc.context_mark
    where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
    return f"{problem} ({exc.context}{where})"


def _byte_pos(raw: bytes, offset: int, display_path: str) -> Pos:
    """The line and column (in characters) of a byte offset into UTF-8-ish text."""
    line_start = raw.rfind(b"\n", 0, offset) + 1
    column = len(raw[line_start:offset].decode("utf-8", errors="replace"))
    return Pos(display_path, raw.count(b"\n", 0, offset) + 1, column + 1)


def load_text(text: str, display_path: str) -> tuple[LoadedFile, list[Diagnostic]]:
    """Parse one YAML document; syntax errors and refusals come back as diagnostics, never as exceptions."""
    builder = _Builder(display_path)
    try:
        data = builder.run(text)
    except _Refused as refused:
        return LoadedFile(display_path, None), [*builder.errors, Diagnostic(refused.pos, refused.message)]
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        pos = Pos(display_path, mark.line + 1, mark.column + 1) if mark else Pos(display_path, 1, 1)
        return LoadedFile(display_path, None), [Diagnostic(pos, f"invalid YAML: {_yaml_problem(exc)}")]
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow; libyaml counts bytes
        pos = _byte_pos(text.encode("utf-8", errors="surrogateescape"), exc.position, display_path)
        return LoadedFile(display_path, None), [Diagnostic(pos, f"invalid YAML: {exc.reason}")]
    except yaml.YAMLError as exc:
        return LoadedFile(display_path, None), [Diagnostic(Pos(display_path, 1, 1), f"invalid YAML: {exc}")]
    if data is None:
        return LoadedFile(display_path, {}), builder.errors
    return LoadedFile(display_path, data, builder.positions), builder.errors


def load_file(path: Path, display_path: str) -> tuple[LoadedFile, list[Diagnostic]]:
    """Read and parse one file; an unreadable, oversized or non-UTF-8 file is a diagnostic too."""
    start = Pos(display_path, 1, 1)
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)  # never more than the limit, whatever the file's size
    except OSError as exc:
        return LoadedFile(display_path, None), [Diagnostic(start, f"cannot read: {exc.strerror or exc}")]
    if len(raw) > MAX_FILE_BYTES:
        limit = f"{MAX_FILE_BYTES // (1024 * 1024)} MiB"
        return LoadedFile(display_path, None), [
            Diagnostic(start, f"file is larger than {limit}, the limit for a schema file")
        ]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        pos = _byte_pos(raw, exc.start, display_path)
        message = f"not UTF-8: byte 0x{raw[exc.start]:02x} cannot be decoded (schema files must be UTF-8)"
        return LoadedFile(display_path, None), [Diagnostic(pos, message)]
    return load_text(text, display_path)
