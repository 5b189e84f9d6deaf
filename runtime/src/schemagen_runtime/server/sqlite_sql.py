"""The neutral query tree (store_api) as SQLite SQL over JSON documents.

Documents are JSON text in the `doc` column; a member is read with `json_extract(doc, '$."name"')`,
spelled exactly as in the expression indexes `expression_indexes` creates, so SQLite uses them. A
type with indexed fields has a table of its own (`object_table`) carrying only its indexes: a
write to it maintains those alone, where on one shared table every write evaluated every type's
partial index (83 on the registry: three quarters of an insert's time). Other types share
`objects`.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from .jsonio import to_text
from .store_api import ID, All, Compare, Condition, Equals, HasMember, Query, SortKey, TextMatch, iter_conditions

TOP = "\U0010ffff"  # the largest code point: word >= q AND word < q + TOP is "starts with q"
NUMERIC_TYPES = "('integer','real','true','false')"


def literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def member_path(field: str) -> str:
    if '"' in field or "'" in field:  # schema field names are identifiers; never quoted here
        raise ValueError(f"field name {field!r} cannot be queried")
    return f"'$.\"{field}\"'"


def value_expr(field: str) -> str:
    return "id" if field == ID else f"json_extract(doc, {member_path(field)})"


def type_expr(field: str) -> str:
    return "'text'" if field == ID else f"json_type(doc, {member_path(field)})"


SHARED_TABLE = "objects"


def object_table(type_: str, indexed: bool) -> str:
    """The table (quoted) holding a type's objects: its own when it has indexed fields."""
    if not indexed:
        return SHARED_TABLE
    if '"' in type_:  # object names are identifiers; never quoted here
        raise ValueError(f"object type {type_!r} cannot name a table")
    return f'"{SHARED_TABLE}:{type_}"'


def index_name(type_: str, field: str, ascending: bool) -> str:
    # "t": on the type's own table (the partial indexes on the shared one had other names)
    digest = hashlib.sha256(f"{type_}\0{field}\0{'a' if ascending else 'd'}\0t".encode()).hexdigest()[:20]
    return f"fx_{digest}"


def null_expr(field: str) -> str:
    return f"({value_expr(field)} IS NULL)"


def expression_indexes(type_: str, field: str) -> dict[str, str]:
    """Index name -> CREATE INDEX, for one filterable/sortable field of one type: the column list of
    an ascending and of a descending sort (`order_sql`), so a sorted page walks an index and stops
    after its last row; a filter (`(v IS NULL) = 0 AND v op ?`) seeks in the same index."""
    out = {}
    for ascending, direction in ((True, ""), (False, " DESC")):
        name = index_name(type_, field, ascending)
        columns = f"{null_expr(field)}{direction}, {value_expr(field)}{direction}, seq"
        out[name] = f'CREATE INDEX IF NOT EXISTS "{name}" ON {object_table(type_, True)} ({columns})'
    return out


INT64 = 2**63


