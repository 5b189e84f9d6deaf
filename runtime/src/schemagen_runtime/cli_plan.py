"""`apply` and `snapshot`: the real CLI's declarative NDJSON plans (backup, restore, bulk
provisioning), driven by the schema's reference types.

A plan is one operation per line: `destroy` (all, or those a filter matches), `create` (client id
→ object), `update` (by id or `#clientId`; a singleton needs none), `upsert` (match existing objects
on `matchOn`, update those and create the rest) and `reconcile` (upsert, then destroy what the plan
does not name). `#clientId` strings, and map keys, stand for the ids of objects the plan created
or matched. Destroys run first, in reverse plan order; then the rest in plan order.

A snapshot writes such a plan for the objects of the types named: server-set fields and (unless
asked) secrets left out, references to the selection written as `#<type>-<id>`, objects in an
order where each comes after what it references; a cycle is broken by creating one object without
a mutable reference field and setting it in a later `update`.
"""

from __future__ import annotations

import heapq
import json
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .cli_output import emit, emit_line, one_line
from .cli_values import UsageError, all_fields, did_you_mean
from .descriptors import FieldDesc, ObjectDesc, Registry, TypeDesc
from .jmap_client import JmapError, SetError, member

if TYPE_CHECKING:
    from .cli_app import Cli

OPS = ("destroy", "create", "update", "upsert", "reconcile")
CHUNK = 500  # objects per /set: the session's maxObjectsInSet default
DROP = object()  # a reference a snapshot leaves out
CLIENT_ID = re.compile(r"[A-Za-z0-9_-]{1,255}\Z")  # RFC 8620 §1.2: a creation id is an Id


# -- references inside values ---------------------------------------------------------------------

Mapper = Callable[[str, str], Any]  # (target object, id) → replacement id, or DROP


def map_refs(reg: Registry, t: TypeDesc, value: Any, fn: Mapper) -> Any:
    """`value` with every object id the type declares replaced by `fn` (set members and map keys too)."""
    if value is None:
        return None
    if t.kind == "objectId" and t.target and isinstance(value, str):
        return fn(t.target, value)
    if t.kind == "set" and isinstance(value, dict) and t.item is not None:
        if t.item.kind == "objectId" and t.item.target:
            target = t.item.target
            mapped = {fn(target, k): v for k, v in value.items()}
            return {k: v for k, v in mapped.items() if k is not DROP}
        return value
    if t.kind == "map" and isinstance(value, dict):
        out = {}
        for k, v in value.items():
            key = fn(t.key.target, k) if t.key and t.key.kind == "objectId" and t.key.target else k
            if key is not DROP:
                out[key] = map_refs(reg, t.item, v, fn) if t.item else v
        return out
    if t.kind == "objectList" and t.target and isinstance(value, dict | list):
        items = value.items() if isinstance(value, dict) else enumerate(value)
        return {str(k): map_object(reg, t.target, v, fn) for k, v in items}
    if t.kind == "object" and t.target and isinstance(value, dict):
        return map_object(reg, t.target, value, fn)
    return value


def fields_of(reg: Registry, schema_name: str, doc: dict[str, Any]) -> dict[str, FieldDesc]:
    schema = reg.schema(schema_name)
    found = reg.variant_fields(schema, doc.get("@type")) if schema.is_union else schema.fields
    return {f.name: f for f in (found if found is not None else all_fields(reg, schema, None))}


def map_object(reg: Registry, schema_name: str, doc: Any, fn: Mapper) -> Any:
    if not isinstance(doc, dict):
        return doc
    fields = fields_of(reg, schema_name, doc)
    out = {}
    for k, v in doc.items():
        f = fields.get(k)
        mapped = map_refs(reg, f.type, v, fn) if f else v
        if mapped is not DROP:
            out[k] = mapped
    return out


def refs_in(reg: Registry, obj: ObjectDesc, doc: Any) -> set[str]:
    """The `#clientId`s an object of a plan holds where its schema has object ids (a colour's
    `#336699` is no reference)."""
    found: set[str] = set()

    def note(_target: str, ref: str) -> str:
        if ref.startswith("#"):
            found.add(ref[1:])
        return ref

    map_object(reg, obj.schema, doc, note)
    return found


