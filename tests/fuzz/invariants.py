"""What must hold between the objects before a `set` and after it, given what the set answered:
get shows what was acknowledged, server-set and immutable values are not changed by clients (at
any depth, variant changes included), a refused object changes nothing, the state changes only
with a change."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from schemagen_runtime.descriptors import MISSING
from schemagen_runtime.encode import masker

from . import known
from .oracle import fail

ABSENT = object()


def _creation_time(f: Any) -> bool:
    """A non-nullable utcDateTime without a default: the server sets it to the time of the create."""
    return f.type.kind == "utcDateTime" and not f.type.nullable and f.default is MISSING


def _is_utc(value: Any) -> bool:
    return isinstance(value, str) and re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", value) is not None


PLAIN_TEXT = (None, "string", "text")
INTEGER_FORMATS = ("unsignedInteger", "integer", "size", "duration")
INT64 = 2**63
MASK = "****"


@dataclass(frozen=True)
class SetRound:
    """One `set` with the objects of its type read before it and after it (get, wire form)."""

    obj: Any  # ObjectDesc
    args: dict[str, Any]
    result: dict[str, Any]  # the set response's arguments
    before: dict[str, dict[str, Any]]
    after: dict[str, dict[str, Any]]
    states: tuple[Any, Any]  # the type's state as the gets before and after the set saw it


class Invariants:
    def __init__(self, registry: Any, codec: Any) -> None:
        self.reg = registry
        self.codec = codec

    def _as_get_shows(self, schema: str, entry: dict[str, Any], stored: dict[str, Any]) -> dict[str, Any]:
        """A `created` entry with its secrets masked: created shows a secret the server generated
        in the clear, once; get masks it (servervalues.py)."""
        mask = masker(self.reg, schema)
        if mask is None:
            return entry
        shown = mask({"@type": stored.get("@type"), **entry})
        return shown if "@type" in entry else {k: v for k, v in shown.items() if k != "@type"}

    def check(self, r: SetRound) -> None:
        schema = r.obj.schema or r.obj.name
        created = r.result.get("created") or {}

        def resolve(raw: str) -> str:  # "#creationId" of this call (the server may answer it as sent)
            entry = created.get(raw[1:]) if raw.startswith("#") else None
            return entry["id"] if entry else raw

        destroyed = {resolve(i) for i in r.result.get("destroyed") or ()}
        updated = {resolve(i) for i in r.result.get("updated") or ()}
        new_ids = {entry["id"] for entry in created.values()}
        expected_ids = (set(r.before) | new_ids) - destroyed
        if set(r.after) != expected_ids:
            raise fail(
                "objects appeared or vanished",
                f"{r.obj.name}: after {r.args!r:.1500} -> {r.result!r:.1500} the ids are {sorted(r.after)}, "
                f"expected {sorted(expected_ids)}",
            )
        for creation_id, entry in created.items():
            if entry["id"] in destroyed:
                continue
            stored = r.after[entry["id"]]
            for key, value in self._as_get_shows(schema, entry, stored).items():
                if stored.get(key, ABSENT) != value:
                    raise fail(
                        "get differs from created", f"{r.obj.name} {key}: created {value!r}, get {stored!r:.800}"
                    )
            self._sent_values(schema, r.args["create"][creation_id], stored, f"{r.obj.name} create", whole_only=True)
            self._write_rules(schema, None, stored, r.obj.name, f"create {r.args['create'][creation_id]!r:.800}")
        for raw_id, patch in (r.args.get("update") or {}).items():
            obj_id = resolve(raw_id)
            if obj_id in destroyed or obj_id not in r.after or (obj_id in new_ids and obj_id not in updated):
                continue  # gone, or created by this call (its state before the update is not known)
            before, after = r.before.get(obj_id), r.after[obj_id]
            if obj_id in updated:
                self._write_rules(schema, before, after, f"{r.obj.name} {obj_id}", f"update {patch!r:.800}")
                self._sent_values(schema, patch, after, f"{r.obj.name} update", whole_only=True)
            elif after != before:
                raise fail("a refused update changed the object", f"{r.obj.name} {obj_id}: {patch!r:.800}")
        for obj_id in {resolve(i) for i in r.result.get("notDestroyed") or {}} - updated:
            if r.after.get(obj_id) != r.before.get(obj_id):
                raise fail("a refused destroy changed the object", f"{r.obj.name} {obj_id}")
        old_state, new_state = r.result.get("oldState"), r.result.get("newState")
        if (old_state, new_state) != r.states:
            raise fail(
                "set states differ from get states", f"{r.obj.name}: set {old_state}->{new_state}, get {r.states}"
            )
        if not created and not destroyed and not updated and new_state != old_state:
            raise fail("state changed without a change", f"{r.obj.name}: {r.args!r:.800} -> {r.result!r:.800}")
        if r.after != r.before and new_state == old_state:
            raise fail("objects changed, the state did not", f"{r.obj.name}: {r.args!r:.800} -> {r.result!r:.800}")

    # -- every object get shows -------------------------------------------------------------------

    def check_item(self, schema_name: str, item: Any, where: str, properties: list[str] | None = None) -> None:
        """An object as get shows it: exactly its variant's fields in declaration order (the
        asked `properties` only, if given), secrets masked, nested objects the same."""
        if not isinstance(item, dict):
            raise fail("get item is not an object", f"{where}: {item!r:.300}")
        schema = self.reg.schema(schema_name)
        fields = self.reg.variant_fields(schema, item.get("@type")) if schema.is_union else schema.fields
        if fields is None:
            raise fail("get shows an unknown variant", f"{where}: @type {item.get('@type')!r}")
        shown = [k for k in item if k not in ("id", "@type")]
        wanted = [f.name for f in fields if properties is None or f.name in properties]
        if shown != wanted:
            raise fail("get shows other fields than its variant's", f"{where}: {shown} instead of {wanted}")
        for f in fields:
            value = item.get(f.name)
            if f.type.is_secret and value not in (None, MASK):
                raise fail("get returned a secret", f"{where}/{f.name}")
            if f.type.kind == "object" and isinstance(value, dict):
                self.check_item(f.type.target, value, f"{where}/{f.name}")
            elif f.type.kind == "objectList" and isinstance(value, dict):
                for k, element in value.items():
                    self.check_item(f.type.target, element, f"{where}/{f.name}/{k}")

    def check_get(self, obj: Any, args: dict[str, Any], result: dict[str, Any], stored: dict[str, Any]) -> None:
        """Each asked id is found (and shown as stored) or in notFound, once; nothing else."""
        asked = args.get("ids")
        found = [item.get("id") for item in result.get("list", [])]
        missing = result.get("notFound") or []
        where = f"{obj.name}/get {args!r:.300}"
        if asked is not None and sorted(found + missing) != sorted(dict.fromkeys(asked)):
            raise fail("get lost or invented ids", f"{where}: found {found}, notFound {missing}")
        for item in result.get("list", []):
            self.check_item(obj.schema or obj.name, item, where, args.get("properties"))
            full = stored.get(item.get("id"))
            if full is not None and any(full.get(k) != v for k, v in item.items()):
                raise fail("get with properties differs from get", f"{where}: {item!r:.300} vs {full!r:.300}")

    def check_query(self, obj: Any, args: dict[str, Any], result: dict[str, Any], stored: dict[str, Any]) -> None:
        """Ids of stored objects, each once, at most `limit` of them; `total` counts at least those."""
        ids = result.get("ids") or []
        where = f"{obj.name}/query {args!r:.300}"
        if len(set(ids)) != len(ids) or not set(ids) <= set(stored):
            raise fail("query ids are not stored ids, once each", f"{where}: {ids}")
        limit = args.get("limit")
        if type(limit) is int and limit >= 0 and len(ids) > limit:
            raise fail("query returned more than its limit", f"{where}: {len(ids)} ids")
        total = result.get("total")
        if total is not None and (total < len(ids) or total > len(stored)):
            raise fail("query total is impossible", f"{where}: total {total}, {len(ids)} ids, {len(stored)} stored")
        if "filter" not in args and total is not None and total != len(stored):
            raise fail("unfiltered query total is not the number stored", f"{where}: {total} vs {len(stored)}")

    # -- get shows what was acknowledged ------------------------------------------------------------

    def _sent_values(
        self, schema_name: str, sent: Any, stored: dict[str, Any], where: str, whole_only: bool = False
    ) -> None:
        """Values sent in canonical form (an integer for a number, plain text, a boolean, an enum
        value), as whole properties or at JSON-pointer paths, come back exactly as sent."""
        if not isinstance(sent, dict):
            return
        for path, value in sent.items():
            if not isinstance(path, str) or (whole_only and any(k.startswith(path + "/") for k in sent)):
                continue
            found = self.resolve(schema_name, stored, path.split("/"))
            if found is None:
                continue
            f, got = found
            if self._canonical(f, value) and got != value:
                raise fail(
                    "get differs from what was acknowledged",
                    f"{where} {path}: sent {value!r:.200}, get shows {got!r:.200}",
                )

    def resolve(self, schema_name: str, doc: Any, tokens: list[str]) -> tuple[Any, Any] | None:
        """(field descriptor, value in `doc`) at a JSON-pointer path through objects and lists."""
        if not isinstance(doc, dict) or not tokens:
            return None
        schema = self.reg.schema(schema_name)
        fields = self.reg.variant_fields(schema, doc.get("@type")) if schema.is_union else schema.fields
        f = next((f for f in fields or () if f.name == tokens[0].replace("~1", "/").replace("~0", "~")), None)
        if f is None:
            return None
        value, rest = doc.get(f.name, ABSENT), tokens[1:]
        if not rest:
            return f, value
        if f.type.kind == "object":
            return self.resolve(f.type.target, value, rest)
        if f.type.kind == "objectList" and isinstance(value, dict) and len(rest) > 1:
            return self.resolve(f.type.target, value.get(rest[0]), rest[1:])
        return None

    @staticmethod
    def _canonical(f: Any, value: Any) -> bool:
        t = f.type
        if t.is_secret or f.validators or f.update != "mutable" or value is None:
            return False
        if t.kind == "number" and t.format in INTEGER_FORMATS:
            return type(value) is int and (f.min is None or value >= f.min) and (f.max is None or value <= f.max)
        if t.kind == "string":
            return t.format in PLAIN_TEXT and type(value) is str and (not f.max_length or len(value) <= f.max_length)
        return t.kind in ("boolean", "enum") and type(value) in (bool, str)

    @staticmethod
    def _in_range(f: Any, value: Any, where: str) -> None:
        """Stored numbers fit the field's bounds and 64 bits (issue 7 item 6)."""
        t = f.type
        if known.is_open(6) or t.kind != "number" or t.format not in INTEGER_FORMATS or type(value) is not int:
            return
        lo = -INT64 if t.format == "integer" else 0
        lo = max(lo, f.min) if f.min is not None else lo
        hi = min(INT64 - 1, f.max) if f.max is not None else INT64 - 1
        if not lo <= value <= hi:
            raise fail("out-of-range number stored", f"{where} {f.name} ({t.format}) = {value}, not in {lo}..{hi}")

    # -- server-set and immutable values ------------------------------------------------------------

    def _write_rules(self, schema_name: str, before: Any, after: Any, where: str, what: str, path: str = "") -> None:
        """At every depth: server-set and immutable values kept (a server-set one of a new or
        rebuilt object is its default, an immutable one of a rebuilt object its old value or
        default), numbers in range."""
        if not isinstance(after, dict):
            return
        schema = self.reg.schema(schema_name)
        variant = after.get("@type")
        fields = self.reg.variant_fields(schema, variant) if schema.is_union else schema.fields
        kept = isinstance(before, dict) and (not schema.is_union or before.get("@type") == variant)
        defaults = self.codec.defaults(self.reg, schema_name, variant if schema.is_union else None)
        for f in fields or ():
            now = after.get(f.name, ABSENT)
            was = before.get(f.name, ABSENT) if isinstance(before, dict) else ABSENT
            self._in_range(f, now, f"{where}: {path}")
            if f.type.is_secret or f.update == "mutable" or now is ABSENT or known.is_open(1):
                continue
            if kept and was is not ABSENT:
                allowed = [was]
            elif was is ABSENT and _creation_time(f) and _is_utc(now):
                allowed = [now]  # the server fills it with the time of the create (servervalues.py)
            elif f.update == "serverSet":
                allowed = [was, defaults.get(f.name)] if was is not ABSENT else [defaults.get(f.name)]
            else:
                allowed = [was, defaults.get(f.name)] if was is not ABSENT else [now]
            if now not in allowed:
                raise fail(
                    f"client wrote a {f.update} field",
                    f"{where}: {path}{f.name} went {was if was is not ABSENT else '(absent)'!r:.200} -> {now!r:.200} by {what}",
                )
        for f in fields or ():
            t, now = f.type, after.get(f.name)
            was = before.get(f.name) if isinstance(before, dict) else None
            if t.kind == "object":
                self._write_rules(t.target, was, now, where, what, f"{path}{f.name}/")
            elif t.kind == "objectList" and isinstance(now, dict):
                for k, item in now.items():
                    prior = was.get(k) if isinstance(was, dict) else None
                    self._write_rules(t.target, prior, item, where, what, f"{path}{f.name}/{k}/")
