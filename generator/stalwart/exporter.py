"""`export-stalwart`: a schema directory → the published `objects`, `schemas`, `fields` and `enums`.

Works on the IR, so what it writes has passed every check. The published format has conventions
of its own, re-created here by general rules rather than remembered from an import:
- names carry the namespace (`x:Action`) unless a definition says `jmapName`; enums carry none;
- keys are sorted (definitions by published name, properties by name) and each object's keys are
  in the order the server writes them (`TYPE_KEY_ORDER` for field types);
- top-level defaults are in wire form (milliseconds, bytes, sets as {"member": true} with sorted keys, object lists
  as {"0": item}); inside a nested object, durations and sizes are human ("1m") and lists are
  arrays; a type with a shorthand (`SHORTHANDS`) uses it when only that field is given;
- placeholder enums stand in for enums the source lacks, so they are not published;
- an object marked `published: false` (served here, not part of the published registry) is left
  out, with its own schema, form and list.
"""

from __future__ import annotations

from typing import Any

from ..ir import Field, Registry, Schema, TypeRef
from .published import SHORTHANDS, human_number
from .webui import CUSTOM_COMPONENT

# The server writes its top-level keys in this order.
PUBLISHED_ORDER = ("objects", "schemas", "fields", "forms", "lists", "enums", "dashboards", "layouts")


