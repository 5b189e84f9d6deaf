"""Referential integrity: foreign keys (objectId values). Which links block a destroy is the store's
reference index, fed by `iter_refs` (indexer.py); unique keys are the store's too (KeyTaken)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..descriptors import FieldDesc, Registry, TypeDesc
from ..errors import child
from ..reach import fields_to_visit, types_in
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


def _holds_id(f: FieldDesc) -> bool:
    return any(t.kind == "objectId" for t in types_in(f.type))


def iter_refs(reg: Registry, schema_name: str, doc: dict[str, Any], path: str = "") -> Iterator[tuple[str, str, str]]:
    """(path, target object, id) for every id the object refers to."""
    for fp in fields_to_visit(reg, schema_name, doc.get("@type"), "refs", _holds_id):
        value = doc.get(fp.name)
        if value is not None:
            yield from _type_refs(reg, fp.desc.type, value, child(path, fp.name))


def missing_targets(reg: Registry, store: Session, schema_name: str, doc: dict[str, Any]) -> list[str]:
    """Paths of ids that name no existing object."""
    bad = []
    for path, target, obj_id in iter_refs(reg, schema_name, doc):
        found = reg.find_object(target)
        ok = obj_id == SINGLETON_ID if found is not None and found.is_singleton else store.exists(target, obj_id)
        if not ok:
            bad.append(path)
    return bad
