"""`Foo/get` and `Foo/query` (RFC 8620 §5.1, §5.5) over the store, and the per-call context."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..codec import default_listing, defaults
from ..descriptors import ObjectDesc, Registry
from ..encode import encode_object, masker
from .auth import Principal
from .jsonio import Raw, sendable, to_text
from .protocol import MethodError, invalid_arguments
from .query import compile_filter, compile_sort
from .store_api import AnchorNotFound, Query, Session

if TYPE_CHECKING:
    from .app import JmapApp

SINGLETON_ID = "singleton"


@dataclass(slots=True)
class Call:
    app: JmapApp
    principal: Principal
    obj: ObjectDesc
    args: dict[str, Any]
    created_ids: dict[str, str]
    store: Session  # the request's unit of work: one transaction

    @property
    def reg(self) -> Registry:
        return self.app.registry

    @property
    def schema(self) -> str:
        return self.obj.schema or self.obj.name

    def check_args(self, allowed: tuple[str, ...]) -> None:
        unknown = [k for k in self.args if k not in allowed]
        if unknown:
            raise invalid_arguments(f"unknown argument(s) for {self.obj.jmap_name}: {', '.join(unknown)}")
        account = self.args.get("accountId")
        if account is not None and account != self.principal.account_id:
            raise MethodError("accountNotFound", f"account {account!r} is not this credential's account")

    def resolve_id(self, raw: str) -> str:
        """`#creationId` → the id created under it earlier in this request (else unchanged)."""
        return self.created_ids.get(raw[1:], raw) if raw.startswith("#") else raw

    def load(self, obj_id: str) -> dict[str, Any] | None:
        if self.obj.is_singleton:
            if obj_id != SINGLETON_ID:
                return None
            return self.store.get(self.obj.name, obj_id) or defaults(self.reg, self.schema)
        return self.store.get(self.obj.name, obj_id)

    def id_list(self, name: str, value: Any) -> list[str]:
        if type(value) is not list or any(type(v) is not str for v in value):
            raise invalid_arguments(f"'{name}' must be an array of id strings")
        return value

    def view(self, obj_id: str) -> dict[str, Any] | None:
        """Like `load`, for reading only: a never-written singleton shares the cached defaults (with
        null for a required field, which has no default)."""
        if self.obj.is_singleton:
            if obj_id != SINGLETON_ID:
                return None
            return self.store.get(self.obj.name, obj_id) or default_listing(self.reg, self.schema)
        return self.store.get(self.obj.name, obj_id)

    def response_base(self) -> dict[str, Any]:
        return {"accountId": self.principal.account_id}


def property_names(reg: Registry, schema_name: str) -> set[str]:
    schema = reg.schema(schema_name)
    names = {"id"}
    if schema.is_union:
        names.add("@type")
        for variant in schema.variants:
            names.update(f.name for f in (reg.variant_fields(schema, variant.name) or ()))
    else:
        names.update(f.name for f in schema.fields)
    return names


def get(call: Call) -> dict[str, Any]:
    call.check_args(("accountId", "ids", "properties"))
    raw_ids = call.args.get("ids")
    ids = None if raw_ids is None else call.id_list("ids", raw_ids)
    limit = call.app.limits.max_objects_in_get
    if ids is not None and len(ids) > limit:
        raise MethodError("requestTooLarge", f"{len(ids)} ids; at most {limit} per get")
    properties = call.args.get("properties")
    if properties is not None:
        if not isinstance(properties, list) or not all(isinstance(p, str) for p in properties):
            raise invalid_arguments("'properties' must be an array of property names")
        unknown = sorted(set(properties) - property_names(call.reg, call.schema))
        if unknown:
            raise invalid_arguments(f"unknown properties: {', '.join(unknown)}")
    found: list[dict[str, Any] | Raw] = []
    not_found: list[str] = []
    if ids is None and not call.obj.is_singleton:
        for obj_id, doc in call.store.all(call.obj.name, limit):
            found.append(encode_object(call.reg, call.schema, doc, obj_id, properties))
    elif not call.obj.is_singleton:
        as_stored = properties is None and masker(call.reg, call.schema) is None
        wanted = list(dict.fromkeys(ids or ()))
        texts = call.store.get_texts(call.obj.name, [call.resolve_id(raw) for raw in wanted])
        for raw in wanted:
            obj_id = call.resolve_id(raw)
            text = texts.get(obj_id)
            if text is None:
                not_found.append(raw)
            elif as_stored and sendable(text):  # what get shows is the stored document, id first
                found.append(Raw(f'{{"id":{to_text(obj_id)}{"," if text != "{}" else ""}{text[1:]}'))
            else:  # encoded: secrets masked, properties picked, or an older server's text repaired
                found.append(encode_object(call.reg, call.schema, json.loads(text), obj_id, properties))
    else:
        for raw in dict.fromkeys(ids if ids is not None else [SINGLETON_ID]):
            obj_id = call.resolve_id(raw)
            viewed = call.view(obj_id)
            if viewed is None:
                not_found.append(raw)
            else:
                found.append(encode_object(call.reg, call.schema, viewed, obj_id, properties))
    out = call.response_base()
    out.update(state=call.store.state(call.obj.name), list=found, notFound=not_found)
    return out


def _int_arg(call: Call, name: str, default: int | None, minimum: int | None = None) -> int | None:
    value = call.args.get(name, default)
    if value is None:
        return None
    if type(value) is not int or (minimum is not None and value < minimum):
        raise invalid_arguments(
            f"'{name}' must be an integer" + (f" of at least {minimum}" if minimum is not None else "")
        )
    return value


def query(call: Call) -> dict[str, Any]:
    call.check_args(("accountId", "filter", "sort", "position", "anchor", "anchorOffset", "limit", "calculateTotal"))
    where = compile_filter(call.reg, call.schema, call.args.get("filter"), call.app.limits.max_filter_depth)
    sort = compile_sort(call.reg, call.schema, call.args.get("sort"))
    position = _int_arg(call, "position", 0) or 0
    offset = _int_arg(call, "anchorOffset", 0) or 0
    requested = _int_arg(call, "limit", None, 0)
    cap = call.app.limits.max_objects_in_get
    limit = cap if requested is None or requested > cap else requested
    anchor = call.args.get("anchor")
    if anchor is not None:
        if not isinstance(anchor, str):
            raise invalid_arguments("'anchor' must be an id")
        anchor = call.resolve_id(anchor)
    calculate = call.args.get("calculateTotal", False)
    if not isinstance(calculate, bool):
        raise invalid_arguments("'calculateTotal' must be a boolean")
    request = Query(call.obj.name, where, sort, position, anchor, offset, limit, calculate)
    try:
        result = call.store.query(request)
    except AnchorNotFound:
        raise MethodError("anchorNotFound", f"{anchor!r} is not in the query results") from None
    out = call.response_base()
    out.update(
        queryState=call.store.state(call.obj.name),
        canCalculateChanges=False,
        position=result.position,
        ids=result.ids,
    )
    if calculate:
        out["total"] = result.total
    if requested is None or requested > cap:  # RFC 8620 §5.5: the limit applied when it was clamped
        out["limit"] = cap
    return out
