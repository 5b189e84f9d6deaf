"""Secrets echoed back as get masks them ("****"): kept where a secret is stored, refused elsewhere.

get shows every secret as "****" (encode.py), so a client that sends back what it read sends
"****" where the secret was. `unmask` runs on a value just decoded from a write, with the value it
replaces: each "****" in a secret's place takes the secret stored at the same place before (the
same field name and type, in the old variant when `@type` changed; the same list position; the
same map key). Where nothing was stored there, "****" is not an echo, and storing it would replace
a secret with the mask: it is refused on its path. patch.py's docstring states the rule.

A secret is whatever `TypeDesc.is_secret` says: a value of a secret format, or of a field flagged
`secret: true` whatever its format (an OTP URI); the one rule serves both, here and in encode.py.
"""

from __future__ import annotations

from typing import Any

from .codec import Ctx, plan
from .descriptors import MISSING, FieldDesc, Registry, TypeDesc
from .encode import MASK
from .errors import child

NOT_AN_ECHO = f"{MASK!r} is how get masks a secret; send the secret itself"


def unmask(reg: Registry, t: TypeDesc, old: Any, new: Any, path: str, ctx: Ctx) -> Any:
    """`new` (a decoded value of type `t` replacing `old`, MISSING if nothing) with every "****"
    in a secret's place replaced by the secret `old` holds there, or refused when it holds none.
    Containers are updated in place."""
    if t.is_secret:
        if new != MASK:
            return new
        if type(old) is str:
            return old
        ctx.invalid(path, NOT_AN_ECHO)
        return new
    if type(new) is not dict or not _holds_secret(reg, t):
        return new
    olds = old if type(old) is dict else {}
    if t.kind == "object":
        return unmask_object(reg, t.target or "", olds, new, path, ctx)
    item = TypeDesc("object", target=t.target) if t.kind == "objectList" else t.item
    if item is not None:
        for key, value in new.items():
            new[key] = unmask(reg, item, olds.get(key, MISSING), value, child(path, key), ctx)
    return new


def unmask_object(
    reg: Registry, schema_name: str, old: dict[str, Any], new: dict[str, Any], path: str, ctx: Ctx
) -> dict[str, Any]:
    """`unmask` for an object of `schema_name`: a field pairs with the old object's field of the
    same name and type (its old variant's, after a change of `@type`)."""
    fields = _secret_fields(reg, schema_name, new)
    if not fields:
        return new
    held = _secret_fields(reg, schema_name, old)
    for name, field in fields.items():
        if name in new:
            was = held.get(name)
            previous = old.get(name, MISSING) if was is not None and was.type == field.type else MISSING
            new[name] = unmask(reg, field.type, previous, new[name], child(path, name), ctx)
    return new


def _secret_fields(reg: Registry, schema_name: str, doc: dict[str, Any]) -> dict[str, FieldDesc]:
    """The fields of `doc`'s schema (its variant's, for a union) that can hold a secret; cached."""
    p = plan(reg, schema_name)
    tag = doc.get("@type") if p.union else None
    key = ("secret-fields", schema_name, tag if type(tag) is str and tag in p.variants else None)
    found = reg.cache.get(key)
    if found is None:
        plans = p.fields_for(doc)
        found = reg.cache[key] = {fp.name: fp.desc for fp in plans if _holds_secret(reg, fp.desc.type)}
    return found


def _holds_secret(reg: Registry, t: TypeDesc) -> bool:
    """Whether a value of type `t` can hold a secret at any depth; cached per type."""
    key = ("holds-secret", t)
    found = reg.cache.get(key)
    if found is None:
        found = reg.cache[key] = _reaches_secret(reg, t)
    return found


def _reaches_secret(reg: Registry, start: TypeDesc) -> bool:
    """A walk over the schemas `start` reaches, each once (schemas may be recursive)."""
    stack, seen = [start], set()
    while stack:
        t = stack.pop()
        if t.is_secret:
            return True
        if t.kind == "map" and t.item is not None:
            stack.append(t.item)
        elif t.kind in ("object", "objectList") and t.target and t.target not in seen:
            seen.add(t.target)
            p = plan(reg, t.target)
            groups = [p.fields] if not p.union else [plans for plans, _ in p.variants.values()]
            stack.extend(fp.desc.type for plans in groups for fp in plans)
    return False
