"""The registry as one JSON Schema (draft 2020-12), the input of the datamodel-code-generator baseline.

Wire forms, as the server returns them: sets as `{member: true}`, object lists keyed by position,
durations in ms and sizes in bytes as integers. One `$defs` entry per schema and per enum; a union
is a `oneOf` of one definition per variant, each with an `@type` const (named as our model classes
are: schema name + variant name). The root lists the managed objects, so every definition is used.
"""

from __future__ import annotations

from typing import Any

from generator.ir import Field, Registry, Schema, TypeRef

DIALECT = "https://json-schema.org/draft/2020-12/schema"
UNSIGNED = ("unsignedInteger", "size", "duration")
STRING_FORMATS = {"uri": "uri", "emailAddress": "email"}
IP = [{"format": "ipv4"}, {"format": "ipv6"}]
POSITION = {"pattern": "^[0-9]+$"}


def ref(name: str) -> dict[str, Any]:
    return {"$ref": f"#/$defs/{name}"}


def member(t: TypeRef) -> dict[str, Any]:
    """A set member or map key: always a JSON object key, so a string of some shape."""
    if t.kind == "enum":
        return ref(t.target or "")
    return bare(t) if t.kind == "string" else {"type": "string"}


def bare(t: TypeRef) -> dict[str, Any]:
    if t.kind == "string":
        if t.format == "ipAddress":
            return {"type": "string", "anyOf": IP}
        if t.format in STRING_FORMATS:
            return {"type": "string", "format": STRING_FORMATS[t.format]}
        return {"type": "string"}
    if t.kind == "number":
        if t.format == "float":
            return {"type": "number"}
        return {"type": "integer", "minimum": 0} if t.format in UNSIGNED else {"type": "integer"}
    if t.kind == "boolean":
        return {"type": "boolean"}
    if t.kind == "utcDateTime":
        return {"type": "string", "format": "date-time"}
    if t.kind in ("enum", "object"):
        return ref(t.target or "")
    if t.kind == "objectList":
        return {"type": "object", "propertyNames": POSITION, "additionalProperties": ref(t.target or "")}
    if t.kind == "set":
        assert t.item is not None
        return {"type": "object", "propertyNames": member(t.item), "additionalProperties": {"const": True}}
    if t.kind == "map":
        assert t.key is not None and t.item is not None
        return {"type": "object", "propertyNames": member(t.key), "additionalProperties": typed(t.item)}
    return {"type": "string"}  # objectId, blobId


def typed(t: TypeRef) -> dict[str, Any]:
    schema = bare(t)
    return {"anyOf": [schema, {"type": "null"}]} if t.nullable else schema


def field_schema(f: Field) -> dict[str, Any]:
    out = typed(f.type)  # 2020-12 allows keywords beside a $ref
    for key, value in (("minimum", f.min), ("maximum", f.max), ("maxLength", f.max_length)):
        if value is not None:
            out[key] = value
    if f.min_items is not None:
        out["minProperties"] = f.min_items
    if f.description:
        out["description"] = f.description
    if f.has_default:
        out["default"] = f.default
    if f.update == "serverSet":
        out["readOnly"] = True
    return out


def object_schema(fields: tuple[Field, ...], tag: str | None = None, with_id: bool = False) -> dict[str, Any]:
    properties: dict[str, Any] = {}
    required: list[str] = []
    if tag is not None:
        properties["@type"] = {"const": tag}
        required.append("@type")
    if with_id:
        properties["id"] = {"type": "string", "readOnly": True}
    for f in fields:
        properties[f.name] = field_schema(f)
        if f.required:
            required.append(f.name)
    out: dict[str, Any] = {"type": "object", "properties": properties, "additionalProperties": False}
    if required:
        out["required"] = required
    return out


def schema_defs(registry: Registry, schema: Schema, with_id: bool) -> dict[str, dict[str, Any]]:
    """The definition of a schema; for a union, also one per variant."""
    head: dict[str, Any] = {"description": schema.description} if schema.description else {}
    if not schema.is_union:
        return {schema.name: head | object_schema(schema.fields, with_id=with_id)}
    defs: dict[str, dict[str, Any]] = {}
    for v in schema.variants:
        fields = registry.schemas[v.type].fields if v.type else ()
        name = schema.name + v.name
        if name in registry.schemas:  # the variant's own type is often named so (AsnDns)
            name += "Variant"
        defs[name] = {"title": name} | object_schema(fields, v.name, with_id)
    defs[schema.name] = head | {"oneOf": [ref(name) for name in defs]}
    return defs


def registry_schema(registry: Registry) -> dict[str, Any]:
    objects = {o.schema.name for o in registry.objects if o.schema is not None}
    defs: dict[str, dict[str, Any]] = {}
    for enum in registry.enums.values():
        defs[enum.name] = {"type": "string", "enum": [v.name for v in enum.values]}
        if enum.description:
            defs[enum.name]["description"] = enum.description
    for schema in registry.schemas.values():
        for name, definition in schema_defs(registry, schema, schema.name in objects).items():
            if name in defs:
                raise ValueError(f"two definitions named {name}")
            defs[name] = definition
    managed = {o.name: ref(o.schema.name) for o in registry.managed if o.schema is not None}
    return {
        "$schema": DIALECT,
        "title": f"{registry.project.name} registry",
        "type": "object",
        "properties": managed,
        "$defs": defs,
    }
