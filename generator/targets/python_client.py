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

from ..ir import Object, Registry
from ..names import kebab, python_module
from ..render import render
from ..rendered import RenderedFile
from .docs import PageBuilder, SiteIndex

ROOT = "python"


@dataclass(frozen=True)
class GroupView:
    attr: str  # client attribute: client.spam_dnsbl_settings
    name: str
    module: str  # models module holding the class
    group: str  # ObjectGroup or SingletonGroup
    description: str


@dataclass(frozen=True)
class CliObjectView:
    name: str
    command: str
    variants: dict[str, str]  # kebab-case → variant name, in declaration order


_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_ESCAPE = re.compile(r"\\(.)")


def plain(markdown: str) -> str:
    """Docs Markdown (code tags, links, escapes) as the plain text a terminal shows."""
    text = _LINK.sub(r"\1", markdown.replace("<code>", "").replace("</code>", ""))
    return html.unescape(_ESCAPE.sub(r"\1", text)).replace("`", "")


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
    return {"kind": obj.kind, "description": obj.description, "sections": sections}


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
        )
        for o in managed
    )
    commands = tuple(
        CliObjectView(o.name, kebab(o.name), {kebab(v.name): v.name for v in (o.schema.variants if o.schema else ())})
        for o in managed
    )
    site = SiteIndex.of(registry)
    describe = {o.name: describe_table(registry, site, o) for o in managed}
    sources = registry.sources
    return [
        RenderedFile(
            f"{base}/client.py", render("python/package/client.py.jinja", groups=groups, project=project), sources
        ),
        RenderedFile(
            f"{base}/cli.py", render("python/package/cli.py.jinja", commands=commands, project=project), sources
        ),
        RenderedFile(
            f"{base}/cli_describe.py", render("python/package/cli_describe.py.jinja", describe=describe), sources
        ),
    ]
