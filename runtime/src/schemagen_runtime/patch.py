"""JMAP PatchObject application (RFC 8620 §5.3) on canonical objects, and write-rule enforcement.

A patch maps property names or JSON-pointer paths (`rateLimit/count`, `aliases/a@example.com`,
`routes/0/host`) to values. Nested single objects given whole are merged; changing a union's
`@type` rebuilds it from the new variant's defaults plus what the patch gives (SPEC §3). Whether a
server-set or immutable property was written is decided by comparing before and after, so sending
a property with its current value is never an error.

The write rules hold at every depth, and a rebuilt union (a new `@type` at the top, in a nested
object, or in an object-list item or map value given whole) is checked like a create of its new
variant inside an update:

- server-set: the rebuilt object's field must hold the new variant's default (the server, not the
  client, fills it in), or the value the old variant's field of the same name and type held (an
  echo of what get showed); any other value is invalidPatch naming the field's path;
- immutable: SPEC §3 makes an immutable field settable on create only, and a variant change is an
  update, not a create. So a field the old variant also had (same name and type) keeps its value,
  and the patch must restate it; a field only the new variant has had no value to keep, so, as on
  a create, the patch may set it (else the variant could never be chosen when the field is
  required). Inside a create every immutable field is settable, whatever variant it picks.

Secrets: get shows every secret as "****", so a client that sends back what it read sends "****".
Wherever a value is given (a field, an object merged or given whole with the same or a new
`@type`, an object-list item, a map value, a whole list or map), "****" in a secret's place is
an echo of the secret stored at the same place before: the same field (same name and type, in
the old variant when `@type` changes), the same list position, the same map key. It keeps that
secret. Where nothing was stored there (a create, a new list item or map entry, a field only the
new variant has, a secret that was null), "****" cannot be an echo and is never stored as a
secret: validationFailed on its path ("'****' is how get masks a secret; send the secret itself").
"""

from __future__ import annotations

from typing import Any

from .codec import MAX_DEPTH, Ctx, FieldPlan, copy, decode_object, defaults, key_decoder, plan, type_decoder
from .descriptors import MISSING, FieldDesc, Registry, TypeDesc
from .errors import PATCH, Issue, child, pointer_index, split_pointer
from .masks import unmask, unmask_object
from .reach import type_holds


def _unknown(ctx: Ctx, path: str, what: str) -> None:
    ctx.issues.append(Issue(PATCH, path, "unknown", f"'{path}' is not {what}"))


def _fields(reg: Registry, schema_name: str, doc: dict[str, Any]) -> dict[str, FieldDesc]:
    """The fields of `doc`'s schema (its variant's, for a union) by name; cached."""
    return _by_name(reg, schema_name, doc)[0]


def _plans(reg: Registry, schema_name: str, doc: dict[str, Any]) -> dict[str, FieldPlan]:
    """The same fields compiled (their decoders, as a create uses them)."""
    return _by_name(reg, schema_name, doc)[1]


def _by_name(reg: Registry, schema_name: str, doc: dict[str, Any]) -> tuple[dict[str, FieldDesc], dict[str, FieldPlan]]:
    p = plan(reg, schema_name)
    tag = doc.get("@type") if p.union else None
    key = ("patch-fields", schema_name, tag if type(tag) is str and tag in p.variants else None)
    found = reg.cache.get(key)
    if found is None:
        plans = {fp.name: fp for fp in p.fields_for(doc)}
        found = reg.cache[key] = ({name: fp.desc for name, fp in plans.items()}, plans)
    return found


def apply_patch(reg: Registry, schema_name: str, current: dict[str, Any], patch: dict[str, Any], ctx: Ctx) -> Any:
    """The patched copy of `current` (never modified); problems go to `ctx.issues`."""
    doc = copy(current)
    entries = dict(patch)
    shown = None  # see _apply
    if plan(reg, schema_name).union and "@type" in entries:
        tag = entries.pop("@type")
        if tag != doc.get("@type"):
            rebuilt = decode_object(reg, schema_name, {"@type": tag}, ctx)
            if rebuilt is MISSING:
                return doc
            doc, shown = rebuilt, current
    for path, value in entries.items():
        if type(path) is not str or not path:
            _unknown(ctx, str(path), "a property path")
            continue
        _apply(reg, schema_name, doc, split_pointer(path), value, "", ctx, shown)
    return _in_declaration_order(reg, schema_name, doc)


