"""`--field name=value` for the CLI: find what the name or JSON-pointer path names (any case, into
nested objects, sets, object lists and maps, as the server's patches go), turn the text into its
wire value with the runtime codec (text mode: "30s", "true", "10mb", or a bare integer for a size
or duration as the real CLI writes them), and check it before anything is sent."""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from .codec import Ctx, decode_value, parse_whole
from .descriptors import MISSING, FieldDesc, Registry, SchemaDesc, TypeDesc
from .errors import pointer_index, split_pointer
from .validate import check_value, member_field

HUMAN_NUMBERS = frozenset({"size", "duration"})


class UsageError(Exception):
    """A bad argument: printed as `error: ...`, exit status 1, nothing sent."""


class CommandLineError(UsageError):
    """The command line itself does not parse (unknown command, missing argument): exit status 2."""


def did_you_mean(word: str, choices: Iterable[str], prefix: str = "") -> str:
    """` (did you mean 'x'?)` when a choice is close to `word` (case aside), else "". `prefix`:
    what every choice is shown with but is not compared on (the dashes of a flag)."""
    options = list(choices)
    lowered = {c.lower(): c for c in options}
    close = difflib.get_close_matches(word.lower(), list(lowered), n=1, cutoff=0.6)
    return f" (did you mean {prefix + lowered[close[0]]!r}?)" if close else ""


@dataclass(frozen=True)
class Assignment:
    path: str  # property name or JSON-pointer path, as typed
    text: str


def split_assignment(raw: str) -> Assignment:
    """`key=value` at the first `=`; a key in double quotes may hold `=` (`"a=b/c"=true`)."""
    if raw.startswith('"'):
        end = raw.find('"', 1)
        if end < 0:
            raise UsageError(f"unterminated quoted key in --field {raw!r}")
        if end == 1:
            raise UsageError(f"empty quoted key in --field {raw!r}")
        if raw[end + 1 : end + 2] != "=":
            raise UsageError(f"expected = after quoted key in --field {raw!r}")
        return Assignment(raw[1:end], raw[end + 2 :])
    name, sep, text = raw.partition("=")
    if not sep or not name.strip():
        raise UsageError(f"--field takes name=value, got {raw!r}")
    return Assignment(name.strip(), text)


def all_fields(reg: Registry, schema: SchemaDesc, variant: str | None) -> tuple[FieldDesc, ...]:
    fields = reg.variant_fields(schema, variant)
    if fields is not None:
        return fields
    # A union updated without naming its variant: a field may belong to any of them.
    found: dict[str, FieldDesc] = {}
    for v in schema.variants:
        for f in reg.variant_fields(schema, v.name) or ():
            found.setdefault(f.name, f)
    return tuple(found.values())


def field_named(fields: tuple[FieldDesc, ...], name: str, where: str) -> FieldDesc:
    """The field called `name`, compared case-insensitively as the real CLI does."""
    exact = next((f for f in fields if f.name == name), None)
    found = exact or next((f for f in fields if f.name.lower() == name.lower()), None)
    if found is None:
        names = [f.name for f in fields]
        hint = did_you_mean(name, names) or f" (fields: {', '.join(names) or 'none'})"
        raise UsageError(f"unknown field {name!r} for {where}{hint}")
    return found


@dataclass(frozen=True)
class Target:
    """What a `--field` path names: the canonical path, the top-level field (its write rules),
    and the type of the value given there."""

    path: str
    field: FieldDesc
    type: TypeDesc

    @property
    def top(self) -> bool:
        return "/" not in self.path


_TYPE = TypeDesc("string")
_MEMBER = TypeDesc("boolean", nullable=True)  # a set member: true adds it, null removes it


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def find_target(reg: Registry, schema_name: str, variant: str | None, path: str) -> Target:
    """Walk a path the way the server applies a patch; a clear error names what is there."""
    tokens = split_pointer(path)
    schema = reg.schema(schema_name)
    top = field_named(all_fields(reg, schema, variant), tokens[0], schema.name + (f"/{variant}" if variant else ""))
    canonical, t = [top.name], top.type
    for token in tokens[1:]:
        here = "/".join(canonical)
        if t.kind == "object" and t.target:
            inner = reg.schema(t.target)
            if token == "@type" and inner.is_union:
                canonical.append(token)
                t = _TYPE
                continue
            f = field_named(all_fields(reg, inner, None), token, here)
            canonical.append(f.name)
            t = f.type
        elif t.kind == "objectList" and t.target:
            if pointer_index(token) is None:
                raise UsageError(f"{here!r} is a list: the next part of {path!r} must be a position (0, 1, ...)")
            canonical.append(token)
            t = TypeDesc("object", target=t.target)
        elif t.kind == "map" and t.item is not None:
            canonical.append(_escape(token))
            t = t.item
        elif t.kind == "set":
            canonical.append(_escape(token))
            t = _MEMBER
            if token is not tokens[-1]:
                raise UsageError(f"{here}/{token!r} is a set member: {path!r} cannot go inside it")
        else:
            raise UsageError(f"{here!r} is not an object, list, map or set; {path!r} cannot go inside it")
    return Target("/".join(canonical), top, t)


def _raw(t: TypeDesc, path: str, text: str, top: bool) -> tuple[Any, Ctx]:
    """The text as the codec takes it: JSON for `{`/`[`, a bare integer for a size or duration,
    `null` for a nullable field or to remove a set member, map entry or list item, else text mode."""
    if text.lstrip()[:1] in ("{", "["):
        try:
            return json.loads(text), Ctx(text=False)
        except RecursionError:
            raise UsageError(f"{path}: value is nested too deeply") from None
        except json.JSONDecodeError as exc:
            raise UsageError(f"{path}: value starts like JSON but is not valid JSON ({exc.msg})") from None
    if text == "null" and (t.nullable or not top):
        return None, Ctx(text=False)
    if t.kind == "number" and t.format in HUMAN_NUMBERS:
        try:
            return parse_whole(text), Ctx(text=False)
        except ValueError:
            pass  # a human form: "30s", "10mb"
    return text, Ctx(text=True)


def parse_value(reg: Registry, target: Target, text: str) -> Any:
    """Text → canonical wire value, or UsageError listing every problem."""
    path = target.path
    raw, ctx = _raw(target.type, path, text, target.top)
    if raw is None:
        return None
    try:
        value = decode_value(reg, target.type, raw, ctx, path)
        issues = ctx.issues or (
            check_value(reg, target.field, value, path) if target.top and value is not MISSING else []
        )
    except RecursionError:
        raise UsageError(f"{path}: value is nested too deeply") from None
    if issues:
        raise UsageError("; ".join(i.message for i in issues))
    return value


def condition_target(f: FieldDesc, comparison: bool) -> Target:
    """What a `--where` value of field `f` is decoded as (one member, for a set) and checked by:
    the field's validators always (a value no object can hold matches nothing: refused as the typo
    it is), and its other constraints only when it is compared for equality with the field's value."""
    t = f.type.item if f.type.kind == "set" and f.type.item else f.type
    if f.type.kind == "set" or comparison:
        return Target(f.name, member_field(f, t) or FieldDesc(f.name, t), t)
    return Target(f.name, f, t)


def check_writable(field: FieldDesc, path: str, creating: bool) -> None:
    if field.update == "serverSet":
        raise UsageError(f"{path!r} is set by the server and cannot be given")
    if field.update == "immutable" and not creating:
        raise UsageError(f"{path!r} can only be set when the object is created")