class Exporter:
    def __init__(self, registry: Registry) -> None:
        self.registry = registry
        self.objects = {o.name: o for o in registry.objects}
        self.published = [o for o in registry.objects if o.published]
        # the schemas of unpublished objects (an object's own schema has its name)
        self.unpublished = {o.name for o in registry.objects if not o.published}

    def export(self) -> dict[str, Any]:
        out = {
            "objects": self.objects_section(),
            "schemas": self.schemas_section(),
            "fields": self.fields_section(),
            "enums": self.enums_section(),
        }
        webui: dict[str, Any] = {
            "forms": self.forms_section(),
            "lists": self.lists_section(),
            "layouts": [self.layout(layout) for layout in self.registry.layouts],
            "dashboards": list(self.registry.dashboards),
        }
        out |= {k: v for k, v in webui.items() if v}  # a schema without WebUI data has none
        return {k: out[k] for k in PUBLISHED_ORDER if k in out}

    # -- WebUI ------------------------------------------------------------------------------------

    def forms_section(self) -> dict[str, Any]:
        out = {o.jmap_name: o.form for o in self.published if o.form is not None}
        object_names = {o.name for o in self.registry.objects}
        for schema in self.registry.schemas.values():
            if schema.form is not None and schema.name not in object_names:
                out[schema.jmap_name] = schema.form
        return dict(sorted(out.items()))

    def lists_section(self) -> dict[str, Any]:
        out = {}
        for obj in self.published:
            if obj.webui_list is not None:
                body = dict(obj.webui_list)
                for key in ("filters", "itemActions", "massActions"):
                    if key in body:
                        body[key] = [self._named(item) for item in body[key]]
                out[obj.jmap_name] = body
        return dict(sorted(out.items()))

    def _named(self, item: dict[str, Any]) -> dict[str, Any]:
        if "objectName" not in item:
            return item
        return {**item, "objectName": self.objects[item["objectName"]].jmap_name}

    def layout(self, layout: dict[str, Any]) -> dict[str, Any]:
        return {**{k: v for k, v in layout.items() if k != "items"}, "items": self.menu(layout["items"], 0)}

    def menu(self, items: list[dict[str, Any]], depth: int) -> list[dict[str, Any]]:
        """Menu items as published: wrapped (`{"link": {...}}`) at the top, typed below."""
        out = []
        for item in items:
            kind = "link" if "link" in item else "container"
            body: dict[str, Any] = {"name": item[kind]}
            if "icon" in item:
                body["icon"] = item["icon"]
            if "view" in item:
                body["viewName"] = self.objects[item["view"]].jmap_name
            if "component" in item:
                body["viewName"] = CUSTOM_COMPONENT + item["component"]
            if "items" in item:
                body["items"] = self.menu(item["items"], depth + 1)
            out.append({kind: body} if depth == 0 else {"type": kind, **body})
        return out

    # -- sections ---------------------------------------------------------------------------------

    def objects_section(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for obj in self.published:
            if obj.kind == "view":
                out[obj.jmap_name] = {"type": "view", "objectName": self.objects[obj.view_of or ""].jmap_name}
                continue
            body: dict[str, Any] = {
                "type": obj.kind,
                "description": obj.description,
                "permissionPrefix": obj.permission_prefix,
            }
            if obj.enterprise:
                body["enterprise"] = True
            out[obj.jmap_name] = body
        return dict(sorted(out.items()))

    def schemas_section(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for schema in self.registry.schemas.values():
            if schema.name in self.unpublished:
                continue
            if not schema.is_union:
                out[schema.jmap_name] = {"type": "single", "schemaName": schema.jmap_name}
                continue
            variants = []
            for v in schema.variants:
                variant = {"name": v.name, "label": v.label}
                if v.type:
                    variant["schemaName"] = self.registry.schemas[v.type].jmap_name
                variants.append(variant)
            out[schema.jmap_name] = {"type": "multiple", "variants": variants}
        return dict(sorted(out.items()))

    def fields_section(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for schema in self.registry.schemas.values():
            if schema.is_union or schema.name in self.unpublished:
                continue
            fields = sorted(schema.fields, key=lambda f: f.name)
            body: dict[str, Any] = {"properties": {f.name: self.property(f) for f in fields}}
            defaults = {f.name: self.default(f.default, f.type, 0) for f in fields if f.has_default}
            if defaults:
                body["defaults"] = defaults
            out[schema.jmap_name] = body
        return dict(sorted(out.items()))

    def enums_section(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for enum in self.registry.enums.values():
            if enum.placeholder:
                continue
            values = []
            for v in enum.values:
                value = {"name": v.name, "label": v.label}
                if v.description:
                    value["explanation"] = v.description
                if v.color:
                    value["color"] = v.color
                values.append(value)
            out[enum.name] = values
        return dict(sorted(out.items()))

    # -- fields -----------------------------------------------------------------------------------

    def property(self, f: Field) -> dict[str, Any]:
        out: dict[str, Any] = {"description": f.description, "type": self.field_type(f), "update": f.update}
        if f.enterprise:
            out["enterprise"] = True
        return out

    def field_type(self, f: Field) -> dict[str, Any]:
        out = self.member(f.published_type or f.type)  # `publishedType`: what the source published
        for key, value in (("min", f.min), ("max", f.max), ("minItems", f.min_items), ("maxLength", f.max_length)):
            if value is not None:
                out[key] = value
        if f.type.nullable:
            out["nullable"] = True
        return out

    def member(self, ref: TypeRef) -> dict[str, Any]:
        """A type without constraints or nullability: what a set's class and a map's key and value are."""
        kind = ref.kind
        if kind in ("string", "number"):
            return {"type": kind, "format": ref.format}
        if kind == "enum":
            return {"type": "enum", "enumName": ref.target}
        if kind in ("object", "objectList"):
            return {"type": kind, "objectName": self.registry.schemas[ref.target or ""].jmap_name}
        if kind == "objectId":
            return {"type": kind, "objectName": self.objects[ref.target or ""].jmap_name}
        if kind == "set":
            return {"type": "set", "class": self.member(ref.member)}
        if kind == "map":
            return {"type": "map", "keyClass": self.member(ref.map_key), "valueClass": self.member(ref.member)}
        return {"type": kind}

    # -- defaults ---------------------------------------------------------------------------------

    def default(self, value: Any, ref: TypeRef, depth: int) -> Any:
        """A default in wire form (as the IR holds it) → as the published file writes it."""
        if value is None:
            return None
        kind = ref.kind
        if kind == "number" and depth > 0:
            return human_number(value, ref.format)
        if kind == "set":
            # the server writes a top-level set as an object with sorted keys, whatever its declared order
            return {str(m): True for m in sorted(value, key=str)} if depth == 0 else list(value)
        if kind == "objectList":
            item = TypeRef("object", target=ref.target)
            items = [self.default(v, item, depth + 1) for v in value]
            return {str(i): v for i, v in enumerate(items)} if depth == 0 else items
        if kind == "map":
            return {k: self.default(v, ref.member, depth + 1) for k, v in value.items()}
        if kind == "object":
            return self.nested(value, self.registry.schemas[ref.target or ""], depth)
        return value

    def nested(self, value: dict[str, Any], schema: Schema, depth: int) -> dict[str, Any]:
        fields = schema.fields
        if schema.is_union:
            variant = next(v for v in schema.variants if v.name == value.get("@type"))
            fields = self.registry.schemas[variant.type].fields if variant.type else ()
        by_name = {f.name: f for f in fields}
        out = {k: v if k == "@type" else self.default(v, by_name[k].type, depth + 1) for k, v in value.items()}
        shorthand = SHORTHANDS.get(schema.jmap_name)
        if shorthand and list(out) == [shorthand[1]]:
            return {shorthand[0]: out[shorthand[1]]}
        return out


def export_registry(registry: Registry) -> dict[str, Any]:
    return Exporter(registry).export()


def published_document(registry: Registry) -> dict[str, Any]:
    """The export, with every section of the published format present (empty if the schema has
    none): schema-driven clients iterate them all, and a missing one stops them."""
    exported = export_registry(registry)
    return {key: exported.get(key, [] if key in ("layouts", "dashboards") else {}) for key in PUBLISHED_ORDER}
