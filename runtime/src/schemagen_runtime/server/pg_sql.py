"""The neutral query tree (store_api) as PostgreSQL SQL over JSONB documents.

A member is read as `doc -> 'name'` (JSONB), `doc ->> 'name'` (its text) or `member_number` (its
value as a number, booleans as 0 and 1), spelled exactly as in the expression indexes
`expression_indexes` creates, so PostgreSQL uses them. The object type and field names are
written into the SQL as literals (not parameters) for the same reason: the indexes are on the
type's own partition of `objects`, and a literal type lets the planner pick that partition.

Strings compare by code point: `COLLATE "C"` (UTF-8 byte order), whatever the database's default
collation is. PostgreSQL's text and JSONB cannot hold U+0000, so a NUL in a string is indexed and
matched as U+FFFD (`pg_text`); the document itself is kept exactly (pgstore.py).
"""

from __future__ import annotations

import hashlib
from typing import Any

from psycopg import sql
from psycopg.types.json import Jsonb

from .store_api import ID, All, Collation, Compare, Condition, Equals, HasMember, Query, SortKey, TextMatch

NUL_STAND_IN = "\ufffd"


def pg_text(text: str) -> str:
    """`text` as PostgreSQL can hold it (no U+0000)."""
    return text.replace("\x00", NUL_STAND_IN) if "\x00" in text else text