def resolve_refs(reg: Registry, obj: ObjectDesc, doc: Any, known: dict[str, str]) -> Any:
    """`#clientId` → the server id it stands for, where the schema has object ids; unknown ones
    are left for the server."""
    return map_object(reg, obj.schema, doc, lambda _t, ref: known.get(ref[1:], ref) if ref.startswith("#") else ref)


# -- apply -----------------------------------------------------------------------------------------


@dataclass
class Op:
    kind: str
    obj: ObjectDesc
    line: int
    value: Any = None
    id: str | None = None
    match_on: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.value) if isinstance(self.value, dict) and self.kind != "update" else 1


def read_plan(cli: Cli, text: str) -> list[Op]:
    ops: list[Op] = []
    client_ids: set[str] = set()
    for number, raw in enumerate(text.splitlines(), 1):
        if not raw.strip():
            continue
        try:
            entry = json.loads(raw)
        except (ValueError, RecursionError):
            raise UsageError(f"invalid plan NDJSON on line {number}") from None
        if not isinstance(entry, dict):
            raise UsageError(f"invalid plan NDJSON on line {number}: each line must be a JSON object")
        kind = entry.get("@type")
        if kind not in OPS:
            hint = did_you_mean(kind, OPS) if isinstance(kind, str) else ""
            raise UsageError(f"line {number}: '@type' must be one of {', '.join(OPS)}{hint}")
        name = entry.get("object")
        if not isinstance(name, str):
            raise UsageError(f"line {number}: 'object' must name an object")
        try:
            _, obj, _ = cli.resolve(name)
        except UsageError as exc:
            raise UsageError(f"line {number}: {exc}") from None
        op = Op(kind, obj, number, entry.get("value"), entry.get("id"))
        if obj.is_singleton and kind in ("destroy", "create", "upsert", "reconcile"):
            raise UsageError(f"line {number}: cannot {kind} singleton {obj.name}")
        if kind in ("create", "upsert", "reconcile"):
            if not isinstance(op.value, dict) or not all(isinstance(v, dict) for v in op.value.values()):
                raise UsageError(f"line {number}: 'value' must map client ids to objects")
            if not op.value and kind == "create":
                raise UsageError(f"line {number}: an empty create")
            op.value = {k.removeprefix("#"): v for k, v in op.value.items()}
            for cid in op.value:
                if not CLIENT_ID.match(cid):
                    raise UsageError(
                        f"line {number}: client id {cid!r} must be 1-255 characters of A-Z a-z 0-9 - _"
                        " (a JMAP creation id)"
                    )
                if cid in client_ids:
                    raise UsageError(f"line {number}: duplicate client id {cid!r}")
                client_ids.add(cid)
        if kind in ("upsert", "reconcile"):
            match_on = entry.get("matchOn")
            if not isinstance(match_on, list) or not match_on or not all(isinstance(m, str) for m in match_on):
                raise UsageError(f"line {number}: no match key: {kind} needs 'matchOn' (a list of fields)")
            op.match_on = match_on
        if kind == "update":
            if not isinstance(op.value, dict):
                raise UsageError(f"line {number}: 'value' must be an object")
            if obj.is_singleton:
                op.id = "singleton"
            elif not isinstance(op.id, str):
                raise UsageError(f"line {number}: updating {obj.name} needs a top-level 'id' (a sibling of value)")
        if kind == "destroy" and op.value is not None and not isinstance(op.value, dict):
            raise UsageError(f"line {number}: a destroy's 'value' is a filter object")
        ops.append(op)
    reg = cli.registry
    wanted: set[str] = set()
    for op in ops:
        if op.id is not None and op.id.startswith("#"):
            wanted.add(op.id[1:])
        if op.kind == "update":
            wanted |= refs_in(reg, op.obj, op.value)
        elif op.kind != "destroy":
            for doc in op.value.values():
                wanted |= refs_in(reg, op.obj, doc)
    unresolved = sorted(wanted - client_ids)
    if unresolved:
        raise UsageError(f"unresolved id '#{unresolved[0]}'")
    return ops


