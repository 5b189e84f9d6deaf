"""The typed client (`client.py`) and the CLI (`cli.py`, `cli_describe.py`) of the generated package.

Names, variants and the `describe` tables are computed here from the IR; the describe tables
reuse the docs' type displays and annotations (as plain text), so `describe` and the reference
pages say the same thing.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any

from ..ir import Enum, Object, Registry
from ..names import kebab, python_module
from ..render import render
from ..rendered import RenderedFile
from .docs import PageBuilder, SiteIndex
from .python_payloads import payload_names

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
    """Docs Markdown (code tags, links, escapes) as the plain text a terminal shows."""
    text = _LINK.sub(r"\1", markdown.replace("<code>", "").replace("</code>", ""))
    return html.unescape(_ESCAPE.sub(r"\1", text)).replace("`", "")


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
    scalar = [
        n for n, f in fields.items() if f.type.kind in SCALAR_KINDS and f.type.format not in ("secret", "secretText")
    ]
    return ["id", *(marked or scalar)]


SCALAR_KINDS = frozenset({"string", "number", "boolean", "enum", "objectId", "utcDateTime", "blobId"})


def describe_enum(enum: Enum) -> dict[str, Any]:
    return {
        "description": enum.description,
        "values": [(v.name, v.label, plain(v.description)) for v in enum.values],
    }


def describe_table(registry: Registry, site: SiteIndex, obj: Object) -> dict[str, Any]:
    schema = obj.schema
    assert schema is not None
    builder = PageBuilder(registry, site)

    def rows(fields: tuple[Any, ...]) -> list[tuple[str, str, str, str]]:
        out = []
        for f in fields:
            doc = builder.field_doc(f)
            notes = ", ".join(n for n in plain(doc.annotations).split(" · ") if n.strip())
            out.append((f.name, plain(doc.type_md), notes, plain(" ".join(doc.description_lines))))
        return out

    if schema.is_union:
        sections = [
            (f"@type {v.name} ({kebab(v.name)}): {v.label}", rows(registry.schemas[v.type].fields if v.type else ()))
            for v in schema.variants
        ]
    else:
        sections = [("", rows(schema.fields))]
    out: dict[str, Any] = {"kind": obj.kind, "description": obj.description, "sections": sections}
    if not obj.is_singleton:
        out["filters"] = list_filters(registry, obj)
        out["sort"] = sort_fields(registry, obj)
    return out


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
    site = SiteIndex.of(registry)
    describe = {o.name: describe_table(registry, site, o) for o in managed}
    enums = {name: describe_enum(e) for name, e in registry.enums.items() if not e.placeholder}
    sources = registry.sources
    return [
        RenderedFile(
            f"{base}/client.py", render("python/package/client.py.jinja", groups=groups, project=project), sources
        ),
        RenderedFile(
            f"{base}/cli.py", render("python/package/cli.py.jinja", commands=commands, project=project), sources
        ),
        RenderedFile(
            f"{base}/cli_describe.py",
            render("python/package/cli_describe.py.jinja", describe=describe, enums=enums),
            sources,
        ),
    ]