def number(value: bool | int | float | str) -> int | float | str:
    """A bound parameter: booleans as SQLite stores JSON's (0/1), integers beyond SQLite's 64 bits
    as the doubles JSON numbers are (I-JSON)."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int) and not -INT64 <= value < INT64:
        return float(value)
    return value


def where_sql(condition: Condition, type_: str, params: list[Any], per_row: bool = False) -> str:
    if isinstance(condition, All):
        parts = [where_sql(part, type_, params, per_row) for part in condition.parts]
        return "(" + " AND ".join(parts) + ")" if parts else "1"
    if isinstance(condition, Equals):
        return _equals(condition, params)
    if isinstance(condition, Compare):
        value = condition.value
        kinds = "= 'text'" if isinstance(value, str) else f"IN {NUMERIC_TYPES}"
        params.append(number(value))
        field = condition.field
        present = "" if field == ID else f"{null_expr(field)} = 0 AND "
        return f"({present}{value_expr(field)} {condition.op} ? AND {type_expr(field)} {kinds})"
    if isinstance(condition, HasMember):
        if condition.field == ID:
            return "0"
        path = member_path(condition.field)
        params.append(condition.member)
        return f"(json_type(doc, {path}) = 'object' AND EXISTS (SELECT 1 FROM json_each(doc, {path}) WHERE key = ?))"
    if isinstance(condition, TextMatch):
        parts = []
        for word in condition.words:
            params.extend((condition.index, word, word + TOP + TOP))
            words = f"FROM words WHERE type = {literal(type_)} AND idx = ? AND word >= ? AND word < ?"
            # walking rows in an index's order: one lookup per row; else the matching ids, found at once
            parts.append(
                f"EXISTS (SELECT 1 {words} AND words.id = objects.id)" if per_row else f"id IN (SELECT id {words})"
            )
        return "(" + " AND ".join(parts) + ")" if parts else "1"
    raise TypeError(f"not a query condition: {condition!r}")


def _equals(condition: Equals, params: list[Any]) -> str:
    field, value = condition.field, condition.value
    if value is None:
        return "0" if field == ID else f"({type_expr(field)} = 'null')"
    if isinstance(value, str):
        if field == ID:
            params.append(value)
            return "id = ?"
        # json_extract ends a string at U+0000 ("a\0b" reads as "a"); `->` gives the member's JSON
        # text as stored, where U+0000 is the escape \u0000, and jsonio.to_text wrote it, so the
        # same call on the value gives the same text exactly
        text = f"(doc -> {member_path(field)})"
        if "\x00" in value:
            params.append(to_text(value))
            return f"({text} = ? AND {type_expr(field)} = 'text')"
        params += [value, to_text(value)]
        exact = f"(instr({text}, '\\u0000') = 0 OR {text} = ?)"  # a stored "a\0b" is not "a"
        return f"({null_expr(field)} = 0 AND {value_expr(field)} = ? AND {type_expr(field)} = 'text' AND {exact})"
    if isinstance(value, bool | int | float):
        if field == ID:
            return "0"
        params.append(number(value))
        return f"({null_expr(field)} = 0 AND {value_expr(field)} = ? AND {type_expr(field)} IN {NUMERIC_TYPES})"
    params.append(canonical_json(to_text(value)))  # an object or array: equal as structures
    return f"({type_expr(field)} IN ('object','array') AND canonical_json({value_expr(field)}) = ?)"


def canonical_json(text: str | None) -> str | None:
    """JSON text with object members sorted, so structurally equal values compare equal."""
    if text is None:
        return None
    return json.dumps(json.loads(text), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


COLLATION_FUNCTIONS = {"ascii-casemap": "py_lower", "unicode-casemap": "py_casefold"}


def present_fields(where: Condition | None) -> frozenset[str]:
    """Fields the condition requires to hold a value (every leaf is ANDed)."""
    leaves = [] if where is None else iter_conditions(where)
    return frozenset(
        c.field for c in leaves if isinstance(c, Compare) or (isinstance(c, Equals) and c.value is not None)
    )


def order_sql(sort: tuple[SortKey, ...], present: frozenset[str] = frozenset()) -> str:
    """Absent/null last ascending and first descending, ties in creation order: spelled as the
    columns of `expression_indexes`, so a binary-collated sort on an indexed field uses one. The
    null test is left out for a field the filter requires to be `present`: SQLite then sees the
    index's order under the filter's `(v IS NULL) = 0`, which it does not for the test itself."""
    terms = []
    for key in sort:
        direction = "" if key.ascending else " DESC"
        function = COLLATION_FUNCTIONS.get(key.collation)
        if key.field == ID:  # never null, and unique: nothing after it can matter
            terms.append(f"{function}(id){direction}" if function else f"id{direction}")
            return ", ".join(terms)
        value = value_expr(key.field)
        collated = value
        if function is not None:
            collated = f"CASE WHEN {type_expr(key.field)} = 'text' THEN {function}({value}) ELSE {value} END"
        if key.field not in present:
            terms.append(f"{null_expr(key.field)}{direction}")
        terms.append(f"{collated}{direction}")
    terms.append("seq")  # ties keep creation order
    return ", ".join(terms)


def sort_index(query: Query, indexed: frozenset[str]) -> str | None:
    """The index to walk for a sorted page, when SQLite's planner would not: without statistics it
    takes `type = ?` on the primary key as selective and sorts every row of the type. Walking the
    sort's index stops after the page; an equality on an indexed field is left to the planner (a
    seek there and a sort of the few matches is better)."""
    if not query.sort or query.sort[0].collation != "binary" or query.sort[0].field not in indexed:
        return None
    leaves = [] if query.where is None else list(iter_conditions(query.where))
    if any(isinstance(c, Equals) and (c.field == ID or c.field in indexed) for c in leaves):
        return None
    return index_name(query.type, query.sort[0].field, query.sort[0].ascending)


def select_sql(
    query: Query, params: list[Any], columns: str = "id", index: str | None = None, indexed: bool = True
) -> str:
    """`indexed`: the type has a table of its own (object_table), named `objects` in the query."""
    where = "" if query.where is None else " AND " + where_sql(query.where, query.type, params, index is not None)
    hint = f' INDEXED BY "{index}"' if index else ""
    table = object_table(query.type, indexed)
    source = f"{table} AS {SHARED_TABLE}" if table != SHARED_TABLE else table
    return f"SELECT {columns} FROM {source}{hint} WHERE type = {literal(query.type)}{where}"
