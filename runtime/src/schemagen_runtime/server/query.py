"""Query filters and sorts, compiled from a request into the store's neutral condition tree
(store_api: Equals, Compare, HasMember, TextMatch, All; SortKey), which the store runs as SQL.

Filters: a FilterCondition maps a property to a value (equality; set membership for sets) or
`<property>IsGreaterThan|IsGreaterThanOrEqual|IsLessThan|IsLessThanOrEqual` to a bound; a
FilterOperator may combine conditions with AND only, nested at most `max_depth` operators deep
(the session states it; deeper is invalidArguments, never a RecursionError). Filterable and
sortable: `id`, a union's `@type`, fields marked `filterable`/`sortable` in the schema, and every
non-secret scalar field (sets of scalars too, for filtering by membership). Variants may give a
field name different types: such values never match a comparison, and sorting on them is
unsupportedSort (decided from the schema, whatever is stored).
Values are decoded like input, so a duration filter may say `"30s"`.
Text conditions: a condition named by some fields' `textIndex` matches an object when every word
of its value (lower-cased, split at what is not a letter or digit, one-letter words left out)
begins a word of those fields. `text`, the WebUI lists' full-text filter, searches every indexed
field, and where no field declares an index, every non-secret text field.
"""

from __future__ import annotations

import re
from typing import Any, cast

from ..codec import Ctx, decode_value
from ..descriptors import FieldDesc, Registry, TypeDesc
from .protocol import MethodError, invalid_arguments
from .store_api import ID, All, Collation, Compare, Condition, Equals, HasMember, SortKey, TextMatch

COMPARISONS: dict[str, Any] = {
    "IsGreaterThanOrEqual": ">=",
    "IsGreaterThan": ">",
    "IsLessThanOrEqual": "<=",
    "IsLessThan": "<",
}
COLLATIONS: dict[str, Collation] = {
    "i;ascii-numeric": "binary",
    "i;ascii-casemap": "ascii-casemap",
    "i;unicode-casemap": "unicode-casemap",
}


def query_fields(reg: Registry, schema_name: str) -> dict[str, FieldDesc]:
    """Every field an object of the schema may carry (a union's variants' too; the first wins)."""
    key = ("queryFields", schema_name)
    if key not in reg.cache:
        schema = reg.schema(schema_name)
        out: dict[str, FieldDesc] = {}
        for variant in schema.variants or [None]:
            for f in reg.variant_fields(schema, variant.name if variant else None) or ():
                out.setdefault(f.name, f)
        reg.cache[key] = out
    return cast("dict[str, FieldDesc]", reg.cache[key])


def _queryable(f: FieldDesc, flag: bool, sets: bool = False) -> bool:
    t = f.type.item if sets and f.type.kind == "set" and f.type.item else f.type
    return flag or (t.is_scalar and not t.is_secret)


DEFAULT_TEXT_INDEX = "text"  # the full-text condition of RFC 8621 filters and the WebUI's lists


def text_fields(fields: dict[str, FieldDesc], key: str) -> list[FieldDesc]:
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


def _condition(reg: Registry, fields: dict[str, FieldDesc], key: str, value: Any) -> Condition:
    if key not in fields and text_fields(fields, key):
        if not isinstance(value, str):
            raise invalid_arguments(f"filter {key!r} takes text")
        return TextMatch(key, tuple(dict.fromkeys(text_words(value))))
    compare = None
    name = key
    for suffix, op in COMPARISONS.items():
        if key.endswith(suffix) and key[: -len(suffix)] in fields:
            name, compare = key[: -len(suffix)], op
            break
    if name in (ID, "@type"):
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
    if compare is not None:
        if is_set or wanted is None or not isinstance(wanted, str | int | float):
            raise MethodError("unsupportedFilter", f"{key!r} needs a comparable value")
        return Compare(name, compare, wanted)
    if is_set:
        return HasMember(name, str(wanted))
    return Equals(name, wanted)


def _condition_tree(reg: Registry, fields: dict[str, FieldDesc], spec: Any, depth: int) -> Condition:
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
        return All(tuple(_condition_tree(reg, fields, c, depth - 1) for c in conditions))
    return All(tuple(_condition(reg, fields, k, v) for k, v in spec.items()))


def compile_filter(reg: Registry, schema_name: str, spec: Any, max_depth: int) -> Condition | None:
    """The store's condition for a FilterOperator/FilterCondition (None: no filter); raises the
    MethodError a request gets for a filter this server cannot run."""
    if spec is None:
        return None
    return _condition_tree(reg, query_fields(reg, schema_name), spec, max_depth)


def _order_class(t: TypeDesc) -> str:
    """Values that sort against each other: strings with strings, numbers with booleans."""
    if t.kind in ("number", "boolean"):
        return "number"
    return "text" if t.is_scalar else t.kind


def _sort_classes(reg: Registry, schema_name: str, name: str) -> set[str]:
    schema = reg.schema(schema_name)
    classes = set()
    for variant in schema.variants or [None]:
        for f in reg.variant_fields(schema, variant.name if variant else None) or ():
            if f.name == name:
                classes.add(_order_class(f.type))
    return classes


def compile_sort(reg: Registry, schema_name: str, spec: Any) -> tuple[SortKey, ...]:
    if spec is None:
        return ()
    if not isinstance(spec, list):
        raise invalid_arguments("'sort' must be an array of comparators")
    fields = query_fields(reg, schema_name)
    keys = []
    for comparator in spec:
        if not isinstance(comparator, dict) or not isinstance(comparator.get("property"), str):
            raise invalid_arguments("each sort comparator needs a 'property'")
        name = comparator["property"]
        f = fields.get(name)
        if name not in (ID, "@type") and (f is None or not _queryable(f, f.sortable)):
            raise MethodError("unsupportedSort", f"cannot sort on {name!r}")
        collation = COLLATIONS.get(comparator.get("collation") or "i;ascii-numeric")
        if collation is None:
            raise MethodError("unsupportedSort", f"unknown collation {comparator['collation']!r}")
        ascending = comparator.get("isAscending", True)
        if not isinstance(ascending, bool):
            raise invalid_arguments("'isAscending' must be a boolean")
        if f is not None and len(_sort_classes(reg, schema_name, name)) > 1:
            raise MethodError("unsupportedSort", f"{name!r} has values of different types here")
        keys.append(SortKey(name, ascending, collation))
    return tuple(keys)
