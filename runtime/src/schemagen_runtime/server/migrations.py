"""Declared migrations, applied to stored data when the server starts.

A schema says how a value written under an older schema becomes valid under this one (see
docs/schema-format.md, "Migrations of stored data"): a field's `renamedFrom` moves a stored value
to its new name, its `migrate` steps rewrite a value the schema now refuses (`replace` one value by
another, `wrap` a plain value into a union variant, `clamp` a number into its bounds), and an
enum's `formerValues` map removed values to current ones wherever the enum is used.

The rules that keep this safe on every start:

- a step only touches a value the current schema refuses, and its result is kept only if the
  schema accepts it; otherwise the value stays as stored (and upgrade.py reports it), so nothing is
  dropped and a second start finds nothing to do;
- renames and former enum values only ever match names and values the schema no longer has;
- one transaction per object type, each change reported on its own line once it is committed; an
  object whose migrated form would repeat another's unique key is left as stored, with a warning.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from functools import partial
from typing import Any, TextIO

from ..codec import Ctx, FieldPlan, copy, plan
from ..descriptors import MISSING, ObjectDesc, Registry, TypeDesc
from ..errors import child
from ..validate import check_value
from .store_api import KeyTaken, Session, Store

Notes = list[tuple[str, str]]  # (JSON pointer of the value, what was done)


class Migrator:
    """Walks stored documents along their schema, applying what the descriptors declare."""

    def __init__(self, registry: Registry) -> None:
        self.reg = registry
        self._declares: dict[str, bool] = {}

    # -- does a schema (or anything it nests) declare a migration? -------------------------------

    def declares(self, schema_name: str) -> bool:
        found = self._declares.get(schema_name)
        if found is None:
            self._declares[schema_name] = False  # a recursive schema refers to itself
            found = self._declares[schema_name] = self._scan(schema_name)
        return found

    def _scan(self, schema_name: str) -> bool:
        schema = self.reg.schema(schema_name)
        if any(v.schema and self.declares(v.schema) for v in schema.variants):
            return True
        return any(f.renamed_from or f.migrate or self._type_declares(f.type) for f in schema.fields)

    def _type_declares(self, t: TypeDesc) -> bool:
        if t.kind == "enum":
            return bool(self.reg.enum(t.target or "").former)
        if t.kind in ("object", "objectList"):
            return self.declares(t.target or "")
        return any(self._type_declares(part) for part in (t.item, t.key) if part is not None)

    # -- documents ---------------------------------------------------------------------------------

    def document(self, schema_name: str, doc: dict[str, Any], path: str = "") -> tuple[dict[str, Any], Notes]:
        """The document with every applicable migration applied, and what was done (nothing: the
        same document)."""
        if not self.declares(schema_name):
            return doc, []
        plans = plan(self.reg, schema_name).fields_for(doc)
        out = dict(doc)
        notes: Notes = []
        for fp in plans:
            name = fp.name
            if name not in out:
                for old in fp.desc.renamed_from:
                    if old in out:
                        out[name] = out.pop(old)
                        notes.append((child(path, name), f"renamed from {old}"))
                        break
            if name in out:
                out[name], done = self.field(fp, out[name], child(path, name))
                notes += done
        if not notes:
            return doc, []
        # Keep the canonical order: the tag, the fields as declared, then whatever else is stored.
        ordered = {"@type": out.pop("@type")} if "@type" in out else {}
        ordered.update((fp.name, out.pop(fp.name)) for fp in plans if fp.name in out)
        ordered.update(out)
        return ordered, notes

    def field(self, fp: FieldPlan, value: Any, path: str) -> tuple[Any, Notes]:
        steps = fp.desc.migrate
        if steps and _refused(self.reg, fp, value):
            stepped, done = _apply(fp, value)
            if done:
                walked, inner = self.value(fp.desc.type, stepped, path)
                ctx = Ctx()
                decoded = fp.decode(walked, path, ctx)  # canonical form: defaults of a wrapped variant
                if not ctx.issues and decoded is not MISSING and not check_value(self.reg, fp.desc, decoded, path):
                    return decoded, [(path, what) for what in done] + inner
        return self.value(fp.desc.type, value, path)

    def value(self, t: TypeDesc, value: Any, path: str) -> tuple[Any, Notes]:
        """Nested migrations inside a value of type `t` (objects, lists, maps, sets, enums)."""
        if value is None:
            return value, []
        kind = t.kind
        if kind == "enum":
            former = dict(self.reg.enum(t.target or "").former)
            if type(value) is str and value in former:
                return former[value], [(path, f"{value!r} became {former[value]!r} (a former value of {t.target})")]
            return value, []
        if type(value) is not dict:
            return value, []
        if kind == "object":
            return self.document(t.target or "", value, path)
        if kind == "objectList":
            return self._entries(
                value, path, lambda v, p: self.document(t.target or "", v, p) if type(v) is dict else (v, [])
            )
        if kind == "map" and t.item is not None:
            item = t.item
            walked, notes = self._entries(value, path, lambda v, p: self.value(item, v, p))
            renamed, more = self._keys(t.key, walked, path)
            return renamed, notes + more
        if kind == "set":
            return self._keys(t.item, value, path)
        return value, []

    def _entries(
        self, value: dict[str, Any], path: str, walk: Callable[[Any, str], tuple[Any, Notes]]
    ) -> tuple[dict[str, Any], Notes]:
        out: dict[str, Any] = {}
        notes: Notes = []
        for key, item in value.items():
            out[key], done = walk(item, child(path, key))
            notes += done
        return (out, notes) if notes else (value, [])

    def _keys(self, t: TypeDesc | None, value: dict[str, Any], path: str) -> tuple[dict[str, Any], Notes]:
        """Set members and map keys that are former values of their enum (a current one wins)."""
        if t is None or t.kind != "enum":
            return value, []
        former = dict(self.reg.enum(t.target or "").former)
        if not former.keys() & value.keys():
            return value, []
        out: dict[str, Any] = {}
        notes: Notes = []
        for key, item in value.items():
            new = former.get(key)
            if new is None or (new in value and not _same(value[new], item)):
                out.setdefault(key, item)  # a map holding both, with two values: kept as stored
                continue
            notes.append((child(path, key), f"{key!r} became {new!r} (a former value of {t.target})"))
            out.setdefault(new, item)
        return (out, notes) if notes else (value, [])


def _refused(reg: Registry, fp: FieldPlan, value: Any) -> bool:
    """Whether the current schema refuses this stored value of the field."""
    ctx = Ctx()
    decoded = fp.decode(value, fp.pointer, ctx)
    return bool(ctx.issues) or decoded is MISSING or bool(check_value(reg, fp.desc, decoded))


def _same(a: Any, b: Any) -> bool:
    """JSON equality: `true` is not `1`, and `1` is `1.0`."""
    if isinstance(a, bool) or isinstance(b, bool) or a is None or b is None:
        return a is b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return a == b
    if type(a) is not type(b):
        return False
    if type(a) is dict:
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if type(a) is list:
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def _text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _apply(fp: FieldPlan, value: Any) -> tuple[Any, list[str]]:
    """The field's steps in the order declared, each on the value the previous one left."""
    desc = fp.desc
    done: list[str] = []
    for step in desc.migrate:
        op = step[0]
        if op == "replace" and _same(value, step[1]):
            value = copy(step[2])
            done.append(f"{_text(step[1])} replaced by {_text(step[2])}")
        elif op == "wrap" and value is not None and type(value) is not dict:
            variant, name = step[1], step[2]
            value = {"@type": variant, name: value}
            done.append(f"wrapped into variant {variant} (as {name})")
        elif op == "clamp" and isinstance(value, int | float) and not isinstance(value, bool):
            bound = desc.min if step[1] == "min" else desc.max
            if bound is not None and (value < bound if step[1] == "min" else value > bound):
                done.append(f"{value} {'raised' if step[1] == 'min' else 'lowered'} to its {step[1]} {bound}")
                value = bound
    return value, done


