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

from .codec import Ctx
from .descriptors import MISSING, FieldDesc, Registry, TypeDesc
from .encode import MASK
from .errors import child
from .reach import fields_to_visit, type_holds, types_in

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
    fields = fields_to_visit(reg, schema_name, new.get("@type"), "secret", _holds_secret_itself)
    if not fields:
        return new
    held = {
        fp.name: fp.desc for fp in fields_to_visit(reg, schema_name, old.get("@type"), "secret", _holds_secret_itself)
    }
    for fp in fields:
        name, field = fp.name, fp.desc
        if name in new:
            was = held.get(name)
            previous = old.get(name, MISSING) if was is not None and was.type == field.type else MISSING
            new[name] = unmask(reg, field.type, previous, new[name], child(path, name), ctx)
    return new


def _holds_secret_itself(f: FieldDesc) -> bool:
    """A field whose value, or a member, key or map value of it, is a secret."""
    return any(t.is_secret for t in types_in(f.type))


def _holds_secret(reg: Registry, t: TypeDesc) -> bool:
    """Whether a value of type `t` can hold a secret at any depth."""
    return any(x.is_secret for x in types_in(t)) or type_holds(reg, t, "secret", _holds_secret_itself)
