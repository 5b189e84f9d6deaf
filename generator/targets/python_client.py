"""The typed client (`client.py`) and the CLI (`cli.py`, `cli_describe.py`) of the generated package.

Names, variants and the `describe` tables are computed here from the IR; the describe tables
print the type displays and notes of type_display.py as plain text, which the reference pages
print as Markdown, so `describe` and the pages say the same thing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ..ir import Enum, Field, Object, Registry, Schema, TypeRef
from ..names import kebab, python_module
from ..render import render
from ..rendered import RenderedFile
from .python_payloads import payload_names
from .type_display import field_notes, plain_note, plain_type, type_display

ROOT = "python"


@dataclass(frozen=True)
class GroupView:
    attr: str  # client attribute: client.spam_dnsbl_settings
    name: str
    module: str  # models module holding the class
    group: str  # ObjectGroup or SingletonGroup
    description: str
    payloads: tuple[str, ...]  # the group's other type arguments: create and update payloads (payloads.py)


@dataclass(frozen=True)
class CliObjectView:
    name: str
    command: str
    variants: dict[str, str]  # kebab-case → variant name, in declaration order
    columns: tuple[str, ...]  # the list's default query columns (the WebUI's, as the real CLI shows)
    filters: tuple[str, ...]  # the list's filter conditions, `text` included (query --where takes them)


_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_ESCAPE = re.compile(r"\\(.)")


def plain(markdown: str) -> str:
    """A description as its author wrote it (Markdown: links, code spans, backslash escapes) as the
    plain text a terminal shows, on one line."""
    text = _LINK.sub(r"\1", " ".join(line.strip() for line in markdown.strip().split("\n")))
    return _ESCAPE.sub(r"\1", text).replace("`", "")


def _lists(registry: Registry, obj: Object) -> list[dict[str, Any]]:
    """The object's own WebUI list, then its views' lists (by name): where columns and filters live."""
    views = sorted((o for o in registry.objects if o.view_of == obj.name), key=lambda o: o.name)
    return [o.webui_list for o in (obj, *views) if isinstance(o.webui_list, dict)]


def list_columns(registry: Registry, obj: Object) -> tuple[str, ...]:
    for listing in _lists(registry, obj):
        columns = [c["name"] for c in listing.get("columns", ()) if isinstance(c, dict) and c.get("name")]
        if columns:
            return tuple(columns)
    return ()


def list_filters(registry: Registry, obj: Object) -> list[tuple[str, str, str]]:
    """(condition, kind, label) of every filter the lists name, each condition once."""
    seen: dict[str, tuple[str, str, str]] = {}
    for listing in _lists(registry, obj):
        for f in listing.get("filters", ()):
            if isinstance(f, dict) and f.get("field"):
                seen.setdefault(f["field"], (f["field"], str(f.get("type", "")), str(f.get("label", ""))))
    return list(seen.values())


def sort_fields(registry: Registry, obj: Object) -> list[str]:
    """What query sorts by: fields marked sortable, else every non-secret scalar (the server's rule)."""
    schema = obj.schema
    assert schema is not None
    fields = {
        f.name: f
        for s in ([registry.schemas[v.type] for v in schema.variants if v.type] if schema.is_union else [schema])
        for f in s.fields
    }
    marked = [n for n, f in fields.items() if f.sortable]
    scalar = [n for n, f in fields.items() if f.type.kind in SCALAR_KINDS and not f.is_secret]
    return ["id", *(marked or scalar)]


SCALAR_KINDS = frozenset({"string", "number", "boolean", "enum", "objectId", "utcDateTime", "blobId"})


def describe_enum(enum: Enum) -> dict[str, Any]:
    return {
        "description": enum.description,
        "values": [(v.name, v.label, plain(v.description)) for v in enum.values],
    }


def _sections(registry: Registry, schema: Schema) -> list[tuple[str, list[tuple[str, str, str, str]]]]:
    """(title, rows) per variant of a union (one untitled section otherwise): the pages' type
    displays and notes (type_display.py) as text."""

    def description(f: Field) -> str:
        text = plain(f.description)
        for kind in ("variables", "constants"):
            names = [name for name in f.context if registry.contexts[name].kind == kind]
            if names:
                text += f"  Available {kind}: {', '.join(names)}."
        return text

    def rows(fields: tuple[Field, ...]) -> list[tuple[str, str, str, str]]:
        return [
            (
                f.name,
                plain_type(type_display(registry, f.type, f.validators)),
                ", ".join(plain_note(n) for n in field_notes(registry, f)),
                description(f),
            )
            for f in fields
        ]

    if schema.is_union:
        sections = [
            (f"@type {v.name} ({kebab(v.name)}): {v.label}", rows(registry.schemas[v.type].fields if v.type else ()))
            for v in schema.variants
        ]
    else:
        sections = [("", rows(schema.fields))]
    return sections


def describe_table(registry: Registry, obj: Object) -> dict[str, Any]:
    """The rows `describe` prints: the pages' type displays and notes (type_display.py) as text."""
    assert obj.schema is not None
    out: dict[str, Any] = {
        "kind": obj.kind,
        "description": obj.description,
        "sections": _sections(registry, obj.schema),
    }
    if not obj.is_singleton:
        out["filters"] = list_filters(registry, obj)
        out["sort"] = sort_fields(registry, obj)
    return out


def nested_types(registry: Registry, objects: tuple[Object, ...]) -> dict[str, dict[str, Any]]:
    """`describe` of every type the objects' fields nest (`Credential[]`, `object<DkimManagement>`):
    its fields, or its variants' fields, as for an object; not one an object has as its own
    schema (its object's description shows the same sections)."""
    found: dict[str, Schema] = {}

    def visit(schema: Schema) -> None:
        variants = [registry.schemas[v.type] for v in schema.variants if v.type]
        for f in [f for s in (schema, *variants) for f in s.fields]:
            t: TypeRef | None = f.type
            while t is not None:
                if t.kind in ("object", "objectList") and t.target and t.target not in found:
                    found[t.target] = registry.schemas[t.target]
                    visit(found[t.target])
                t = t.item

    for obj in objects:
        if obj.schema is not None:
            visit(obj.schema)
    described = {obj.schema.name for obj in objects if obj.schema is not None}  # `describe OBJECT` shows those
    return {
        name: {"kind": "type", "description": plain(schema.description), "sections": _sections(registry, schema)}
        for name, schema in sorted(found.items())
        if name not in described
    }


def outputs(registry: Registry) -> list[RenderedFile]:
    project = registry.project
    base = f"{ROOT}/{project.package}"
    managed = registry.managed
    groups = tuple(
        GroupView(
            python_module(o.name),
            o.name,
            python_module(o.name),
            "SingletonGroup" if o.is_singleton else "ObjectGroup",
            o.description,
            payload_names(registry, o)[1:] if o.is_singleton else payload_names(registry, o),
        )
        for o in managed
    )
    commands = tuple(
        CliObjectView(
            o.name,
            kebab(o.name),
            {kebab(v.name): v.name for v in (o.schema.variants if o.schema else ())},
            list_columns(registry, o),
            tuple(f[0] for f in list_filters(registry, o)) if not o.is_singleton else (),
        )
        for o in managed
    )
    describe = {o.name: describe_table(registry, o) for o in managed}
    types = nested_types(registry, managed)
    enums = {name: describe_enum(e) for name, e in registry.enums.items() if not e.placeholder}
    sources = registry.sources
    # the docstring's example: the first singleton's get (else the first object's query)
    example = next((f"client.{g.attr}.get()" for g in groups if g.group == "SingletonGroup"), None)
    if example is None and groups:
        example = f"client.{groups[0].attr}.query()"
    return [
        RenderedFile(
            f"{base}/client.py",
            render("python/package/client.py.jinja", groups=groups, project=project, example=example),
            sources,
        ),
        RenderedFile(
            f"{base}/cli.py", render("python/package/cli.py.jinja", commands=commands, project=project), sources
        ),
        RenderedFile(
            f"{base}/cli_describe.py",
            render("python/package/cli_describe.py.jinja", describe=describe, enums=enums, types=types),
            sources,
        ),
    ]
