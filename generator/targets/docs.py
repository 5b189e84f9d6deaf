"""Reference pages: the IR → a page model whose every string is final Markdown.

The rules follow SPEC §4 and the real v0.16 pages: type displays with links, annotations in a fixed
order, nested types in first-reference (depth-first) order with heading depth by nesting, enums in
the same walk; an enterprise notice for enterprise objects; the WebUI places of the object and of
its views. Enums too large for a table on every page, and the permission list, are linked to pages
of their own (`enum_links`). Descriptions and labels are data, so every one goes through `md_text`.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field

from ..ir import Attributes, Enum, Field, IconSet, Object, Registry, Schema, TypeRef
from ..names import kebab
from ..render import render
from ..rendered import RenderedFile
from .examples import ExampleSet, examples_for
from .text import md_code, md_crumb, md_prose, md_table_code, md_table_text, md_text, yaml_scalar
from .type_display import Note, field_notes, plain_note, type_display

# How the site sizes and styles an inline icon of the WebUI's set; the drawing (the rest of the
# <svg> attributes and its elements) is the schema's `icons` section.
ICON_ATTRIBUTES = (("class", "lucide-icon"), ("width", "1em"), ("height", "1em"))
# Where the site documents each kind of expression context (relative to a page of docs/ref/object).
CONTEXT_DIRS = {"variables": "variable", "constants": "constant"}
MAX_HEADING = 5
# The reference section's own permissions page; the documentation site's other pages are the
# project's `docsLinks` (a phrase without a link where it has none).
PERMISSIONS_PAGE = "../permissions.md"
# An enum with more values than this is documented on a page of its own (../enum/<name>.md) instead
# of in a table on every page that uses it: the real pages do so for Locale (336 values), TimeZone
# (598) and the permission and event lists, and inline every enum of up to 19 values.
LARGE_ENUM = 100


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
class EnumPageDoc:
    """A page of its own for a large enum (docs/ref/enum/<kebab-name>.md)."""

    name: str
    front_title: str
    front_description: str
    description: str
    rows: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class ContextDoc:
    name: str
    link: str  # ../expression/variable/http-variable.md
    kind_label: str  # "Variables"


@dataclass(frozen=True)
class ContextPageDoc:
    """A page listing what one expression context allows (docs/ref/expression/<kind>/<name>.md)."""

    name: str
    front_title: str
    front_description: str
    description: str
    values: tuple[str, ...]  # as inline code


@dataclass(frozen=True)
class PageDoc:
    name: str
    front_title: str
    front_description: str
    description: str
    enterprise: bool  # the object needs an enterprise license: the page says so in a notice
    breadcrumb: str  # every WebUI place of the object and its views, ready to print; "" for none
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
    contexts: tuple[ContextDoc, ...] = ()  # the expression contexts its fields use, first use first
    filters: tuple[tuple[str, str], ...] = ()  # query's conditions: (name as code, kind), table-escaped
    cli_reference: str = "CLI reference"  # linked to the project's docsLinks.cli, if any
    webui_link: str = "WebUI"  # docsLinks.webui
    enterprise_license: str = "Enterprise license"  # docsLinks.enterprise
    permissions_page: str = PERMISSIONS_PAGE
    sources: tuple[str, ...] = ()  # schema files this page was made from


def docs_link(registry: Registry, topic: str, text: str) -> str:
    """`[text](link)` to the documentation site's page on `topic` (project `docsLinks`), else `text`."""
    link = registry.project.docs_link(topic)
    return f"[{text}]({link})" if link else text


def anchor(name: str) -> str:
    return name.lower()


def permission_enum(registry: Registry) -> str | None:
    """The enum listing the registry's permissions: its values hold every permission of every
    managed object. Pages link it to the permissions page, as they link each method's permission."""
    wanted = {p for o in registry.managed for p in o.permissions}
    if not wanted:
        return None
    return next((e.name for e in registry.enums.values() if wanted <= {v.name for v in e.values}), None)


@dataclass(frozen=True)
class SiteIndex:
    """What every page needs to know about the others: which objects have a page, and where enums
    documented away from the object pages live."""

    pages: frozenset[str]  # names of the objects that have a page
    enum_links: dict[str, str]  # enum name → link target, from `enum_links`

    @classmethod
    def of(cls, registry: Registry) -> SiteIndex:
        return cls(frozenset(o.name for o in registry.managed), enum_links(registry))


