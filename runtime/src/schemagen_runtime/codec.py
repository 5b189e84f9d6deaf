"""Decoding wire (and human) values into the canonical wire form, with defaults filled in.

The canonical form is exactly what the server stores and returns: durations in milliseconds,
sizes in bytes, sets as `{member: true}`, object lists as `{"0": {...}, "1": {...}}`, unions with
`@type`, fields in declaration order. Input may also use the human forms (`"30s"`, `"10mb"`,
arrays for sets and lists); with `Ctx(text=True)` plain strings are accepted for every scalar, as a
command line gives them.

Decoders are compiled once per type into closures and cached on the registry, so the per-value
work is a type test and a call, not a walk over descriptors.

Limits the codec enforces, whatever a schema declares (so server, models, client and CLI agree):

- numbers are 64-bit on the wire: `integer` is -2^63..2^63-1 and `unsignedInteger`, `size` and
  `duration` are 0..2^63-1 (`number_range`: what both an i64 and a u64 hold). validate.py checks
  the range with the schema's own min/max (validationFailed, MinValue/MaxValue with the bound,
  together with every other problem); a `float` must be finite, which its decoder checks;
- digits are ASCII `0-9` only (never `str.isdigit()`, which takes `"²"`), and their length is
  bounded before `int()`, which refuses strings of more than ~4300 digits;
- objects nest at most `MAX_DEPTH` deep (a recursive schema could otherwise nest until Python's
  recursion limit); deeper: invalidPatch naming the path where the limit was reached.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

from .descriptors import MISSING, FieldDesc, Registry, SchemaDesc, TypeDesc
from .errors import PATCH, VALIDATION, Issue, child, describe, pointer_index, shorten
from .units import DURATION_UNITS, SIZE_UNITS, format_duration, format_size, parse_duration, parse_size

Resolver = Callable[[str], str | None]


MAX_DEPTH = 64  # objects nested in objects (list items and map values included), the top one first
INT64_MIN, INT64_MAX = -(1 << 63), (1 << 63) - 1
# The wire range of each number format: i64 for `integer`, the part of it a u64 shares otherwise.
NUMBER_RANGES: dict[str | None, tuple[int, int]] = {"integer": (INT64_MIN, INT64_MAX)}
UNSIGNED_RANGE = (0, INT64_MAX)


def number_range(fmt: str | None) -> tuple[int, int]:
    """(lowest, highest) value a whole-number format carries on the wire."""
    return NUMBER_RANGES.get(fmt, UNSIGNED_RANGE)


class Ctx:
    """One decoding run: the problems found, how `#creationId` references resolve, text mode, and
    how many objects deep the value being decoded sits."""

    __slots__ = ("depth", "issues", "resolve", "text")

    def __init__(self, resolve: Resolver | None = None, text: bool = False) -> None:
        self.issues: list[Issue] = []
        self.resolve = resolve
        self.text = text
        self.depth = 0

    def wrong(self, path: str, expected: str, value: Any) -> Any:
        self.issues.append(Issue(PATCH, path, "type", f"'{path}' must be {expected}, not {describe(value)}"))
        return MISSING

    def invalid(self, path: str, message: str) -> Any:
        self.issues.append(Issue(VALIDATION, path, "Invalid", f"'{path}': {message}"))
        return MISSING

    def too_deep(self, path: str) -> Any:
        message = f"'{path}' is nested more than {MAX_DEPTH} objects deep (the limit)"
        self.issues.append(Issue(PATCH, path, "depth", message))
        return MISSING


Decoder = Callable[[Any, str, Ctx], Any]


def copy(value: Any) -> Any:
    """Deep copy of canonical JSON data (dicts, lists and scalars only), faster than copy.deepcopy."""
    if type(value) is dict:
        return {k: copy(v) for k, v in value.items()}
    if type(value) is list:
        return [copy(v) for v in value]
    return value


# -- scalars ---------------------------------------------------------------------------------------

_TRUE = {"true": True, "yes": True, "1": True, "on": True, "false": False, "no": False, "0": False, "off": False}


# ASCII only: int() and float() also take other Unicode digits ("٣"), and underscores ("1_0").
_WHOLE = re.compile(r"\s*([+-]?)0*([0-9]+)\s*\Z")
_DECIMAL = re.compile(r"\s*[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?\s*\Z")
_FLOAT_TEXT_MAX = 400  # characters; "1e400" is the short way to overflow, and finiteness is checked


def parse_whole(text: str) -> int:
    """A whole number written in ASCII digits. One of more than 19 digits is beyond 64 bits: it
    becomes 10^19, just beyond them, so the range check reports it without a huge int()."""
    match = _WHOLE.match(text)
    if match is None:
        raise ValueError(f"{shorten(text)} is not a whole number")
    sign, digits = match.groups()
    if len(digits) > 19:
        digits = "1" + "0" * 19
    return -int(digits) if sign == "-" else int(digits)


def _int_decoder(fmt: str | None) -> Decoder:
    human = parse_duration if fmt == "duration" else parse_size if fmt == "size" else None
    what = {"duration": "a duration", "size": "a size"}.get(fmt or "", "a whole number")

    def dec(v: Any, path: str, ctx: Ctx) -> Any:
        t = type(v)
        if t is int:
            return v
        if t is float and v.is_integer():  # never true of inf or nan
            return int(v)
        if t is str and (human is not None or ctx.text):
            try:
                return human(v) if human is not None else parse_whole(v)
            except ValueError as exc:
                return ctx.invalid(path, str(exc))
        return ctx.wrong(path, what, v)

    return dec


def _float_decoder(v: Any, path: str, ctx: Ctx) -> Any:
    t = type(v)
    if t is float:
        return v if math.isfinite(v) else ctx.invalid(path, f"must be a finite number, not {v!r}")
    if t is int:
        try:
            return float(v)
        except OverflowError:
            return ctx.invalid(path, "is too large for a floating-point number")
    if t is str and ctx.text:
        if len(v) > _FLOAT_TEXT_MAX or not _DECIMAL.match(v):
            return ctx.invalid(path, f"{shorten(v)} is not a number")
        n = float(v)
        return n if math.isfinite(n) else ctx.invalid(path, f"{shorten(v)} is too large for a floating-point number")
    return ctx.wrong(path, "a number", v)


def _bool_decoder(v: Any, path: str, ctx: Ctx) -> Any:
    if type(v) is bool:
        return v
    if type(v) is str and ctx.text:  # typed text: every value is a string, so name the ones accepted
        return _TRUE[v.lower()] if v.lower() in _TRUE else ctx.invalid(path, f"{shorten(v)} is not true or false")
    return ctx.wrong(path, "a boolean", v)


def _str_decoder(v: Any, path: str, ctx: Ctx) -> Any:
    return v if type(v) is str else ctx.wrong(path, "a string", v)


def _id_decoder(v: Any, path: str, ctx: Ctx) -> Any:
    if type(v) is not str:
        return ctx.wrong(path, "an id string", v)
    if v.startswith("#") and ctx.resolve is not None:
        resolved = ctx.resolve(v[1:])
        return resolved if resolved is not None else ctx.invalid(path, f"no object was created as {v!r}")
    return v


def key_decoder(t: TypeDesc) -> Decoder:
    """Set members and map keys become JSON object keys (strings); numbers arrive as keys too."""
    if t.kind == "number":
        number = _float_decoder if t.format == "float" else _int_decoder(t.format)

        def dec(v: Any, path: str, ctx: Ctx) -> Any:
            if type(v) is str:
                saved, ctx.text = ctx.text, True
                try:
                    v = number(v, path, ctx)
                finally:
                    ctx.text = saved
            else:
                v = number(v, path, ctx)
            return MISSING if v is MISSING else str(v)

        return dec
    return _id_decoder if t.kind == "objectId" else _str_decoder


# -- collections -----------------------------------------------------------------------------------


def _set_decoder(t: TypeDesc, reg: Registry) -> Decoder:
    member = key_decoder(t.item or TypeDesc("string"))

    def dec(v: Any, path: str, ctx: Ctx) -> Any:
        if type(v) is dict:
            items = []
            for k, flag in v.items():
                if flag is True:
                    items.append(k)
                elif flag is not False and flag is not None:
                    ctx.wrong(child(path, k), "true (a set member)", flag)
        elif type(v) is list:
            items = v
        elif type(v) is str and ctx.text:
            items = [s.strip() for s in v.split(",") if s.strip()]
        else:
            return ctx.wrong(path, "a set (an object of members, or an array)", v)
        out: dict[str, bool] = {}
        for i, item in enumerate(items):
            key = member(item, child(path, item if type(item) is str else str(i)), ctx)
            if key is not MISSING:
                out[key] = True
        return out

    return dec


def _list_decoder(t: TypeDesc, reg: Registry) -> Decoder:
    element = object_decoder(reg, t.target or "")

    def dec(v: Any, path: str, ctx: Ctx) -> Any:
        if type(v) is list:
            items = v
        elif type(v) is dict:
            positions = {k: pointer_index(k) for k in v}
            for k, position in positions.items():
                if position is None:
                    ctx.wrong(child(path, k), "keyed by position (0, 1, ...)", k)
            placed = {k: position for k, position in positions.items() if position is not None}
            items = [v[k] for k in sorted(placed, key=placed.__getitem__)]
        else:
            return ctx.wrong(path, "a list (an object keyed by position, or an array)", v)
        out: dict[str, Any] = {}
        for i, item in enumerate(items):
            decoded = element(item, child(path, str(i)), ctx)
            if decoded is not MISSING:
                out[str(i)] = decoded
        return out

    return dec


def _map_decoder(t: TypeDesc, reg: Registry) -> Decoder:
    key = key_decoder(t.key or TypeDesc("string"))
    value = type_decoder(reg, t.item or TypeDesc("string"))

    def dec(v: Any, path: str, ctx: Ctx) -> Any:
        if type(v) is not dict:
            return ctx.wrong(path, "an object (a map)", v)
        out: dict[str, Any] = {}
        for k, item in v.items():
            p = child(path, k)
            dk, dv = key(k, p, ctx), value(item, p, ctx)
            if dk is not MISSING and dv is not MISSING:
                out[dk] = dv
        return out

    return dec


# -- compilation -----------------------------------------------------------------------------------


def _compile(reg: Registry, t: TypeDesc) -> Decoder:
    kind = t.kind
    if kind == "number":
        base = _float_decoder if t.format == "float" else _int_decoder(t.format)
    elif kind == "boolean":
        base = _bool_decoder
    elif kind == "objectId":
        base = _id_decoder
    elif kind in ("string", "enum", "utcDateTime", "blobId"):
        base = _str_decoder
    elif kind == "set":
        base = _set_decoder(t, reg)
    elif kind == "objectList":
        base = _list_decoder(t, reg)
    elif kind == "map":
        base = _map_decoder(t, reg)
    elif kind == "object":
        base = object_decoder(reg, t.target or "")
    else:
        raise ValueError(f"unknown type kind {kind!r}")
    nullable = t.nullable

    def dec(v: Any, path: str, ctx: Ctx) -> Any:
        if v is None:
            return None if nullable else ctx.wrong(path, "a value (it is not nullable)", v)
        return base(v, path, ctx)

    return dec


def type_decoder(reg: Registry, t: TypeDesc) -> Decoder:
    key = ("decoder", t)
    found = reg.cache.get(key)
    if found is None:
        found = reg.cache[key] = _compile(reg, t)
    return found


def object_decoder(reg: Registry, schema_name: str) -> Decoder:
    """A decoder that looks its plan up on first use, so recursive schemas compile."""

    def dec(v: Any, path: str, ctx: Ctx) -> Any:
        return plan(reg, schema_name).decode(v, path, ctx)

    return dec


# -- object plans ----------------------------------------------------------------------------------


class FieldPlan:
    """One field compiled: its pointer, decoder and default."""

    __slots__ = ("decode", "default", "default_is_data", "desc", "name", "pointer")

    def __init__(self, reg: Registry, desc: FieldDesc) -> None:
        self.desc = desc
        self.name = desc.name
        self.pointer = child("", desc.name)
        base = type_decoder(reg, desc.type)
        self.decode = _with_transforms(base, desc.validators, desc.type) if desc.validators else base
        self.default = _default(reg, desc)
        self.default_is_data = type(self.default) in (dict, list)
        if self.default is None and not desc.type.nullable:
            self.decode = _null_until_set(self.decode)

    def fresh_default(self) -> Any:
        return copy(self.default) if self.default_is_data else self.default


def _null_until_set(base: Decoder) -> Decoder:
    """A field whose value starts as null (a server-set result not computed yet) reads back as null."""

    def dec(v: Any, path: str, ctx: Ctx) -> Any:
        return None if v is None else base(v, path, ctx)

    return dec


def string_transform(validators: tuple[str, ...]) -> Callable[[str], str] | None:
    """The normalisations a field's validators ask for (`trim`, `lowercase`, `uppercase`,
    `removeSpaces`), as one function over a string; None when there are none."""
    trim, lower = "trim" in validators, "lowercase" in validators
    upper, nospace = "uppercase" in validators, "removeSpaces" in validators
    if not (trim or lower or upper or nospace):
        return None

    def fix(out: str) -> str:
        out = out.strip() if trim else out
        out = out.lower() if lower else out
        out = out.upper() if upper else out
        return "".join(out.split()) if nospace else out

    return fix


def _with_transforms(base: Decoder, validators: tuple[str, ...], t: TypeDesc) -> Decoder:
    """The field's normalisations applied to every string it holds: the value, or the members of
    a set and the keys and values of a map (as validate.member_field checks them)."""
    fix = string_transform(validators)
    if fix is None:
        return base
    if t.kind in ("set", "map"):
        keys = ((t.item if t.kind == "set" else t.key) or TypeDesc("string")).kind == "string"
        values = t.kind == "map" and t.item is not None and t.item.kind == "string"
        if not (keys or values):
            return base

        def members(v: Any, path: str, ctx: Ctx) -> Any:
            out = base(v, path, ctx)
            if type(out) is not dict:
                return out
            return {(fix(k) if keys else k): (fix(x) if values and type(x) is str else x) for k, x in out.items()}

        return members

    def dec(v: Any, path: str, ctx: Ctx) -> Any:
        out = base(v, path, ctx)
        return fix(out) if type(out) is str else out

    return dec


def _default(reg: Registry, f: FieldDesc) -> Any:
    """The value a field takes when a create does not give it (MISSING: it must be given)."""
    t = f.type
    if f.default is not MISSING:
        if f.default is None:
            return None
        ctx = Ctx()
        value = type_decoder(reg, t)(f.default, f.name, ctx)
        if ctx.issues:
            raise ValueError(f"default of {f.name!r} does not decode: {ctx.issues}")
        return value
    if f.required:
        return MISSING
    if t.nullable:
        return None
    if t.kind == "boolean":
        return False
    if t.kind == "number":
        return 0.0 if t.format == "float" else 0
    if t.kind in ("set", "objectList", "map"):
        return {}
    if t.kind == "object":
        return defaults(reg, t.target or "")
    return None  # a server-set or read-only scalar nobody has set yet


class ObjectPlan:
    """A schema compiled: field plans, or per-variant field plans for a union."""

    __slots__ = ("fields", "known", "name", "union", "variant_names", "variants")

    def __init__(self, reg: Registry, schema: SchemaDesc) -> None:
        self.name = schema.name
        self.union = schema.is_union
        plans = _field_plans(reg, schema)
        self.fields = plans
        self.known = frozenset(p.name for p in plans)
        self.variants: dict[str, tuple[tuple[FieldPlan, ...], frozenset[str]]] = {}
        for v in schema.variants:
            vplans = _field_plans(reg, reg.schema(v.schema)) if v.schema else ()
            self.variants[v.name] = (vplans, frozenset(p.name for p in vplans))
        self.variant_names = ", ".join(v.name for v in schema.variants)

    def fields_for(self, doc: dict[str, Any]) -> tuple[FieldPlan, ...]:
        if not self.union:
            return self.fields
        tag = doc.get("@type")
        found = self.variants.get(tag) if type(tag) is str else None
        return found[0] if found else ()

    def decode(self, v: Any, path: str, ctx: Ctx) -> Any:
        if type(v) is not dict:
            return ctx.wrong(path, f"an object ({self.name})", v)
        if ctx.depth >= MAX_DEPTH:
            return ctx.too_deep(path)
        ctx.depth += 1
        try:
            return self._decode(v, path, ctx)
        finally:
            ctx.depth -= 1

    def _decode(self, v: dict[str, Any], path: str, ctx: Ctx) -> Any:
        if self.union:
            tag = v.get("@type", MISSING)
            found = self.variants.get(tag) if type(tag) is str else None
            if found is None:
                what = "is required" if tag is MISSING else f"{tag!r} is not a variant"
                message = f"'{child(path, '@type')}' {what}: one of {self.variant_names}"
                ctx.issues.append(Issue(PATCH, child(path, "@type"), "variant", message))
                return MISSING
            plans, known = found
            out: dict[str, Any] = {"@type": tag}
            used = 1
        else:
            plans, known = self.fields, self.known
            out = {}
            used = 0
        for fp in plans:
            raw = v.get(fp.name, MISSING)
            if raw is MISSING:
                if fp.default is not MISSING:
                    out[fp.name] = copy(fp.default) if fp.default_is_data else fp.default
                continue
            used += 1
            value = fp.decode(raw, path + "/" + fp.pointer if path else fp.pointer, ctx)
            if value is not MISSING:
                out[fp.name] = value
        if used != len(v):
            for k in v:
                if k not in known and not (self.union and k == "@type"):
                    p = child(path, k)
                    ctx.issues.append(Issue(PATCH, p, "unknown", f"'{p}' is not a property of {self.name}"))
        return out


def _field_plans(reg: Registry, schema: SchemaDesc) -> tuple[FieldPlan, ...]:
    key = ("fields", schema.name)
    found = reg.cache.get(key)
    if found is None:
        found = reg.cache[key] = tuple(FieldPlan(reg, f) for f in schema.fields)
    return found


def plan(reg: Registry, schema_name: str) -> ObjectPlan:
    key = ("plan", schema_name)
    found = reg.cache.get(key)
    if found is None:
        found = reg.cache[key] = ObjectPlan(reg, reg.schema(schema_name))
    return found


# -- entry points ----------------------------------------------------------------------------------


def decode_object(reg: Registry, schema_name: str, value: Any, ctx: Ctx, path: str = "") -> Any:
    """A payload (wire or human form) → the full canonical object with defaults (MISSING when the
    payload is unusable; the reasons are in `ctx.issues`)."""
    return plan(reg, schema_name).decode(value, path, ctx)


def decode_value(reg: Registry, t: TypeDesc, value: Any, ctx: Ctx, path: str = "") -> Any:
    return type_decoder(reg, t)(value, path, ctx)


def defaults(reg: Registry, schema_name: str, variant: str | None = None) -> dict[str, Any]:
    """A fresh object holding only defaults; a union takes `variant`, else its first variant."""
    view: dict[str, Any] = copy(default_view(reg, schema_name, variant))
    return view


def default_view(reg: Registry, schema_name: str, variant: str | None = None) -> dict[str, Any]:
    """The cached defaults object itself: for readers that never modify it."""
    key = ("defaults", schema_name, variant)
    template = reg.cache.get(key)
    if template is None:
        p = plan(reg, schema_name)
        if not p.union:
            template = {fp.name: fp.default for fp in p.fields if fp.default is not MISSING}
        else:
            tag = variant or next(iter(p.variants))
            plans = p.variants[tag][0]
            template = {"@type": tag, **{fp.name: fp.default for fp in plans if fp.default is not MISSING}}
        reg.cache[key] = template
    return template


def default_listing(reg: Registry, schema_name: str) -> dict[str, Any]:
    """What `get` shows of an object nobody has written (a singleton): its defaults, with null for
    each field that has no default and so no value yet (a required one), since a get lists every
    field (SPEC §3). Cached; for readers that never modify it."""
    key = ("listing", schema_name)
    listing = reg.cache.get(key)
    if listing is None:
        view = default_view(reg, schema_name)
        p = plan(reg, schema_name)
        plans = p.variants[view["@type"]][0] if p.union else p.fields
        listing = {"@type": view["@type"]} if p.union else {}
        listing.update((fp.name, view.get(fp.name)) for fp in plans)
        reg.cache[key] = listing
    return listing


# -- human forms -----------------------------------------------------------------------------------


def human_form(reg: Registry, t: TypeDesc, value: Any, zero_unit: str | None = None) -> Any:
    """A wire value with durations and sizes in the human form this codec reads back, at any depth
    ({"count": 100, "period": 60000} → {"count": 100, "period": "1m"}). Sets and object lists may
    be canonical objects or arrays; each keeps its shape. Zero has no natural unit: `zero_unit`
    names the top value's ("ms"), else seconds and bytes."""
    if value is None:
        return None
    if t.kind == "number" and type(value) is int and t.format in ("duration", "size"):
        if t.format == "duration":
            return format_duration(value, zero_unit if zero_unit in DURATION_UNITS else "s")
        return format_size(value, zero_unit if zero_unit in SIZE_UNITS else "b")
    if t.kind == "set" and type(value) is list:
        return [human_form(reg, t.item or TypeDesc("string"), v) for v in value]
    if t.kind == "objectList":
        element = TypeDesc("object", target=t.target)
        if type(value) is dict:
            return {k: human_form(reg, element, v) for k, v in value.items()}
        return [human_form(reg, element, v) for v in value] if type(value) is list else value
    if t.kind == "map" and type(value) is dict:
        item = t.item or TypeDesc("string")
        return {k: human_form(reg, item, v) for k, v in value.items()}
    if t.kind == "object" and type(value) is dict:
        schema = reg.schema(t.target or "")
        fields = {f.name: f.type for f in reg.variant_fields(schema, value.get("@type")) or ()}
        return {k: human_form(reg, fields[k], v) if k in fields else v for k, v in value.items()}
    return value
