"""Handlers of Stalwart's Action variants: each changes the ServerState singleton, which clients read.

Registered through the entry point group `schemagen.operations` (name `stalwart_registry`), so the
generated server finds them at start-up; `register` is also what an embedder passes to
`create_app(config, extensions=[register])`. See README.md for what each variant does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from schemagen_runtime.server.operations import ExtensionError, Handler, OperationContext, Operations

OPERATION_OBJECT = "Action"
STATE_OBJECT = "ServerState"
STATE_ID = "singleton"

Edit = Callable[[OperationContext, dict[str, Any]], None]


def _changing_state(edit: Edit) -> Handler:
    """A handler that applies `edit` to the state, records which Action did it, and stores it."""

    def run(ctx: OperationContext) -> dict[str, Any]:
        state = ctx.get(STATE_OBJECT, STATE_ID)
        edit(ctx, state)
        state["lastAction"] = ctx.id
        state["lastActionAt"] = ctx.now()
        ctx.put(STATE_OBJECT, STATE_ID, state)
        return {}  # the variants handled here have no result fields

    return run


def reload(what: str) -> Handler:
    def edit(ctx: OperationContext, state: dict[str, Any]) -> None:
        state["reloads"][what] = state["reloads"].get(what, 0) + 1
        state["lastReload"] = ctx.now()

    return _changing_state(edit)


def invalidate(negative_only: bool) -> Handler:
    def edit(ctx: OperationContext, state: dict[str, Any]) -> None:
        if not negative_only:
            state["cacheGeneration"] += 1
        state["negativeCacheGeneration"] += 1

    return _changing_state(edit)


def queue(paused: bool) -> Handler:
    def edit(ctx: OperationContext, state: dict[str, Any]) -> None:
        state["mtaQueuePaused"] = paused

    return _changing_state(edit)


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


def register(operations: Operations) -> None:
    """Registers a handler for each variant of Action the schema has. A schema whose Action is not
    an operation object gets none; one that makes it so without the ServerState singleton the
    handlers change cannot run them, and the server does not start."""
    available = operations.variants(OPERATION_OBJECT)
    if not available:
        return
    state = operations.registry.find_object(STATE_OBJECT)
    if state is None or not state.is_singleton:
        raise ExtensionError(f"the {OPERATION_OBJECT} handlers need the {STATE_OBJECT} singleton in the schema")
    for variant, handler in HANDLERS.items():
        if variant in available:
            operations.register(OPERATION_OBJECT, variant, handler)