def enum_links(registry: Registry) -> dict[str, str]:
    """Enums documented away from the object pages → the link target pages use for them."""
    out: dict[str, str] = {}
    permissions = permission_enum(registry)
    for enum in registry.enums.values():
        if enum.docs_page:
            out[enum.name] = enum.docs_page
        elif enum.name == permissions:
            out[enum.name] = PERMISSIONS_PAGE
        elif len(enum.values) > LARGE_ENUM:
            out[enum.name] = f"../enum/{kebab(enum.name)}.md"
    return out


def breadcrumbs(registry: Registry, obj: Object) -> tuple[tuple[str, ...], ...]:
    """Where the WebUI shows the object: its own place, then each of its views' (by view name), so
    an object shown only through views (Account: Users and Groups) still gets its places."""
    return tuple(names for names, _ in places(registry, obj))


def places(registry: Registry, obj: Object) -> tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]:
    """`breadcrumbs` with the icon of each part ("" for none)."""
    views = [(o.webui, o.webui_icons) for o in registry.objects if o.view_of == obj.name]
    seen: dict[tuple[str, ...], tuple[str, ...]] = {}
    for names, icons in ((obj.webui, obj.webui_icons), *views):
        if names and names not in seen:
            seen[names] = icons or ("",) * len(names)
    return tuple(seen.items())


def _attributes(attrs: Attributes) -> str:
    return "".join(f' {name}="{html.escape(value)}"' for name, value in attrs)


def icon_svg(icons: IconSet, name: str) -> str:
    """An icon inlined as the site writes it: `<svg attrs >`, then each element as `<tag attrs />`."""
    elements = "".join(f"<{tag}{_attributes(attrs)} />" for tag, attrs in icons.drawings[name])
    return f"<svg{_attributes(ICON_ATTRIBUTES + icons.svg)} >{elements}</svg>"


def breadcrumb_line(registry: Registry, obj: Object) -> str:
    """Every place, each part after its icon when the schema draws it. A place that starts with an
    icon needs no separator (the icon starts it, as on the site); otherwise places are joined by "; "."""
    out = ""
    for names, icons in places(registry, obj):
        drawn = registry.icons.drawings if registry.icons else {}
        svgs = [icon_svg(registry.icons, i) if registry.icons and i in drawn else "" for i in icons]
        parts = " › ".join(f"{svg} {md_crumb(n)}" if svg else md_crumb(n) for n, svg in zip(names, svgs, strict=True))
        out += parts if not out or svgs[0] else "; " + parts
    return out


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
    site: SiteIndex
    nested: list[NestedDoc] = field(default_factory=list)
    enums: list[EnumDoc] = field(default_factory=list)
    contexts: dict[str, ContextDoc] = field(default_factory=dict)
    seen: set[str] = field(default_factory=set)
    owner: str = ""  # the object whose page this is

    # -- type displays ---------------------------------------------------------------------------

    def has_page(self, ref: TypeRef) -> bool:
        """A value of a type that is also an object with a page of its own (Bootstrap's
        `dataStore` holds a DataStore): the page links there instead of repeating its types."""
        return ref.kind in ("object", "objectList") and ref.target in self.site.pages and ref.target != self.owner

    def _link_for(self, ref: TypeRef) -> str:
        if ref.kind == "objectId" or self.has_page(ref):
            return f"./{kebab(ref.target or '')}.md"
        return self.site.enum_links.get(ref.target or "", f"#{anchor(ref.target or '')}")

    def type_md(self, ref: TypeRef, validators: tuple[str, ...] = ()) -> str:
        """The neutral type display (type_display.py) as Markdown: code runs, and links for the
        enums, objects and types it names (an id of an object with no page stays code)."""
        seg = _Segments()
        for part in type_display(self.registry, ref, validators):
            text = html.escape(part.text, quote=False)
            named = part.names
            if named is not None and (named.kind != "objectId" or named.target in self.site.pages):
                seg.link(text, self._link_for(named))
            else:
                seg.code(text)
        return seg.render()

    # -- annotations -----------------------------------------------------------------------------

    def annotations(self, f: Field) -> str:
        return "".join(f" · {self._note(n)}" for n in field_notes(self.registry, f))

    def _note(self, note: Note) -> str:
        if note.kind == "enterprise":
            return docs_link(self.registry, "enterprise", "enterprise")
        if note.kind == "default" and note.value is not None:
            return f"default: {md_code(note.value)}"
        return plain_note(note)

    def field_doc(self, f: Field) -> FieldDoc:
        lines = md_prose(f.description).split("\n")
        for kind in ("variables", "constants"):
            docs = [self.context(name) for name in f.context if self.registry.contexts[name].kind == kind]
            if docs:
                lines += ["", f"Available {kind}: " + ", ".join(f"[{md_code(d.name)}]({d.link})" for d in docs) + "."]
        return FieldDoc(f.name, self.type_md(f.type, f.validators), self.annotations(f), tuple(lines))

    def context(self, name: str) -> ContextDoc:
        if name not in self.contexts:
            kind = self.registry.contexts[name].kind
            self.contexts[name] = ContextDoc(name, f"../{context_path(name, kind)}", kind.capitalize())
        return self.contexts[name]

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
        elif ref.kind in ("object", "objectList") and not self.has_page(ref):
            self.add_nested(self.registry.schemas[ref.target or ""], depth)

    def add_enum(self, enum: Enum) -> None:
        if enum.name in self.seen or enum.name in self.site.enum_links:
            return
        self.seen.add(enum.name)
        heading = f"### {enum.name} {{#{anchor(enum.name)}}}"
        self.enums.append(EnumDoc(enum.name, anchor(enum.name), heading, enum_rows(enum)))

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