class Applier:
    def __init__(self, cli: Cli, ops: list[Op]) -> None:
        self.cli, self.ops = cli, ops
        self.args = cli.args
        self.client = cli.client()
        self.known: dict[str, str] = {}
        self.done = {"destroyed": 0, "updated": 0, "created": 0, "failed": 0}
        self.values: list[dict[str, Any]] = []  # the running operation's server values (--json)

    def say(self, text: str) -> None:
        if not self.args.quiet:
            print(text, file=sys.stderr)

    def record(self, op: Op, index: int, status: str, error: str = "", **extra: Any) -> None:
        if self.args.json:
            line: dict[str, Any] = {"op": op.kind, "object": op.obj.name, "index": index}
            line |= extra | {"status": status}
            if error:
                line["error"] = error
            if self.values:
                line["serverValues"] = self.values
            emit_line(line)

    def show_values(self, op: Op, verb: str, cid: str | None, object_id: str, variant: Any, values: Any) -> None:
        """What the server sent back beyond an id (RFC 8620 §5.3: a secret it generated, an
        operation's result), shown as soon as it arrives, since a generated secret is never shown
        again: on stdout as create and update show it, or in the operation's --json record."""
        if not isinstance(values, dict) or not values:
            return
        if self.args.json:
            self.values.append({"id": object_id, **({"clientId": cid} if cid else {}), "values": values})
            self.cli.note_secrets(op.obj, variant, values)
            return
        emit(f"{verb} {op.obj.name} {object_id}" + (f" (#{cid})" if cid else ""))
        self.cli.note_secrets(op.obj, variant, values)
        emit(self.cli.human().record(op.obj.schema, values))

    def run(self) -> int:
        plan = {k: sum(1 for o in self.ops if o.kind == k) for k in ("destroy", "update", "create")}
        objects = sum(o.count for o in self.ops if o.kind in ("create", "upsert", "reconcile"))
        creates = plan["create"] + sum(1 for o in self.ops if o.kind in ("upsert", "reconcile"))
        self.say(f"Plan: {plan['destroy']} destroy, {plan['update']} update, {creates} create ({objects} objects)")
        if self.args.dry_run:
            self.say("(dry run: no changes will be made)")
            return 0
        order = [(i, o) for i, o in reversed(list(enumerate(self.ops))) if o.kind == "destroy"]
        order += [(i, o) for i, o in enumerate(self.ops) if o.kind != "destroy"]
        for index, op in order:
            self.values = []
            try:
                getattr(self, op.kind)(index, op)
            except (JmapError, UsageError) as exc:
                self.done["failed"] += 1
                message = one_line(str(exc)).replace("\n", " | ")
                self.say(f"✗ {op.kind} {op.obj.name}: {message}")
                self.record(op, index, "error", message)
                if not self.args.continue_on_error:
                    break
        d = self.done
        self.say(
            f"Done: {d['destroyed']} destroyed, {d['updated']} updated, {d['created']} created ({d['failed']} failed)"
        )
        if self.args.json:
            summary = {"destroys": plan["destroy"], "updates": plan["update"], "creates": creates}
            emit_line({"op": "summary", "plan": summary | {"create_objects": objects}, "done": d})
        if d["failed"]:
            raise UsageError(f"apply completed with {d['failed']} failed operation(s)")
        return 0

    def set(self, obj: ObjectDesc, args: dict[str, Any]) -> dict[str, Any]:
        return self.client.call(f"{obj.jmap_name}/set", args)

    def destroy(self, index: int, op: Op) -> None:
        ids = [i for page in self.client.query_pages(op.obj.jmap_name, op.value) for i in page]
        count = self.destroy_ids(op.obj, ids)
        self.say(f"✓ destroyed {op.obj.name} ({count})")
        self.record(op, index, "ok", count=count)

    def destroy_ids(self, obj: ObjectDesc, ids: list[str]) -> int:
        """Destroys in chunks; objects still referred to by others of the batch are retried once
        those are gone, and objects that refer to each other in a cycle are first unlinked."""
        count, remaining, unlinked = 0, ids, False
        while remaining:
            linked: dict[str, SetError] = {}
            for start in range(0, len(remaining), CHUNK):
                result = self.set(obj, {"destroy": remaining[start : start + CHUNK]})
                for object_id, error in member(result, "notDestroyed", dict, obj.jmap_name, {}).items():
                    refused = SetError.from_wire(object_id, error)
                    if refused.type != "objectIsLinked":
                        raise refused
                    linked[object_id] = refused
                count += len(member(result, "destroyed", list, obj.jmap_name, []))
            if len(linked) == len(remaining):  # no progress
                if unlinked:
                    raise next(iter(linked.values()))
                self.unlink(obj, list(linked))
                unlinked = True
            remaining = list(linked)
        self.done["destroyed"] += count
        return count

    def unlink(self, obj: ObjectDesc, ids: list[str]) -> None:
        """Clears the mutable references among these objects (a cycle that blocks their destroy)."""
        reg, doomed = self.cli.registry, set(ids)
        for start in range(0, len(ids), CHUNK):
            got = self.client.call(f"{obj.jmap_name}/get", {"ids": ids[start : start + CHUNK]})
            for doc in member(got, "list", list, obj.jmap_name, []):
                if not isinstance(doc, dict):
                    continue
                patch = {}
                for name, f in fields_of(reg, obj.schema, doc).items():
                    if f.update != "mutable" or name not in doc:
                        continue
                    cleared = map_refs(
                        reg, f.type, doc[name], lambda t, r: DROP if t == obj.name and r in doomed else r
                    )
                    if cleared is DROP or cleared != doc[name]:
                        patch[name] = None if cleared is DROP else cleared
                if patch:
                    self.update_one(obj, str(doc.get("id")), patch)
                    self.done["updated"] -= 1  # a step of the destroy, not an update of the plan

    def create_all(self, op: Op, entries: dict[str, Any]) -> None:
        cids = list(entries)
        for batch, start in enumerate(range(0, len(cids), CHUNK), 1):
            if self.args.progress:
                total = (len(cids) + CHUNK - 1) // CHUNK
                size = len(cids[start : start + CHUNK])
                self.say(f"· creating {op.obj.name} batch {batch}/{total} ({size} objects)")
            reg = self.cli.registry
            chunk = {c: resolve_refs(reg, op.obj, entries[c], self.known) for c in cids[start : start + CHUNK]}
            result = self.set(op.obj, {"create": chunk})
            created = member(result, "created", dict, op.obj.jmap_name, {})
            refused = member(result, "notCreated", dict, op.obj.jmap_name, {})
            # What was created is counted, known and shown even when others of the chunk were refused.
            for cid in chunk:
                made = created.get(cid)
                if isinstance(made, dict) and isinstance(made.get("id"), str):
                    self.known[cid] = made["id"]
                    self.done["created"] += 1
                    extra = {k: v for k, v in made.items() if k != "id"}
                    self.show_values(op, "created", cid, made["id"], chunk[cid].get("@type"), extra)
            for cid, error in refused.items():
                raise SetError.from_wire(f"#{cid}", error)
            missing = next((cid for cid in chunk if cid not in self.known), None)
            if missing is not None:
                raise JmapError(f"the server did not acknowledge the create of #{missing}")

    def create(self, index: int, op: Op) -> None:
        self.create_all(op, op.value)
        self.say(f"✓ created {op.obj.name} ({len(op.value)})")
        self.record(op, index, "ok", count=len(op.value))

    def update_one(self, obj: ObjectDesc, object_id: str, value: dict[str, Any]) -> Any:
        """The values the server sent back for the update (None when there are none)."""
        patch = resolve_refs(self.cli.registry, obj, value, self.known)
        result = self.set(obj, {"update": {object_id: patch}})
        for failed_id, error in member(result, "notUpdated", dict, obj.jmap_name, {}).items():
            raise SetError.from_wire(failed_id, error)
        self.done["updated"] += 1
        return member(result, "updated", dict, obj.jmap_name, {}).get(object_id)

    def update(self, index: int, op: Op) -> None:
        assert op.id is not None
        object_id = self.known.get(op.id[1:], op.id) if op.id.startswith("#") else op.id
        if object_id.startswith("#"):
            raise UsageError(f"unresolved id {op.id!r}")
        values = self.update_one(op.obj, object_id, op.value)
        cid = op.id[1:] if op.id.startswith("#") else None
        self.show_values(op, "updated", cid, object_id, op.value.get("@type"), values)
        self.say(f"✓ updated {op.obj.name} {op.id}")
        self.record(op, index, "ok", count=1)

    def upsert(self, index: int, op: Op, reconcile: bool = False) -> None:
        reg = self.cli.registry
        schema = reg.schema(op.obj.schema)
        wanted = ["id", *(["@type"] if schema.is_union else []), *op.match_on]
        existing = [
            doc for page in self.client.query_pages(op.obj.jmap_name, fetch=True, properties=wanted) for doc in page
        ]

        def key(doc: dict[str, Any]) -> str:
            resolved = resolve_refs(reg, op.obj, {m: doc.get(m) for m in op.match_on}, self.known)
            return json.dumps([resolved.get(m) for m in op.match_on], sort_keys=True)

        index_of: dict[str, list[str]] = {}
        for doc in existing:
            index_of.setdefault(key(doc), []).append(str(doc.get("id")))
        fresh: dict[str, Any] = {}
        matched: set[str] = set()
        updated = 0
        for cid, doc in op.value.items():
            if schema.is_union and "@type" not in doc:
                raise UsageError(f"{op.obj.name} is multi-variant: every entry needs '@type' (#{cid})")
            found = index_of.get(key(doc), [])
            if len(found) > 1:
                raise UsageError(f"#{cid} matches more than one {op.obj.name}: ambiguous ({', '.join(found)})")
            if found:
                fields = fields_of(reg, op.obj.schema, doc)
                body = {k: v for k, v in doc.items() if k == "@type" or (k in fields and fields[k].settable)}
                values = self.update_one(op.obj, found[0], body)
                self.show_values(op, "updated", cid, found[0], doc.get("@type"), values)
                self.known[cid] = found[0]
                matched.add(found[0])
                updated += 1
            else:
                fresh[cid] = doc
        if fresh:
            self.create_all(op, fresh)
        self.say(f"✓ {op.kind} {op.obj.name} ({updated} updated, {len(fresh)} created)")
        self.record(op, index, "ok", count=len(op.value), updated=updated, created=len(fresh))
        if reconcile:
            variants = {d.get("@type") for d in op.value.values()} if schema.is_union else {None}
            stale = [
                str(d["id"])
                for d in existing
                if str(d.get("id")) not in matched and (not schema.is_union or d.get("@type") in variants)
            ]
            destroyed = self.destroy_ids(op.obj, stale) if stale else 0
            if self.args.json:
                emit_line({"op": "reconcile", "stage": "cleanup", "destroyed": destroyed})

    def reconcile(self, index: int, op: Op) -> None:
        self.upsert(index, op, reconcile=True)


