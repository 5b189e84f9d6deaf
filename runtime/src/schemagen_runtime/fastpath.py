"""A compiled fast path for `Model.from_wire` on canonical, valid input.

For each model class, Python source is generated from the same descriptors and the same checks
(`validate.FORMAT_CHECKS`, bounds, enum values) and compiled once, as dataclasses and attrs
compile their `__init__`. It accepts only exact canonical wire forms and returns MISSING at the
first thing it does not expect (a human form, a `#reference`, a transform, any constraint failure);
the caller then runs the general path, which alone decides errors. So the fast path can only ever
agree with the general one or step aside (tests check that they agree): it applies the codec's own
limits too (64-bit number ranges, finite floats, ASCII digits, `codec.MAX_DEPTH`), stepping aside
at any value beyond them.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import MISSING as NO_DEFAULT
from dataclasses import fields as dataclass_fields
from typing import TYPE_CHECKING, Any

from .codec import MAX_DEPTH, number_range
from .descriptors import MISSING, FieldDesc, TypeDesc
from .validate import FORMAT_CHECKS, VALIDATOR_CHECKS, utc

if TYPE_CHECKING:
    from .models import Model

Fast = Callable[[Any], Any]
_COMPILING: set[type] = set()
_WHOLE_KEY = re.compile(r"[0-9]{1,19}\Z").match  # what int() may read: ASCII, and short
_FLOAT_SAFE = 1 << 63  # an int within it converts to float exactly enough and never overflows


class _Unsupported(Exception):
    pass


class _Source:
    """Source lines plus the constants they refer to (passed to exec as globals)."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.env: dict[str, Any] = {"MISSING": MISSING, "new": object.__new__}
        self.counter = 0

    def const(self, value: Any) -> str:
        self.counter += 1
        name = f"k{self.counter}"
        self.env[name] = value
        return name

    def var(self) -> str:
        self.counter += 1
        return f"v{self.counter}"

    def add(self, indent: int, line: str) -> None:
        self.lines.append("    " * indent + line)


def _checks(src: _Source, v: str, t: TypeDesc, f: FieldDesc | None, ind: int, as_key: bool = False) -> None:
    """Statements that leave `v` converted to its Python value, or return MISSING."""
    fail = "return MISSING"
    kind = t.kind
    if kind in ("string", "blobId", "objectId", "utcDateTime"):
        if not as_key:
            src.add(ind, f"if type({v}) is not str: {fail}")
        if kind == "objectId":
            src.add(ind, f"if {v}[:1] == '#': {fail}")  # a creation reference: the general path resolves it
        if kind == "utcDateTime":
            src.add(ind, f"if not {src.const(utc)}({v}): {fail}")
        if kind == "string":
            predicates = [FORMAT_CHECKS[t.format]] if t.format in FORMAT_CHECKS else []
            validators = f.validators if f else ()
            if {"trim", "lowercase", "uppercase", "removeSpaces"} & set(validators):
                raise _Unsupported  # transforms: the general path applies them
            predicates += [VALIDATOR_CHECKS[x] for x in validators if x in VALIDATOR_CHECKS]
            for test, _ in predicates:
                src.add(ind, f"if not {src.const(test)}({v}): {fail}")
        if f is not None and f.max_length is not None:
            src.add(ind, f"if len({v}) > {f.max_length}: {fail}")
    elif kind == "number":
        _number_checks(src, v, t, f, ind, as_key)
    elif kind == "boolean":
        src.add(ind, f"if type({v}) is not bool: {fail}")
    elif kind == "enum":
        members = src.const(None)  # filled in by the caller that knows the enum class
        src.env.setdefault("_enum_slots", []).append((members, t.target))
        src.add(ind, f"{v} = {members}.get({v}, MISSING) if type({v}) is str else MISSING")
        src.add(ind, f"if {v} is MISSING: {fail}")
    else:
        _collection(src, v, t, f, ind)


def _number_checks(src: _Source, v: str, t: TypeDesc, f: FieldDesc | None, ind: int, as_key: bool) -> None:
    """The codec's number rules: its wire range or finiteness first, then the schema's bounds."""
    fail = "return MISSING"
    low, high = f.min if f is not None else None, f.max if f is not None else None
    if t.format == "float":
        if as_key:
            raise _Unsupported
        src.add(ind, f"if type({v}) is int and -{_FLOAT_SAFE} < {v} < {_FLOAT_SAFE}: {v} = float({v})")
        src.add(ind, f"elif type({v}) is not float or not {src.const(math.isfinite)}({v}): {fail}")
    else:
        if as_key:
            src.add(ind, f"if not {src.const(_WHOLE_KEY)}({v}): {fail}")
            src.add(ind, f"{v} = int({v})")
        else:
            src.add(ind, f"if type({v}) is not int: {fail}")
        wire_low, wire_high = number_range(t.format)
        low = wire_low if low is None else max(low, wire_low)
        high = wire_high if high is None else min(high, wire_high)
    if low is not None:
        src.add(ind, f"if {v} < {low!r}: {fail}")
    if high is not None:
        src.add(ind, f"if {v} > {high!r}: {fail}")


