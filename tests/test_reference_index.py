"""The store's reference index (issue 7 items 3b and 7): `objectIsLinked` and `invalidForeignKey`
stay right through creates, updates, destroys, restarts and a rebuild, for ids held in every shape
a schema can hold them (a plain and a nullable id, a set, map keys and values, a nested object, an
object list, a union variant); many referrers are counted, not listed; and ids are named only to a
caller who may read their type.

The schema is written here and generated into a temporary directory by the real generator command;
the server is its generated package as a real subprocess.
"""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from jmap_server import Server

REPO_ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "refindex_registry"
DESTROYER = "destroyer-token"  # may destroy and read Domains, may not read Signatures

SCHEMA = """
project:
  name: RefIndex
  version: "1.0.0"
  description: Reference index test registry
  namespace: "x:"
  capability: urn:stalwart:jmap
  apiPath: /api
  cli: refindex-cli
  package: refindex_registry
  distribution: refindex-registry
objects:
  Domain:
    description: A domain.
    permissionPrefix: sysDomain
    fields:
      name: {type: string, description: Name}
      parent: {type: Id<Domain>?, description: Parent domain}
  Signature:
    description: Something that names domains in every way a field can.
    permissionPrefix: sysSignature
    fields:
      domain: {type: Id<Domain>, description: The signed domain}
      alsoFor: {type: Set<Id<Domain>>, description: More domains}
      notes: {type: "Map<Id<Domain>, string>", description: Notes per domain}
      fallbacks: {type: "Map<string, Id<Domain>>", description: Fallback domains}
      relay: {type: Relay, default: {}, description: Relay}
      hops: {type: List<Hop>, description: Hops}
      target: {type: Target, default: {"@type": Nowhere}, description: Target}
types:
  Relay:
    description: A relay.
    fields:
      via: {type: Id<Domain>?, description: Relay domain}
  Hop:
    description: A hop.
    fields:
      via: {type: Id<Domain>?, description: Hop domain}
  Target:
    description: Where to.
    variants:
      Nowhere: Nowhere
      ToDomain: {label: To a domain, type: DomainTarget}
  DomainTarget:
    description: A domain target.
    fields:
      domain: {type: Id<Domain>, description: Target domain}
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("refindex")
    (tmp / "schema").mkdir()
    (tmp / "schema" / "refindex.yaml").write_text(SCHEMA, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "generator", "generate", "--schema", str(tmp / "schema"), "--out", str(tmp / "out")],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    credentials = {DESTROYER: ["sysDomainGet", "sysDomainCreate", "sysDomainDestroy"]}
    srv = Server(tmp, package=PACKAGE, pythonpath=str(tmp / "out" / "python"), credentials=credentials).start()
    yield srv
    assert "Traceback" not in srv.stop()


def set_(server: Server, type_: str, args: dict[str, Any], token: str | None = None) -> dict[str, Any]:
    kwargs = {} if token is None else {"token": token}
    name, reply, _ = server.call(f"x:{type_}/set", args, **kwargs)
    assert name == f"x:{type_}/set", reply
    return reply  # type: ignore[no-any-return]


def domains(server: Server, *names: str) -> list[str]:
    created = set_(server, "Domain", {"create": {n: {"name": n} for n in names}})["created"]
    return [created[n]["id"] for n in names]


def signature(server: Server, payload: dict[str, Any]) -> str:
    reply = set_(server, "Signature", {"create": {"s": payload}})
    assert reply["notCreated"] is None, reply["notCreated"]
    return reply["created"]["s"]["id"]  # type: ignore[no-any-return]


def destroy(server: Server, type_: str, ids: list[str], token: str | None = None) -> dict[str, Any]:
    reply = set_(server, type_, {"destroy": ids}, token)
    return {"destroyed": reply["destroyed"] or [], "notDestroyed": reply["notDestroyed"] or {}}


def linked(server: Server, domain: str) -> bool:
    """Whether destroying the domain is refused as objectIsLinked (the domain is re-created if not)."""
    outcome = destroy(server, "Domain", [domain])
    if domain in outcome["destroyed"]:
        return False
    assert outcome["notDestroyed"][domain]["type"] == "objectIsLinked"
    return True


def test_every_shape_of_reference_links_and_unlinks(server: Server) -> None:
    owner, *held = domains(server, "owner", "set", "key", "value", "nested", "listed", "variant")
    shapes = [  # (the field holding the domain, a value of it without the domain)
        ({"alsoFor": [held[0]]}, {"alsoFor": []}),
        ({"notes": {held[1]: "a note"}}, {"notes": {}}),
        ({"fallbacks": {"x": held[2]}}, {"fallbacks/x": None}),
        ({"relay": {"via": held[3]}}, {"relay/via": None}),
        ({"hops": [{"via": held[4]}]}, {"hops": []}),
        ({"target": {"@type": "ToDomain", "domain": held[5]}}, {"target": {"@type": "Nowhere"}}),
    ]
    for domain, (shape, cleared) in zip(held, shapes, strict=True):
        sig = signature(server, {"domain": owner, **shape})
        assert linked(server, domain), shape
        assert set_(server, "Signature", {"update": {sig: cleared}})["notUpdated"] is None
        assert not linked(server, domain), shape  # the update dropped the reference, so it is destroyed
        assert destroy(server, "Signature", [sig])["destroyed"] == [sig]
    assert not linked(server, owner)  # its referrers are gone


def test_updates_move_references_and_foreign_keys_follow_destroys(server: Server) -> None:
    first, second = domains(server, "first", "second")
    sig = signature(server, {"domain": first})
    assert set_(server, "Signature", {"update": {sig: {"domain": second}}})["notUpdated"] is None
    assert not linked(server, first)
    assert linked(server, second)
    reply = set_(server, "Signature", {"create": {"gone": {"domain": first}}})
    assert reply["notCreated"]["gone"]["type"] == "invalidForeignKey"
    assert reply["notCreated"]["gone"]["properties"] == ["domain"]
    reply = set_(server, "Signature", {"update": {sig: {"alsoFor": [first]}}})
    assert reply["notUpdated"][sig]["type"] == "invalidForeignKey"
    assert linked(server, second)  # the refused update left the index as it was


def test_references_among_objects_of_one_type(server: Server) -> None:
    parent, alone = domains(server, "parent", "alone")
    kid = set_(server, "Domain", {"create": {"k": {"name": "kid", "parent": parent}}})["created"]["k"]["id"]
    assert set_(server, "Domain", {"update": {alone: {"parent": alone}}})["notUpdated"] is None
    outcome = destroy(server, "Domain", [parent, kid, alone])
    assert outcome["destroyed"] == [kid, alone]  # an object naming itself does not keep itself alive
    assert outcome["notDestroyed"][parent]["description"] == f"still referred to by Domain {kid}"
    assert destroy(server, "Domain", [parent])["destroyed"] == [parent]


def test_many_referrers_are_counted_and_unreadable_ids_are_not_named(server: Server) -> None:
    popular, *others = domains(server, *(f"many{i}" for i in range(20)))
    referrers = 1200
    sigs: list[str] = []
    for start in range(0, referrers, 400):
        batch = {f"s{i}": {"domain": popular} for i in range(start, start + 400)}
        sigs += [entry["id"] for entry in set_(server, "Signature", {"create": batch})["created"].values()]
    outcome = destroy(server, "Domain", [popular, *others])
    assert outcome["destroyed"] == others
    description = outcome["notDestroyed"][popular]["description"]
    head, tail = "still referred to by Signature ", f" and {referrers - 5} more"
    assert description.startswith(head) and description.endswith(tail)
    named = description[len(head) : -len(tail)].split(", ")
    assert len(named) == 5 and set(named) <= set(sigs)
    hidden = destroy(server, "Domain", [popular], token=DESTROYER)["notDestroyed"][popular]
    assert hidden == {"type": "objectIsLinked", "description": "still referred to by Signature"}
    for start in range(0, referrers, 400):
        assert len(destroy(server, "Signature", sigs[start : start + 400])["destroyed"]) == 400
    assert not linked(server, popular)


def test_the_index_survives_restarts_and_is_rebuilt_for_an_older_database(server: Server) -> None:
    target, spare = domains(server, "kept", "spare")
    signature(server, {"domain": target, "hops": [{"via": spare}]})
    server.restart(signal.SIGKILL)
    assert linked(server, target) and linked(server, spare)
    server.stop()
    with sqlite3.connect(server.db) as db:  # as a database written before the index existed
        db.execute("DROP TABLE refs")
        db.execute("DELETE FROM meta")
    db.close()
    server.start()
    assert linked(server, target) and linked(server, spare)
