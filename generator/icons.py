"""The `icons` section: drawings of the icons the WebUI menus name, so that reference pages can
inline each one as SVG. The structure is checked by the metaschema; this module checks what it
cannot say (one element per list item, names that are safe as SVG markup, every menu icon drawn)
and builds the IR's IconSet."""

from __future__ import annotations

import re
from collections.abc import Iterator
from types import MappingProxyType
from typing import Any

from .diagnostics import Diagnostic
from .ir import Attributes, IconSet
from .loader import LoadedFile, PathKey

ICON_NAME = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*\Z")  # Lucide's names: kebab-case
XML_NAME = re.compile(r"[A-Za-z][A-Za-z0-9:_.-]*\Z")  # tag and attribute names printed as markup


def read_icons(file: LoadedFile) -> tuple[IconSet, list[Diagnostic]]:
    """The section as an IconSet, with a diagnostic at every place that cannot be drawn."""
    body: dict[str, Any] = file.data["icons"]
    errors: list[Diagnostic] = []

    def attributes(attrs: dict[str, str], path: PathKey) -> Attributes:
        for name in attrs:
            if not XML_NAME.match(name):
                errors.append(Diagnostic(file.pos((*path, name)), f"'{name}' is not an SVG attribute name"))
        return tuple(attrs.items())

    drawings: dict[str, tuple[tuple[str, Attributes], ...]] = {}
    for icon, elements in body["drawings"].items():
        path = ("icons", "drawings", icon)
        if not ICON_NAME.match(icon):
            errors.append(Diagnostic(file.pos(path), f"invalid icon name '{icon}': use kebab-case letters and digits"))
        shapes = []
        for i, element in enumerate(elements):
            if len(element) != 1:
                message = "an element is one `tag: {attribute: value, ...}` entry"
                errors.append(Diagnostic(file.pos((*path, i)), f"{message}, not {len(element)}"))
                continue
            ((tag, attrs),) = element.items()
            if not XML_NAME.match(tag):
                errors.append(Diagnostic(file.pos((*path, i, tag)), f"'{tag}' is not an SVG element name"))
            shapes.append((tag, attributes(attrs, (*path, i, tag))))
        drawings[icon] = tuple(shapes)
    svg = attributes(body["svg"], ("icons", "svg"))
    icons = IconSet(body.get("source", ""), svg, MappingProxyType(dict(sorted(drawings.items()))), file.pos(("icons",)))
    return icons, errors


def menu_icons(webui: dict[str, Any]) -> Iterator[tuple[PathKey, str]]:
    """Every icon the menus name, with its path in the `webui` section."""

    def walk(items: list[dict[str, Any]], path: PathKey) -> Iterator[tuple[PathKey, str]]:
        for i, item in enumerate(items):
            if "icon" in item:
                yield (*path, i, "icon"), item["icon"]
            yield from walk(item.get("items", []), (*path, i, "items"))

    yield from walk(webui.get("layouts", []), ("webui", "layouts"))


def undrawn(icons: IconSet, webui_file: LoadedFile) -> list[Diagnostic]:
    """A menu icon the section does not draw: its place in the menus, and how to refresh the file."""
    return [
        Diagnostic(
            webui_file.pos(path),
            f"icon '{name}' has no drawing in the icons section ({icons.pos.file}); "
            "re-write it with `python -m generator import-icons` (make icons)",
        )
        for path, name in menu_icons(webui_file.data["webui"])
        if name not in icons.drawings
    ]