def _in_declaration_order(reg: Registry, schema_name: str, doc: dict[str, Any]) -> dict[str, Any]:
    """A field the patch added (one a rebuilt variant has no default for) goes to its declared
    place, not the end: get lists fields in declaration order (SPEC §3)."""
    names = [fp.name for fp in plan(reg, schema_name).fields_for(doc)]
    keys = [k for k in doc if k != "@type"]
    if keys == names[: len(keys)] or not set(keys) <= set(names):
        return doc
    ordered = {"@type": doc["@type"]} if "@type" in doc else {}
    ordered.update((name, doc[name]) for name in names if name in doc)
    return ordered


def _apply(
    reg: Registry,
    schema_name: str,
    doc: dict[str, Any],
    tokens: list[str],
    value: Any,
    base: str,
    ctx: Ctx,
    shown: dict[str, Any] | None = None,
) -> None:
    """Applies one patch entry inside the object `doc`; `ctx.depth` counts the objects it sits in,
    so that a value set deep inside stays within the codec's nesting limit as a whole.

    `shown`: when `doc` was rebuilt for a new `@type` (here or in an enclosing object), the object
    get showed in its place, whose secrets a "****" echoes; None when `doc` itself holds them."""
    if ctx.depth >= MAX_DEPTH:
        ctx.too_deep(base)
        return
    ctx.depth += 1
    try:
        _apply_inside(reg, schema_name, doc, tokens, value, base, ctx, shown)
    finally:
        ctx.depth -= 1


