"""Values only the server knows, filled in on write from what the schema declares.

A time: a `utcDateTime` field that is not nullable and has no default takes, when a create leaves
it out, the time of that create, as the served product's own registry does (its UTCDateTime's
default is "now"). That is how a server-set creation time gets its value; an immutable one a client may
give.

A secret: a value of a secret format (`secret`, `secretText`) that is not nullable, has no default
and is one a client cannot or need not give (`serverSet`, `immutable`) is generated when a create
leaves it out: SECRET_LENGTH characters of the URL-safe base64 alphabet from the `secrets` module
(fewer if the field's maxLength says so). The served product's registry requires such a secret and
masks it on output, so its server makes it up; get masks it like any secret, so the response to the
write that made it is the only place it is shown in the clear (`reveal`). A field of another format
flagged `secret: true` is not generated: a random string would not be a value of its format.

An object's such fields are filled when the object is created, a nested object's (an item added to
an object list, say) when a write first stores it without one. Nothing here knows a field by its
name: the declaration is the field's type, nullability, default and update rule.
"""

from __future__ import annotations

import secrets
import time
from datetime import UTC, datetime
from typing import Any

from ..descriptors import MISSING, SECRET_FORMATS, FieldDesc, Registry, TypeDesc
from ..encode import encode_object
from ..reach import fields_to_visit

SECRET_LENGTH = 32  # characters of A-Z a-z 0-9 - _: 192 random bits, safe in URLs, headers and shells

# Where a fill generated a secret: the keys from the top of the document down to the value.
ValuePath = tuple[str, ...]


_second: tuple[int, str] = (-1, "")  # the last second formatted, and its text (writes come many a second)


def now() -> str:
    """The current UTC time to the second, as stored."""
    global _second
    second = int(time.time())
    if _second[0] != second:
        _second = (second, datetime.fromtimestamp(second, UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
    return _second[1]


def stamped(f: FieldDesc) -> bool:
    """A field the server fills with the time of the write that creates it."""
    t = f.type
    return t.kind == "utcDateTime" and not t.nullable and f.default is MISSING


def generated_secret(f: FieldDesc) -> bool:
    """A secret the server makes up when the write that creates it leaves it out."""
    t = f.type
    return (
        t.format in SECRET_FORMATS
        and not t.nullable
        and f.default is MISSING
        and f.update in ("serverSet", "immutable")
    )


def _filled(f: FieldDesc) -> bool:
    return stamped(f) or generated_secret(f)


def new_secret(max_length: int | None = None) -> str:
    return secrets.token_urlsafe(SECRET_LENGTH * 3 // 4)[: max_length or SECRET_LENGTH]


def fill_server_values(
    reg: Registry, schema_name: str, doc: dict[str, Any], creating: bool, at: str, path: ValuePath = ()
) -> list[ValuePath]:
    """Fills the document's server-known values in place: its own fields only when `creating`,
    nested objects' whenever they lack them. Returns where it generated a secret."""
    secret_paths: list[ValuePath] = []
    for fp in fields_to_visit(reg, schema_name, doc.get("@type"), "serverFilled", _filled):
        value = doc.get(fp.name)
        if creating and value is None and stamped(fp.desc):
            doc[fp.name] = at
        elif creating and value is None and generated_secret(fp.desc):
            doc[fp.name] = new_secret(fp.desc.max_length)
            secret_paths.append((*path, fp.name))
        elif value is not None:
            secret_paths += _nested(reg, fp.desc.type, value, at, (*path, fp.name))
    return secret_paths


def _nested(reg: Registry, t: TypeDesc, value: Any, at: str, path: ValuePath) -> list[ValuePath]:
    if not isinstance(value, dict):
        return []
    if t.kind == "object" and t.target:
        return fill_server_values(reg, t.target, value, True, at, path)
    found: list[ValuePath] = []
    if t.kind == "objectList" and t.target:
        for key, item in value.items():
            if isinstance(item, dict):
                found += fill_server_values(reg, t.target, item, True, at, (*path, key))
    elif t.kind == "map" and t.item is not None:
        for key, item in value.items():
            found += _nested(reg, t.item, item, at, (*path, key))
    return found


def reveal(reg: Registry, schema_name: str, doc: dict[str, Any], secret_paths: list[ValuePath]) -> dict[str, Any]:
    """The top-level properties holding the secrets a write generated, as get shows them (other
    secrets masked) but with those in the clear: RFC 8620 §5.3's created/updated values the client
    cannot know, and the only time the server shows them."""
    shown = encode_object(reg, schema_name, doc)
    out: dict[str, Any] = {}
    for path in secret_paths:
        top = path[0]
        out[top] = _with_value(out.get(top, shown.get(top)), path[1:], _at(doc, path))
    return out


def _at(doc: Any, path: ValuePath) -> Any:
    for key in path:
        doc = doc[key]
    return doc


def _with_value(container: Any, path: ValuePath, value: Any) -> Any:
    """`container` with `value` at `path`, copying each mapping on the way (the masked form may
    share them with the stored document)."""
    if not path:
        return value
    if not isinstance(container, dict):
        return container
    copied = dict(container)
    copied[path[0]] = _with_value(copied.get(path[0]), path[1:], value)
    return copied
