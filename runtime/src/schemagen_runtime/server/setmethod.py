"""`Foo/set` (RFC 8620 §5.3): creates, then updates, then destroys, in one transaction.

Each object is all-or-nothing: it is decoded, checked and validated before anything is written,
and its write (with an operation's side effects) runs in its own savepoint; a unique key another
object holds (the store's `KeyTaken`) undoes it. The call runs in the request's write unit, so
ifInState is checked inside the write transaction, and the response is sent only once that unit
has committed durably (store_api.Store.write).
"""

from __future__ import annotations

from typing import Any, NamedTuple

from ..codec import Ctx, decode_object, defaults, plan
from ..descriptors import MISSING
from ..encode import encode_object
from ..errors import PATCH, Issue, set_error, shorten
from ..patch import apply_patch, check_writes
from ..validate import validate
from .methods import Call
from .operations import OperationContext, OperationRefused
from .protocol import MethodError, invalid_arguments, is_id
from .references import linked_description
from .refs import missing_targets
from .servervalues import ValuePath, fill_server_values, now, reveal, stamped
from .store_api import KeyTaken

SINGLETON_ERROR = {"type": "singleton", "description": "Singletons cannot be created or destroyed."}


def _error(kind: str, description: str, **extra: Any) -> dict[str, Any]:
    return {"type": kind, "description": description, **extra}


def _completed(call: Call, doc: dict[str, Any], creating: bool) -> list[ValuePath] | dict[str, Any]:
    """Fills in the values the server knows and checks the whole document as it will be stored:
    where secrets were generated, or a SetError (a refused value, a dangling reference)."""
    secret_paths = fill_server_values(call.reg, call.schema, doc, creating, now())
    issues = validate(call.reg, call.schema, doc)
    if issues:
        return set_error(issues)
    dangling = missing_targets(call.reg, call.store, call.schema, doc)
    if dangling:
        return _error("invalidForeignKey", f"no object with the id given at {', '.join(dangling)}", properties=dangling)
    return secret_paths


def _key_taken(taken: KeyTaken) -> dict[str, Any]:
    """primaryKeyViolation naming the holder (`existingId`, as RFC 8620's alreadyExists does)."""
    fields = list(taken.key.properties)
    description = f"another {taken.owner_type} already has this {', '.join(fields)} (id {taken.owner_id})"
    return _error("primaryKeyViolation", description, properties=fields, existingId=taken.owner_id)


def _server_values(call: Call, doc: dict[str, Any], secret_paths: list[ValuePath]) -> dict[str, Any]:
    """What only the server could know (RFC 8620 §5.3 created): server-set fields that the create
    gave a value of its own (an operation's result, a generated value), and the properties holding
    the secrets it generated, those in the clear. Defaults of omitted fields and the creation time
    are left to a get: schema-driven clients show every extra key of `created` as a
    server-generated value the user must note down now."""
    fields = plan(call.reg, call.schema).fields_for(doc)
    revealed = reveal(call.reg, call.schema, doc, secret_paths)
    shown = {**encode_object(call.reg, call.schema, doc), **revealed}
    return {
        fp.name: shown[fp.name]
        for fp in fields
        if fp.name in revealed
        or (
            fp.desc.update == "serverSet"
            and shown.get(fp.name) is not None
            and not stamped(fp.desc)
            and doc.get(fp.name) != fp.default
        )
    }


def _create(call: Call, payload: Any) -> tuple[str, dict[str, Any]] | dict[str, Any]:
    """(new id, created entry) or a SetError."""
    if call.obj.is_singleton:
        return SINGLETON_ERROR
    if not isinstance(payload, dict):
        return _error("invalidPatch", "a create must be an object of properties", properties=[])
    ctx = Ctx(resolve=call.created_ids.get)
    if "id" in payload:
        ctx.issues.append(Issue(PATCH, "id", "serverSet", "'id' is server-set and cannot be given"))
    doc = decode_object(call.reg, call.schema, {k: v for k, v in payload.items() if k != "id"}, ctx)
    if doc is not MISSING:
        baseline = defaults(call.reg, call.schema, doc.get("@type"))
        check_writes(call.reg, call.schema, baseline, doc, ctx, creating=True)
    if ctx.issues or doc is MISSING:
        return set_error(ctx.issues)
    secret_paths = _completed(call, doc, creating=True)
    if isinstance(secret_paths, dict):
        return secret_paths
    operations = call.app.operations
    try:
        with call.store.savepoint():
            new_id = call.store.new_id()
            if operations.is_operation(call.obj.name):
                context = OperationContext(call.reg, call.store, call.obj, new_id, doc, call.principal)
                doc.update(operations.run(context))
            call.store.put(call.obj.name, new_id, doc)
    except OperationRefused as refused:
        return refused.set_error()
    except KeyTaken as taken:
        return _key_taken(taken)
    return new_id, {"id": new_id, **_server_values(call, doc, secret_paths)}


class Updated(NamedTuple):
    stored: bool  # False for a no-op
    server_values: dict[str, Any] | None  # RFC 8620 §5.3 updated: what the server set (generated secrets)


