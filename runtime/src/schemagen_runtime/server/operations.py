"""Operation objects: a create runs the operation its variant names, through a handler per variant.

The schema marks such an object (`operation: true`, `ObjectDesc.operation`); every one is an
operation object from the start, with no handler. The application registers a handler for each
variant it can run (server/extensions.py: an entry point or the app factory's `extensions`). On
create the server calls it inside the object's savepoint, after validation: it may change server
state through the store and return values for the record's server-set fields. A variant without a
handler is refused with a SetError and nothing is stored. Records of such objects are immutable.
"""

from __future__ import annotations

from collections.abc import Callable
from copy import deepcopy
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ..codec import defaults
from ..descriptors import ObjectDesc, Registry
from .auth import Principal
from .permissions import variant_permission
from .store_api import Session


class OperationRefused(Exception):
    """Raised by a handler (or for a variant without one): the create fails with this SetError."""

    def __init__(self, description: str, kind: str = "forbidden", properties: tuple[str, ...] = ("@type",)) -> None:
        super().__init__(description)
        self.description, self.kind, self.properties = description, kind, properties

    def set_error(self) -> dict[str, Any]:
        return {"type": self.kind, "description": self.description, "properties": list(self.properties)}


class ExtensionError(ValueError):
    """A registration the schema cannot honour: the server does not start (`error: ...`, exit 1)."""


@dataclass(frozen=True, slots=True)
class OperationContext:
    registry: Registry
    store: Session  # the create's unit of work: its savepoint holds the record and the handler's changes
    object: ObjectDesc
    id: str
    record: dict[str, Any]  # the canonical record about to be stored
    principal: Principal

    @staticmethod
    def now() -> str:
        return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    # What a handler reads and writes, in the create's savepoint (the record and these changes
    # commit together or not at all); `object_name` is any object of the registry.

    def get(self, object_name: str, obj_id: str) -> dict[str, Any]:
        """The stored record, or the object's defaults when there is none (a singleton never written)."""
        stored = self.store.get(object_name, obj_id)
        if stored is not None:
            return stored
        obj = self.registry.object(object_name)
        return deepcopy(defaults(self.registry, obj.schema or obj.name))  # a handler may change nested values

    def put(self, object_name: str, obj_id: str, doc: dict[str, Any]) -> None:
        """Stores `doc` and moves the object's state on, so clients see the change (RFC 8620 /changes)."""
        self.store.put(object_name, obj_id, doc)
        self.store.bump_state(object_name)


Handler = Callable[[OperationContext], dict[str, Any] | None]


class Operations:
    """The handlers of the registry's operation objects, by object and variant."""

    def __init__(self, registry: Registry) -> None:
        self.registry = registry
        self._handlers: dict[str, dict[str, Handler]] = {}
        for obj in registry.objects:
            if obj.operation:
                self.declare(obj.name)

    def declare(self, object_name: str) -> None:
        """Marks an object as an operation object even before any handler is registered."""
        self._handlers.setdefault(object_name, {})

    def variants(self, object_name: str) -> tuple[str, ...]:
        """The variants of an operation object (what `register` accepts); () for any other object."""
        obj = self.registry.find_object(object_name)
        if obj is None or not self.is_operation(object_name):
            return ()
        return tuple(v.name for v in self.registry.schema(obj.schema or obj.name).variants)

    def register(self, object_name: str, variant: str, handler: Handler) -> None:
        """Runs `handler` for every create of `variant`; an object the schema does not mark as an
        operation object, a variant it lacks, or a second handler for one variant is an error."""
        known = self.variants(object_name)
        if not known:
            raise ExtensionError(f"cannot register {object_name} {variant!r}: not an operation object of this schema")
        if variant not in known:
            raise ExtensionError(f"cannot register {object_name} {variant!r}: {object_name} has no such variant")
        handlers = self._handlers[object_name]
        if variant in handlers:
            raise ExtensionError(f"{object_name} {variant!r} already has a handler")
        handlers[variant] = handler

    def is_operation(self, object_name: str) -> bool:
        return object_name in self._handlers

    def run(self, ctx: OperationContext) -> dict[str, Any]:
        variant = ctx.record.get("@type") or ctx.object.name
        permission = variant_permission(ctx.object.name, variant)
        if not ctx.principal.may(permission):
            raise OperationRefused(f"running {variant} requires the {permission} permission")
        handler = self._handlers.get(ctx.object.name, {}).get(variant)
        if handler is None:
            raise OperationRefused(
                f"this server has no handler for {ctx.object.name} {variant!r}: it was not run and nothing was stored"
            )
        return handler(ctx) or {}
