"""Permission names: `<prefix><Verb>` per object (the descriptors' `permission_prefix`) and, for an
operation object, one per variant it runs: the object's name with a lower-case first letter, then
the variant (`Task` + `ReloadSettings` → `taskReloadSettings`). The enum the project setting
`permissionsEnum` names adds the names it lists (permissions of parts of the product served
elsewhere)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .app import JmapApp

VERBS = ("Get", "Query", "Create", "Update", "Destroy")
SINGLETON_VERBS = ("Get", "Update")


def variant_permission(object_name: str, variant: str) -> str:
    return object_name[:1].lower() + object_name[1:] + variant


def all_permissions(app: JmapApp) -> list[str]:
    """Every permission name this server knows: what an account holding all of them is shown."""
    reg = app.registry
    names: set[str] = set()
    if reg.project.permissions_enum:
        names.update(reg.enum(reg.project.permissions_enum).values)
    for obj in reg.objects:
        names.update(obj.permission(verb) for verb in (SINGLETON_VERBS if obj.is_singleton else VERBS))
        if app.operations.is_operation(obj.name):
            schema = reg.schema(obj.schema or obj.name)
            names.update(variant_permission(obj.name, v.name) for v in schema.variants)
    return sorted(names)