def pg_json(value: Any) -> Any:
    """`value` with every string and member name as PostgreSQL's JSONB can hold it."""
    if isinstance(value, str):
        return pg_text(value)
    if isinstance(value, dict):
        return {pg_text(k): pg_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [pg_json(v) for v in value]
    return value


def prefix_end(prefix: str) -> str:
    """The least string after every string starting with `prefix` (code point order): its last
    character incremented (past the surrogates, which UTF-8 cannot hold), or dropped at U+10FFFF."""
    while prefix:
        last = ord(prefix[-1]) + 1
        if last <= 0x10FFFF:
            return prefix[:-1] + chr(0xE000 if 0xD800 <= last < 0xE000 else last)
        prefix = prefix[:-1]
    return ""  # "" prefixes everything: the caller needs no upper bound then


# -- member expressions (the index expressions are the same objects) --------------------------------


def member(field: str) -> sql.Composable:
    return sql.SQL("(doc -> {})").format(sql.Literal(field))


def member_text(field: str) -> sql.Composable:
    return sql.SQL('((doc ->> {}) COLLATE "C")').format(sql.Literal(field))


def member_string(field: str) -> sql.Composable:
    """The member if it is a string (by code point), else NULL."""
    return sql.SQL("(CASE WHEN {} = 'string' THEN {} END)").format(member_kind(field), member_text(field))


def member_absent(field: str) -> sql.Composable:
    return sql.SQL("({} IS NULL OR {} = 'null')").format(member(field), member_kind(field))


def member_kind(field: str) -> sql.Composable:
    return sql.SQL("jsonb_typeof(doc -> {})").format(sql.Literal(field))


def member_number(field: str) -> sql.Composable:
    return sql.SQL(
        "(CASE jsonb_typeof(doc -> {f}) WHEN 'number' THEN (doc -> {f})::numeric "
        "WHEN 'boolean' THEN ((doc -> {f})::boolean)::int::numeric END)"
    ).format(f=sql.Literal(field))


def partition_name(type_: str) -> str:
    """The table holding a type's rows when the type has indexed fields (pgstore.py)."""
    return "objects_" + hashlib.sha256(type_.encode()).hexdigest()[:24]


def expression_indexes(table: str, type_: str, field: str) -> dict[str, sql.Composable]:
    """Index name -> CREATE INDEX statement for one filterable/sortable field of one type, on its
    partition: the JSONB value (Equals), the string and the number (Compare), and the sort key
    both ways (`order_sql`'s terms: a sorted page is read off the index, never sorted whole)."""
    absent, number, string = member_absent(field), member_number(field), member_string(field)
    columns = {
        "j": sql.SQL("{}, seq").format(member(field)),
        "s": sql.SQL("{}, seq").format(string),
        "n": sql.SQL("{}, seq").format(number),
        "a": sql.SQL("{}, {}, {}, seq").format(absent, number, string),
        "d": sql.SQL("{} DESC, {} DESC, {} DESC, seq").format(absent, number, string),
    }
    out: dict[str, sql.Composable] = {}
    for kind, column_list in columns.items():
        digest = hashlib.sha256(f"{type_}\0{field}\0{kind}".encode()).hexdigest()[:24]
        name = f"px_{digest}"
        out[name] = sql.SQL("CREATE INDEX IF NOT EXISTS {} ON {} ({})").format(
            sql.Identifier(name), sql.Identifier(table), column_list
        )
    return out


# -- conditions ---------------------------------------------------------------------------------------

FALSE = sql.SQL("FALSE")
TRUE = sql.SQL("TRUE")


def where_sql(
    condition: Condition, type_: str, params: list[Any], rare: frozenset[tuple[str, str]] = frozenset()
) -> sql.Composable:
    """`rare`: (index, word) of text conditions that match few objects (store_api.rare_words):
    each is run once, from the words index, as a list of ids, so no plan tests object by object."""
    if isinstance(condition, All):
        parts = [where_sql(part, type_, params, rare) for part in condition.parts]
        return sql.SQL("({})").format(sql.SQL(" AND ").join(parts)) if parts else TRUE
    if isinstance(condition, Equals):
        return _equals(condition, params)
    if isinstance(condition, Compare):
        return _compare(condition, params)
    if isinstance(condition, HasMember):
        if condition.field == ID:
            return FALSE
        params.append(pg_text(condition.member))
        field = condition.field
        return sql.SQL("({} = 'object' AND {} ? %s)").format(member_kind(field), member(field))
    if isinstance(condition, TextMatch):
        return _text_match(condition, type_, params, rare)
    raise TypeError(f"not a query condition: {condition!r}")


def _equals(condition: Equals, params: list[Any]) -> sql.Composable:
    field, value = condition.field, condition.value
    if field == ID:
        if not isinstance(value, str):
            return FALSE
        params.append(pg_text(value))
        return sql.SQL("id = %s")
    if isinstance(value, bool | int | float) and value in (0, 1):  # true == 1 == 1.0, as in Python
        params.extend((Jsonb(value), Jsonb(int(value) if isinstance(value, bool) else bool(value))))
        return sql.SQL("{} IN (%s, %s)").format(member(field))
    params.append(Jsonb(pg_json(value)))  # numbers by value, strings exactly, objects as structures
    return sql.SQL("{} = %s").format(member(field))


def _compare(condition: Compare, params: list[Any]) -> sql.Composable:
    field, value, op = condition.field, condition.value, sql.SQL(condition.op)
    if isinstance(value, str):
        params.append(pg_text(value))
        if field == ID:
            return sql.SQL('(id COLLATE "C" {} %s)').format(op)
        return sql.SQL("({} {} %s)").format(member_string(field), op)
    if field == ID:
        return FALSE
    params.append(str(int(value) if isinstance(value, bool) else value))  # exact: repr, not a double
    return sql.SQL("({} {} %s::numeric)").format(member_number(field), op)


def _text_match(
    condition: TextMatch, type_: str, params: list[Any], rare: frozenset[tuple[str, str]]
) -> sql.Composable:
    parts = []
    for word in condition.words:
        form = sql.SQL("id = ANY(ARRAY({}))" if (condition.index, word) in rare else "id IN ({})")
        word = pg_text(word)
        end = prefix_end(word)
        params.extend((condition.index, word) + ((end,) if end else ()))
        upper = sql.SQL(" AND word < %s") if end else sql.SQL("")
        words = sql.SQL("SELECT id FROM words WHERE type = {} AND idx = %s AND word >= %s{}").format(
            sql.Literal(type_), upper
        )
        parts.append(form.format(words))
    return sql.SQL("({})").format(sql.SQL(" AND ").join(parts)) if parts else TRUE


# -- sorts --------------------------------------------------------------------------------------------


def _collated(text: sql.Composable, collation: Collation, icu: bool) -> sql.Composable:
    if collation == "ascii-casemap":  # lower() under "C" folds A-Z only
        return sql.SQL("lower({})").format(text)
    if collation == "unicode-casemap":  # Unicode full case folding, as str.casefold (ß -> ss)
        folded = sql.SQL('lower(upper({} COLLATE "und-x-icu"))' if icu else "lower(upper({}))").format(text)
        return sql.SQL('({} COLLATE "C")').format(folded)
    return text


def order_sql(sort: tuple[SortKey, ...], icu: bool) -> sql.Composable:
    """ORDER BY terms: per key, absent/null after the values (before them descending), numbers and
    booleans by value before strings by code point; then creation order."""
    terms: list[sql.Composable] = []
    for key in sort:
        direction = sql.SQL("ASC" if key.ascending else "DESC")
        if key.field == ID:
            terms.append(sql.SQL("{} {}").format(_collated(sql.SQL('(id COLLATE "C")'), key.collation, icu), direction))
            continue
        field = key.field
        terms += [
            sql.SQL("{} {}").format(member_absent(field), direction),
            sql.SQL("{} {}").format(member_number(field), direction),
            sql.SQL("{} {}").format(_collated(member_string(field), key.collation, icu), direction),
        ]
    terms.append(sql.SQL("seq"))  # ties keep creation order
    return sql.SQL(", ").join(terms)


def matching_sql(
    query: Query, params: list[Any], columns: str = "id", rare: frozenset[tuple[str, str]] = frozenset()
) -> sql.Composable:
    where = TRUE if query.where is None else where_sql(query.where, query.type, params, rare)
    return sql.SQL("SELECT {} FROM objects WHERE type = {} AND {}").format(
        sql.SQL(columns), sql.Literal(query.type), where
    )