def apply_migrations(registry: Registry, store: Store, stream: TextIO = sys.stderr) -> int:
    """Migrates every stored object the schema declares a migration for, one transaction per
    object type, then prints `migrated stored <object> <id>: <property>: <what>` per change (once
    committed); returns how many objects changed."""
    migrator = Migrator(registry)
    changed = 0
    # Only types with stored objects: their schemas are loaded for the check after this anyway.
    stored = store.read_now(lambda session: [o for o in registry.objects if session.all(o.name, limit=1)])
    for obj in stored:
        schema = obj.schema or obj.name
        if not migrator.declares(schema):
            continue
        lines, count = store.write_now(partial(_migrate_type, migrator, obj=obj, schema=schema))
        for line in lines:
            print(line, file=stream)
        changed += count
    return changed


def _migrate_type(migrator: Migrator, session: Session, *, obj: ObjectDesc, schema: str) -> tuple[list[str], int]:
    """One write unit: every stored object of the type, migrated where it needs to be; the lines
    to print and how many objects changed."""
    lines: list[str] = []
    count = 0
    for obj_id, doc in session.all(obj.name):
        migrated, notes = migrator.document(schema, doc)
        if not notes:
            continue
        try:
            with session.savepoint():
                session.put(obj.name, obj_id, migrated)
        except KeyTaken as taken:  # the migrated value would repeat another object's unique key
            lines.append(
                f"warning: stored {obj.jmap_name} {obj_id}: not migrated, its migrated"
                f" {', '.join(taken.key.properties)} would be the same as {taken.owner_type} {taken.owner_id}'s"
            )
            continue
        lines += [f"migrated stored {obj.jmap_name} {obj_id}: {path}: {what}" for path, what in notes]
        count += 1
    if count:
        session.bump_state(obj.name)  # clients holding the old state must refetch
    return lines, count
