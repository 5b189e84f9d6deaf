"""The store's reference index fed from the registry, and the `objectIsLinked` check it answers.

`RegistryReferences` tells the store what a document refers to (refs.iter_refs, the walk the
foreign-key check uses), so both agree on what a reference is. The destroy check is then one indexed
lookup however many objects exist.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

from ..descriptors import Registry, SchemaDesc
from .auth import Principal
from .refs import can_refer, iter_refs
from .store import Store

IDS_SHOWN = 5  # per referring type in an objectIsLinked description


class RegistryReferences:
    def __init__(self, registry: Registry) -> None:
        self.registry = registry

    def _schema_of(self, type_: str) -> str | None:
        obj = self.registry.find_object(type_)
        return None if obj is None else obj.schema or obj.name

    def can_refer(self, type_: str) -> bool:
        schema = self._schema_of(type_)
        return schema is not None and can_refer(self.registry, schema)

    def targets(self, type_: str, doc: dict[str, Any]) -> Iterable[tuple[str, str]]:
        schema = self._schema_of(type_)
        if schema is None:
            return ()
        return [(target, obj_id) for _, target, obj_id in iter_refs(self.registry, schema, doc)]

    def layout(self) -> str:
        """A hash of every referring object's schema and of every schema reachable from it: the
        reference layout changes only if one of them does."""
        lines: set[str] = set()
        seen: set[str] = set()
        for obj in self.registry.objects:
            if self.can_refer(obj.name):
                lines.add(f"object {obj.name} {obj.schema or obj.name}")
                self._describe(self.registry.schema(obj.schema or obj.name), seen, lines)
        return hashlib.sha256("\n".join(sorted(lines)).encode()).hexdigest()

    def _describe(self, schema: SchemaDesc, seen: set[str], lines: set[str]) -> None:
        if schema.name in seen:
            return
        seen.add(schema.name)
        fields = list(schema.fields)
        for variant in schema.variants:
            lines.add(f"variant {schema.name} {variant.name} {variant.schema}")
            fields += self.registry.variant_fields(schema, variant.name) or ()
        for f in fields:
            lines.add(f"field {schema.name} {f.name} {f.type!r}")  # frozen dataclass: a stable repr
            stack = [f.type]
            while stack:
                t = stack.pop()
                if t.kind in ("object", "objectList") and t.target:
                    self._describe(self.registry.schema(t.target), seen, lines)
                stack += [x for x in (t.item, t.key) if x is not None]


def linked_description(registry: Registry, store: Store, principal: Principal, type_: str, obj_id: str) -> str | None:
    """Why `type_ obj_id` cannot be destroyed (None: nothing refers to it). Ids are named only for
    types the principal may read; of the others only the type is named."""
    counts = store.referrers(type_, obj_id)
    if not counts:
        return None
    parts = []
    for source_type, count in counts.items():
        source = registry.find_object(source_type)
        if source is None or not principal.may(source.permission("Get")):
            parts.append(source_type)
            continue
        ids = store.referring_ids(type_, obj_id, source_type, IDS_SHOWN)
        more = f" and {count - len(ids)} more" if count > len(ids) else ""
        parts.append(f"{source_type} {', '.join(ids)}{more}")
    return "still referred to by " + "; ".join(parts)
