"""A fast yes/no check of a schema file against the meta-schema, for the common case: a valid file.

jsonschema walks the full registry's 181 files in ~0.2 s (a fifth of a cold `generate`), so the
meta-schema is compiled here into plain closures that only answer "valid?". A "no" costs nothing
extra: the caller then runs jsonschema, whose errors are the ones reported. So this must never say
"valid" where jsonschema would not, and it supports only the keywords the meta-schema uses;
compiling a schema with any other keyword fails, and the caller falls back to jsonschema always.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

Check = Callable[[Any], bool]
ANNOTATIONS = frozenset(("$schema", "$id", "$comment", "$defs", "title", "description", "default", "examples"))


class Unsupported(Exception):
    """The schema uses a keyword this module does not implement."""


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


TYPES: dict[str, Check] = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
    "number": _is_number,
    "integer": lambda v: _is_number(v) and (isinstance(v, int) or v.is_integer()),
}


def equal(a: Any, b: Any) -> bool:
    """JSON equality, as jsonschema's: true is not 1, 1 is 1.0."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if _is_number(a) and _is_number(b):
        return bool(a == b)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(equal(a[k], b[k]) for k in a)
    return type(a) is type(b) and bool(a == b)


def _unresolved(value: Any) -> bool:
    raise AssertionError("a $ref called while its definition was being compiled")


class _Compiler:
    def __init__(self, root: dict[str, Any]) -> None:
        self.root = root
        self.refs: dict[str, Check] = {}

    def ref(self, pointer: str) -> Check:
        if not pointer.startswith("#/$defs/") or "/" in pointer[8:]:
            raise Unsupported(f"$ref {pointer}")
        refs = self.refs
        if pointer not in refs:
            refs[pointer] = _unresolved  # entered first: a definition may refer to itself
            refs[pointer] = self.compile(self.root["$defs"][pointer[8:]])
        return lambda v: refs[pointer](v)

    def compile(self, schema: Any) -> Check:
        if schema is True:
            return lambda v: True
        if schema is False:
            return lambda v: False
        if not isinstance(schema, dict):
            raise Unsupported(repr(schema))
        checks: list[Check] = []
        for key, value in schema.items():
            if key in ANNOTATIONS or key in ("then", "else"):
                continue
            builder = getattr(self, "kw_" + key.lstrip("$"), None)
            if builder is None:
                raise Unsupported(key)
            checks.append(builder(value, schema))
        return lambda v: all(check(v) for check in checks)

    def kw_ref(self, value: str, schema: dict[str, Any]) -> Check:
        return self.ref(value)

    def kw_type(self, value: str | list[str], schema: dict[str, Any]) -> Check:
        names = [value] if isinstance(value, str) else value
        if any(t not in TYPES for t in names):
            raise Unsupported(f"type {value}")
        tests = [TYPES[t] for t in names]
        return lambda v: any(test(v) for test in tests)

    def kw_properties(self, value: dict[str, Any], schema: dict[str, Any]) -> Check:
        props = {k: self.compile(s) for k, s in value.items()}
        return lambda v: not isinstance(v, dict) or all(props[k](x) for k, x in v.items() if k in props)

    def kw_additionalProperties(self, value: Any, schema: dict[str, Any]) -> Check:
        if "patternProperties" in schema:
            raise Unsupported("patternProperties")
        known = set(schema.get("properties", {}))
        extra = self.compile(value)
        return lambda v: not isinstance(v, dict) or all(extra(x) for k, x in v.items() if k not in known)

    def kw_required(self, value: list[str], schema: dict[str, Any]) -> Check:
        return lambda v: not isinstance(v, dict) or all(k in v for k in value)

    def kw_minProperties(self, value: int, schema: dict[str, Any]) -> Check:
        return lambda v: not isinstance(v, dict) or len(v) >= value

    def kw_items(self, value: Any, schema: dict[str, Any]) -> Check:
        if "prefixItems" in schema:
            raise Unsupported("prefixItems")
        item = self.compile(value)
        return lambda v: not isinstance(v, list) or all(item(x) for x in v)

    def kw_minItems(self, value: int, schema: dict[str, Any]) -> Check:
        return lambda v: not isinstance(v, list) or len(v) >= value

    def kw_uniqueItems(self, value: bool, schema: dict[str, Any]) -> Check:
        if not value:
            return lambda v: True
        return lambda v: not isinstance(v, list) or not any(equal(a, b) for i, a in enumerate(v) for b in v[i + 1 :])

    def kw_minLength(self, value: int, schema: dict[str, Any]) -> Check:
        return lambda v: not isinstance(v, str) or len(v) >= value

    def kw_pattern(self, value: str, schema: dict[str, Any]) -> Check:
        search = re.compile(value).search
        return lambda v: not isinstance(v, str) or search(v) is not None

    def kw_minimum(self, value: int | float, schema: dict[str, Any]) -> Check:
        return lambda v: not _is_number(v) or v >= value

    def kw_const(self, value: Any, schema: dict[str, Any]) -> Check:
        return lambda v: equal(v, value)

    def kw_enum(self, value: list[Any], schema: dict[str, Any]) -> Check:
        return lambda v: any(equal(v, e) for e in value)

    def kw_if(self, value: Any, schema: dict[str, Any]) -> Check:
        test = self.compile(value)
        then = self.compile(schema.get("then", True))
        otherwise = self.compile(schema.get("else", True))
        return lambda v: then(v) if test(v) else otherwise(v)


def compile_schema(schema: dict[str, Any]) -> Check:
    """A yes/no validator of `schema`; raises Unsupported for a keyword outside the subset."""
    return _Compiler(schema).compile(schema)
