"""Wire formats, patches and write rules over real HTTP, on the demo schema's generated server."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from demo_package import PACKAGE, generate
from jmap_server import Server


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    root = generate(tmp_path_factory.mktemp("demo"))
    srv = Server(root.parent, package=PACKAGE, pythonpath=str(root)).start()
    yield srv
    srv.stop()


def create(server: Server, payload: dict[str, Any]) -> dict[str, Any]:
    return server.call("x:Domain/set", {"create": {"c": payload}})[1]  # type: ignore[no-any-return]


def get(server: Server, obj_id: str) -> dict[str, Any]:
    return server.call("x:Domain/get", {"ids": [obj_id]})[1]["list"][0]  # type: ignore[no-any-return]


def update(server: Server, obj_id: str, patch: dict[str, Any]) -> dict[str, Any]:
    return server.call("x:Domain/set", {"update": {obj_id: patch}})[1]  # type: ignore[no-any-return]


@pytest.fixture
def domain(server: Server, request: pytest.FixtureRequest) -> str:
    name = f"d{abs(hash(request.node.name)) % 10**8}.test"
    payload = {"name": f"  {name.upper()} ", "aliases": ["a@example.com"], "timeout": "2m", "quota": "1mb"}
    payload |= {"password": "s3cret", "routes": [{"host": "mx1"}], "labels": {"a": "b"}, "ports": [25, "587"]}
    result = create(server, payload)
    assert result["notCreated"] is None, result
    return result["created"]["c"]["id"]  # type: ignore[no-any-return]


def test_create_fills_defaults_and_stores_canonical_wire_forms(server: Server, domain: str) -> None:
    item = get(server, domain)
    assert list(item) == [
        "id",
        "name",
        "aliases",
        "timeout",
        "quota",
        "password",
        "rateLimit",
        "routes",
        "labels",
        "mode",
        "kind",
        "parent",
        "createdAt",
        "ports",
    ]
    assert item["name"].endswith(".test") and item["name"] == item["name"].strip().lower()
    assert item["aliases"] == {"a@example.com": True}
    assert (item["timeout"], item["quota"]) == (120_000, 1_048_576)
    assert item["password"] == "****"
    assert item["rateLimit"] == {"count": 100, "period": 60_000, "hits": 0}
    assert item["routes"] == {"0": {"host": "mx1", "port": 25}}
    assert item["mode"] == {"@type": "Manual"} and item["kind"] == "primary"
    assert item["ports"] == {"25": True, "587": True}
    assert (item["parent"], item["createdAt"]) == (None, None)


def test_created_response_holds_the_id_and_server_set_values_only(server: Server) -> None:
    created = create(server, {"name": "filled.test"})["created"]["c"]
    assert list(created) == ["id"]  # defaults (timeout, rateLimit) are the get's; createdAt is unset here
    assert get(server, created["id"])["timeout"] == 30_000


def test_json_pointer_patches(server: Server, domain: str) -> None:
    patch = {
        "rateLimit/count": 5,
        "aliases/b@example.com": True,
        "aliases/a@example.com": None,
        "routes/0/port": 26,
        "routes/1": {"host": "mx2"},
        "labels/x": "y",
        "labels/a": None,
    }
    assert update(server, domain, patch)["updated"] == {domain: None}
    item = get(server, domain)
    assert item["rateLimit"] == {"count": 5, "period": 60_000, "hits": 0}
    assert item["aliases"] == {"b@example.com": True}
    assert item["routes"] == {"0": {"host": "mx1", "port": 26}, "1": {"host": "mx2", "port": 25}}
    assert item["labels"] == {"x": "y"}
    update(server, domain, {"routes/0": None})
    assert get(server, domain)["routes"] == {"0": {"host": "mx2", "port": 25}}


def test_nested_objects_merge_and_a_new_type_rebuilds(server: Server, domain: str) -> None:
    update(server, domain, {"rateLimit": {"period": "2m"}})
    assert get(server, domain)["rateLimit"] == {"count": 100, "period": 120_000, "hits": 0}
    update(server, domain, {"mode": {"@type": "Auto"}})
    assert get(server, domain)["mode"] == {"@type": "Auto", "interval": 3_600_000}
    update(server, domain, {"mode/interval": "2h"})
    assert get(server, domain)["mode"] == {"@type": "Auto", "interval": 7_200_000}
    update(server, domain, {"mode": {"@type": "Manual"}})
    assert get(server, domain)["mode"] == {"@type": "Manual"}


def test_immutable_and_server_set_rules(server: Server, domain: str) -> None:
    name = get(server, domain)["name"]
    assert update(server, domain, {"name": name})["updated"] == {domain: None}  # unchanged: fine
    error = update(server, domain, {"name": "other.test"})["notUpdated"][domain]
    assert error["type"] == "invalidPatch" and error["properties"] == ["name"]
    error = update(server, domain, {"rateLimit/hits": 3, "createdAt": "2026-01-01T00:00:00Z"})["notUpdated"][domain]
    assert error["type"] == "invalidPatch" and error["properties"] == ["rateLimit/hits", "createdAt"]
    error = create(server, {"name": "x.test", "rateLimit": {"hits": 4}})["notCreated"]["c"]
    assert error["properties"] == ["rateLimit/hits"]


def test_secret_echoed_back_masked_keeps_the_secret(server: Server, domain: str) -> None:
    item = get(server, domain)
    assert update(server, domain, {"password": item["password"]})["updated"] == {domain: None}
    assert update(server, domain, {"password": None})["updated"] == {domain: None}
    assert get(server, domain)["password"] is None


def test_validation_lists_every_failure_with_paths(server: Server) -> None:
    payload = {"name": "n" * 30, "timeout": "0s", "aliases": ["nope"], "routes": [{"port": 70000}]}
    error = create(server, payload)["notCreated"]["c"]
    assert error["type"] == "validationFailed"
    assert error["validationErrors"] == [
        {"type": "MaxLength", "property": "name", "required": 20},
        {"type": "Invalid", "property": "aliases/nope"},
        {"type": "MinValue", "property": "timeout", "required": 1000},
        {"type": "Required", "property": "routes/0/host"},
        {"type": "MaxValue", "property": "routes/0/port", "required": 65535},
    ]
    assert error["properties"] == ["name", "aliases/nope", "timeout", "routes/0/host", "routes/0/port"]


def test_wrong_types_at_depth_are_invalid_patch(server: Server) -> None:
    payload = {"name": "t.test", "timeout": True, "routes": {"zero": {}}, "labels": [], "rateLimit": {"count": "x"}}
    error = create(server, payload)["notCreated"]["c"]
    assert error["type"] == "invalidPatch"
    assert error["properties"] == ["timeout", "rateLimit/count", "routes/zero", "labels"]


def test_unique_keys_foreign_keys_and_links(server: Server) -> None:
    reply = server.call(
        "x:Domain/set",
        {
            "create": {
                "p": {"name": "parent.test"},
                "k": {"name": "kid.test", "parent": "#p"},
                "bad": {"name": "bad.test", "parent": "nope"},
            }
        },
    )[1]
    assert reply["notCreated"] == {
        "bad": {
            "type": "invalidForeignKey",
            "description": reply["notCreated"]["bad"]["description"],
            "properties": ["parent"],
        }
    }
    parent, kid = reply["created"]["p"]["id"], reply["created"]["k"]["id"]
    assert get(server, kid)["parent"] == parent
    duplicate = create(server, {"name": "PARENT.test"})["notCreated"]["c"]
    assert duplicate["type"] == "primaryKeyViolation" and duplicate["properties"] == ["name"]
    linked = server.call("x:Domain/set", {"destroy": [parent]})[1]["notDestroyed"][parent]
    assert linked["type"] == "objectIsLinked"
    assert server.call("x:Domain/set", {"destroy": [kid, parent]})[1]["destroyed"] == [kid, parent]


def test_query_filters_on_decoded_values(server: Server) -> None:
    ids = [create(server, {"name": f"q{i}.test", "timeout": f"{i + 1}m"})["created"]["c"]["id"] for i in range(3)]
    found = server.call("x:Domain/query", {"filter": {"timeoutIsGreaterThan": "1m", "kind": "primary"}})[1]["ids"]
    assert ids[1] in found and ids[2] in found and ids[0] not in found
    members = server.call("x:Domain/query", {"filter": {"ports": 25}})[1]["ids"]
    assert ids[0] not in members
    ordered = server.call("x:Domain/query", {"filter": {"name": "q2.test"}, "sort": [{"property": "timeout"}]})[1]
    assert ordered["ids"] == [ids[2]]
    assert server.call("x:Domain/query", {"filter": {"password": "x"}})[1]["type"] == "unsupportedFilter"
