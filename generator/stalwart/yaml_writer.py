"""A small deterministic YAML emitter that writes comments (PyYAML's dumper cannot).

It writes the subset our schema files use: block mappings, block sequences, flow collections for
short values, and plain, double-quoted or literal scalars. A scalar is written plain only when both
our loader (YAML 1.2 core forms, generator/loader.py) and a YAML 1.1 reader (PyYAML) read it back as
the same string, so the files mean the same thing to every tool that opens them.
"""

from __future__ import annotations

import math
import re
import textwrap
from dataclasses import dataclass
from functools import cache
from typing import Any

import yaml

from ..loader import load_text

WIDTH = 110  # flow collections longer than this are written in block style
_PLAIN_FIRST = re.compile(r"[A-Za-z0-9_(/.$]")
_FLOW_INDICATORS = frozenset(",[]{}")
_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\t": "\\t", "\r": "\\r"}
_RESOLVER = yaml.resolver.Resolver()


@dataclass(frozen=True)
class Commented:
    """A mapping value with comment lines written above its key."""

    value: Any
    comments: tuple[str, ...]


@dataclass(frozen=True)
class Flow:
    """A collection written in flow style (`{a: 1}`, `[a, b]`) when it fits on its line."""

    value: Any


@cache
def _plain_ok(text: str, flow: bool) -> bool:
    if not text or text != text.strip() or not _PLAIN_FIRST.match(text):
        return False
    if ": " in text or " #" in text or text.endswith(":") or not text.isprintable():
        return False
    if flow and (":" in text or any(ch in _FLOW_INDICATORS for ch in text)):
        return False
    # types-PyYAML leaves Resolver.resolve unannotated
    if _RESOLVER.resolve(yaml.ScalarNode, text, (True, False)) != "tag:yaml.org,2002:str":  # type: ignore[no-untyped-call]
        return False  # a YAML 1.1 reader would see a boolean, number, null or timestamp
    probe = f"v: [{text}]" if flow else f"v: {text}"
    loaded, problems = load_text(probe, "<yaml_writer>")
    return not problems and loaded.data == {"v": [text] if flow else text}


def quoted(text: str) -> str:
    out = []
    for ch in text:
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif ch.isprintable():
            out.append(ch)
        else:
            out.append(f"\\u{ord(ch):04x}" if ord(ch) <= 0xFFFF else f"\\U{ord(ch):08x}")
    return '"' + "".join(out) + '"'


def _literal_ok(text: str) -> bool:
    """Multi-line text reads best as a `|-` block, which keeps it byte for byte when these hold."""
    lines = text.split("\n")
    return (
        len(lines) > 1
        and not text.endswith("\n")
        and not lines[0].startswith(" ")
        and all(line == line.rstrip() and (not line or line.isprintable()) for line in lines)
    )


def scalar(value: Any, flow: bool = False) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"cannot write {value!r}: our schema language has no infinities")
        text = repr(value)  # "1.0" stays a float when read back, "1" would not
        mantissa, e, exponent = text.partition("e")
        # YAML 1.1 wants a dot in the mantissa of a float ("1.0e-05", not "1e-05").
        return f"{mantissa}.0e{exponent}" if e and "." not in mantissa else text
    if isinstance(value, str):
        return value if _plain_ok(value, flow) else quoted(value)
    raise TypeError(f"not a YAML scalar: {value!r}")


def key(name: str) -> str:
    return name if _plain_ok(name, False) else quoted(name)


def _is_scalar(value: Any) -> bool:
    return not isinstance(value, dict | list | tuple | Flow | Commented)


def flow(value: Any) -> str:
    if isinstance(value, Flow):
        value = value.value
    if isinstance(value, dict):
        inner = ", ".join(f"{_flow_key(k)}: {flow(v)}" for k, v in value.items())
        return "{" + inner + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(flow(v) for v in value) + "]"
    return scalar(value, flow=True)


def _flow_key(name: str) -> str:
    return name if _plain_ok(name, True) else quoted(name)


def _comment_lines(comments: tuple[str, ...], pad: str) -> list[str]:
    """Each comment is a paragraph, wrapped to the line width (long words such as paths stay whole)."""
    width = max(WIDTH - len(pad) - 2, 40)
    out: list[str] = []
    for paragraph in comments:
        lines = textwrap.wrap(paragraph, width, break_long_words=False, break_on_hyphens=False) or [""]
        out.extend(f"{pad}# {line}".rstrip() for line in lines)
    return out


def _entry(name: str, value: Any, indent: int) -> list[str]:
    pad = " " * indent
    head = f"{pad}{key(name)}:"
    if isinstance(value, Flow):
        text = flow(value)
        if len(head) + 1 + len(text) <= WIDTH:
            return [f"{head} {text}"]
        value = value.value  # too long for one line: block style, with each member flow if it fits
        if isinstance(value, dict):
            value = {k: Flow(v) if isinstance(v, dict | list) else v for k, v in value.items()}
    if isinstance(value, str) and "\n" in value and _literal_ok(value):
        return [f"{head} |-", *(f"{pad}  {line}" if line else "" for line in value.split("\n"))]
    if _is_scalar(value):
        return [f"{head} {scalar(value)}"]
    if not value:
        return [f"{head} {'{}' if isinstance(value, dict) else '[]'}"]
    if isinstance(value, dict):
        return [head, *mapping_lines(value, indent + 2)]
    if all(_is_scalar(v) for v in value) and len(head) + 1 + len(flow(value)) <= WIDTH:
        return [f"{head} {flow(value)}"]
    return [head, *_sequence_lines(value, indent + 2)]


def _sequence_lines(items: list[Any] | tuple[Any, ...], indent: int) -> list[str]:
    pad = " " * indent
    out: list[str] = []
    for item in items:
        if isinstance(item, Flow):
            item = item.value
        if _is_scalar(item):
            out.append(f"{pad}- {scalar(item)}")
        elif not item or len(pad) + 2 + len(flow(item)) <= WIDTH:
            out.append(f"{pad}- {flow(item)}")
        elif isinstance(item, dict):
            lines = mapping_lines(item, indent + 2)
            out.append(f"{pad}- {lines[0].lstrip()}")
            out.extend(lines[1:])
        else:
            out.append(f"{pad}-")
            out.extend(_sequence_lines(item, indent + 2))
    return out


def mapping_lines(data: dict[str, Any], indent: int = 0) -> list[str]:
    out: list[str] = []
    for name, value in data.items():
        if isinstance(value, Commented):
            out.extend(_comment_lines(value.comments, " " * indent))
            value = value.value
        out.extend(_entry(name, value, indent))
    return out


def dump(data: dict[str, Any], header: tuple[str, ...] = ()) -> str:
    """A whole file: header comment lines, then the mapping; top-level sections are set apart."""
    lines = _comment_lines(header, "")
    for i, (name, value) in enumerate(data.items()):
        if i or header:
            lines.append("")
        lines.extend(mapping_lines({name: value}))
    return "\n".join(lines) + "\n"
