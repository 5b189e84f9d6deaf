"""What the CLI prints: aligned tables with human values for people, JSON and NDJSON for machines,
colour only on a terminal (never with --no-color or NO_COLOR), and the real CLI's SetError block."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterable, Sequence
from typing import Any, TextIO

from .cli_values import all_fields
from .descriptors import FieldDesc, Registry, TypeDesc
from .units import format_duration, format_size

CELL_WIDTH = 60  # table cells are cut here, as the real CLI does


class Style:
    """ANSI styles, on only when the stream is a terminal and colour was not turned off."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    @classmethod
    def for_stream(cls, stream: TextIO, no_color: bool) -> Style:
        isatty = getattr(stream, "isatty", None)
        return cls(not no_color and not os.environ.get("NO_COLOR") and bool(isatty and isatty()))

    def _wrap(self, code: str, text: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if self.enabled and text else text

    def bold(self, text: str) -> str:
        return self._wrap("1", text)

    def red(self, text: str) -> str:
        return self._wrap("31", text)

    def yellow(self, text: str) -> str:
        return self._wrap("33", text)

    def cyan(self, text: str) -> str:
        return self._wrap("36", text)


def cell(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _cut(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= CELL_WIDTH else flat[: CELL_WIDTH - 1] + "…"


def table(header: Sequence[str], rows: Iterable[Sequence[Any]], style: Style | None = None, cut: bool = False) -> str:
    cells = [[(_cut if cut else str)(c if isinstance(c, str) else cell(c)) for c in row] for row in rows]
    widths = [max([len(h), *(len(r[i]) for r in cells)]) for i, h in enumerate(header)]
    head = "  ".join(h.upper().ljust(w) for h, w in zip(header, widths, strict=True)).rstrip()
    lines = [style.bold(head) if style else head]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in cells]
    return "\n".join(lines)


def enum_labels(reg: Registry, name: str) -> dict[str, str]:
    try:
        enum = reg.enum(name)
    except KeyError:
        return {}
    return dict(zip(enum.values, enum.labels, strict=False))


class Human:
    """Wire values as a person reads them: sizes and durations in units, enum labels, objects as
    indented sub-tables, object lists with a `#` column, maps with a `Key` column."""

    def __init__(self, reg: Registry) -> None:
        self.reg = reg

    def scalar(self, t: TypeDesc | None, value: Any) -> str:
        if t is not None and isinstance(value, int) and not isinstance(value, bool) and t.kind == "number":
            if t.format == "size":
                return format_size(value)
            if t.format == "duration":
                return format_duration(value)
        if t is not None and t.kind == "enum" and t.target and isinstance(value, str):
            label = enum_labels(self.reg, t.target).get(value)
            return f"{value} ({label})" if label and label != value else value
        if t is not None and t.kind == "set" and isinstance(value, dict):
            return ", ".join(self.scalar(t.item, k) for k in value) or "(none)"
        if t is not None and t.kind == "object" and t.target and isinstance(value, dict) and set(value) == {"@type"}:
            return self.variant_label(t.target, value["@type"])
        if value is None:
            return "<none>"
        if t is not None and t.kind in ("objectList", "map") and value == {}:
            return "(none)"
        if t is not None and t.kind == "map" and isinstance(value, dict) and t.item and t.item.kind != "object":
            return ", ".join(f"{k} → {self.scalar(t.item, v)}" for k, v in value.items())
        return cell(value)

    def variant_label(self, schema_name: str, variant: Any) -> str:
        """A payloadless variant (`{"@type": "Manual"}`) reads as its label."""
        found = self.reg.schema(schema_name).variant(variant)
        return f"{variant} ({found.label})" if found and found.label and found.label != variant else str(variant)

    def fields_of(self, schema_name: str | None, doc: dict[str, Any]) -> dict[str, FieldDesc]:
        if not schema_name:
            return {}
        schema = self.reg.schema(schema_name)
        variant = doc.get("@type") if schema.is_union else None
        found = self.reg.variant_fields(schema, variant) if variant else None
        if found is None:
            found = all_fields(self.reg, schema, None)
        return {f.name: f for f in found}

    def record(self, schema_name: str | None, doc: dict[str, Any], indent: str = "") -> str:
        """One object as FIELD/VALUE rows in the server's order; nested values below their row."""
        fields = self.fields_of(schema_name, doc)
        rows: list[tuple[str, str]] = []
        below: list[str] = []
        for name, value in doc.items():
            f = fields.get(name)
            t = f.type if f else None
            nested = self.nested(t, value, indent + "  ")
            if nested is not None:
                rows.append((name, ""))
                below.append(f"{indent}{name}:\n{nested}")
            elif name == "@type" and schema_name:  # the variant by its label too, as the real CLI's Type: line
                rows.append((name, self.variant_label(schema_name, value)))
            else:
                rows.append((name, self.scalar(t, value)))
        text = "\n".join(indent + line for line in table(("field", "value"), rows).splitlines())
        return "\n".join([text, *below])

    def nested(self, t: TypeDesc | None, value: Any, indent: str) -> str | None:
        """A sub-table for an object, object list or map of objects; None for a one-cell value."""
        if t is None or not isinstance(value, dict) or not value or set(value) == {"@type"}:
            return None
        if t.kind == "object" and t.target:
            return self.record(t.target, value, indent)
        if t.kind == "objectList" and t.target:
            return self.rows("#", t.target, value, indent)
        if t.kind == "map" and t.item is not None and t.item.kind == "object" and t.item.target:
            return self.rows("key", t.item.target, value, indent)
        return None

    def rows(self, first: str, schema_name: str, values: dict[str, Any], indent: str) -> str:
        docs = [v for v in values.values() if isinstance(v, dict)]
        columns = list(dict.fromkeys(k for d in docs for k in d))
        out: list[list[str]] = []
        for key, doc in values.items():
            fields = self.fields_of(schema_name, doc if isinstance(doc, dict) else {})
            row = [str(key)]
            for c in columns:
                v = doc.get(c) if isinstance(doc, dict) else None
                f = fields.get(c)
                row.append("" if v is None and c not in doc else self.scalar(f.type if f else None, v))
            out.append(row)
        text = table((first, *columns), out, cut=True)
        return "\n".join(indent + line for line in text.splitlines())


def one_line(text: str) -> str:
    """A message as one printable line: a server's description or a peer's bytes can hold line
    breaks and terminal escape sequences."""
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)


def set_error_block(error: Any, style: Style) -> str:
    """The real CLI's rendering of a refused object: type, description, properties, ids, and
    each validation error on a line of its own (each line printable: the text is the server's)."""
    raw = error.raw if isinstance(getattr(error, "raw", None), dict) else {}
    lines = [one_line(str(error.type))]
    if error.description:
        lines.append(f"  {error.description}")
    if error.properties:
        lines.append(f"  Properties: {', '.join(error.properties)}")
    if raw.get("existingId"):
        lines.append(f"  Existing id: {raw['existingId']}")
    target = raw.get("objectId")
    if isinstance(target, dict):
        lines.append(f"  Object id:   {target.get('object', '')}#{target.get('id', '')}".replace(" #", " "))
    elif isinstance(target, str):
        lines.append(f"  Object id:   {target}")
    linked = raw.get("linkedObjects")
    if isinstance(linked, list) and linked:
        lines.append(f"  Linked by:   {', '.join(map(cell, linked))}")
    problems = raw.get("validationErrors")
    if isinstance(problems, list) and problems:
        lines.append("  Validation errors:")
        lines += [f"    {_problem(p)}" for p in problems if isinstance(p, dict)]
    lines = [lines[0], *(one_line(line) for line in lines[1:])]
    return f"{style.red('error:')} " + "\n".join(lines)


def _problem(p: dict[str, Any]) -> str:
    prop, kind, bound = p.get("property", ""), p.get("type", ""), p.get("required")
    where = f"/{prop}" if prop and not str(prop).startswith("/") else str(prop)
    text = {
        "Required": "required",
        "MinLength": f"must be at least {bound} chars",
        "MaxLength": f"must be at most {bound} chars",
        "MinValue": f"must be at least {bound}",
        "MaxValue": f"must be at most {bound}",
        "Invalid": f"invalid value {json.dumps(p.get('value'), ensure_ascii=False)}",
    }.get(str(kind), str(kind) + (f" {bound}" if bound is not None else ""))
    return f"{where}: {text}"


def emit(text: str, stream: TextIO | None = None) -> None:
    out = stream or sys.stdout
    line = text if text.endswith("\n") else text + "\n"
    try:
        out.write(line)
    except UnicodeEncodeError:  # a lone surrogate from the server, or a terminal that is not UTF-8
        encoding = out.encoding or "utf-8"
        out.write(line.encode(encoding, "backslashreplace").decode(encoding))


def emit_json(value: Any) -> None:
    emit(json.dumps(value, indent=2, ensure_ascii=False))


def emit_line(value: Any) -> None:
    """One compact JSON value on a line of its own (NDJSON)."""
    emit(json.dumps(value, separators=(",", ":"), ensure_ascii=False))
