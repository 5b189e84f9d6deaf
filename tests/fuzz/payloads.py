"""Create payloads, patches and method arguments for any object, built from its descriptors.

Values are mostly what the field accepts (the valid forms of its type, ids of objects the server
has), with values at the limits and of wrong types mixed in; patches name whole properties,
JSON-pointer paths into the stored object (nested fields, list positions, set members, map keys),
variant changes at any depth with the new variant's server-set and immutable fields given, and
paths that are not there."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hypothesis import strategies as st

from .values import NON_ASCII_DIGITS, SAMPLE_STRINGS, numbers_at_limits, texts, wrong_types

Ids = Callable[[str], list[str]]  # the ids the server holds of an object, by object name
MAX_DEPTH = 3
REMOVE = object()
DATES = ["2026-01-01T00:00:00Z", "1970-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "2026-13-01T00:00:00Z", "yesterday"]


class Payloads:
    def __init__(self, registry: Any, ids: Ids, examples: dict[str, dict[str, Any]]) -> None:
        self.reg = registry
        self.ids = ids
        self.examples = examples  # each object's documented create payload, by object name
        self._cache: dict[tuple[Any, ...], st.SearchStrategy[Any]] = {}  # building strategies costs more than drawing

    def _cached(self, key: tuple[Any, ...], build: Callable[[], st.SearchStrategy[Any]]) -> st.SearchStrategy[Any]:
        found = self._cache.get(key)
        if found is None:
            found = self._cache[key] = build()
        return found

    # -- values of a type ---------------------------------------------------------------------------

    def value(self, t: Any, f: Any = None, depth: int = 0) -> st.SearchStrategy[Any]:
        return self._cached(("value", id(t), id(f), depth), lambda: self._value(t, f, depth))

    def _value(self, t: Any, f: Any, depth: int) -> st.SearchStrategy[Any]:
        """Five in seven valid, the rest at the limits or of a wrong type."""
        valid = self.valid(t, f, depth)
        edge = numbers_at_limits(f and f.min, f and f.max) if t.kind == "number" else texts()
        return st.one_of(valid, valid, valid, valid, valid, edge, wrong_types())

    def valid(self, t: Any, f: Any = None, depth: int = 0) -> st.SearchStrategy[Any]:
        """The forms of the type (a few invalid ones among samples of formatted strings)."""
        return self._cached(("valid", id(t), id(f), depth), lambda: self._nullable(t, self._valid(t, f, depth)))

    @staticmethod
    def _nullable(t: Any, valid: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
        return st.one_of(valid, st.none()) if t.nullable else valid

    def _valid(self, t: Any, f: Any, depth: int) -> st.SearchStrategy[Any]:
        kind = t.kind
        if kind == "string":
            samples = SAMPLE_STRINGS.get(t.format or "")
            if samples:
                return st.sampled_from(samples)
            if f is not None and f.max_length:
                return st.one_of(st.text(max_size=min(f.max_length, 20)), st.just("x" * (f.max_length + 1)))
            return st.text(max_size=20)
        if kind == "number":
            if t.format == "float":
                return st.floats(allow_nan=False, allow_infinity=False, width=64)
            lo = f.min if f is not None and f.min is not None else 0
            hi = f.max if f is not None and f.max is not None else lo + 10**6
            whole = st.integers(int(lo), int(hi))
            human = {"duration": ["30s", "2m", "0ms", "1d"], "size": ["10mb", "512kb", "0b"]}.get(t.format or "")
            return st.one_of(whole, st.sampled_from(human)) if human else whole
        if kind == "boolean":
            return st.booleans()
        if kind == "enum":
            return st.sampled_from([*self.reg.enum(t.target).values, "NotAValue"])
        if kind == "objectId":
            return st.sampled_from([*self.ids(t.target)[:5], "singleton", "missing-id", "#new1"])
        if kind == "utcDateTime":
            return st.sampled_from(DATES)
        if kind == "blobId":
            return st.text(max_size=8)
        if depth >= MAX_DEPTH:
            return st.sampled_from([{}, [], None])
        if kind == "object":
            return self.object(t.target, depth + 1)
        if kind == "objectList":
            items = st.lists(self.object(t.target, depth + 1), max_size=2)
            return st.one_of(items, items.map(lambda xs: {str(i): x for i, x in enumerate(xs)}))
        member = self.valid(t.item, None, MAX_DEPTH) if t.item is not None else st.text(max_size=8)
        if kind == "set":
            members = st.lists(member, max_size=3)
            return st.one_of(members, members.map(lambda xs: {str(x): True for x in xs}))
        if kind == "map":
            key = self.valid(t.key, None, MAX_DEPTH) if t.key is not None else st.text(max_size=8)
            item = self.valid(t.item, None, depth + 1) if t.item is not None else st.text(max_size=8)
            return st.dictionaries(key.map(str), item, max_size=3)
        return wrong_types()

    # -- objects ------------------------------------------------------------------------------------

    def object(
        self, schema_name: str, depth: int = 0, variant: str | None = None, server_set: bool = False
    ) -> st.SearchStrategy[Any]:
        """A whole object of the schema (a union's with `@type`) with valid values: its required
        fields and any others, server-set ones too when `server_set` (which a create must refuse)."""
        key = ("object", schema_name, depth, variant, server_set)
        return self._cached(key, lambda: self._object(schema_name, depth, variant, server_set))

    def _object(self, schema_name: str, depth: int, variant: str | None, server_set: bool) -> st.SearchStrategy[Any]:
        schema = self.reg.schema(schema_name)
        if schema.is_union and variant is None:
            return st.one_of([self.object(schema_name, depth, v.name, server_set) for v in schema.variants])
        fields = self.reg.variant_fields(schema, variant) if schema.is_union else schema.fields
        required = {"@type": st.just(variant)} if variant is not None else {}
        optional = {}
        for f in fields or ():
            if f.settable or server_set:
                (required if f.required else optional)[f.name] = self.valid(f.type, f, depth)
        return st.fixed_dictionaries(required, optional=optional)

    def create(self, obj: Any) -> st.SearchStrategy[Any]:
        """The documented create payload with up to two properties changed, removed or added, or
        a new object of any variant."""
        schema = obj.schema or obj.name
        return self._cached(("create", obj.name), lambda: st.one_of(self._mutated(obj, schema), self.object(schema)))

    def _mutated(self, obj: Any, schema_name: str) -> st.SearchStrategy[Any]:
        example = self.examples.get(obj.name, {})
        schema = self.reg.schema(schema_name)
        fields = self.reg.variant_fields(schema, example.get("@type")) if schema.is_union else schema.fields
        changes = [st.tuples(st.just(f.name), self.value(f.type, f)) for f in fields or ()]
        changes.append(st.tuples(st.sampled_from(["notAProperty", "id", "@type"]), texts()))
        removals = st.sampled_from(sorted(example) or ["-"]).map(lambda name: (name, REMOVE))

        def apply(edits: list[tuple[str, Any]]) -> dict[str, Any]:
            out = dict(example)
            for name, value in edits:
                if value is REMOVE:
                    out.pop(name, None)
                else:
                    out[name] = value
            return out

        return st.lists(st.one_of(*changes, removals), max_size=2).map(apply)

    # -- patches ------------------------------------------------------------------------------------

    def patch(self, data: st.DataObject, schema_name: str, current: dict[str, Any]) -> dict[str, Any]:
        """A PatchObject for an object stored as `current` (as get shows it): a few entries, or
        for a union sometimes a change of variant giving the new variant's fields (server-set ones
        included)."""
        schema = self.reg.schema(schema_name)
        if schema.is_union and data.draw(st.integers(0, 3), label="variant change?") == 0:
            return dict(data.draw(self.object(schema_name, 1, server_set=True), label="variant change"))
        patch: dict[str, Any] = {}
        for _ in range(data.draw(st.sampled_from([1, 1, 1, 2]), label="entries")):
            path, value = data.draw(self._entry(schema_name, current), label="entry")
            patch[path] = value
        return patch

    def _entry(self, schema_name: str, current: dict[str, Any]) -> st.SearchStrategy[tuple[str, Any]]:
        schema = self.reg.schema(schema_name)
        garbage = st.tuples(st.sampled_from(["", "/", "a//b", "~2", "id", "@type/x", "x/99999", "-1"]), texts())
        pointer = self._pointer(schema_name, current, "")
        options = [pointer] * 8 + [garbage]
        if schema.is_union:
            options.append(st.tuples(st.just("@type"), st.sampled_from([v.name for v in schema.variants])))
        return st.one_of(*options)

    def _pointer(self, schema_name: str, doc: Any, base: str) -> st.SearchStrategy[tuple[str, Any]]:
        """A path to a field of `doc` (the object at `base`), maybe deeper into its value."""
        schema = self.reg.schema(schema_name)
        fields = self.reg.variant_fields(schema, doc.get("@type") if isinstance(doc, dict) else None) or ()
        if not fields:
            return st.tuples(st.just(f"{base}x"), texts())
        return st.sampled_from(fields).flatmap(
            lambda f: self._into(f, doc.get(f.name) if isinstance(doc, dict) else None, f"{base}{escape(f.name)}")
        )

    def _into(self, f: Any, value: Any, path: str) -> st.SearchStrategy[tuple[str, Any]]:
        here = st.tuples(st.just(path), self.value(f.type, f))
        t = f.type
        deeper: list[st.SearchStrategy[tuple[str, Any]]] = []
        if t.kind == "object" and isinstance(value, dict):
            deeper.append(self._pointer(t.target, value, path + "/"))
            if self.reg.schema(t.target).is_union:  # a nested variant change
                deeper.append(st.tuples(st.just(path), self.object(t.target, 1, server_set=True)))
        elif t.kind == "objectList":
            positions = list(value) if isinstance(value, dict) else []
            odd = st.sampled_from([str(len(positions)), "0" * 3, "-1", "999999999999", *NON_ASCII_DIGITS[:1]])
            position = st.one_of(st.sampled_from(positions), st.sampled_from(positions), odd) if positions else odd
            element = self.object(t.target, 1, server_set=True)
            deeper.append(st.tuples(position.map(lambda p: f"{path}/{p}"), element))
            if positions:
                deeper.append(
                    st.sampled_from(positions).flatmap(lambda p: self._pointer(t.target, value[p], f"{path}/{p}/"))
                )
        elif t.kind in ("set", "map"):
            keys = list(value) if isinstance(value, dict) else []
            member = st.sampled_from([*keys, "new", "a@example.com", "", "~1", *NON_ASCII_DIGITS[:1]])
            item = st.sampled_from([True, False, None]) if t.kind == "set" else self.value(t.item, None, 1)
            deeper.append(st.tuples(member.map(lambda k: f"{path}/{escape(k)}"), item))
        return st.one_of(here, *deeper) if deeper else here

    # -- method arguments ---------------------------------------------------------------------------

    def get_args(self, obj: Any) -> st.SearchStrategy[dict[str, Any]]:
        ids = st.one_of(st.none(), st.lists(st.sampled_from([*self.ids(obj.name)[:5], "singleton", "nope"])))
        properties = st.lists(st.sampled_from(["id", "@type", *self._names(obj), "bogus"]), max_size=4)
        return st.fixed_dictionaries({}, optional={"ids": ids, "properties": properties})

    def query_args(self, obj: Any) -> st.SearchStrategy[dict[str, Any]]:
        names = ["id", "@type", *self._names(obj)]
        suffixes = ["", "", "IsGreaterThan", "IsLessThanOrEqual"]
        condition = st.dictionaries(
            st.tuples(st.sampled_from(names), st.sampled_from(suffixes)).map("".join),
            st.one_of(numbers_at_limits(), texts(), st.booleans()),
            max_size=2,
        )
        operator = st.fixed_dictionaries(
            {"operator": st.sampled_from(["AND", "OR", "NOT", "XOR"]), "conditions": st.lists(condition, max_size=2)}
        )
        comparator = st.fixed_dictionaries(
            {"property": st.sampled_from(names)},
            optional={
                "isAscending": st.booleans(),
                "collation": st.sampled_from(["i;ascii-casemap", "i;unicode-casemap", "i;octet"]),
            },
        )
        ints = numbers_at_limits()
        return st.fixed_dictionaries(
            {},
            optional={
                "filter": st.one_of(condition, operator, wrong_types()),
                "sort": st.lists(comparator, max_size=2),
                "position": ints,
                "anchor": st.sampled_from([*self.ids(obj.name)[:3], "nope"]),
                "anchorOffset": ints,
                "limit": ints,
                "calculateTotal": st.one_of(st.booleans(), st.just("yes")),
            },
        )

    def set_args(self, data: st.DataObject, obj: Any, docs: dict[str, dict[str, Any]]) -> dict[str, Any]:
        """`create` (objects), `update` (of stored objects, or the singleton) and `destroy`.
        Hypothesis tries the simplest draws first, so those create and update."""
        schema = obj.schema or obj.name
        args: dict[str, Any] = {}
        if not obj.is_singleton and data.draw(st.sampled_from([True, False]), label="create?"):
            n = data.draw(st.integers(1, 2), label="creates")
            args["create"] = {f"new{i}": data.draw(self.create(obj), label="create") for i in range(n)}
        targets = list(docs)
        if targets and data.draw(st.sampled_from([True, False]), label="update?"):
            chosen = data.draw(st.lists(st.sampled_from(targets), min_size=1, max_size=2, unique=True))
            args["update"] = {i: self.patch(data, schema, docs[i]) for i in chosen}
        if not obj.is_singleton and data.draw(st.sampled_from([False, True]), label="destroy?"):
            # what this call creates, or the first stored object: the others stay for later updates
            doomed = st.sampled_from(["#new0", "#new0", "#new1", "nope", *list(targets)[:1]])
            args["destroy"] = data.draw(st.lists(doomed, min_size=1, max_size=2, unique=True), label="destroy")
        return args

    def _names(self, obj: Any) -> list[str]:
        schema = self.reg.schema(obj.schema or obj.name)
        names = {f.name for f in schema.fields}
        for v in schema.variants:
            names.update(f.name for f in self.reg.variant_fields(schema, v.name) or ())
        return sorted(names)


def escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")
