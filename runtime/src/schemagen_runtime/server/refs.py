"""Referential integrity: foreign keys (objectId values). Which links block a destroy is the store's
reference index, fed by `iter_refs` (indexer.py); unique keys are the store's too (KeyTaken)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, cast

from ..descriptors import Registry, SchemaDesc, TypeDesc
from ..errors import child
from .store_api import Session

SINGLETON_ID = "singleton"


def _type_refs(reg: Registry, t: TypeDesc, value: Any, path: str) -> Iterator[tuple[str, str, str]]:
    if value is None:
        return
    if t.kind == "objectId" and isinstance(value, str):
        yield path, t.target or "", value
    elif t.kind in ("set", "map") and isinstance(value, dict):
        member = t.item if t.kind == "set" else t.key
        for k, item in value.items():
            if member is not None and member.kind == "objectId":
                yield child(path, k), member.target or "", k
            if t.kind == "map" and t.item is not None:
                yield from _type_refs(reg, t.item, item, child(path, k))
    elif t.kind == "object" and isinstance(value, dict):
        yield from iter_refs(reg, t.target or "", value, path)
    elif t.kind == "objectList" and isinstance(value, dict):
        for k, item in value.items():
            yield from iter_refs(reg, t.target or "", item, child(path, k))


def iter_refs(reg: Registry, schema_name: str, doc: dict[str, Any], path: str = "") -> Iterator[tuple[str, str, str]]:
    """(path, target object, id) for every id the object refers to."""
    if not can_refer(reg, schema_name):
        return
    schema = reg.schema(schema_name)
    for f in reg.variant_fields(schema, doc.get("@type")) or ():
        yield from _type_refs(reg, f.type, doc.get(f.name), child(path, f.name))


def _reachable(reg: Registry, schema: SchemaDesc, seen: set[str]) -> set[str]:
    """Targets of objectId types anywhere under a schema."""
    out: set[str] = set()
    if schema.name in seen:
        return out
    seen.add(schema.name)
    fields = list(schema.fields)
    for v in schema.variants:
        fields += reg.variant_fields(schema, v.name) or ()
    for f in fields:
        stack = [f.type]
        while stack:
            t = stack.pop()
            if t.kind == "objectId":
                out.add(t.target or "")
            if t.kind in ("object", "objectList"):
                out |= _reachable(reg, reg.schema(t.target or ""), seen)
            stack += [x for x in (t.item, t.key) if x is not None]
    return out


def targets(reg: Registry, schema_name: str) -> set[str]:
    key = ("refTargets", schema_name)
    if key not in reg.cache:
        reg.cache[key] = _reachable(reg, reg.schema(schema_name), set())
    return cast("set[str]", reg.cache[key])  # the cache holds any kind of value


def can_refer(reg: Registry, schema_name: str) -> bool:
    return bool(targets(reg, schema_name))


def missing_targets(reg: Registry, store: Session, schema_name: str, doc: dict[str, Any]) -> list[str]:
    """Paths of ids that name no existing object."""
    bad = []
    for path, target, obj_id in iter_refs(reg, schema_name, doc):
        found = reg.find_object(target)
        ok = obj_id == SINGLETON_ID if found is not None and found.is_singleton else store.exists(target, obj_id)
        if not ok:
            bad.append(path)
    return bad
