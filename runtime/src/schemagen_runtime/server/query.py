"""Query filters and sorts over canonical objects.

Filters: a FilterCondition maps a property to a value (equality; set membership for sets) or
`<property>IsGreaterThan|IsGreaterThanOrEqual|IsLessThan|IsLessThanOrEqual` to a bound; a
FilterOperator may combine conditions with AND only, nested at most `max_depth` operators deep
(the session states it; deeper is invalidArguments, never a RecursionError). Filterable and
sortable: `id`, a union's `@type`, fields marked `filterable`/`sortable` in the schema, and every
non-secret scalar field (sets of scalars too, for filtering by membership). Variants may give a
field name different types: such values never match a comparison, and sorting on them is
unsupportedSort.
Values are decoded like input, so a duration filter may say `"30s"`.
Text conditions: a condition named by some fields' `textIndex` matches an object when every word
of its value (lower-cased, split at what is not a letter or digit, one-letter words left out)
begins a word of those fields. `text`, the WebUI lists' full-text filter, searches every indexed
field, and where no field declares an index, every non-secret text field.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from typing import Any

from ..codec import Ctx, decode_value
from ..descriptors import MISSING, FieldDesc, Registry, TypeDesc
from .protocol import MethodError, invalid_arguments

Item = tuple[str, dict[str, Any]]
Predicate = Callable[[Item], bool]

COMPARISONS = {
    "IsGreaterThanOrEqual": operator.ge,
    "IsGreaterThan": operator.gt,
    "IsLessThanOrEqual": operator.le,
    "IsLessThan": operator.lt,
}
COLLATIONS: dict[str, Callable[[Any], Any]] = {
    "i;ascii-numeric": lambda v: v,
    "i;ascii-casemap": lambda v: v.lower() if isinstance(v, str) else v,
    "i;unicode-casemap": lambda v: v.casefold() if isinstance(v, str) else v,
}


def _fields(reg: Registry, schema_name: str) -> dict[str, FieldDesc]:
    schema = reg.schema(schema_name)
    out: dict[str, FieldDesc] = {}
    for variant in schema.variants or [None]:
        for f in reg.variant_fields(schema, variant.name if variant else None) or ():
            out.setdefault(f.name, f)
    return out


def _queryable(f: FieldDesc, flag: bool, sets: bool = False) -> bool:
    t = f.type.item if sets and f.type.kind == "set" and f.type.item else f.type
    return flag or (t.is_scalar and not t.is_secret)


def _value_getter(name: str) -> Callable[[Item], Any]:
    if name == "id":
        return lambda item: item[0]
    return lambda item: item[1].get(name, MISSING)


DEFAULT_TEXT_INDEX = "text"  # the full-text condition of RFC 8621 filters and the WebUI's lists


def _text_fields(fields: dict[str, FieldDesc], key: str) -> list[FieldDesc]:
    declared = [f for f in fields.values() if f.text_index == key]
    if key != DEFAULT_TEXT_INDEX:
        return declared
    indexed = [f for f in fields.values() if f.text_index]
    if indexed:
        return indexed

    def words(t: TypeDesc) -> bool:
        return t.kind == "string" and not t.is_secret

    return [
        f for f in fields.values() if words(f.type) or (f.type.kind == "set" and f.type.item and words(f.type.item))
    ]


_WORD_SPLIT = re.compile(r"[^\w]|_")


def text_words(text: str) -> list[str]:
    return [w for w in _WORD_SPLIT.split(text.lower()) if len(w) > 1]


def _text_condition(key: str, indexed: list[FieldDesc], value: Any) -> Predicate:
    if not isinstance(value, str):
        raise invalid_arguments(f"filter {key!r} takes text")
    wanted = text_words(value)
    names = [f.name for f in indexed]

    def matches(item: Item) -> bool:
        words: list[str] = []
        for name in names:
            v = item[1].get(name)
            if isinstance(v, str):
                words += text_words(v)
            elif isinstance(v, dict):  # a set of strings
                words += [w for k in v if isinstance(k, str) for w in text_words(k)]
        return all(any(w.startswith(q) for w in words) for q in wanted)

    return matches


def _condition(reg: Registry, fields: dict[str, FieldDesc], key: str, value: Any) -> Predicate:
    if key not in fields:
        indexed = _text_fields(fields, key)
        if indexed:
            return _text_condition(key, indexed, value)
    compare = None
    name = key
    for suffix, op in COMPARISONS.items():
        if key.endswith(suffix) and key[: -len(suffix)] in fields:
            name, compare = key[: -len(suffix)], op
            break
    if name in ("id", "@type"):
        t = TypeDesc("string")
    else:
        f = fields.get(name)
        if f is None or not _queryable(f, f.filterable, sets=True):
            raise MethodError("unsupportedFilter", f"cannot filter on {key!r}")
        t = f.type
    is_set = t.kind == "set"
    ctx = Ctx()
    wanted = decode_value(reg, t.item if is_set and t.item else t, value, ctx, key)
    if ctx.issues:
        raise invalid_arguments(f"filter {key!r}: {ctx.issues[0].message}")
    getter = _value_getter(name)
    if compare is not None:
        if is_set or wanted is None:
            raise MethodError("unsupportedFilter", f"{key!r} needs a comparable value")

        def ordered(item: Item) -> bool:
            current = getter(item)
            if current is MISSING or current is None:
                return False
            try:
                return bool(compare(current, wanted))
            except TypeError:  # a variant whose field of that name has another type: not comparable
                return False

        return ordered
    if is_set:
        member = str(wanted)
        return lambda item: isinstance(getter(item), dict) and member in getter(item)
    return lambda item: getter(item) == wanted


def _predicate(reg: Registry, fields: dict[str, FieldDesc], spec: Any, depth: int) -> Predicate:
    """`depth`: how many more FilterOperators may nest here."""
    if not isinstance(spec, dict):
        raise invalid_arguments("'filter' must be an object")
    if "operator" in spec:
        if depth <= 0:
            raise invalid_arguments("the filter nests FilterOperators deeper than this server's maxFilterDepth")
        if spec.get("operator") != "AND":
            raise MethodError("unsupportedFilter", "only the AND operator is supported")
        conditions = spec.get("conditions")
        if not isinstance(conditions, list):
            raise invalid_arguments("a FilterOperator needs 'conditions' (an array)")
        parts = [_predicate(reg, fields, c, depth - 1) for c in conditions]
    else:
        parts = [_condition(reg, fields, k, v) for k, v in spec.items()]
    return lambda item: all(p(item) for p in parts)


def _sort(reg: Registry, fields: dict[str, FieldDesc], spec: Any, items: list[Item]) -> list[Item]:
    if not isinstance(spec, list):
        raise invalid_arguments("'sort' must be an array of comparators")
    for comparator in reversed(spec):  # stable sorts, last key first
        if not isinstance(comparator, dict) or not isinstance(comparator.get("property"), str):
            raise invalid_arguments("each sort comparator needs a 'property'")
        name = comparator["property"]
        f = fields.get(name)
        if name not in ("id", "@type") and (f is None or not _queryable(f, f.sortable)):
            raise MethodError("unsupportedSort", f"cannot sort on {name!r}")
        collate = COLLATIONS.get(comparator.get("collation") or "i;ascii-numeric")
        if collate is None:
            raise MethodError("unsupportedSort", f"unknown collation {comparator['collation']!r}")
        ascending = comparator.get("isAscending", True)
        if not isinstance(ascending, bool):
            raise invalid_arguments("'isAscending' must be a boolean")
        getter = _value_getter(name)

        def key(item: Item, getter: Callable[[Item], Any] = getter, collate: Callable[[Any], Any] = collate) -> Any:
            value = getter(item)
            absent = value is MISSING or value is None
            return (absent, None if absent else collate(value))

        try:
            items = sorted(items, key=key, reverse=not ascending)
        except TypeError:  # variants with a field of this name of different types
            raise MethodError("unsupportedSort", f"{name!r} has values of different types here") from None
    return items


def filter_ids(
    reg: Registry, schema_name: str, items: list[Item], filter_spec: Any, sort_spec: Any, max_depth: int
) -> list[str]:
    """Ids of the matching objects, sorted (creation order when no sort is given); `max_depth`:
    how deep FilterOperators may nest."""
    fields = _fields(reg, schema_name)
    if filter_spec is not None:
        predicate = _predicate(reg, fields, filter_spec, max_depth)
        items = [item for item in items if predicate(item)]
    if sort_spec is not None:
        items = _sort(reg, fields, sort_spec, items)
    return [obj_id for obj_id, _ in items]
