"""The server under fuzz with what the fuzzers know about it: the ids it holds, and helpers that
send calls through the oracles and check `set` rounds against the invariants."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from jmap_server import USING

from . import figures
from .invariants import Invariants, SetRound
from .logged_server import LoggedServer
from .oracle import Exchange, fail, post
from .payloads import Payloads
from .values import dumps


@dataclass
class World:
    server: LoggedServer
    registry: Any
    codec: Any
    examples: dict[str, dict[str, Any]]  # each object's documented create payload
    docs: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)  # the last get, by object name
    frozen_ids: dict[str, list[str]] = field(default_factory=dict)  # what payloads refer to (see freeze)

    def __post_init__(self) -> None:
        self.payloads = Payloads(self.registry, lambda name: self.frozen_ids.get(name, []), self.examples)
        self.invariants = Invariants(self.registry, self.codec)

    def freeze(self) -> None:
        """Fixes the ids payloads draw from: hypothesis needs the same draws to give the same
        data, so no strategy may follow the server's changing state."""
        self.frozen_ids = {name: list(docs) for name, docs in self.docs.items()}

    @property
    def objects(self) -> list[Any]:
        return list(self.registry.objects)

    def send(self, calls: list[list[Any]]) -> Exchange:
        return post(self.server, dumps({"using": USING, "methodCalls": calls}))

    @staticmethod
    def read_call(obj: Any, call_id: str) -> list[Any]:
        return [f"{obj.jmap_name}/get", {"ids": ["singleton"] if obj.is_singleton else None}, call_id]

    def read_all(self, obj: Any) -> dict[str, dict[str, Any]]:
        return self.remember(obj, self.send([self.read_call(obj, "read")]).responses[0])

    def remember(self, obj: Any, response: list[Any]) -> dict[str, dict[str, Any]]:
        name, args, _ = response
        if name == "error":
            raise fail("get of every object failed", f"{obj.name}: {args}")
        schema = obj.schema or obj.name
        for item in args["list"]:
            self.invariants.check_item(schema, item, f"{obj.name} {item.get('id')}")
        docs = {item["id"]: item for item in args["list"]}
        self.docs[obj.name] = docs
        return docs

    def call_and_check(self, obj: Any, method: str, args: dict[str, Any]) -> list[Any] | None:
        """One call checked by the oracles and, for set, the invariants (see `calls_and_check`)."""
        responses = self.calls_and_check(obj, [(method, args)])
        return responses[0] if responses else None

    def calls_and_check(self, obj: Any, calls: list[tuple[str, dict[str, Any]]]) -> list[list[Any]] | None:
        """Calls on one object type, with a get of every object of the type before and after
        them in the same request (so nothing else comes between), checked by the oracles; the
        one `set` among them (if any) checked against the invariants. The calls' responses, or
        None when the request was refused as a whole."""
        sent = [[f"{obj.jmap_name}/{method}", args, f"c{i}"] for i, (method, args) in enumerate(calls)]
        exchange = self.send([self.read_call(obj, "before"), *sent, self.read_call(obj, "after")])
        if exchange.reply.status != 200:
            return None
        before_r, *responses, after_r = exchange.responses
        before, after = self.remember(obj, before_r), self.remember(obj, after_r)
        now = before  # what the objects are when a call runs: a set among the calls changes them
        for (method, args), response in zip(calls, responses, strict=True):
            if response[0] == "error":
                figures.count(f"{method} calls answered {response[1].get('type')}")
            elif method == "set":
                states = (before_r[1].get("state"), after_r[1].get("state"))
                self.invariants.check(SetRound(obj, args, response[1], before, after, states))
                tally_set(response[1])
                now = after
            elif method == "get":
                self.invariants.check_get(obj, args, response[1], now)
                figures.count("get calls answered")
            else:
                self.invariants.check_query(obj, args, response[1], now)
                figures.count(f"{method} calls answered")
        return responses


def tally_set(result: dict[str, Any]) -> None:
    for key in ("created", "updated", "destroyed"):
        figures.count(f"set: objects {key}", len(result.get(key) or ()))
    for key in ("notCreated", "notUpdated", "notDestroyed"):
        for error in (result.get(key) or {}).values():
            figures.count(f"set: {key} {error.get('type')}")


@dataclass(frozen=True)
class Slot:
    """A place in a stored object at a JSON-pointer path: an object (the stored one at `""`, a
    nested one, a list element) of `schema`, or a `field` of an object of `schema`."""

    obj: Any  # ObjectDesc
    id: str
    path: str
    schema: str
    field: Any = None  # FieldDesc; None for an object slot

    @property
    def is_object(self) -> bool:
        return self.field is None


def slots(world: World, wanted: Callable[[Slot], bool]) -> list[Slot]:
    """Every place in the objects stored when the world was frozen that `wanted` keeps: fields
    at every depth, through nested objects and list elements."""
    out: list[Slot] = []
    for obj in world.objects:
        schema = obj.schema or obj.name
        for obj_id in world.frozen_ids.get(obj.name, []):
            doc = world.docs.get(obj.name, {}).get(obj_id)
            out += [s for s in _walk(world, obj, obj_id, schema, doc, "") if wanted(s)]
    return out


def _walk(world: World, obj: Any, obj_id: str, schema_name: str, doc: Any, base: str) -> list[Slot]:
    if not isinstance(doc, dict):
        return []
    reg = world.registry
    out = [Slot(obj, obj_id, base.rstrip("/"), schema_name)]
    schema = reg.schema(schema_name)
    fields = reg.variant_fields(schema, doc.get("@type")) if schema.is_union else schema.fields
    for f in fields or ():
        path = base + f.name.replace("~", "~0").replace("/", "~1")
        out.append(Slot(obj, obj_id, path, schema_name, f))
        value = doc.get(f.name)
        if f.type.kind == "object":
            out += _walk(world, obj, obj_id, f.type.target, value, path + "/")
        elif f.type.kind == "objectList" and isinstance(value, dict):
            for k, item in value.items():
                out += _walk(world, obj, obj_id, f.type.target, item, f"{path}/{k}/")
    return out
