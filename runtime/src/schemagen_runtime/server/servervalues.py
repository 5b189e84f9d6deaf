"""Values only the server knows, filled in on write from what the schema declares.

A time: a `utcDateTime` field that is not nullable and has no default takes, when a create leaves
it out, the time of that create, as the served product's own registry does (its UTCDateTime's
default is "now"). That is how a server-set creation time gets its value; an immutable one a client may
give. An object's such fields are filled when the object is created, a nested object's (an item
added to an object list, say) when a write first stores it without one. Nothing here knows a field
by its name: the declaration is the field's type, nullability and default.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from ..codec import plan
from ..descriptors import MISSING, FieldDesc, Registry, TypeDesc


def now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def stamped(f: FieldDesc) -> bool:
    """A field the server fills with the time of the write that creates it."""
    t = f.type
    return t.kind == "utcDateTime" and not t.nullable and f.default is MISSING


def fill_server_values(reg: Registry, schema_name: str, doc: dict[str, Any], creating: bool, at: str) -> None:
    """Fills the document's server-known values in place: its own fields only when `creating`,
    nested objects' whenever they lack them."""
    for fp in plan(reg, schema_name).fields_for(doc):
        value = doc.get(fp.name)
        if creating and value is None and stamped(fp.desc):
            doc[fp.name] = at
        elif value is not None:
            _nested(reg, fp.desc.type, value, at)


def _nested(reg: Registry, t: TypeDesc, value: Any, at: str) -> None:
    if not isinstance(value, dict):
        return
    if t.kind == "object" and t.target:
        fill_server_values(reg, t.target, value, True, at)
    elif t.kind == "objectList" and t.target:
        for item in value.values():
            if isinstance(item, dict):
                fill_server_values(reg, t.target, item, True, at)
    elif t.kind == "map" and t.item is not None:
        for item in value.values():
            _nested(reg, t.item, item, at)
