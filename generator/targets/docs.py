"""Reference pages: the IR → a page model whose every string is final Markdown.

The rules follow SPEC §4 and the real v0.16 pages: type displays with links, annotations in a fixed
order, nested types in first-reference (depth-first) order with heading depth by nesting, enums in
the same walk. Descriptions and labels are data, so every one goes through `md_text`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from ..ir import Enum, Field, Object, Registry, Schema, TypeRef
from ..names import kebab
from ..render import render
from ..rendered import RenderedFile
from ..runtime.units import DURATION_UNITS, SIZE_UNITS, format_duration, format_size, zero_unit
from .examples import ExampleSet, examples_for
from .text import md_code, md_table_code, md_table_text, md_text, yaml_scalar

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
SECRET_FORMATS = ("secret", "secretText")
MAX_HEADING = 5


@dataclass(frozen=True)
class FieldDoc:
    name: str
    type_md: str
    annotations: str  # " · required · default: `50`", ready to print after the type
    description_lines: tuple[str, ...]


@dataclass(frozen=True)
class VariantDoc:
    name: str
    label: str
    fields: tuple[FieldDoc, ...]


@dataclass(frozen=True)
class NestedVariantDoc:
    name: str
    label: str
    carries: str | None  # name of the type whose fields it carries
    carries_anchor: str | None


@dataclass(frozen=True)
class NestedDoc:
    name: str
    anchor: str
    heading: str  # "### Name {#name}", deeper types get "####" and "#####"
    description: str
    fields: tuple[FieldDoc, ...]
    variants: tuple[NestedVariantDoc, ...]


@dataclass(frozen=True)
class EnumDoc:
    name: str
    anchor: str
    heading: str
    rows: tuple[tuple[str, str], ...]  # (value as inline code, label)


@dataclass(frozen=True)
class PageDoc:
    name: str
    front_title: str
    front_description: str
    description: str
    breadcrumb: str
    kind_word: str  # "object" or "singleton"
    is_singleton: bool
    is_union: bool
    fields: tuple[FieldDoc, ...]
    variants: tuple[VariantDoc, ...]
    capability: str
    cli_name: str
    examples: ExampleSet
    nested: tuple[NestedDoc, ...]
    enums: tuple[EnumDoc, ...]
    cli_docs_url: str = "/docs/management/cli/overview"
    webui_docs_url: str = "/docs/management/webui/overview"
    permissions_page: str = "../permissions.md"
    sources: tuple[str, ...] = ()  # schema files this page was made from


def anchor(name: str) -> str:
    return name.lower()


class _Segments:
    """Builds a type display from code runs and links, merging adjacent code runs."""

    def __init__(self) -> None:
        self.parts: list[tuple[str, str | None]] = []

    def code(self, text: str) -> None:
        if self.parts and self.parts[-1][1] is None:
            self.parts[-1] = (self.parts[-1][0] + text, None)
        else:
            self.parts.append((text, None))

    def link(self, text: str, target: str) -> None:
        self.parts.append((text, target))

    def render(self) -> str:
        out = []
        for text, target in self.parts:
            code = f"<code>{text}</code>"
            out.append(f"[{code}]({target})" if target else code)
        return "".join(out)


@dataclass
class PageBuilder:
    registry: Registry
    nested: list[NestedDoc] = field(default_factory=list)
    enums: list[EnumDoc] = field(default_factory=list)
    seen: set[str] = field(default_factory=set)

    # -- type displays ---------------------------------------------------------------------------

    def _link_for(self, ref: TypeRef) -> str:
        if ref.kind == "objectId":
            return f"./{kebab(ref.target or '')}.md"
        enum = self.registry.enums.get(ref.target or "")
        if enum is not None and enum.docs_page:
            return enum.docs_page
        return f"#{anchor(ref.target or '')}"

    def _append(self, seg: _Segments, ref: TypeRef) -> None:
        if ref.kind in ("enum", "object"):
            seg.link(ref.target or "", self._link_for(ref))
        elif ref.kind == "objectId":
            # A view has no page: an id of one is an id of the object it shows (Id<Account/Group> → Id<Account>).
            target = self.registry.object(ref.target or "").view_of or ref.target or ""
            seg.code("Id&lt;")
            seg.link(target, self._link_for(TypeRef("objectId", target=target)))
            seg.code("&gt;")
        elif ref.kind == "objectList":
            seg.link(ref.target or "", self._link_for(TypeRef("object", target=ref.target)))
            seg.code("[]")
        elif ref.kind == "set":
            self._append(seg, ref.item)  # type: ignore[arg-type]
            seg.code("[]")
        elif ref.kind == "map":
            seg.code("Map&lt;")
            self._append(seg, ref.key)  # type: ignore[arg-type]
            seg.code(", ")
            self._append(seg, ref.item)  # type: ignore[arg-type]
            seg.code("&gt;")
        else:
            seg.code(SCALAR_DISPLAY[ref.format or ref.kind])

    def type_md(self, ref: TypeRef) -> str:
        seg = _Segments()
        self._append(seg, ref)
        if ref.nullable:
            seg.code("?")
        return seg.render()

    # -- annotations -----------------------------------------------------------------------------

    def human(self, value: Any, ref: TypeRef | None, zero: str = "s") -> Any:
        """A wire value with durations and sizes in the human form the pages show, at any depth
        ({"count": 100, "period": 60000} → {"count": 100, "period": "1m"})."""
        if ref is None or value is None:
            return value
        if ref.format == "duration" and isinstance(value, int):
            return format_duration(value, zero)
        if ref.format == "size" and isinstance(value, int):
            return format_size(value, zero if zero in SIZE_UNITS else "b")
        if ref.kind in ("set", "objectList") and isinstance(value, list):
            item = ref.item if ref.kind == "set" else TypeRef("object", target=ref.target)
            return [self.human(v, item) for v in value]
        if ref.kind == "map" and isinstance(value, dict):
            return {k: self.human(v, ref.item) for k, v in value.items()}
        if ref.kind == "object" and isinstance(value, dict):
            schema = self.registry.schemas[ref.target or ""]
            fields = schema.fields
            if schema.is_union:
                variant = next((v for v in schema.variants if v.name == value.get("@type")), None)
                fields = self.registry.schemas[variant.type].fields if variant and variant.type else ()
            by_name = {f.name: f.type for f in fields}
            return {k: self.human(v, by_name.get(k)) for k, v in value.items()}
        return value

    def default_literal(self, f: Field) -> str | None:
        if not f.has_default or f.default is None:
            return "false" if f.type.kind == "boolean" and not f.has_default else None
        units = SIZE_UNITS if f.type.format == "size" else DURATION_UNITS
        zero = zero_unit(f.default_source, units, "b" if f.type.format == "size" else "s")
        return json.dumps(self.human(f.default, f.type, zero), separators=(",", ":"), ensure_ascii=False)

    def annotations(self, f: Field) -> str:
        notes: list[str] = []
        if f.enterprise:
            notes.append("enterprise")
        if f.required:
            notes.append("required")
        if f.update == "immutable":
            notes.append("read-only")
        if f.update == "serverSet":
            notes.append("server-set")
        literal = self.default_literal(f)
        if literal is not None:
            notes.append(f"default: {md_code(literal)}")
        for label, value in (("min", f.min), ("max", f.max), ("min items", f.min_items), ("max length", f.max_length)):
            if value is not None:
                notes.append(f"{label}: {value}")
        if f.type.format in SECRET_FORMATS:
            notes.append("secret")
        return "".join(f" · {n}" for n in notes)

    def field_doc(self, f: Field) -> FieldDoc:
        return FieldDoc(f.name, self.type_md(f.type), self.annotations(f), tuple(md_text(f.description).split("\n")))

    # -- nested types and enums, depth first in first-reference order ----------------------------

    def walk_fields(self, fields: tuple[Field, ...], depth: int) -> None:
        for f in fields:
            self.walk_type(f.type, depth)

    def walk_type(self, ref: TypeRef | None, depth: int) -> None:
        if ref is None:
            return
        if ref.kind in ("set", "map"):
            self.walk_type(ref.key, depth)
            self.walk_type(ref.item, depth)
        elif ref.kind == "enum":
            self.add_enum(self.registry.enums[ref.target or ""])
        elif ref.kind in ("object", "objectList"):
            self.add_nested(self.registry.schemas[ref.target or ""], depth)

    def add_enum(self, enum: Enum) -> None:
        if enum.name in self.seen or enum.docs_page:
            return
        self.seen.add(enum.name)
        rows = tuple((md_table_code(v.name), md_table_text(v.label or v.name)) for v in enum.values)
        self.enums.append(EnumDoc(enum.name, anchor(enum.name), f"### {enum.name} {{#{anchor(enum.name)}}}", rows))

    def add_nested(self, schema: Schema, depth: int) -> None:
        if schema.name in self.seen:
            return
        self.seen.add(schema.name)
        index = len(self.nested)
        self.nested.append(NestedDoc("", "", "", "", (), ()))  # placeholder keeps preorder
        variants = tuple(
            NestedVariantDoc(v.name, md_text(v.label), v.type, anchor(v.type) if v.type else None)
            for v in schema.variants
        )
        fields = tuple(self.field_doc(f) for f in schema.fields)
        self.nested[index] = NestedDoc(
            name=schema.name,
            anchor=anchor(schema.name),
            heading=f"{'#' * min(3 + depth, MAX_HEADING)} {schema.name} {{#{anchor(schema.name)}}}",
            description=md_text(schema.description),
            fields=fields,
            variants=variants,
        )
        self.walk_fields(schema.fields, depth + 1)
        for v in schema.variants:
            if v.type:
                self.add_nested(self.registry.schemas[v.type], depth + 1)


def page_for(registry: Registry, obj: Object) -> PageDoc:
    schema = obj.schema
    assert schema is not None, "views have no page"
    builder = PageBuilder(registry)
    builder.seen.add(schema.name)
    variants: list[VariantDoc] = []
    for v in schema.variants:
        vfields = registry.schemas[v.type].fields if v.type else ()
        if v.type:
            builder.seen.add(v.type)  # a variant's own type is shown inline, not as a nested type
        variants.append(VariantDoc(v.name, md_text(v.label), tuple(builder.field_doc(f) for f in vfields)))
        builder.walk_fields(vfields, 0)
    fields = tuple(builder.field_doc(f) for f in schema.fields)
    builder.walk_fields(schema.fields, 0)
    defs = [registry.schemas.get(n) or registry.enums.get(n) for n in builder.seen]
    sources = tuple(sorted({obj.pos.file} | {d.pos.file for d in defs if d is not None}))
    return PageDoc(
        name=obj.name,
        front_title=yaml_scalar(obj.name),
        front_description=yaml_scalar(obj.description),
        description=md_text(obj.description),
        breadcrumb=" › ".join(md_text(p) for p in obj.webui),
        kind_word="singleton" if obj.is_singleton else "object",
        is_singleton=obj.is_singleton,
        is_union=schema.is_union,
        fields=fields,
        variants=tuple(variants),
        capability=registry.project.capability,
        cli_name=registry.project.cli,
        examples=examples_for(registry, obj),
        nested=tuple(builder.nested),
        enums=tuple(builder.enums),
        sources=sources,
    )


def page_path(obj: Object) -> str:
    return f"docs/ref/object/{kebab(obj.name)}.md"


def outputs(registry: Registry) -> list[RenderedFile]:
    out = []
    for obj in registry.managed:
        page = page_for(registry, obj)
        out.append(RenderedFile(page_path(obj), render("docs/object.md.jinja", page=page), page.sources))
    return out
