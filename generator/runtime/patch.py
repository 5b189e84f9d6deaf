"""JMAP PatchObject application (RFC 8620 §5.3) on canonical objects, and write-rule enforcement.

A patch maps property names or JSON-pointer paths (`rateLimit/count`, `aliases/a@example.com`,
`routes/0/host`) to values. Nested single objects given whole are merged; changing a union's
`@type` rebuilds it from the new variant's defaults plus what the patch gives. Whether a
server-set or immutable property was written is decided by comparing before and after, so sending
a property with its current value is never an error.
"""

from __future__ import annotations

from typing import Any

from .codec import Ctx, copy, decode_object, defaults, key_decoder, plan, type_decoder
from .descriptors import MISSING, FieldDesc, Registry, TypeDesc
from .encode import MASK
from .errors import PATCH, Issue, child, split_pointer


def _unknown(ctx: Ctx, path: str, what: str) -> None:
    ctx.issues.append(Issue(PATCH, path, "unknown", f"'{path}' is not {what}"))


def _fields(reg: Registry, schema_name: str, doc: dict[str, Any]) -> dict[str, FieldDesc]:
    schema = reg.schema(schema_name)
    fields = reg.variant_fields(schema, doc.get("@type")) or ()
    return {f.name: f for f in fields}


def apply_patch(reg: Registry, schema_name: str, current: dict[str, Any], patch: dict[str, Any], ctx: Ctx) -> Any:
    """The patched copy of `current` (never modified); problems go to `ctx.issues`."""
    doc = copy(current)
    entries = dict(patch)
    if plan(reg, schema_name).union and "@type" in entries:
        tag = entries.pop("@type")
        if tag != doc.get("@type"):
            rebuilt = decode_object(reg, schema_name, {"@type": tag}, ctx)
            if rebuilt is MISSING:
                return doc
            doc = rebuilt
    for path, value in entries.items():
        if type(path) is not str or not path:
            _unknown(ctx, str(path), "a property path")
            continue
        _apply(reg, schema_name, doc, split_pointer(path), value, "", ctx)
    return doc


def _apply(
    reg: Registry, schema_name: str, doc: dict[str, Any], tokens: list[str], value: Any, base: str, ctx: Ctx
) -> None:
    name, rest = tokens[0], tokens[1:]
    path = child(base, name)
    if name == "@type" and plan(reg, schema_name).union:
        _unknown(ctx, path, "patchable inside an object; give the object whole with its new @type")
        return
    field = _fields(reg, schema_name, doc).get(name)
    if field is None:
        _unknown(ctx, path, f"a property of {schema_name}")
        return
    if not rest:
        _set(reg, doc, field, value, path, ctx)
        return
    holder = doc.get(name)
    if field.type.kind == "object" and holder is None:
        holder = doc[name] = defaults(reg, field.type.target or "")
    _descend(reg, field.type, holder, rest, value, path, ctx)


def _set(reg: Registry, doc: dict[str, Any], field: FieldDesc, value: Any, path: str, ctx: Ctx) -> None:
    if value == MASK and field.type.is_secret:
        return  # a secret echoed back as get showed it ("****") leaves the stored secret alone
    current = doc.get(field.name)
    if field.type.kind == "object" and type(value) is dict and type(current) is dict:
        merged = _merge(reg, field.type.target or "", current, value, path, ctx)
        if merged is not MISSING:
            doc[field.name] = merged
        return
    decoded = type_decoder(reg, field.type)(value, path, ctx)
    if decoded is not MISSING:
        doc[field.name] = decoded


def _merge(reg: Registry, schema_name: str, current: dict[str, Any], value: dict[str, Any], path: str, ctx: Ctx) -> Any:
    """A nested object given whole merges into the current one; a new `@type` rebuilds it."""
    if plan(reg, schema_name).union and value.get("@type", current.get("@type")) != current.get("@type"):
        return decode_object(reg, schema_name, value, ctx, path)
    fields = _fields(reg, schema_name, current)
    for key, item in value.items():
        if key == "@type":
            continue
        field = fields.get(key)
        if field is None:
            _unknown(ctx, child(path, key), f"a property of {schema_name}")
            continue
        _set(reg, current, field, item, child(path, key), ctx)
    return current


