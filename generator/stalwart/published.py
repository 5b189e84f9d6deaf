"""Conventions of the published registry format that the importer and the exporter share."""

from __future__ import annotations

import re
from typing import Any

from schemagen_runtime.units import format_duration, format_size, parse_duration, parse_size

from ..typeexpr import NUMBER_FORMATS, STRING_FORMATS

NAMESPACE = "x:"
# Names published without the namespace are the standard JMAP objects (AddressBook, Mailbox...).
# Where one collides with a namespaced name, our identifier gets this prefix and keeps the
# published name in `jmapName`.
STANDARD_PREFIX = "Jmap"

SECTIONS = ("objects", "schemas", "fields", "enums")  # what the round trip reproduces
WEBUI_SECTIONS = ("forms", "lists", "layouts", "dashboards")  # WebUI data (webui_sections.py)

OBJECT_KINDS = ("object", "singleton", "view")
UPDATE_MODES = ("mutable", "immutable", "serverSet")
SCALAR_KINDS = ("boolean", "utcDateTime", "blobId")
FORMATS = {"string": STRING_FORMATS, "number": NUMBER_FORMATS}
# The key each type kind needs besides "type"; member types (set class, map key/value) have only these.
KIND_KEYS: dict[str, tuple[str, ...]] = {
    "string": ("format",),
    "number": ("format",),
    "boolean": (),
    "utcDateTime": (),
    "blobId": (),
    "enum": ("enumName",),
    "object": ("objectName",),
    "objectList": ("objectName",),
    "objectId": ("objectName",),
    "set": ("class",),
    "map": ("keyClass", "valueClass"),
}
# Every key a field's type may carry, in the order the published file writes them.
TYPE_KEY_ORDER = (
    "type",
    "format",
    "objectName",
    "enumName",
    "class",
    "keyClass",
    "valueClass",
    "min",
    "max",
    "minItems",
    "maxLength",
    "nullable",
)
CONSTRAINT_KEYS = ("min", "max", "minItems", "maxLength")

# A published default may use a shorthand key for one field of a type: an Expression with no
# `match` list is written {"default": X} instead of {"else": X}. Keyed by published type name.
SHORTHANDS: dict[str, tuple[str, str]] = {"x:Expression": ("default", "else")}

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


def jpath(*parts: str | int) -> str:
    """A JSONPath to a place in schema.json: `$.fields['x:Rate'].defaults.count`."""
    out = ["$"]
    for part in parts:
        if isinstance(part, int):
            out.append(f"[{part}]")
        elif _IDENT.match(part):
            out.append(f".{part}")
        else:
            escaped = part.replace("\\", "\\\\").replace("'", "\\'")
            out.append(f"['{escaped}']")
    return "".join(out)


def human_number(value: int, fmt: str | None) -> str | int:
    """Durations and sizes as the published nested defaults (and our YAML) write them: "1m", "10mb"."""
    if fmt == "duration":
        return format_duration(value)
    if fmt == "size":
        return format_size(value)
    return value


def is_canonical_human(value: Any, fmt: str | None) -> bool:
    """True when `value` is the form `human_number` would print, so the export can reproduce it."""
    try:
        wire = parse_duration(value) if fmt == "duration" else parse_size(value)
    except ValueError:
        return False
    return isinstance(value, str) and human_number(wire, fmt) == value
