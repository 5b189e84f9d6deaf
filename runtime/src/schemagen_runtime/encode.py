"""The wire form the server returns: canonical objects with secrets masked as "****".

Secrets are never returned (SPEC §2); a compiled masker per type walks only the parts of an object
that can hold one, and objects without secrets are passed through untouched.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, cast

from .codec import plan
from .descriptors import Registry, TypeDesc

MASK = "****"

Masker = Callable[[Any], Any]


def _type_masker(reg: Registry, t: TypeDesc, seen: frozenset[str]) -> Masker | None:
    if t.is_secret:
        return lambda v: MASK if v is not None else None
    if t.kind in ("object", "objectList"):
        target = t.target or ""
        if target in seen:
            return None  # recursion: a schema that contains itself is masked at its first level
        inner = _object_masker(reg, target, seen | {target})
        if inner is None:
            return None
        if t.kind == "object":
            return lambda v: inner(v) if type(v) is dict else v
        return lambda v: {k: inner(item) for k, item in v.items()} if type(v) is dict else v
    if t.kind == "map" and t.item is not None:
        item_masker = _type_masker(reg, t.item, seen)
        if item_masker is None:
            return None
        return lambda v: {k: item_masker(item) for k, item in v.items()} if type(v) is dict else v
    return None


def _object_masker(reg: Registry, schema_name: str, seen: frozenset[str]) -> Masker | None:
    p = plan(reg, schema_name)
    groups = {None: p.fields} if not p.union else {tag: plans for tag, (plans, _) in p.variants.items()}
    per_variant: dict[Any, dict[str, Masker]] = {}
    for tag, plans in groups.items():
        found = {fp.name: m for fp in plans if (m := _type_masker(reg, fp.desc.type, seen)) is not None}
        if found:
            per_variant[tag] = found
    if not per_variant:
        return None
    union = p.union

    def mask(doc: dict[str, Any]) -> dict[str, Any]:
        maskers = per_variant.get(doc.get("@type") if union else None)
        if not maskers:
            return doc
        return {k: (maskers[k](v) if k in maskers else v) for k, v in doc.items()}

    return mask


def masker(reg: Registry, schema_name: str) -> Masker | None:
    key = ("masker", schema_name)
    if key not in reg.cache:
        reg.cache[key] = _object_masker(reg, schema_name, frozenset({schema_name}))
    return cast("Masker | None", reg.cache[key])  # the cache holds any kind of value


def encode_object(
    reg: Registry,
    schema_name: str,
    doc: dict[str, Any],
    obj_id: str | None = None,
    properties: Iterable[str] | None = None,
) -> dict[str, Any]:
    """`{"id": ..., "@type": ..., <fields in declaration order>}`, secrets masked; `properties`
    limits the fields (id and @type always come along, as clients need them to read the rest)."""
    m = masker(reg, schema_name)
    shown = m(doc) if m is not None else doc
    out: dict[str, Any] = {} if obj_id is None else {"id": obj_id}
    if properties is None:
        out.update(shown)
        return out
    wanted = set(properties)
    for key, value in shown.items():
        if key in wanted or key == "@type":
            out[key] = value
    return out
