"""Objects whose create runs an operation (Action): handlers registered per variant.

The application registers a handler for each variant it can run. On create the server calls it
inside the object's savepoint, after validation: it may change server state through the store
and return values for the record's server-set fields. A variant without a handler is refused with
a SetError and nothing is stored. Records of such objects are immutable.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ..descriptors import ObjectDesc, Registry
from .auth import Principal
from .permissions import variant_permission
from .store import Store


class OperationRefused(Exception):
    """Raised by a handler (or for a variant without one): the create fails with this SetError."""

    def __init__(self, description: str, kind: str = "forbidden", properties: tuple[str, ...] = ("@type",)) -> None:
        super().__init__(description)
        self.description, self.kind, self.properties = description, kind, properties

    def set_error(self) -> dict[str, Any]:
        return {"type": self.kind, "description": self.description, "properties": list(self.properties)}


@dataclass(frozen=True, slots=True)
class OperationContext:
    registry: Registry
    store: Store
    object: ObjectDesc
    id: str
    record: dict[str, Any]  # the canonical record about to be stored
    principal: Principal

    @staticmethod
    def now() -> str:
        return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


Handler = Callable[[OperationContext], dict[str, Any] | None]


class Operations:
    def __init__(self) -> None:
        self._handlers: dict[str, dict[str, Handler]] = {}

    def declare(self, object_name: str) -> None:
        """Marks an object as an operation object even before any handler is registered."""
        self._handlers.setdefault(object_name, {})

    def register(self, object_name: str, variant: str, handler: Handler) -> None:
        self._handlers.setdefault(object_name, {})[variant] = handler

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
                f"this server has no engine for {ctx.object.name} {variant!r}: it was not run and nothing was stored"
            )
        return handler(ctx) or {}