def _collection(src: _Source, v: str, t: TypeDesc, f: FieldDesc | None, ind: int) -> None:
    fail = "return MISSING"
    src.add(ind, f"if type({v}) is not dict: {fail}")
    if f is not None and f.min_items is not None:
        src.add(ind, f"if len({v}) < {f.min_items}: {fail}")
    if t.kind == "object":
        src.add(ind, f"{v} = {src.const(_nested(src, t.target or ''))}({v})")
        src.add(ind, f"if {v} is MISSING: {fail}")
        return
    out, key, item = src.var(), src.var(), src.var()
    if t.kind == "objectList":
        nested = src.const(_nested(src, t.target or ""))
        src.add(ind, f"{out} = []")
        src.add(ind, f"for {key}, {item} in {v}.items():")
        src.add(ind + 1, f"if {key} != {src.const(str)}(len({out})): {fail}")
        src.add(ind + 1, f"{item} = {nested}({item})")
        src.add(ind + 1, f"if {item} is MISSING: {fail}")
        src.add(ind + 1, f"{out}.append({item})")
    elif t.kind == "set":
        src.add(ind, f"{out} = set()")
        src.add(ind, f"for {key}, {item} in {v}.items():")
        src.add(ind + 1, f"if {item} is not True: {fail}")
        _checks(src, key, t.item or TypeDesc("string"), None, ind + 1, as_key=True)
        src.add(ind + 1, f"{out}.add({key})")
    else:  # map
        src.add(ind, f"{out} = {{}}")
        src.add(ind, f"for {key}, {item} in {v}.items():")
        _checks(src, key, t.key or TypeDesc("string"), None, ind + 1, as_key=True)
        value = t.item or TypeDesc("string")
        if value.nullable:
            src.add(ind + 1, f"if {item} is not None:")
            _checks(src, item, value, None, ind + 2)
        else:
            _checks(src, item, value, None, ind + 1)
        src.add(ind + 1, f"{out}[{key}] = {item}")
    src.add(ind, f"{v} = {out}")


def _nested(src: _Source, target: str) -> Fast:
    from .models import model_class

    reg = src.env["_registry"]
    schema = reg.schema(target)
    if schema.is_union:
        variants = {v.name: fast_for(model_class(reg, target, v.name)) for v in schema.variants}
        if any(f is None for f in variants.values()):
            raise _Unsupported

        def dispatch(data: Any) -> Any:
            tag = data.get("@type") if type(data) is dict else None
            found = variants.get(tag) if type(tag) is str else None
            return found(data) if found is not None else MISSING

        return dispatch
    found = fast_for(model_class(reg, target))
    if found is None:
        raise _Unsupported
    return found


def _compile(cls: type[Model]) -> Fast:
    from .models import _ENUMS

    reg = cls.__registry__
    schema = reg.schema(cls.__schema__)
    if schema.is_union and cls.__variant__ is None:
        return _nested(_with_registry(reg), cls.__schema__)
    fields = reg.variant_fields(schema, cls.__variant__) or ()
    defaults = {f.name: f for f in dataclass_fields(cls)}  # type: ignore[arg-type]
    src = _with_registry(reg)
    src.env["cls"] = cls
    src.add(0, "def fast(data):")
    src.add(1, "if type(data) is not dict: return MISSING")
    src.add(1, "n = len(data)")
    src.add(1, "get = data.get")
    assigned = []
    for desc in fields:
        v = src.var()
        py = desc.py_name or desc.name
        dc = defaults[py]
        src.add(1, f"{v} = get({desc.name!r}, MISSING)")
        needed = desc.settable and not desc.type.nullable  # validate's Required rule
        src.add(1, f"if {v} is MISSING:")
        if dc.default is not NO_DEFAULT and not (needed and dc.default is None):
            src.add(2, f"{v} = {src.const(dc.default)}")
        elif dc.default_factory is not NO_DEFAULT:
            src.add(2, f"{v} = {src.const(dc.default_factory)}()")
        else:
            src.add(2, "return MISSING")
        src.add(1, "else:")
        src.add(2, "n -= 1")
        may_be_null = desc.type.nullable or (not needed and dc.default is None)
        if may_be_null:
            src.add(2, f"if {v} is not None:")
        _checks(src, v, desc.type, desc, 3 if may_be_null else 2)
        assigned.append((py, v))
    if cls.__has_id__:
        src.add(1, "i = get('id', None)")
        src.add(1, "if i is not None:")
        src.add(2, "if type(i) is not str: return MISSING")
        src.add(2, "n -= 1")
        assigned.append(("id", "i"))
    if cls.__variant__ is not None:
        src.add(1, f"if get('@type', {cls.__variant__!r}) != {cls.__variant__!r}: return MISSING")
        src.add(1, "if '@type' in data: n -= 1")
    src.add(1, "if n: return MISSING")  # unknown properties
    src.add(1, "o = new(cls)")
    for py, v in assigned:
        src.add(1, f"o.{py} = {v}")
    src.add(1, "return o")
    for slot, enum_name in src.env.pop("_enum_slots", []):
        src.env[slot] = dict(_ENUMS[(id(reg), enum_name)]._value2member_map_)
    exec("\n".join(src.lines), src.env)
    fast: Fast = src.env["fast"]  # the function the exec above defined
    return fast


def _step_aside(data: Any) -> Any:
    """A recursive schema's reference to itself: data that really recurses goes to the general
    path, which bounds its depth (`codec.MAX_DEPTH`) and reports it; so the fast path never reaches
    Python's recursion limit and never accepts a depth the codec refuses."""
    return MISSING


def _with_registry(reg: Any) -> _Source:
    src = _Source()
    src.env["_registry"] = reg
    return src


def fast_for(cls: type[Model]) -> Fast | None:
    """The compiled fast path of a class (None when its shape needs the general path)."""
    found: Fast | None = cls.__dict__.get("_fast_", MISSING)  # cached below
    if found is not MISSING:
        return found
    if cls in _COMPILING:  # a recursive schema
        return _step_aside
    if len(_COMPILING) >= MAX_DEPTH:  # nested deeper than the codec allows: the general path says so
        return None
    _COMPILING.add(cls)
    try:
        compiled: Fast | None = _compile(cls)
    except _Unsupported:
        compiled = None
    finally:
        _COMPILING.discard(cls)
    type.__setattr__(cls, "_fast_", compiled)
    return compiled
