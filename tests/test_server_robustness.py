"""Bad requests get RFC 8620 errors with the right statuses (never a 500 or a traceback) and the
server keeps serving; acknowledged writes survive SIGTERM and SIGKILL."""

from __future__ import annotations

import json
import signal
from collections.abc import Iterator
from typing import Any

import pytest
from jmap_server import USING, Server

URN = "urn:ietf:params:jmap:error:"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    srv = Server(tmp_path_factory.mktemp("robust")).start()
    yield srv
    srv.stop()


def request(calls: list[Any], using: list[str] = USING) -> bytes:
    return json.dumps({"using": using, "methodCalls": calls}).encode()


def assert_still_serving(server: Server) -> None:
    assert server.call("x:SpamDnsblSettings/get", {})[0] == "x:SpamDnsblSettings/get"


@pytest.mark.parametrize(
    ("body", "headers", "kind"),
    [
        (b"{not json", None, "notJSON"),
        (b"\xff\xfe garbage", None, "notJSON"),
        (b"[1, 2]", None, "notRequest"),
        (b'{"using": [], "methodCalls": [1, 2]}', None, "notRequest"),
        (b'{"using": "core", "methodCalls": []}', None, "notRequest"),
        (b'{"using": [], "methodCalls": [["x:Action/get", {}]]}', None, "notRequest"),
        (b'{"using": [], "methodCalls": [], "createdIds": []}', None, "notRequest"),
        (b'{"a": NaN}', None, "notJSON"),
        (b'{"using": []}', {"Content-Type": "text/plain"}, "notJSON"),
        (request([], ["urn:ietf:params:jmap:core", "urn:example:nope"]), None, "unknownCapability"),
        (request([["Core/echo", {}, str(i)] for i in range(17)]), None, "limit"),
    ],
)
def test_request_level_errors(server: Server, body: bytes, headers: dict[str, str] | None, kind: str) -> None:
    reply = server.request("POST", "/api", body, headers=headers)
    assert reply.status == 400, reply.text
    problem = reply.json
    assert problem["type"] == URN + kind and problem["status"] == 400
    assert reply.headers["content-type"].startswith("application/problem+json")
    assert "Traceback" not in reply.text
    if kind == "limit":
        assert problem["limit"] == "maxCallsInRequest"
    assert_still_serving(server)


def test_oversize_body_is_a_limit_error(server: Server) -> None:
    limit = server.request("GET", "/jmap/session").json["capabilities"]["urn:ietf:params:jmap:core"]["maxSizeRequest"]
    padding = "x" * (limit + 1)
    body = json.dumps({"using": USING, "methodCalls": [["Core/echo", {"pad": padding}, "a"]]}).encode()
    reply = server.request("POST", "/api", body)
    assert reply.status == 400
    assert reply.json["type"] == URN + "limit" and reply.json["limit"] == "maxSizeRequest"
    assert_still_serving(server)


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (["x:Nothing/get", {}, "a"], "unknownMethod"),
        (["x:SpamDnsblSettings/query", {}, "a"], "unknownMethod"),  # singletons have no query
        (["x:Action/changes", {}, "a"], "unknownMethod"),
        (["x:Action/get", {"ids": "id1"}, "a"], "invalidArguments"),
        (["x:Action/get", {"ids": [1, {"a": 2}]}, "a"], "invalidArguments"),
        (["x:Action/get", {"properties": ["bogus"]}, "a"], "invalidArguments"),
        (["x:Action/get", {"unknownArgument": 1}, "a"], "invalidArguments"),
        (["x:Action/get", {"ids": ["x"] * 501}, "a"], "requestTooLarge"),
        (["x:Action/set", {"create": [1]}, "a"], "invalidArguments"),
        (["x:Action/set", {"destroy": "all"}, "a"], "invalidArguments"),
        (["x:Action/set", {"destroy": ["x"] * 501}, "a"], "requestTooLarge"),
        (["x:Action/set", {"ifInState": "not-the-state"}, "a"], "stateMismatch"),
        (["x:Action/query", {"limit": -1}, "a"], "invalidArguments"),
        (["x:Action/query", {"filter": []}, "a"], "invalidArguments"),
        (
            ["x:Action/get", {"#ids": {"resultOf": "zz", "name": "x:Action/query", "path": "/ids"}}, "a"],
            "invalidResultReference",
        ),
    ],
)
def test_method_level_errors(server: Server, call: list[Any], error: str) -> None:
    reply = server.request("POST", "/api", request([call]))
    assert reply.status == 200
    name, args, call_id = reply.json["methodResponses"][0]
    assert (name, args["type"], call_id) == ("error", error, "a")
    assert "Traceback" not in reply.text


def test_garbage_ids_are_not_found_and_other_calls_still_run(server: Server) -> None:
    calls = [
        ["x:Action/get", {"ids": ["", "../../etc", "x" * 300, "💥", "#unknownCreation"]}, "a"],
        ["x:Action/set", {"update": {"💥": {}}, "destroy": ["' OR 1=1 --"]}, "b"],
        ["x:SpamDnsblSettings/set", {"update": {"singleton": {"domainLimit": 12}}}, "c"],
    ]
    responses = server.api(calls)["methodResponses"]
    assert responses[0][1]["list"] == [] and len(responses[0][1]["notFound"]) == 5
    assert responses[1][1]["notUpdated"]["💥"]["type"] == "notFound"
    assert responses[1][1]["notDestroyed"]["' OR 1=1 --"]["type"] == "notFound"
    assert responses[2][1]["updated"] == {"singleton": None}


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [("GET", "/api", 405), ("PUT", "/jmap/session", 405), ("GET", "/nowhere", 404), ("POST", "/jmap/upload/x/", 404)],
)
def test_wrong_routes(server: Server, method: str, path: str, status: int) -> None:
    reply = server.request(method, path, b"{}" if method != "GET" else None)
    assert reply.status == status and "Traceback" not in reply.text
    assert_still_serving(server)


# -- durability -----------------------------------------------------------------------------------


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["SIGTERM", "SIGKILL"])
def test_acknowledged_writes_survive_a_stop(tmp_path_factory: pytest.TempPathFactory, sig: int) -> None:
    srv = Server(tmp_path_factory.mktemp("durable")).start()
    try:
        limits = [srv.call("x:SpamDnsblSettings/set", {"update": {"singleton": {"ipLimit": n}}}) for n in (7, 8, 9)]
        assert all(r[1]["updated"] == {"singleton": None} for r in limits)
        made = srv.call("x:Action/set", {"create": {"a": {"@type": "PauseMtaQueue"}}})[1]["created"]["a"]["id"]
        srv.restart(sig)  # SIGKILL lands right after the last acknowledged response
        item = srv.call("x:SpamDnsblSettings/get", {})[1]["list"][0]
        assert item["ipLimit"] == 9
        assert srv.call("x:Action/get", {"ids": [made]})[1]["list"] == [{"id": made, "@type": "PauseMtaQueue"}]
        assert srv.call("x:ServerState/get", {})[1]["list"][0]["mtaQueuePaused"] is True
        again = srv.call("x:Action/set", {"create": {"b": {"@type": "ResumeMtaQueue"}}})[1]["created"]["b"]["id"]
        assert again != made  # the id counter was committed with the object
    finally:
        srv.stop()