def _apply_inside(
    reg: Registry,
    schema_name: str,
    doc: dict[str, Any],
    tokens: list[str],
    value: Any,
    base: str,
    ctx: Ctx,
    shown: dict[str, Any] | None,
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
        _set(reg, schema_name, doc, field, value, path, ctx, shown)
        return
    holder = doc.get(name)
    if field.type.kind == "object" and holder is None:
        holder = doc[name] = defaults(reg, field.type.target or "")
    inner = None if shown is None else _as_object(_was(reg, schema_name, shown, field))
    _descend(reg, field.type, holder, rest, value, path, ctx, inner)


def _was(reg: Registry, schema_name: str, shown: dict[str, Any], field: FieldDesc) -> Any:
    """What get showed in `field`'s place in `shown`: its field of the same name and type
    (its variant's), else MISSING."""
    was = _fields(reg, schema_name, shown).get(field.name)
    return shown.get(field.name, MISSING) if was is not None and was.type == field.type else MISSING


def _as_object(value: Any) -> dict[str, Any]:
    return value if type(value) is dict else {}


def _set(
    reg: Registry,
    schema_name: str,
    doc: dict[str, Any],
    field: FieldDesc,
    value: Any,
    path: str,
    ctx: Ctx,
    shown: dict[str, Any] | None = None,
) -> None:
    current = doc.get(field.name)
    old = doc.get(field.name, MISSING) if shown is None else _was(reg, schema_name, shown, field)
    if field.type.kind == "object" and type(value) is dict and type(current) is dict:
        inner = None if shown is None else _as_object(old)
        merged = _merge(reg, field.type.target or "", current, value, path, ctx, inner)
        if merged is not MISSING:
            doc[field.name] = merged
        return
    # the field's own decoder, as a create uses: its transforms, and null for a server-set value
    # not computed yet (so echoing what get showed is accepted)
    decoded = _plans(reg, schema_name, doc)[field.name].decode(value, path, ctx)
    if decoded is not MISSING:
        doc[field.name] = unmask(reg, field.type, old, decoded, path, ctx)


def _merge(
    reg: Registry,
    schema_name: str,
    current: dict[str, Any],
    value: dict[str, Any],
    path: str,
    ctx: Ctx,
    shown: dict[str, Any] | None,
) -> Any:
    """A nested object given whole merges into the current one; a new `@type` rebuilds it."""
    if plan(reg, schema_name).union and value.get("@type", current.get("@type")) != current.get("@type"):
        rebuilt = decode_object(reg, schema_name, value, ctx, path)
        if rebuilt is MISSING:
            return rebuilt
        return unmask_object(reg, schema_name, current if shown is None else shown, rebuilt, path, ctx)
    if ctx.depth >= MAX_DEPTH:
        return ctx.too_deep(path)
    ctx.depth += 1
    try:
        return _merge_fields(reg, schema_name, current, value, path, ctx, shown)
    finally:
        ctx.depth -= 1


def _merge_fields(
    reg: Registry,
    schema_name: str,
    current: dict[str, Any],
    value: dict[str, Any],
    path: str,
    ctx: Ctx,
    shown: dict[str, Any] | None,
) -> dict[str, Any]:
    fields = _fields(reg, schema_name, current)
    for key, item in value.items():
        if key == "@type":
            continue
        field = fields.get(key)
        if field is None:
            _unknown(ctx, child(path, key), f"a property of {schema_name}")
            continue
        _set(reg, schema_name, current, field, item, child(path, key), ctx, shown)
    return current


def _descend(
    reg: Registry,
    t: TypeDesc,
    holder: Any,
    tokens: list[str],
    value: Any,
    base: str,
    ctx: Ctx,
    shown: dict[str, Any] | None = None,
) -> None:
    token, rest = tokens[0], tokens[1:]
    path = child(base, token)
    if t.kind == "object" and type(holder) is dict:
        _apply(reg, t.target or "", holder, tokens, value, base, ctx, shown)
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
            item = t.item or TypeDesc("string")
            decoded = type_decoder(reg, item)(value, path, ctx)
            if decoded is not MISSING:
                holder[token] = unmask(reg, item, holder.get(token, MISSING), decoded, path, ctx)
    elif t.kind == "objectList" and type(holder) is dict and (index := pointer_index(token)) is not None:
        _patch_list(reg, t, holder, index, rest, value, path, ctx)
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
            replaced = _as_object(holder.get(str(index)))
            holder[str(index)] = unmask_object(reg, t.target or "", replaced, decoded, path, ctx)
    else:
        _unknown(ctx, path, f"a list position (the list has {size} item(s))")


# -- write rules -----------------------------------------------------------------------------------


def check_writes(
    reg: Registry, schema_name: str, before: dict[str, Any], after: dict[str, Any], ctx: Ctx, creating: bool
) -> None:
    """invalidPatch for every server-set property (and, on update, immutable one) whose value the
    client changed, at every depth, by the rules of the module docstring. On create, `before` is
    the defaults of the same variant, and a "****" in a secret's place is refused: nothing was
    stored that it could echo (an update resolved its echoes as apply_patch applied them)."""
    if creating:
        unmask_object(reg, schema_name, {}, after, "", ctx)
    _compare(reg, schema_name, before, after, "", ctx, creating, rebuilt=False)


def _compare(
    reg: Registry,
    schema_name: str,
    before: dict[str, Any],
    after: dict[str, Any],
    base: str,
    ctx: Ctx,
    creating: bool,
    rebuilt: bool,
) -> None:
    """`rebuilt`: `after` was built afresh from defaults plus the client's values (a new variant
    here or in an enclosing object), so its server-set fields may also hold their defaults."""
    held: dict[str, FieldDesc] | None = None
    if before.get("@type") != after.get("@type"):
        rebuilt = True
        held = _fields(reg, schema_name, before)  # the old variant's fields: what had a value to keep
    fresh = _baseline(reg, schema_name, after) if rebuilt else None
    for field in _fields(reg, schema_name, after).values():
        name = field.name
        kept = held is None or (name in held and held[name].type == field.type)
        old, new = (before.get(name, MISSING) if kept else MISSING), after.get(name, MISSING)
        if old == new:
            continue
        path = child(base, name)
        if field.update == "serverSet":
            if fresh is None or new != fresh.get(name, MISSING):
                ctx.issues.append(Issue(PATCH, path, "serverSet", f"'{path}' is server-set and cannot be changed"))
            continue
        if field.update == "immutable" and not creating and kept:
            again = " (a new @type keeps it: give its current value)" if held is not None else ""
            ctx.issues.append(Issue(PATCH, path, "immutable", f"'{path}' is immutable and cannot be changed{again}"))
            continue
        _compare_nested(reg, field.type, old, new, path, ctx, creating, rebuilt)


def _baseline(reg: Registry, target: str, new: dict[str, Any]) -> dict[str, Any]:
    return defaults(reg, target, new.get("@type") if plan(reg, target).union else None)


def _guarded(f: FieldDesc) -> bool:
    """A field a client may not set at will: the rules `_compare` enforces."""
    return f.update in ("serverSet", "immutable")


def _compare_nested(
    reg: Registry, t: TypeDesc, old: Any, new: Any, path: str, ctx: Ctx, creating: bool, rebuilt: bool
) -> None:
    """New nested objects are compared against their defaults, so a client cannot smuggle a value
    into a server-set field of an object it adds."""
    if type(new) is not dict or not type_holds(reg, t, "guarded", _guarded):
        return
    if t.kind == "object":
        target = t.target or ""
        before = old if type(old) is dict else _baseline(reg, target, new)
        _compare(reg, target, before, new, path, ctx, creating, rebuilt)
    elif t.kind == "objectList" or (t.kind == "map" and t.item is not None and t.item.kind == "object"):
        target = (t.target if t.kind == "objectList" else t.item.target) or ""  # type: ignore[union-attr]
        olds = old if type(old) is dict else {}
        for key, item in new.items():
            if type(item) is not dict:
                continue
            previous = olds.get(key)
            before = previous if type(previous) is dict else _baseline(reg, target, item)
            _compare(reg, target, before, item, child(path, key), ctx, creating or previous is None, rebuilt)
