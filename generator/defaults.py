"""Defaults as authors write them ("30s", {"@type": "Manual"}, [..]) decoded and checked by the
runtime's own codec, then kept in the IR's wire form.

The schemas become the runtime's descriptors in memory (`runtime_descriptors`), and a default goes
through what the generated server runs on a value: `codec.decode_value` (durations, sizes, sets,
unions, unknown properties) and `validate.check_value` (formats, validators, enum values, nested
objects and their own constraints). So a default the generator accepts is one the server accepts.
The field's own declared bounds are left to checks.py, whose findings carry codes a schema may
waive with a reason. The result is the IR's form of the canonical value: durations in ms, sizes in
bytes, sets and object lists as JSON arrays, and nested objects holding only what the author wrote
(the server fills in the rest from their own defaults).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from schemagen_runtime.codec import Ctx, decode_value
from schemagen_runtime.descriptors import MISSING, FieldDesc, TypeDesc
from schemagen_runtime.descriptors import Registry as RuntimeRegistry
from schemagen_runtime.errors import Issue, shorten
from schemagen_runtime.validate import check_value

from .ir import Enum, Field, Schema, TypeRef
from .runtime_descriptors import field_desc, runtime_registry_of, type_desc

# The validation type of each bound a field declares, which checks.py reports (waivably) instead.
_DECLARED_BOUNDS = {"MinValue": "min", "MaxValue": "max", "MaxLength": "max_length", "MinLength": "min_items"}


def _message(issue: Issue, top: str, value: Any) -> str:
    """The runtime's sentence; one about the whole value drops the path naming it and, where the
    value has the right type but is refused, names the value instead."""
    if issue.path != top:
        return issue.message
    for prefix in (f"'{top}': ", f"'{top}' "):
        if issue.message.startswith(prefix):
            rest = issue.message[len(prefix) :]
            return (
                f"{shorten(value) if isinstance(value, str) else repr(value)} {rest}"
                if issue.type == "Invalid" and rest.startswith("must")
                else rest
            )
    return issue.message


def _declared(issue: Issue, f: Field, top: str) -> bool:
    """A failure of the field's own min, max, maxLength or minItems (checks.py reports it)."""
    bound = _DECLARED_BOUNDS.get(issue.type)
    return issue.path == top and bound is not None and getattr(f, bound) is not None


class DefaultNormalizer:
    def __init__(self, schemas: Mapping[str, Schema], enums: Mapping[str, Enum]) -> None:
        self.runtime: RuntimeRegistry = runtime_registry_of(schemas, enums)

    def normalize(self, value: Any, ref: TypeRef, where: str = "", field: Field | None = None) -> tuple[Any, list[str]]:
        """(the value in the IR's wire form, the runtime's problems with it); `field` adds its
        validators and nested constraints to the check."""
        t = type_desc(ref)
        top = where or (field.name if field is not None else "")
        ctx = Ctx()
        try:
            decoded = decode_value(self.runtime, t, value, ctx, top)
            issues = ctx.issues
            if not issues and decoded is not MISSING:
                desc = field_desc(field) if field is not None else FieldDesc(top, t)
                found = check_value(self.runtime, desc, decoded, top)
                issues = [i for i in found if field is None or not _declared(i, field, top)]
        except (KeyError, ValueError):
            # a dangling name, or a nested schema's own default that does not decode: each is
            # reported where it is written
            return value, []
        if issues:
            return None, [_message(i, top, value) for i in issues]
        return self.ir_form(value, decoded, t), []

    def ir_form(self, authored: Any, canonical: Any, t: TypeDesc) -> Any:
        """The canonical value as the IR keeps it (see the module doc)."""
        if canonical is None:
            return None
        kind = t.kind
        if kind == "set":
            member = t.item or TypeDesc("string")
            return [_member(k, member) for k in canonical]
        if kind == "objectList":
            items = list(authored.values()) if isinstance(authored, dict) else list(authored)
            element = TypeDesc("object", target=t.target)
            return [self.ir_form(a, c, element) for a, c in zip(items, canonical.values(), strict=True)]
        if kind == "map":
            values = list(authored.values()) if len(authored) == len(canonical) else list(canonical.values())
            item = t.item or TypeDesc("string")
            return {k: self.ir_form(a, c, item) for (k, c), a in zip(canonical.items(), values, strict=True)}
        if kind == "object":
            return self._object(authored, canonical, t.target or "")
        if kind == "number" and authored == canonical and type(authored) in (int, float):
            return authored  # the number as written: 0 and 0.0 are the same float on the wire
        return canonical

    def _object(self, authored: dict[str, Any], canonical: dict[str, Any], schema_name: str) -> dict[str, Any]:
        schema = self.runtime.schema(schema_name)
        tag = canonical.get("@type") if schema.is_union else None
        fields = {f.name: f for f in self.runtime.variant_fields(schema, tag) or ()}
        out: dict[str, Any] = {"@type": tag} if schema.is_union else {}
        for key, value in authored.items():
            if key in fields:
                out[key] = self.ir_form(value, canonical[key], fields[key].type)
        return out


def _member(key: str, t: TypeDesc) -> Any:
    """A set member as the IR lists it: numbers as numbers (the canonical form keys them as text)."""
    if t.kind == "number":
        return float(key) if t.format == "float" else int(key)
    return key
