"""WebUI-only differences: forms, lists, menus (layouts), dashboards. None of it is part of the
API, so every such change is `webui-changed`, safe.

Two sources: what the IR holds of the WebUI (an object's `form` and `list`, a type's `form`, the
`webui` section's layouts and dashboards), and, when both sides are published schema.json files,
their WebUI sections entry by entry. The two describe the same entries in the same words, so a
change both see is reported once (`compare_all`).
"""

from __future__ import annotations

from typing import Any

from ..diagnostics import Pos
from ..ir import Registry
from .change import Change, make

# section → (what one entry is called, how an entry of a list-shaped section is keyed)
SECTIONS = {
    "forms": ("form", None),
    "lists": ("list", None),
    "layouts": ("layout", "name"),
    "dashboards": ("dashboard", "id"),
}


def _entries(section: Any, key: str | None) -> dict[str, Any]:
    if isinstance(section, dict):
        return section
    if isinstance(section, list) and key:
        return {str(item.get(key)): item for item in section if isinstance(item, dict)}
    return {}


def _where(name: str, new: Registry, old: Registry, label: str) -> Pos:
    """The object or schema the entry belongs to, on the new side if it is still there."""
    for candidate in (name, name.split("/")[0]):  # a list of a view: the view, else its object
        for registry in (new, old):
            found = registry.schemas.get(candidate) or next((o for o in registry.objects if o.name == candidate), None)
            if found is not None:
                return found.pos
    return Pos(label, 1, 1)


def compare_webui(
    old_doc: dict[str, Any], new_doc: dict[str, Any], old: Registry, new: Registry, label: str
) -> list[Change]:
    changes = []
    for section, (what, key) in SECTIONS.items():
        before, after = _entries(old_doc.get(section), key), _entries(new_doc.get(section), key)
        for name in sorted(set(before) | set(after)):
            if before.get(name) == after.get(name):
                continue
            how = "added" if name not in before else "removed" if name not in after else "changed"
            subject = name.removeprefix(new.project.namespace) if new.project.namespace else name
            at = _where(subject, new, old, label)
            changes.append(make("webui-changed", subject, at, section=what, how=how))
    return changes


# IR attribute of an object → what the WebUI calls it. Read with getattr: a schema language without
# WebUI sections simply has none to compare.
OBJECT_WEBUI = (("form", "form"), ("webui_list", "list"), ("webui_icons", "menu icons"))


def _how(before: Any, after: Any) -> str:
    return "added" if before is None else "removed" if after is None else "changed"


def compare_webui_ir(old: Registry, new: Registry) -> list[Change]:
    changes = []
    before = {o.name: o for o in old.objects}
    for obj in new.objects:
        o = before.get(obj.name)
        for attr, what in OBJECT_WEBUI if o is not None else ():
            a, b = getattr(o, attr, None) or None, getattr(obj, attr, None) or None
            if a != b:
                changes.append(make("webui-changed", obj.name, obj.pos, section=what, how=_how(a, b)))
    objects = {o.name for o in old.objects} | {o.name for o in new.objects}
    for name, schema in new.schemas.items():
        o_schema = old.schemas.get(name)
        if o_schema is None or name in objects:
            continue
        a, b = getattr(o_schema, "form", None), getattr(schema, "form", None)
        if a != b:
            changes.append(make("webui-changed", name, schema.pos, section="form", how=_how(a, b)))
    for attr, (what, key) in (("layouts", SECTIONS["layouts"]), ("dashboards", SECTIONS["dashboards"])):
        a_all, b_all = _entries(list(getattr(old, attr, ())), key), _entries(list(getattr(new, attr, ())), key)
        for name in sorted(set(a_all) | set(b_all)):
            if a_all.get(name) != b_all.get(name):
                at = new.project.pos
                changes.append(
                    make("webui-changed", name, at, section=what, how=_how(a_all.get(name), b_all.get(name)))
                )
    return changes