def enum_rows(enum: Enum) -> tuple[tuple[str, str], ...]:
    return tuple((md_table_code(v.name), md_table_text(v.label or v.name)) for v in enum.values)


def page_for(registry: Registry, obj: Object, site: SiteIndex | None = None) -> PageDoc:
    schema = obj.schema
    assert schema is not None, "views have no page"
    builder = PageBuilder(registry, site or SiteIndex.of(registry), owner=obj.name)
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
    examples = examples_for(registry, obj)
    defs = [registry.schemas.get(n) or registry.enums.get(n) for n in builder.seen]
    drawn = registry.icons is not None and any(any(icons) for _, icons in places(registry, obj))
    icon_file = {registry.icons.pos.file} if registry.icons is not None and drawn else set()
    sources = tuple(sorted({obj.pos.file} | icon_file | {d.pos.file for d in defs if d is not None}))
    return PageDoc(
        name=obj.name,
        front_title=yaml_scalar(obj.name),
        front_description=yaml_scalar(obj.description),
        description=md_text(obj.description),
        enterprise=obj.enterprise,
        breadcrumb=breadcrumb_line(registry, obj),
        kind_word="singleton" if obj.is_singleton else "object",
        is_singleton=obj.is_singleton,
        is_union=schema.is_union,
        fields=fields,
        variants=tuple(variants),
        capability=registry.project.capability,
        cli_name=registry.project.cli,
        cli_reference=docs_link(registry, "cli", "CLI reference"),
        webui_link=docs_link(registry, "webui", "WebUI"),
        enterprise_license=docs_link(registry, "enterprise", "Enterprise license"),
        examples=examples,
        filters=tuple((md_table_code(f.field), md_table_text(f.kind_text)) for f in examples.filters),
        nested=tuple(builder.nested),
        enums=tuple(builder.enums),
        contexts=tuple(builder.contexts.values()),
        sources=sources,
    )


def context_path(name: str, kind: str) -> str:
    """Path of a context's page under docs/ref."""
    return f"expression/{CONTEXT_DIRS[kind]}/{kebab(name)}.md"


def context_page(name: str, registry: Registry) -> ContextPageDoc:
    context = registry.contexts[name]
    description = f"The {context.kind} an expression of the {name} context may use."
    values = tuple(md_code(v) for v in context.values)
    return ContextPageDoc(name, yaml_scalar(name), yaml_scalar(description), md_text(description), values)


def page_path(obj: Object) -> str:
    return f"docs/ref/object/{kebab(obj.name)}.md"


def enum_page(enum: Enum) -> EnumPageDoc:
    description = enum.description or f"Values of the {enum.name} enum."
    return EnumPageDoc(
        enum.name, yaml_scalar(enum.name), yaml_scalar(description), md_text(description), enum_rows(enum)
    )


def outputs(registry: Registry) -> list[RenderedFile]:
    """One page per managed object, and one per large enum (`enum_links`)."""
    site = SiteIndex.of(registry)
    out = []
    for obj in registry.managed:
        page = page_for(registry, obj, site)
        out.append(RenderedFile(page_path(obj), render("docs/object.md.jinja", page=page), page.sources))
    for name, link in site.enum_links.items():
        enum = registry.enums[name]
        if link == f"../enum/{kebab(name)}.md" and not enum.docs_page:
            text = render("docs/enum.md.jinja", page=enum_page(enum))
            out.append(RenderedFile(f"docs/ref/enum/{kebab(name)}.md", text, (enum.pos.file,)))
    for name, context in registry.contexts.items():
        text = render("docs/context.md.jinja", page=context_page(name, registry))
        out.append(RenderedFile(f"docs/ref/{context_path(name, context.kind)}", text, (context.pos.file,)))
    return out
