"""How a field is shown to readers, as data: its type display and its notes (required, default,
bounds, ...). The reference pages render these to Markdown with links (docs.py) and `describe`
to plain text (python_client.py), so both say the same thing and neither reads the other's output.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from ..ir import Field, Registry, TypeRef
from .examples import default_human

SCALAR_DISPLAY = {
    "string": "String",
    "text": "Text",
    "html": "Html",
    "uri": "Uri",
    "emailAddress": "EmailAddress",
    "secret": "String",
    "secretText": "Text",
    "ipAddress": "IpAddr",
    "ipNetwork": "IpMask",
    "socketAddress": "SocketAddr",
    "color": "Color",
    "unsignedInteger": "UnsignedInt",
    "integer": "Integer",
    "float": "Float",
    "size": "Size",
    "duration": "Duration",
    "boolean": "Boolean",
    "utcDateTime": "UTCDateTime",
    "blobId": "BlobId",
}
# A plain string checked by one of these validators is shown as the kind of name it holds.
VALIDATOR_DISPLAY = {"emailLocalPart": "EmailLocalPart", "domain": "DomainName", "hostname": "HostName"}


@dataclass(frozen=True)
class TypePart:
    """A run of a type display; `names` is the enum, object or type it names (a page links it)."""

    text: str
    names: TypeRef | None = None


@dataclass(frozen=True)
class Note:
    """One note on a field, in the pages' fixed order: `kind` is enterprise, required, read-only,
    server-set, default, min, max, min items, max length or secret; `value` the default's literal
    (JSON, durations and sizes in human form) or the bound."""

    kind: str
    value: str | None = None


def type_display(registry: Registry, ref: TypeRef, validators: tuple[str, ...] = ()) -> tuple[TypePart, ...]:
    parts = _parts(registry, ref, validators)
    return (*parts, TypePart("?")) if ref.nullable else parts


def _parts(registry: Registry, ref: TypeRef, validators: tuple[str, ...] = ()) -> tuple[TypePart, ...]:
    if ref.kind in ("enum", "object"):
        return (TypePart(ref.target or "", ref),)
    if ref.kind == "objectId":
        # A view has no page: an id of one is an id of the object it shows (Id<Account/Group> → Id<Account>).
        target = registry.object(ref.target or "").view_of or ref.target or ""
        return TypePart("Id<"), TypePart(target, TypeRef("objectId", target=target)), TypePart(">")
    if ref.kind == "objectList":
        return TypePart(ref.target or "", TypeRef("object", target=ref.target)), TypePart("[]")
    if ref.kind == "set":
        return (*_parts(registry, ref.member, validators), TypePart("[]"))
    if ref.kind == "map":
        key, member = _parts(registry, ref.map_key), _parts(registry, ref.member)
        return (TypePart("Map<"), *key, TypePart(", "), *member, TypePart(">"))
    shown = [VALIDATOR_DISPLAY[v] for v in validators if v in VALIDATOR_DISPLAY]
    if ref.format == "string" and shown:
        return (TypePart(shown[0]),)
    return (TypePart(SCALAR_DISPLAY[ref.format or ref.kind]),)


def plain_type(parts: tuple[TypePart, ...]) -> str:
    return "".join(p.text for p in parts)


def number(value: int | float) -> str:
    """A bound as the pages print it: a whole float without its ".0" (1.0 → 1)."""
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


def default_literal(registry: Registry, f: Field) -> str | None:
    if not f.has_default or f.default is None:
        return "false" if f.type.kind == "boolean" and not f.has_default else None
    return json.dumps(default_human(registry, f), separators=(",", ":"), ensure_ascii=False)


def field_notes(registry: Registry, f: Field) -> tuple[Note, ...]:
    notes: list[Note] = []
    if f.enterprise:
        notes.append(Note("enterprise"))
    if f.required:
        notes.append(Note("required"))
    if f.update == "immutable":
        notes.append(Note("read-only"))
    if f.update == "serverSet":
        notes.append(Note("server-set"))
    literal = default_literal(registry, f)
    if literal is not None:
        notes.append(Note("default", literal))
    bounds = {"min": f.min, "max": f.max}
    ordered = [(name, bounds[name]) for name in f.bounds_order]
    for label, value in (*ordered, ("min items", f.min_items), ("max length", f.max_length)):
        if value is not None:
            notes.append(Note(label, number(value)))
    if f.is_secret:
        notes.append(Note("secret"))
    return tuple(notes)


def plain_note(note: Note) -> str:
    return note.kind if note.value is None else f"{note.kind}: {note.value}"
