"""The served application's engine: what the operation object's handlers act on.

This server manages a registry, not a mail flow, so its "engine" is state a client can observe:
the `<namespace>ServerState` singleton (read with `x:ServerState/get`, the operation object's Get
permission; every field is server-set). Handlers run inside the Action's savepoint, so the record
and the state change commit together or not at all:

- Reload* bumps that reload's counter in `reloads` and stamps `lastReload`;
- InvalidateCaches bumps `cacheGeneration` and `negativeCacheGeneration`, InvalidateNegativeCaches
  only the latter;
- PauseMtaQueue / ResumeMtaQueue set `mtaQueuePaused`.

Variants with no engine here (DMARC troubleshooting, spam classification, app updates) get no
handler, so creating them is refused with a SetError instead of pretending to run.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..codec import defaults
from ..descriptors import FieldDesc, ObjectDesc, SchemaDesc, TypeDesc
from .operations import Handler, OperationContext

if TYPE_CHECKING:
    from .app import JmapApp

OPERATION_OBJECT = "Action"
STATE_OBJECT = "ServerState"
STATE_ID = "singleton"

_COUNT = TypeDesc("number", "unsignedInteger")
STATE_SCHEMA = SchemaDesc(
    STATE_OBJECT,
    fields=(
        FieldDesc("mtaQueuePaused", TypeDesc("boolean"), update="serverSet", default=False),
        FieldDesc("reloads", TypeDesc("map", key=TypeDesc("string"), item=_COUNT), update="serverSet", default={}),
        FieldDesc("lastReload", TypeDesc("utcDateTime", nullable=True), update="serverSet", default=None),
        FieldDesc("cacheGeneration", _COUNT, update="serverSet", default=0),
        FieldDesc("negativeCacheGeneration", _COUNT, update="serverSet", default=0),
        FieldDesc("lastAction", TypeDesc("string", nullable=True), update="serverSet", default=None),
        FieldDesc("lastActionAt", TypeDesc("utcDateTime", nullable=True), update="serverSet", default=None),
    ),
)


def _change(ctx: OperationContext, edit: Any) -> dict[str, Any]:
    state = ctx.store.get(STATE_OBJECT, STATE_ID) or defaults(ctx.registry, STATE_OBJECT)
    edit(state)
    state["lastAction"] = ctx.id
    state["lastActionAt"] = ctx.now()
    ctx.store.put(STATE_OBJECT, STATE_ID, state)
    ctx.store.bump_state(STATE_OBJECT)
    return {}  # the Action variants that run here have no result fields


def reload(what: str) -> Handler:
    def run(ctx: OperationContext) -> dict[str, Any]:
        def edit(state: dict[str, Any]) -> None:
            state["reloads"][what] = state["reloads"].get(what, 0) + 1
            state["lastReload"] = ctx.now()

        return _change(ctx, edit)

    return run


def invalidate(negative_only: bool) -> Handler:
    def run(ctx: OperationContext) -> dict[str, Any]:
        def edit(state: dict[str, Any]) -> None:
            if not negative_only:
                state["cacheGeneration"] += 1
            state["negativeCacheGeneration"] += 1

        return _change(ctx, edit)

    return run


def queue(paused: bool) -> Handler:
    def run(ctx: OperationContext) -> dict[str, Any]:
        return _change(ctx, lambda state: state.__setitem__("mtaQueuePaused", paused))

    return run


HANDLERS: dict[str, Handler] = {
    "ReloadSettings": reload("settings"),
    "ReloadTlsCertificates": reload("tlsCertificates"),
    "ReloadLookupStores": reload("lookupStores"),
    "ReloadBlockedIps": reload("blockedIps"),
    "InvalidateCaches": invalidate(negative_only=False),
    "InvalidateNegativeCaches": invalidate(negative_only=True),
    "PauseMtaQueue": queue(paused=True),
    "ResumeMtaQueue": queue(paused=False),
}


def install_engine(app: JmapApp) -> None:
    """Registers the handlers for the variants the schema has and adds the state object
    (nothing, if the schema has no operation object)."""
    reg = app.registry
    action = reg.find_object(OPERATION_OBJECT)
    if action is None:
        return
    app.operations.declare(action.name)
    variants = {v.name for v in reg.schema(action.schema or action.name).variants}
    for variant, handler in HANDLERS.items():
        if variant in variants:
            app.operations.register(action.name, variant, handler)
    if reg.find_object(STATE_OBJECT) is None:
        jmap_name = reg.project.namespace + STATE_OBJECT
        reg.add_object(
            ObjectDesc(STATE_OBJECT, jmap_name, "singleton", action.permission_prefix, STATE_OBJECT), STATE_SCHEMA
        )