def _update(call: Call, obj_id: str, patch: Any, destroying: set[str]) -> Updated | dict[str, Any]:
    """What was stored, or a SetError."""
    current = call.load(obj_id)
    if current is None:
        return _error("notFound", f"no {call.obj.name} with id {obj_id!r}")
    if obj_id in destroying:
        return _error("willDestroy", "this object is destroyed by the same call")
    if not isinstance(patch, dict):
        return _error("invalidPatch", "an update must be a patch object", properties=[])
    ctx = Ctx(resolve=call.created_ids.get)
    entries = dict(patch)
    restated = entries.pop("id", obj_id)
    if (call.resolve_id(restated) if isinstance(restated, str) else restated) != obj_id:
        ctx.issues.append(Issue(PATCH, "id", "serverSet", "'id' is server-set and cannot be changed"))
    doc = apply_patch(call.reg, call.schema, current, entries, ctx)
    if not ctx.issues:
        check_writes(call.reg, call.schema, current, doc, ctx, creating=False)
    if ctx.issues:
        return set_error(ctx.issues)
    if doc == current:
        return Updated(False, None)
    if call.app.operations.is_operation(call.obj.name):
        return _error("forbidden", f"{call.obj.name} records are immutable: they record an operation that already ran")
    secret_paths = _completed(call, doc, creating=False)
    if isinstance(secret_paths, dict):
        return secret_paths
    try:
        with call.store.savepoint():
            call.store.put(call.obj.name, obj_id, doc)
    except KeyTaken as taken:
        return _key_taken(taken)
    return Updated(True, reveal(call.reg, call.schema, doc, secret_paths) or None)


def _destroy(call: Call, obj_id: str) -> dict[str, Any] | None:
    if call.obj.is_singleton:
        return SINGLETON_ERROR
    if not call.store.exists(call.obj.name, obj_id):
        return _error("notFound", f"no {call.obj.name} with id {obj_id!r}")
    links = linked_description(call.reg, call.store, call.principal, call.obj.name, obj_id)
    if links:
        return _error("objectIsLinked", links)
    with call.store.savepoint():
        call.store.delete(call.obj.name, obj_id)
    return None


def _arguments(call: Call) -> tuple[dict[str, Any], dict[str, Any], list[str]]:
    create, update, destroy = (call.args.get(k) for k in ("create", "update", "destroy"))
    if create is not None and not isinstance(create, dict):
        raise invalid_arguments("'create' must map creation ids to objects")
    bad = next((k for k in create or {} if not is_id(k)), None)
    if bad is not None:  # a creation id is an Id: "#" + it must be a reference other calls can make
        raise invalid_arguments(f"creation id {shorten(bad)} is not an Id: 1-255 characters of A-Z a-z 0-9 - _")
    if update is not None and not isinstance(update, dict):
        raise invalid_arguments("'update' must map ids to patch objects")
    destroy_ids = call.id_list("destroy", destroy) if destroy is not None else []
    total = len(create or {}) + len(update or {}) + len(destroy_ids)
    if total > call.app.limits.max_objects_in_set:
        raise MethodError("requestTooLarge", f"{total} objects; at most {call.app.limits.max_objects_in_set} per set")
    return create or {}, update or {}, destroy_ids


def set_(call: Call) -> dict[str, Any]:
    call.check_args(("accountId", "ifInState", "create", "update", "destroy"))
    create, update, destroy = _arguments(call)
    name = call.obj.name
    created: dict[str, Any] = {}
    updated: dict[str, Any] = {}
    destroyed: list[str] = []
    failed: dict[str, dict[str, Any]] = {"notCreated": {}, "notUpdated": {}, "notDestroyed": {}}
    with call.store.savepoint():  # the whole call, or (on an error raised here) nothing of it
        old_state = call.store.state(name, for_update=True)
        if_in_state = call.args.get("ifInState")
        if if_in_state is not None and if_in_state != old_state:
            raise MethodError("stateMismatch", f"the state is {old_state}, not {if_in_state!r}")
        changed = False
        for creation_id, payload in create.items():
            result = _create(call, payload)
            if isinstance(result, tuple):
                call.created_ids[creation_id] = result[0]
                created[creation_id] = result[1]
                changed = True
            else:
                failed["notCreated"][creation_id] = result
        destroying = {call.resolve_id(i) for i in destroy}
        # RFC 8620 §5.3: the response names objects by id, so a `#creationId` is answered with the id
        # it resolved to (an unresolved one stays as sent, with its notFound)
        for raw_id, patch in update.items():
            obj_id = call.resolve_id(raw_id)
            outcome = _update(call, obj_id, patch, destroying)
            if isinstance(outcome, Updated):
                updated[obj_id] = outcome.server_values
                changed = changed or outcome.stored
            else:
                failed["notUpdated"][obj_id] = outcome
        for raw_id in destroy:
            obj_id = call.resolve_id(raw_id)
            error = _destroy(call, obj_id)
            if error is None:
                destroyed.append(obj_id)
                changed = True
            else:
                failed["notDestroyed"][obj_id] = error
        new_state = call.store.bump_state(name) if changed else old_state
    out = call.response_base()
    out.update(oldState=old_state, newState=new_state)
    out.update(created=created or None, updated=updated or None, destroyed=destroyed or None)
    out.update({k: v or None for k, v in failed.items()})
    return out