def _descend(reg: Registry, t: TypeDesc, holder: Any, tokens: list[str], value: Any, base: str, ctx: Ctx) -> None:
    token, rest = tokens[0], tokens[1:]
    path = child(base, token)
    if t.kind == "object" and type(holder) is dict:
        _apply(reg, t.target or "", holder, tokens, value, base, ctx)
    elif t.kind == "set" and type(holder) is dict and not rest:
        key = key_decoder(t.item or TypeDesc("string"))(token, path, ctx)
        if key is MISSING:
            return
        if value is True:
            holder[key] = True
        elif value is False or value is None:
            holder.pop(key, None)
        else:
            ctx.wrong(path, "true or null (add or remove a set member)", value)
    elif t.kind == "map" and type(holder) is dict:
        token = key_decoder(t.key or TypeDesc("string"))(token, path, ctx)
        if token is MISSING:
            return
        if rest:
            if token not in holder or type(holder[token]) is not dict or t.item is None:
                _unknown(ctx, path, "an existing map entry holding an object")
                return
            _descend(reg, t.item, holder[token], rest, value, path, ctx)
        elif value is None:
            holder.pop(token, None)
        else:
            decoded = type_decoder(reg, t.item or TypeDesc("string"))(value, path, ctx)
            if decoded is not MISSING:
                holder[token] = decoded
    elif t.kind == "objectList" and type(holder) is dict and token.isdigit():
        _patch_list(reg, t, holder, int(token), rest, value, path, ctx)
    else:
        _unknown(ctx, path, "a path into this property")


def _patch_list(
    reg: Registry, t: TypeDesc, holder: dict[str, Any], index: int, rest: list[str], value: Any, path: str, ctx: Ctx
) -> None:
    size = len(holder)
    if rest:
        if index >= size:
            _unknown(ctx, path, "an existing list item")
            return
        _apply(reg, t.target or "", holder[str(index)], rest, value, path, ctx)
    elif value is None:
        if index < size:
            items = [holder[str(i)] for i in range(size) if i != index]
            holder.clear()
            holder.update({str(i): item for i, item in enumerate(items)})
    elif index <= size:  # replace an item, or append one at the end
        decoded = decode_object(reg, t.target or "", value, ctx, path)
        if decoded is not MISSING:
            holder[str(index)] = decoded
    else:
        _unknown(ctx, path, f"a list position (the list has {size} item(s))")


# -- write rules -----------------------------------------------------------------------------------


def check_writes(
    reg: Registry, schema_name: str, before: dict[str, Any], after: dict[str, Any], ctx: Ctx, creating: bool
) -> None:
    """invalidPatch for every server-set property (and, on update, immutable one) whose value the
    client changed. On create, `before` is the defaults of the same variant."""
    _compare(reg, schema_name, before, after, "", ctx, creating)


def _compare(
    reg: Registry, schema_name: str, before: dict[str, Any], after: dict[str, Any], base: str, ctx: Ctx, creating: bool
) -> None:
    if before.get("@type") != after.get("@type"):
        return  # a rebuilt union: its server-set fields hold the new variant's defaults
    for field in _fields(reg, schema_name, after).values():
        old, new = before.get(field.name, MISSING), after.get(field.name, MISSING)
        if old == new:
            continue
        path = child(base, field.name)
        if field.update == "serverSet" or (field.update == "immutable" and not creating):
            what = "server-set" if field.update == "serverSet" else "immutable"
            ctx.issues.append(Issue(PATCH, path, field.update, f"'{path}' is {what} and cannot be changed"))
            continue
        _compare_nested(reg, field.type, old, new, path, ctx, creating)


def _baseline(reg: Registry, target: str, new: dict[str, Any]) -> dict[str, Any]:
    return defaults(reg, target, new.get("@type") if plan(reg, target).union else None)


def _compare_nested(reg: Registry, t: TypeDesc, old: Any, new: Any, path: str, ctx: Ctx, creating: bool) -> None:
    """New nested objects are compared against their defaults, so a client cannot smuggle a value
    into a server-set field of an object it adds."""
    if type(new) is not dict:
        return
    if t.kind == "object":
        target = t.target or ""
        before = old if type(old) is dict else _baseline(reg, target, new)
        _compare(reg, target, before, new, path, ctx, creating)
    elif t.kind == "objectList" or (t.kind == "map" and t.item is not None and t.item.kind == "object"):
        target = (t.target if t.kind == "objectList" else t.item.target) or ""  # type: ignore[union-attr]
        olds = old if type(old) is dict else {}
        for key, item in new.items():
            if type(item) is not dict:
                continue
            previous = olds.get(key)
            before = previous if type(previous) is dict else _baseline(reg, target, item)
            _compare(reg, target, before, item, child(path, key), ctx, creating or previous is None)
