"""`--field name=value` for the CLI: find the field, turn the text into its wire value with the
runtime codec (text mode: "30s", "true", "10mb"), and check it before anything is sent."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from .codec import Ctx, decode_value
from .descriptors import MISSING, FieldDesc, Registry, SchemaDesc
from .errors import split_pointer
from .validate import check_value


class UsageError(Exception):
    """A bad argument: printed as `error: ...`, exit status 1, nothing sent."""


@dataclass(frozen=True)
class Assignment:
    path: str  # property name or JSON-pointer path, as sent in a patch
    text: str


def split_assignment(raw: str) -> Assignment:
    name, sep, text = raw.partition("=")
    if not sep or not name:
        raise UsageError(f"--field takes name=value, got {raw!r}")
    return Assignment(name.strip(), text)


def _all_fields(reg: Registry, schema: SchemaDesc, variant: str | None) -> tuple[FieldDesc, ...]:
    fields = reg.variant_fields(schema, variant)
    if fields is not None:
        return fields
    # A union updated without naming its variant: a field may belong to any of them.
    found: dict[str, FieldDesc] = {}
    for v in schema.variants:
        for f in reg.variant_fields(schema, v.name) or ():
            found.setdefault(f.name, f)
    return tuple(found.values())


def find_field(reg: Registry, schema_name: str, variant: str | None, path: str) -> FieldDesc:
    """The field a (possibly nested) path names; a clear error names the fields there are."""
    schema = reg.schema(schema_name)
    tokens = split_pointer(path)
    field: FieldDesc | None = None
    for depth, token in enumerate(tokens):
        fields = _all_fields(reg, schema, variant if depth == 0 else None)
        field = next((f for f in fields if f.name == token), None)
        if field is None:
            where = schema.name if depth == 0 else "/".join(tokens[:depth])
            names = ", ".join(f.name for f in fields) or "none"
            raise UsageError(f"unknown field {token!r} for {where} (fields: {names})")
        if depth + 1 < len(tokens):
            if field.type.kind != "object" or not field.type.target:
                raise UsageError(f"{'/'.join(tokens[: depth + 1])!r} is not an object; {path!r} cannot go inside it")
            schema = reg.schema(field.type.target)
    assert field is not None
    return field


def parse_value(reg: Registry, field: FieldDesc, path: str, text: str) -> Any:
    """Text → canonical wire value, or UsageError listing every problem."""
    # json.loads and the codec recurse once per level: a value nested past Python's recursion
    # limit is refused as such, not left to crash the CLI.
    too_deep = UsageError(f"{path}: value is nested too deeply")
    if text[:1] in ("{", "["):
        try:
            raw: Any = json.loads(text)
        except RecursionError:
            raise too_deep from None
        except ValueError as exc:
            raise UsageError(f"{path}: value starts like JSON but is not valid JSON ({exc.msg})") from None
        ctx = Ctx(text=False)
    else:
        raw, ctx = text, Ctx(text=True)
    try:
        value = decode_value(reg, field.type, raw, ctx, path)
        issues = ctx.issues or ([] if value is MISSING else check_value(reg, field, value, path))
    except RecursionError:
        raise too_deep from None
    if issues:
        raise UsageError("; ".join(i.message for i in issues))
    return value


def check_writable(field: FieldDesc, path: str, creating: bool) -> None:
    if field.update == "serverSet":
        raise UsageError(f"{path!r} is set by the server and cannot be given")
    if field.update == "immutable" and not creating:
        raise UsageError(f"{path!r} can only be set when the object is created")
