"""Checks of the published `layouts` (menus): each link's path of names, by the object it shows.

Top-level items are `{"link": {...}}` or `{"container": {...}}`; nested ones carry `"type"`. The
menus themselves, icons included, are imported by webui_sections.py; the schema derives each
object's places from them.
"""

from __future__ import annotations

from typing import Any

from .source import Path_, Report

CUSTOM_COMPONENT = "CustomComponent/"  # WebUI pages that are not registry objects (dashboards, live views)


def breadcrumbs(doc: dict[str, Any], report: Report) -> dict[str, tuple[str, ...]]:
    """Published object name → breadcrumb, e.g. `x:SpamDnsblSettings` → (Settings, Spam Filter, DNSBL, Settings)."""
    out: dict[str, tuple[str, ...]] = {}
    layouts = doc.get("layouts", [])
    if not isinstance(layouts, list):
        report.error(("layouts",), "expected a list of layouts")
        return out
    for i, layout in enumerate(layouts):
        if not isinstance(layout, dict) or not isinstance(layout.get("name"), str):
            report.error(("layouts", i), "expected a layout with a 'name' and 'items'")
            continue
        _items(doc, report, layout.get("items"), ("layouts", i, "items"), (layout["name"],), out)
    return out


def _node(item: Any, path: Path_, report: Report) -> tuple[str, dict[str, Any], Path_] | None:
    if isinstance(item, dict) and "type" in item:
        return item["type"], item, path
    if isinstance(item, dict) and len(item) == 1:
        kind = next(iter(item))
        if isinstance(item[kind], dict):
            return kind, item[kind], (*path, kind)
    report.error(path, "expected a link or a container")
    return None


def _items(
    doc: dict[str, Any],
    report: Report,
    items: Any,
    path: Path_,
    trail: tuple[str, ...],
    out: dict[str, tuple[str, ...]],
) -> None:
    if not isinstance(items, list):
        report.error(path, "expected a list of items")
        return
    for i, item in enumerate(items):
        node = _node(item, (*path, i), report)
        if node is None:
            continue
        kind, body, where = node
        name = body.get("name")
        if not isinstance(name, str):
            report.error(where, "a layout item needs a 'name'")
            continue
        if kind == "container":
            _items(doc, report, body.get("items"), (*where, "items"), (*trail, name), out)
        elif kind == "link":
            view = body.get("viewName")
            if not isinstance(view, str):
                report.error(where, "a link needs a 'viewName'")
            elif view.startswith(CUSTOM_COMPONENT):
                continue
            elif view not in doc["objects"]:
                report.warn((*where, "viewName"), f"links to '{view}', which is not in $.objects; not imported")
            elif view in out:
                report.warn((*where, "viewName"), f"'{view}' is linked a second time; the first breadcrumb is kept")
            else:
                out[view] = (*trail, name)
        else:
            report.error((*where, "type") if "type" in body else where, f"unknown layout item type '{kind}'")