def apply(cli: Cli) -> None:
    args = cli.args
    if (args.file is None) == (not args.stdin):
        raise UsageError("give the plan with exactly one of --file or --stdin")
    if args.file is not None:
        try:
            text = Path(args.file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(f"cannot read {args.file}: {exc}") from None
    else:
        text = sys.stdin.read()
    Applier(cli, read_plan(cli, text)).run()


# -- snapshot --------------------------------------------------------------------------------------


def client_id(obj: ObjectDesc, object_id: str) -> str:
    return f"{obj.name.lower()}-{object_id}"


MASK = "****"  # how the server shows a secret it will not give out


def _strip(reg: Registry, schema_name: str, doc: Any, secrets: bool, masked: list[str]) -> Any:
    """A stored object as a create gives it: no id, no server-set field, no secret unless asked."""
    if not isinstance(doc, dict):
        return doc
    fields = fields_of(reg, schema_name, doc)
    out: dict[str, Any] = {}
    for k, v in doc.items():
        f = fields.get(k)
        if k == "id" or (f is not None and not f.settable):
            continue
        if v is None and f is not None and not f.type.nullable:  # never set (a new singleton's): no value to send
            continue
        if f is not None and f.type.is_secret and not secrets:
            continue
        if f is not None and f.type.is_secret and v == MASK:
            masked.append(f"{schema_name}.{k}")
        out[k] = _strip_value(reg, f.type, v, secrets, masked) if f is not None else v
    return out


def _strip_value(reg: Registry, t: TypeDesc, value: Any, secrets: bool, masked: list[str]) -> Any:
    if t.kind == "object" and t.target and isinstance(value, dict):
        return _strip(reg, t.target, value, secrets, masked)
    if t.kind == "objectList" and t.target and isinstance(value, dict):
        return [_strip(reg, t.target, v, secrets, masked) for v in value.values()]
    if t.kind == "map" and t.item is not None and t.item.target and isinstance(value, dict):
        return {k: _strip_value(reg, t.item, v, secrets, masked) for k, v in value.items()}
    return value


Node = tuple[str, str]  # (object name, id)


def type_order(selected: list[ObjectDesc], docs: dict[Node, Any], deps: dict[Node, dict[str, set[Node]]]) -> list[str]:
    """The selected types, each after the types its objects reference (selection order in a cycle)."""
    needs: dict[str, set[str]] = {o.name: set() for o in selected if not o.is_singleton}
    for node, fields in deps.items():
        needs[node[0]] |= {r[0] for refs in fields.values() for r in refs if r[0] != node[0] and r in docs}
    out: list[str] = []
    while needs:
        ready = [n for n, wants in needs.items() if wants <= set(out)] or [next(iter(needs))]
        out.append(ready[0])
        needs.pop(ready[0])
    return out


def creation_order(
    reg: Registry,
    by_name: dict[str, ObjectDesc],
    docs: dict[Node, dict[str, Any]],
    deps: dict[Node, dict[str, set[Node]]],
    type_rank: dict[str, int],
) -> tuple[list[Node], dict[Node, list[str]]]:
    """Every object after what it references, grouped by type as far as that allows. When every
    remaining object waits on another (a cycle), one object's waiting fields are deferred: they
    must be mutable, and are set by a later update."""
    position = {node: i for i, node in enumerate(docs)}

    def rank(node: Node) -> tuple[int, int]:
        return (type_rank[node[0]], position[node])

    waiting_on: dict[Node, set[Node]] = {
        node: {r for refs in deps[node].values() for r in refs if r != node and r in docs} for node in docs
    }
    dependents: dict[Node, list[Node]] = {node: [] for node in docs}
    for node, needs in waiting_on.items():
        for r in needs:
            dependents[r].append(node)
    ready = [(rank(n), n) for n, needs in waiting_on.items() if not needs]
    heapq.heapify(ready)
    placed: set[Node] = set()
    order: list[Node] = []
    deferred: dict[Node, list[str]] = {}
    while len(order) < len(docs):
        if not ready:  # a cycle: defer the waiting fields of the first object left
            node = min((n for n in docs if n not in placed), key=rank)
            obj = by_name[node[0]]
            fields = fields_of(reg, obj.schema, docs[node])
            later = [k for k, refs in deps[node].items() if any(r not in placed and r != node for r in refs)]
            fixed = [k for k in later if fields[k].update != "mutable"]
            if fixed:
                raise UsageError(f"a reference cycle runs through {obj.name}.{fixed[0]}, which cannot be set later")
            deferred[node] = later
            waiting_on[node] = set()
            heapq.heappush(ready, (rank(node), node))
        _, node = heapq.heappop(ready)
        if node in placed:
            continue
        placed.add(node)
        order.append(node)
        for dependent in dependents[node]:
            needs = waiting_on[dependent]
            if node in needs:
                needs.discard(node)
                if not needs and dependent not in placed:
                    heapq.heappush(ready, (rank(dependent), dependent))
    return order, deferred


def snapshot(cli: Cli) -> None:
    args = cli.args
    reg = cli.registry
    selected: list[ObjectDesc] = []
    for name in args.objects:
        _, obj, _ = cli.resolve(name)
        if obj not in selected:
            selected.append(obj)
    names = {o.name for o in selected}
    allowed = {cli.resolve(n)[1].name for n in (args.allow_unresolved or "").split(",") if n.strip()}
    client = cli.client()
    docs: dict[tuple[str, str], dict[str, Any]] = {}
    singletons: list[tuple[ObjectDesc, dict[str, Any]]] = []
    for obj in selected:
        cli.progress(f"  fetching {obj.name}...")
        if obj.is_singleton:
            got = client.call(f"{obj.jmap_name}/get", {"ids": ["singleton"]})
            found = member(got, "list", list, obj.jmap_name)
            singletons += [(obj, found[0])] if found and isinstance(found[0], dict) else []
            continue
        count = 0
        for page in client.query_pages(obj.jmap_name, fetch=True):
            for doc in page:
                docs[(obj.name, str(doc.get("id")))] = doc
                count += 1
        cli.progress(f"    {count} fetched")
    by_name = {o.name: o for o in selected}
    deps: dict[tuple[str, str], dict[str, set[tuple[str, str]]]] = {}  # node → field → referenced nodes

    def references(obj: ObjectDesc, doc: dict[str, Any]) -> dict[str, set[tuple[str, str]]]:
        out: dict[str, set[tuple[str, str]]] = {}
        for k, v in doc.items():
            f = fields_of(reg, obj.schema, doc).get(k)
            if f is None:
                continue
            seen: set[tuple[str, str]] = set()

            def note(target: str, ref: str, seen: set[tuple[str, str]] = seen, owner: str = obj.name) -> str:
                if target not in names and target not in allowed and ref:
                    raise UsageError(
                        f"{owner} references {target} but {target} is not in the snapshot selection; "
                        f"add {target} to the selection, or use --allow-unresolved {target}"
                    )
                if target in names:
                    seen.add((target, ref))
                return ref

            map_refs(reg, f.type, v, note)
            if seen:
                out[k] = seen
        return out

    for (name, object_id), doc in docs.items():
        deps[(name, object_id)] = references(by_name[name], doc)
    for obj, doc in singletons:
        references(obj, doc)
    type_rank = {name: i for i, name in enumerate(type_order(selected, docs, deps))}
    order, deferred = creation_order(reg, by_name, docs, deps, type_rank)

    def ref_to(target: str, ref: str) -> Any:
        if target in names:
            return "#" + client_id(by_name[target], ref)
        return DROP if target in allowed else ref

    def plan_value(obj: ObjectDesc, doc: dict[str, Any]) -> dict[str, Any]:
        return dict(map_object(reg, obj.schema, _strip(reg, obj.schema, doc, args.include_secrets, masked), ref_to))

    masked: list[str] = []  # secrets asked for that the server showed masked (a warning says so)
    lines: list[dict[str, Any]] = []
    present = {name for name, _ in docs}
    if not args.no_destroys:  # run in reverse: what references a type is destroyed before it
        lines += [
            {"@type": "destroy", "object": n} for n in sorted(type_rank, key=lambda n: type_rank[n]) if n in present
        ]
    group: dict[str, Any] = {}
    group_type = ""
    for node in order:
        obj = by_name[node[0]]
        value = plan_value(obj, docs[node])
        for k in deferred.get(node, ()):
            value.pop(k, None)
        cid = client_id(obj, node[1])
        inside = refs_in(reg, obj, value)
        if group and (obj.name != group_type or inside & set(group)):
            lines.append({"@type": "create", "object": group_type, "value": group})
            group = {}
        group_type = obj.name
        group[cid] = value
    if group:
        lines.append({"@type": "create", "object": group_type, "value": group})
    for node, later in deferred.items():
        obj = by_name[node[0]]
        full = plan_value(obj, docs[node])
        lines.append(
            {
                "@type": "update",
                "object": obj.name,
                "id": "#" + client_id(obj, node[1]),
                "value": {k: full[k] for k in later if k in full},
            }
        )
    for obj, doc in singletons:
        lines.append({"@type": "update", "object": obj.name, "value": plan_value(obj, doc)})
    text = "".join(json.dumps(line, ensure_ascii=False, separators=(",", ":")) + "\n" for line in lines)
    creates = sum(len(line["value"]) for line in lines if line["@type"] == "create")
    cli.progress(f"snapshot: {creates} creates, {len(singletons)} singletons")
    if masked:
        print(
            f"warning: the server masked {len(masked)} secret(s) as {MASK!r} ({', '.join(sorted(set(masked)))}):"
            " applying the plan will not restore them",
            file=sys.stderr,
        )
    if args.output:
        try:
            Path(args.output).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"cannot write {args.output}: {exc}") from None
    else:
        sys.stdout.write(text)
