"""The WebUI sections of schema.json (`forms`, `lists`, `layouts`, `dashboards`) → our YAML.

A form or list belongs to the object, view or type it is published under (`form:`/`list:` there);
the menus (`layouts`) and `dashboards` belong to no one object and go to the `webui` section.
Object names inside them (`x:Account/User`) become our identifiers, so that the schema checks
them like any other reference; everything else is kept as published, so the export can write it
back. Layout items are published in two shapes (wrapped `{"link": {...}}` at the top of a menu,
`{"type": "link", ...}` below); ours have one shape and the exporter re-creates the other by depth.
"""

from __future__ import annotations

import builtins
from typing import Any

from .naming import Naming
from .source import Path_, Report
from .webui import CUSTOM_COMPONENT

OBJECT_KEYS = ("objectName",)  # keys of list filters and actions that name an object


class WebuiImporter:
    def __init__(self, doc: dict[str, Any], naming: Naming, report: Report) -> None:
        self.doc, self.naming, self.report = doc, naming, report
        for section in ("forms", "lists"):
            if not isinstance(doc.get(section, {}), dict):
                report.error((section,), "expected a JSON object keyed by object or schema name")
        for section in ("layouts", "dashboards"):
            if not isinstance(doc.get(section, []), list):
                report.error((section,), "expected a JSON array")
        for section in ("forms", "lists"):
            for name in doc.get(section, {}) if isinstance(doc.get(section), dict) else ():
                if name not in doc["objects"] and name not in doc["schemas"]:
                    report.error((section, name), f"'{name}' is neither an object nor a schema")

    def object_ref(self, name: Any, path: Path_) -> Any:
        if isinstance(name, str) and name in self.doc["objects"]:
            return self.naming.of(name)
        self.report.error(path, f"{name!r} is not an object in $.objects")
        return name

    def form(self, name: str) -> dict[str, Any] | None:
        form = self.doc.get("forms", {}).get(name)
        return form if isinstance(form, dict) else None

    def list(self, name: str) -> dict[str, Any] | None:
        body = self.doc.get("lists", {}).get(name)
        if not isinstance(body, dict):
            return None
        out = dict(body)
        for key in ("filters", "itemActions", "massActions"):
            if key in body:
                out[key] = [self._named(item, ("lists", name, key, i)) for i, item in enumerate(body[key])]
        return out

    def _named(self, item: Any, path: Path_) -> Any:
        if not isinstance(item, dict):
            return item
        return {k: self.object_ref(v, (*path, k)) if k in OBJECT_KEYS else v for k, v in item.items()}

    def section(self) -> dict[str, Any]:
        """The `webui` section: menus and dashboards."""
        out: dict[str, Any] = {}
        layouts = self.doc.get("layouts", [])
        if layouts:
            out["layouts"] = [self._layout(layout, ("layouts", i)) for i, layout in enumerate(layouts)]
        if self.doc.get("dashboards"):
            out["dashboards"] = self.doc["dashboards"]
        return out

    def _layout(self, layout: dict[str, Any], path: Path_) -> dict[str, Any]:
        out = {k: v for k, v in layout.items() if k != "items"}
        out["items"] = self._items(layout.get("items", []), (*path, "items"), depth=0)
        return out

    # `builtins.list`: the method `list` above shadows the builtin in this class body
    def _items(self, items: builtins.list[Any], path: Path_, depth: int) -> builtins.list[dict[str, Any]]:
        out: builtins.list[dict[str, Any]] = []
        for i, item in enumerate(items):
            if depth == 0:
                kind = next(iter(item))
                body, where = item[kind], (*path, i, kind)
            else:
                kind, body, where = item.get("type"), item, (*path, i)
            node: dict[str, Any] = {kind: body.get("name")} if kind in ("link", "container") else {"type": kind}
            if "icon" in body:
                node["icon"] = body["icon"]
            view = body.get("viewName")
            if isinstance(view, str) and view.startswith(CUSTOM_COMPONENT):
                node["component"] = view.removeprefix(CUSTOM_COMPONENT)
            elif view is not None:
                node["view"] = self.object_ref(view, (*where, "viewName"))
            if "items" in body:
                node["items"] = self._items(body["items"], (*where, "items"), depth + 1)
            extra = set(body) - {"type", "name", "icon", "viewName", "items"}
            if extra:
                self.report.error(where, f"unexpected key(s) {sorted(extra)} in a layout item")
            out.append(node)
        return out
