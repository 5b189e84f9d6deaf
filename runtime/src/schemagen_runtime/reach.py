"""What a walk over a document can skip: the schemas a type reaches, and which fields of a schema
(or of one variant) can hold, at any depth, what a walk looks for.

The walks a write makes (the ids it refers to, the values the server fills in, the fields a
client may not change) each visit every field of every nested object. Most fields can hold
nothing a given walk looks for: a walk asks `fields_to_visit` for the fields that can, computed
once per registry from the descriptors, and visits those alone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import cast

from .codec import FieldPlan, plan
from .descriptors import FieldDesc, Registry, SchemaDesc, TypeDesc

# What a walk looks for, as a test of one field's own declaration (not of what it nests).
Holds = Callable[[FieldDesc], bool]


def types_in(t: TypeDesc) -> Iterator[TypeDesc]:
    """The type, and the member, value and key types of its sets and maps, at any depth."""
    stack = [t]
    while stack:
        current = stack.pop()
        yield current
        stack += [x for x in (current.item, current.key) if x is not None]


def _nested_schemas(t: TypeDesc) -> Iterator[str]:
    for x in types_in(t):
        if x.kind in ("object", "objectList") and x.target:
            yield x.target


def schemas_reached(reg: Registry, schema_name: str) -> tuple[SchemaDesc, ...]:
    """The schema, its variants' schemas and every schema their fields nest, at any depth."""
    key = ("reach", schema_name)
    found = reg.cache.get(key)
    if found is None:
        seen: dict[str, SchemaDesc] = {}
        todo = [schema_name]
        while todo:
            name = todo.pop()
            if name in seen:
                continue
            schema = seen[name] = reg.schema(name)
            todo += [v.schema for v in schema.variants if v.schema]
            for f in schema.fields:
                todo += _nested_schemas(f.type)
        found = reg.cache[key] = tuple(seen.values())
    return cast("tuple[SchemaDesc, ...]", found)  # the cache holds any kind of value


def schema_holds(reg: Registry, schema_name: str, label: str, holds: Holds) -> bool:
    """Whether an object of the schema can hold a field `holds` picks, at any depth. `label`
    names the test in the registry's cache: one label, one test."""
    key = ("holds", label, schema_name)
    found = reg.cache.get(key)
    if found is None:
        found = reg.cache[key] = any(holds(f) for s in schemas_reached(reg, schema_name) for f in s.fields)
    return cast("bool", found)


def type_holds(reg: Registry, t: TypeDesc, label: str, holds: Holds) -> bool:
    """Whether a value of the type can hold, in an object it nests, a field `holds` picks."""
    if t.kind in ("object", "objectList"):  # the usual case, first
        return bool(t.target) and schema_holds(reg, t.target or "", label, holds)
    if t.item is None and t.key is None:
        return False
    key = ("typeHolds", label, t)
    found = reg.cache.get(key)
    if found is None:
        found = reg.cache[key] = any(schema_holds(reg, name, label, holds) for name in _nested_schemas(t))
    return cast("bool", found)


def fields_to_visit(reg: Registry, schema_name: str, tag: object, label: str, holds: Holds) -> tuple[FieldPlan, ...]:
    """The fields of an object of the schema (of variant `tag`, a union's `@type`) that `holds`
    picks or whose value can nest one it picks; none for a variant the union does not have."""
    p = plan(reg, schema_name)
    if not p.union:
        tag = None
    elif type(tag) is not str or tag not in p.variants:
        return ()
    key = ("visit", label, schema_name, tag)
    found = reg.cache.get(key)
    if found is None:
        fields = p.variants[tag][0] if p.union else p.fields  # type: ignore[index]
        found = reg.cache[key] = tuple(
            fp for fp in fields if holds(fp.desc) or type_holds(reg, fp.desc.type, label, holds)
        )
    return cast("tuple[FieldPlan, ...]", found)
