"""Method groups of the typed client: `client.action.create(...)`, `client.spam_dnsbl_settings.get()`.

Models go out through `to_wire` and come back through `from_stored` (`from_wire`), the runtime's one codec; a
refused object raises `SetError`, a refused call `MethodError` (both carry type, description
and properties). A reply of the wrong shape, including an object that does not decode with the
schema, raises `TransportError`: the client never fails with a KeyError or TypeError of its own.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, Generic, TypeVar

from .descriptors import ObjectDesc
from .errors import ValidationFailed
from .jmap_client import JmapClient, JmapError, SetError, TransportError, items, member
from .models import Model

M = TypeVar("M", bound=Model)
# what create and update take besides a model: the generated package's TypedDicts (payloads.py)
C = TypeVar("C", bound=Mapping[str, Any])
U = TypeVar("U", bound=Mapping[str, Any])


class NotFound(JmapError):
    def __init__(self, obj: str, object_id: str) -> None:
        super().__init__(f"{obj} {object_id!r} not found")
        self.id = object_id


def _changes(changes: Model | Mapping[str, Any]) -> dict[str, Any]:
    if isinstance(changes, Model):
        data = changes.to_wire()
        data.pop("id", None)
        return data
    return dict(changes)


class _Group(Generic[M]):
    def __init__(self, client: JmapClient, obj: ObjectDesc, model: type[M]) -> None:
        self._client, self._obj, self._model = client, obj, model

    def _method(self, verb: str) -> str:
        return f"{self._obj.jmap_name}/{verb}"

    def _call(self, verb: str, args: dict[str, Any]) -> dict[str, Any]:
        return self._client.call(self._method(verb), args)

    def _decode(self, data: dict[str, Any], verb: str, stored: bool = True) -> M:
        """The server's object as a model; one that does not fit the schema is a bad reply."""
        try:
            return self._model.from_stored(data) if stored else self._model.from_wire(data)
        except ValidationFailed as exc:
            raise TransportError(f"malformed {self._method(verb)} response: {exc}") from None
        except RecursionError:
            raise TransportError(f"malformed {self._method(verb)} response: a value is nested too deeply") from None

    def _fetch(self, ids: Sequence[str] | None, properties: Sequence[str] | None = None) -> list[M]:
        args: dict[str, Any] = {"ids": None if ids is None else list(ids)}
        if properties is not None:
            args["properties"] = list(properties)
        result = self._call("get", args)
        method = self._method("get")
        if ids is not None and len(ids) == 1 and member(result, "notFound", list, method, []):
            raise NotFound(self._obj.name, ids[0])
        found = items(member(result, "list", list, method), dict, method, "list")
        return [self._decode(item, "get") for item in found]

    def _set(self, args: dict[str, Any], refused: str) -> dict[str, Any]:
        result = self._call("set", args)
        for object_id, error in member(result, refused, dict, self._method("set"), {}).items():
            raise SetError.from_wire(object_id, error)
        return result


class ObjectGroup(_Group[M], Generic[M, C, U]):
    """A collection: get, create, update, destroy, query."""

    def get(self, ids: Sequence[str] | None = None, properties: Sequence[str] | None = None) -> list[M]:
        """`ids=None` returns every object, fetched page by page (see `iterate`)."""
        if ids is None:
            return list(self.iterate(properties=properties))
        return self._fetch(ids, properties)

    def iterate(
        self,
        filter: Mapping[str, Any] | None = None,
        sort: Iterable[Mapping[str, Any]] | None = None,
        properties: Sequence[str] | None = None,
    ) -> Iterator[M]:
        """Every matching object, one server page at a time (paged by anchor: never cut at the
        server's maxObjectsInGet)."""
        pages = self._client.query_pages(
            self._obj.jmap_name,
            filter,
            [dict(s) for s in sort] if sort is not None else None,
            fetch=True,
            properties=list(properties) if properties is not None else None,
        )
        for page in pages:
            for item in page:
                yield self._decode(item, "get")

    def get_one(self, object_id: str) -> M:
        found = self._fetch([object_id])
        if not found:
            raise NotFound(self._obj.name, object_id)
        return found[0]

    def create(self, obj: M | C) -> M:
        """Creates and returns the stored object (its id and server-set values filled in)."""
        payload = _changes(obj)
        method = self._method("set")
        result = self._set({"create": {"c": payload}}, "notCreated")
        created = member(member(result, "created", dict, method), "c", dict, method)
        return self._decode({**payload, **created}, "set", stored=False)

    def update(self, object_id: str, changes: M | U) -> None:
        """`changes` maps property names to new values (or JSON-pointer paths: the server takes
        them, the payload type does not name them)."""
        self._set({"update": {object_id: _changes(changes)}}, "notUpdated")

    def destroy(self, *object_ids: str) -> None:
        self._set({"destroy": list(object_ids)}, "notDestroyed")

    def query(
        self,
        filter: Mapping[str, Any] | None = None,
        sort: Iterable[Mapping[str, Any]] | None = None,
        position: int = 0,
        limit: int | None = None,
    ) -> list[str]:
        """Matching ids. Without a position or limit, all of them, paged by anchor (the server
        answers at most maxObjectsInGet per call); with one, that single window."""
        if position == 0 and limit is None:
            sorted_by = [dict(s) for s in sort] if sort is not None else None
            return [i for page in self._client.query_pages(self._obj.jmap_name, filter, sorted_by) for i in page]
        args: dict[str, Any] = {"filter": dict(filter or {}), "position": position}
        if sort is not None:
            args["sort"] = [dict(s) for s in sort]
        if limit is not None:
            args["limit"] = limit
        method = self._method("query")
        return list(items(member(self._call("query", args), "ids", list, method), str, method, "ids"))


class SingletonGroup(_Group[M], Generic[M, U]):
    """A singleton: get and update; a never-written one reads as its defaults."""

    def get(self) -> M:
        found = self._fetch(["singleton"])
        if not found:
            raise NotFound(self._obj.name, "singleton")
        return found[0]

    def update(self, changes: M | U) -> None:
        self._set({"update": {"singleton": _changes(changes)}}, "notUpdated")
