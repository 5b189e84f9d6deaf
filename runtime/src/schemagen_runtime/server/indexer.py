"""What the store indexes for a document, derived from the descriptors (store_api.Indexer).

- refs: every id the document holds (refs.iter_refs, the walk the foreign-key check uses), so
  "who refers to this object?" is one indexed lookup;
- keys: a `unique` field's value, scoped to the object type; a `keys` entry of the document's
  schema, its variant's schema or any nested schema (an object list's items too), scoped to that
  schema, or with `shared` to the key's name, so every schema declaring it draws from one
  namespace. A key with a null or absent part is not enforced (as SQL's UNIQUE treats NULL);
- words: per text condition (query.py's `text` and the fields' `textIndex` names), the words of
  the fields it searches, as query.py splits them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping
from typing import Any, cast

from ..descriptors import ObjectDesc, Registry, TypeDesc
from ..errors import child
from ..reach import schemas_reached
from .jsonio import to_text
from .query import DEFAULT_TEXT_INDEX, query_fields, text_fields, text_words
from .refs import iter_refs
from .store_api import IndexEntries, UniqueKey


class RegistryIndexer:
    def __init__(self, registry: Registry) -> None:
        self.registry = registry

    def _object(self, type_: str) -> ObjectDesc | None:
        return self.registry.find_object(type_)

    def entries(self, type_: str, doc: dict[str, Any]) -> IndexEntries:
        obj = self._object(type_)
        if obj is None:
            return IndexEntries()
        schema = obj.schema or obj.name
        refs = tuple((target, obj_id) for _, target, obj_id in iter_refs(self.registry, schema, doc))
        keys = tuple(self._unique_fields(obj.name, schema, doc)) + tuple(self._keys(schema, doc, ""))
        return IndexEntries(refs, keys, tuple(self._words(schema, doc)))

    # -- unique keys ---------------------------------------------------------------------------------

    def _unique_fields(self, type_: str, schema_name: str, doc: dict[str, Any]) -> Iterator[UniqueKey]:
        for name in self._unique_names(schema_name, doc.get("@type")):
            if doc.get(name) is not None:
                yield UniqueKey(f"unique:{type_}:{name}", to_text([doc[name]]), (name,))

    def _unique_names(self, schema_name: str, tag: object) -> tuple[str, ...]:
        """The `unique` fields of the schema and of the variant `tag`; cached per known variant."""
        schema = self.registry.schema(schema_name)
        variant = tag if schema.is_union and type(tag) is str and schema.variant(tag) is not None else None
        cache_key = ("indexerUnique", schema_name, variant)
        found = self.registry.cache.get(cache_key)
        if found is None:
            fields = {f.name: f for f in schema.fields}
            fields.update((f.name, f) for f in self.registry.variant_fields(schema, variant) or ())
            found = self.registry.cache[cache_key] = tuple(f.name for f in fields.values() if f.unique)
        return cast("tuple[str, ...]", found)

    def _has_keys(self, schema_name: str) -> bool:
        cache_key = ("indexerHasKeys", schema_name)
        if cache_key not in self.registry.cache:  # stored once computed: reader threads share the cache
            self.registry.cache[cache_key] = any(s.keys for s in schemas_reached(self.registry, schema_name))
        return cast("bool", self.registry.cache[cache_key])

    def _keys(self, schema_name: str, doc: dict[str, Any], path: str) -> Iterator[UniqueKey]:
        if not self._has_keys(schema_name):
            return
        schema = self.registry.schema(schema_name)
        declaring = [schema]
        variant = schema.variant(doc.get("@type")) if schema.is_union else None
        if variant is not None and variant.schema:
            declaring.append(self.registry.schema(variant.schema))
        for s in declaring:
            for name, fields, shared in s.keys:
                values = [doc.get(f) for f in fields]
                if any(v is None for v in values):
                    continue
                namespace = f"key:{name}" if shared else f"key:{s.name}:{name}"
                yield UniqueKey(namespace, to_text(values), tuple(child(path, f) for f in fields))
        for f in self.registry.variant_fields(schema, doc.get("@type")) or ():
            yield from self._nested_keys(f.type, doc.get(f.name), child(path, f.name))

    def _nested_keys(self, t: TypeDesc, value: Any, path: str) -> Iterator[UniqueKey]:
        if not isinstance(value, dict):
            return
        if t.kind == "object" and t.target:
            yield from self._keys(t.target, value, path)
        elif t.kind == "objectList" and t.target:
            for k, item in value.items():
                if isinstance(item, dict):
                    yield from self._keys(t.target, item, child(path, k))
        elif t.kind == "map" and t.item is not None:
            for k, item in value.items():
                yield from self._nested_keys(t.item, item, child(path, k))

    # -- words ---------------------------------------------------------------------------------------

    def _text_indexes(self, schema_name: str) -> dict[str, tuple[str, ...]]:
        cache_key = ("indexerText", schema_name)
        if cache_key not in self.registry.cache:
            fields = query_fields(self.registry, schema_name)
            names = {DEFAULT_TEXT_INDEX} | {f.text_index for f in fields.values() if f.text_index}
            indexes = {key: tuple(f.name for f in text_fields(fields, key)) for key in sorted(names)}
            self.registry.cache[cache_key] = {k: v for k, v in indexes.items() if v and k not in fields}
        return cast("dict[str, tuple[str, ...]]", self.registry.cache[cache_key])

    def _words(self, schema_name: str, doc: dict[str, Any]) -> Iterator[tuple[str, str]]:
        for index, names in self._text_indexes(schema_name).items():
            words: set[str] = set()
            for name in names:
                value = doc.get(name)
                if isinstance(value, str):
                    words.update(text_words(value))
                elif isinstance(value, dict):  # a set of strings
                    words.update(w for k in value if isinstance(k, str) for w in text_words(k))
            for word in sorted(words):
                yield index, word

    # -- the database's shape ------------------------------------------------------------------------

    def indexed_fields(self) -> Mapping[str, tuple[str, ...]]:
        out: dict[str, tuple[str, ...]] = {}
        for obj in self.registry.objects:
            if obj.is_singleton:
                continue
            fields = query_fields(self.registry, obj.schema or obj.name)
            flagged = tuple(sorted(f.name for f in fields.values() if f.filterable or f.sortable))
            if flagged:
                out[obj.name] = flagged
        return out

    def layout(self) -> str:
        """A hash of every object's schema and every schema reachable from it, fields in full (type,
        flags, keys): the side tables are rebuilt when any of them changes."""
        lines: set[str] = set()
        for obj in self.registry.objects:
            schema = obj.schema or obj.name
            lines.add(f"object {obj.name} {schema}")
            for s in schemas_reached(self.registry, schema):
                lines.add(f"schema {s.name} keys {s.keys!r} variants {s.variants!r}")
                lines.update(f"field {s.name} {f!r}" for f in s.fields)  # frozen dataclasses: stable reprs
        return hashlib.sha256("\n".join(sorted(lines)).encode()).hexdigest()
