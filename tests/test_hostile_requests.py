"""Hostile request bodies (issue 7 items 2, 4, 5, 7), sent as raw bytes over HTTP to a real server:
each gets its exact RFC 8620 error, nothing is stored, and the server keeps serving.

- Not I-JSON (RFC 7493) is notJSON: lone surrogates, NaN/Infinity, numbers beyond a double, repeated
  member names. Nesting deeper than the session's `maxDepthInRequest` is a `limit` error.
- Query filters nest at most `maxFilterDepth` operators (invalidArguments beyond); result-reference
  paths take ASCII array indexes only; a query without `limit` says the limit it applied.
- The session's URLs never reflect the Host header; PUBLIC_URL sets them.
- Data that is not I-JSON but stored before these checks is still answered with valid I-JSON.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import SHARED_DIR, RunGenerator
from jmap_server import USING, Server
from schemagen_runtime.server.sqlite_store import stored_table

URN = "urn:ietf:params:jmap:error:"
EXTENSION = "urn:stalwart:jmap"  # the seed project's capability, where the non-standard limits are stated
RELOAD = '{"@type":"ReloadSettings"}'
CLASSIFY = {"@type": "ClassifySpam", "message": "x", "remoteIp": "192.0.2.1", "ehloDomain": "a", "envFrom": "a@b.c"}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    srv = Server(tmp_path_factory.mktemp("hostile")).start()
    yield srv
    srv.stop()


def body(calls: str) -> bytes:
    """A request around method calls written as raw JSON text (so it can hold what json.dumps cannot)."""
    return ('{"using":' + json.dumps(USING) + ',"methodCalls":' + calls + "}").encode()


def create_call(record: str, key: str = '"k"', call_id: str = '"c"') -> str:
    """An Action/set creating `record` beside a ReloadSettings that would be stored if the request ran."""
    return '[["x:Action/set",{"create":{"ok":' + RELOAD + "," + key + ":" + record + "}}," + call_id + "]]"


def record(**fields: str) -> str:
    """CLASSIFY as JSON text with some fields replaced by raw JSON text."""
    parts = [f"{json.dumps(k)}:{fields.pop(k) if k in fields else json.dumps(v)}" for k, v in CLASSIFY.items()]
    return "{" + ",".join(parts + [f"{json.dumps(k)}:{v}" for k, v in fields.items()]) + "}"


def stored(server: Server) -> tuple[str, list[str]]:
    """The Action state and ids: unchanged when a refused request stored nothing."""
    _, args, _ = server.call("x:Action/get", {})
    return args["state"], sorted(a["id"] for a in args["list"])


def refused(server: Server, raw: bytes, kind: str) -> dict[str, Any]:
    """POSTs `raw`; asserts the request-level error `kind`, that nothing was stored and that the
    server keeps serving; returns the problem details."""
    before = stored(server)
    reply = server.request("POST", "/api", raw)
    assert reply.status == 400, reply.text
    assert reply.headers["content-type"].startswith("application/problem+json")
    problem = reply.json
    assert problem["type"] == URN + kind and problem["status"] == 400, problem
    assert "Traceback" not in reply.text
    assert stored(server) == before
    assert server.call("Core/echo", {"ok": 1}) == ["Core/echo", {"ok": 1}, "c1"]
    return problem  # type: ignore[no-any-return]


def strict_json(text: str) -> Any:
    """Parses like a strict I-JSON peer: no NaN/Infinity, no lone surrogates (after parsing)."""

    def no_constant(name: str) -> Any:
        raise AssertionError(f"{name} was sent")

    value = json.loads(text, parse_constant=no_constant)
    json.dumps(value, ensure_ascii=False, allow_nan=False).encode("utf-8")  # raises on a lone surrogate
    return value


# -- item 2: lone surrogates are refused at parse; nothing is stored -------------------------------

LONE = r'"\ud800"'

SURROGATE_PLACES = {
    "creation id key": create_call(RELOAD, key=LONE),  # issue 7's repro: it answered 500 after committing
    "call id": create_call(record(), call_id=LONE),
    "stored string": create_call(record(message=LONE)),
    "low surrogate alone": create_call(record(message=r'"a\udc00b"')),
    "high surrogate then text": create_call(record(message=r'"\ud83dx"')),
    "property name": create_call(record(**{"\ud800": "1"})),  # json.dumps writes the key as an escape
    "method name": '[["x:Action/get\\ud800",{},"c"]]',
    "echo argument": '[["Core/echo",{"a":[' + LONE + ']},"c"]]',
    "ids argument": '[["x:Action/get",{"ids":[' + LONE + ']},"c"]]',
}


@pytest.mark.parametrize("place", SURROGATE_PLACES)
def test_lone_surrogates_are_not_json(server: Server, place: str) -> None:
    problem = refused(server, body(SURROGATE_PLACES[place]), "notJSON")
    assert "surrogate" in problem["detail"]


def test_a_lone_surrogate_in_using_or_created_ids_is_not_json(server: Server) -> None:
    refused(server, b'{"using":["urn:ietf:params:jmap:core\\udfff"],"methodCalls":[]}', "notJSON")
    refused(server, body('[],"createdIds":{"\\ud800":"x"}'), "notJSON")


def test_surrogate_pairs_and_raw_utf8_are_text(server: Server) -> None:
    reply = server.request("POST", "/api", body('[["Core/echo",{"a":"\\ud83d\\ude00 é 😀"},"c"]]'))
    assert reply.status == 200
    assert reply.json["methodResponses"][0][1] == {"a": "😀 é 😀"}


def test_an_encoded_surrogate_is_not_utf8(server: Server) -> None:
    # CESU-8 style bytes for U+D800 are not UTF-8 text
    refused(server, body('[["Core/echo",{"a":"X"},"c"]]').replace(b"X", b"\xed\xa0\x80"), "notJSON")


# -- item 4: NaN, Infinity and overflowing numbers are refused at parse ------------------------------

NOT_NUMBERS = ["1e400", "-1e400", "1E+309", "NaN", "Infinity", "-Infinity", "9" * 400, "-" + "9" * 309, "1" * 5000]


@pytest.mark.parametrize("number", NOT_NUMBERS, ids=lambda n: n if len(n) < 12 else f"{len(n)}-digit")
def test_non_finite_and_overflowing_numbers_are_not_json(server: Server, number: str) -> None:
    refused(server, body(create_call(record(score=number))), "notJSON")
    refused(server, body('[["Core/echo",{"n":' + number + '},"c"]]'), "notJSON")


def test_numbers_within_a_double_are_accepted(server: Server) -> None:
    largest = str(int(sys.float_info.max))  # 309 digits
    reply = server.request("POST", "/api", body('[["Core/echo",{"a":1e308,"b":-' + largest + ',"c":0.5},"c"]]'))
    assert reply.status == 200
    assert reply.json["methodResponses"][0][1] == {"a": 1e308, "b": -int(largest), "c": 0.5}


# -- item 7: repeated member names -------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        b'{"using":[],"using":["urn:ietf:params:jmap:core"],"methodCalls":[]}',
        body(create_call(record()[:-1] + ',"message":"two"}')),
        body(create_call(RELOAD, key='"ok"')),
        body('[["Core/echo",{"a":[{"b":1,"b":1}]},"c"]]'),
    ],
    ids=["envelope", "record property", "creation id", "nested"],
)
def test_repeated_member_names_are_not_json(server: Server, raw: bytes) -> None:
    problem = refused(server, raw, "notJSON")
    assert "twice" in problem["detail"]


# -- item 5: nesting limits ------------------------------------------------------------------------


def session(server: Server) -> dict[str, Any]:
    return server.request("GET", "/jmap/session").json  # type: ignore[no-any-return]


def nested_echo(levels: int) -> bytes:
    """A request whose deepest array is at `levels` (the request object is level 1)."""
    inner = levels - 4  # request {1}, methodCalls [2], call [3], arguments {4}
    return body('[["Core/echo",{"a":' + "[" * inner + "]" * inner + '},"c"]]')


def test_the_nesting_limits_are_stated_in_the_session(server: Server) -> None:
    limits = session(server)["capabilities"][EXTENSION]
    assert limits == {"maxDepthInRequest": 64, "maxFilterDepth": 16}


def test_a_request_at_the_depth_limit_is_served(server: Server) -> None:
    limit = session(server)["capabilities"][EXTENSION]["maxDepthInRequest"]
    reply = server.request("POST", "/api", nested_echo(limit))
    assert reply.status == 200, reply.text


@pytest.mark.parametrize("levels", [65, 240, 1_000, 100_000])
def test_deeper_requests_are_a_limit_error(server: Server, levels: int) -> None:
    problem = refused(server, nested_echo(levels), "limit")
    assert problem["limit"] == "maxDepthInRequest"


def test_a_deep_record_is_refused_before_it_is_stored(server: Server) -> None:
    deep = "[" * 300 + "]" * 300
    problem = refused(server, body(create_call(record(envRcptTo=deep))), "limit")
    assert problem["limit"] == "maxDepthInRequest"


def nested_filter(operators: int) -> dict[str, Any]:
    spec: dict[str, Any] = {"@type": "ReloadSettings"}
    for _ in range(operators):
        spec = {"operator": "AND", "conditions": [spec]}
    return spec


def test_filters_nest_up_to_max_filter_depth(server: Server) -> None:
    depth = session(server)["capabilities"][EXTENSION]["maxFilterDepth"]
    name, args, _ = server.call("x:Action/query", {"filter": nested_filter(depth)})
    assert name == "x:Action/query", args
    name, args, _ = server.call("x:Action/query", {"filter": nested_filter(depth + 1)})
    assert name == "error" and args["type"] == "invalidArguments"
    assert "maxFilterDepth" in args["description"]


def test_a_filter_400_operators_deep_is_refused_at_parse(server: Server) -> None:
    raw = json.dumps({"using": USING, "methodCalls": [["x:Action/query", {"filter": nested_filter(400)}, "c"]]})
    assert refused(server, raw.encode(), "limit")["limit"] == "maxDepthInRequest"


# -- item 5: result-reference paths take ASCII indexes only ------------------------------------------


def get_by_reference(server: Server, path: str) -> list[Any]:
    """x:Action/get whose ids come from `path` into a Core/echo of [[id of a], [id of b]]."""
    _, args, _ = server.call(
        "x:Action/set", {"create": {"a": {"@type": "ReloadSettings"}, "b": {"@type": "ReloadSettings"}}}
    )
    groups = [[args["created"]["a"]["id"]], [args["created"]["b"]["id"]]]
    reference = {"resultOf": "e", "name": "Core/echo", "path": path}
    responses = server.api([["Core/echo", {"groups": groups}, "e"], ["x:Action/get", {"#ids": reference}, "g"]])
    return [groups, *responses["methodResponses"][1]]


@pytest.mark.parametrize("index", ["²", "٣", "01", "-1", "9" * 5000, " 0", "", "2"])
def test_a_bad_array_index_is_an_invalid_result_reference(server: Server, index: str) -> None:
    _, name, args, call_id = get_by_reference(server, "/groups/" + index)
    assert (name, args["type"], call_id) == ("error", "invalidResultReference", "g")
    assert server.call("Core/echo", {}) == ["Core/echo", {}, "c1"]


def test_an_ascii_array_index_resolves(server: Server) -> None:
    groups, name, args, _ = get_by_reference(server, "/groups/1")
    assert name == "x:Action/get" and [a["id"] for a in args["list"]] == groups[1]


# -- item 7: a query states the limit it applied (RFC 8620 §5.5) -------------------------------------


def test_a_query_without_limit_says_the_limit_it_applied(tmp_path: Path) -> None:
    srv = Server(tmp_path).start()
    try:
        cap = session(srv)["capabilities"]["urn:ietf:params:jmap:core"]["maxObjectsInGet"]
        most = session(srv)["capabilities"]["urn:ietf:params:jmap:core"]["maxObjectsInSet"]
        wanted = cap + 1
        while wanted > 0:
            batch = min(most, wanted)
            creates = {f"r{i}": {"@type": "ReloadSettings"} for i in range(batch)}
            assert not srv.call("x:Action/set", {"create": creates})[1].get("notCreated")
            wanted -= batch
        _, args, _ = srv.call("x:Action/query", {"calculateTotal": True})
        assert (len(args["ids"]), args["limit"], args["total"]) == (cap, cap, cap + 1)
        _, args, _ = srv.call("x:Action/query", {"limit": cap + 10})
        assert (len(args["ids"]), args["limit"]) == (cap, cap)
        _, args, _ = srv.call("x:Action/query", {"limit": 3})
        assert len(args["ids"]) == 3 and "limit" not in args
    finally:
        srv.stop()


# -- item 7: the Host header is never reflected ------------------------------------------------------

URL_KEYS = ("apiUrl", "downloadUrl", "uploadUrl", "eventSourceUrl")


@pytest.mark.parametrize("host", ["evil.example", "evil.example:80", "127.0.0.1:1", "a/b?c", "[::1]:9"])
def test_the_host_header_is_not_reflected(server: Server, host: str) -> None:
    reply = server.request("GET", "/jmap/session", headers={"Host": host})
    assert reply.status == 200
    for key in URL_KEYS:
        assert reply.json[key].startswith(f"{server.url}/jmap/"), reply.json[key]
    assert reply.json["state"] == session(server)["state"]


def test_public_url_sets_the_session_urls(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PUBLIC_URL", "https://jmap.example.com/mail/")
    srv = Server(tmp_path).start()
    try:
        reply = srv.request("GET", "/jmap/session", headers={"Host": "evil.example"})
        assert reply.json["apiUrl"] == "https://jmap.example.com/mail/jmap/"
        for key in URL_KEYS:
            assert reply.json[key].startswith("https://jmap.example.com/mail/jmap/")
    finally:
        srv.stop()


@pytest.mark.parametrize(
    "url", ["ftp://jmap.example.com", "jmap.example.com", "https://", "https://a:99999", "https://h/?q", "http://u@h"]
)
def test_a_bad_public_url_stops_the_server_at_start(tmp_path: Path, url: str) -> None:
    env = {**os.environ, "PUBLIC_URL": url, "PORT": "1", "DB": str(tmp_path / "db.sqlite3"), "ADMIN_TOKEN": "t"}
    run = subprocess.run(
        [sys.executable, "-m", "stalwart_registry.server"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert run.returncode == 1
    assert "error: PUBLIC_URL" in run.stderr and "Traceback" not in run.stderr


# -- item 2: whatever is stored, the answer is I-JSON --------------------------------------------------


def test_values_stored_before_these_checks_are_still_sent_as_i_json(tmp_path: Path) -> None:
    """A record written by an older server with a lone surrogate and an infinite number (as issue 7
    found them) is read back as valid I-JSON (U+FFFD, null), and new writes still commit and answer."""
    srv = Server(tmp_path).start()
    try:
        _, args, _ = srv.call("x:Action/set", {"create": {"k": {"@type": "ReloadSettings"}}})
        obj_id = args["created"]["k"]["id"]
    finally:
        srv.stop()
    with sqlite3.connect(srv.db) as db:
        legacy = {**CLASSIFY, "envRcptTo": {}, "message": "a\ud800b", "score": float("inf")}
        text = json.dumps(legacy)  # ASCII: the surrogate as an escape, the number as Infinity
        db.execute(f"UPDATE {stored_table(db, 'Action')} SET doc = ? WHERE id = ?", (text, obj_id))
    db.close()
    srv.start()
    try:
        reply = srv.request("POST", "/api", body('[["x:Action/get",{"ids":["' + obj_id + '"]},"c"]]'))
        assert reply.status == 200
        (got,) = strict_json(reply.text)["methodResponses"][0][1]["list"]
        assert (got["message"], got["score"]) == ("a\ufffdb", None)
        _, args, _ = srv.call("x:Action/set", {"create": {"n": {"@type": "ReloadSettings"}}})
        assert "n" in args["created"]
    finally:
        srv.stop()


# -- issue 7's own repros on the full imported registry ------------------------------------------------


@pytest.fixture(scope="module")
def full_server(tmp_path_factory: pytest.TempPathFactory, run_generator: RunGenerator) -> Iterator[Server]:
    schema_json = SHARED_DIR / "stalwart" / "schema.json"
    if not schema_json.is_file():
        pytest.fail(f"{schema_json} is missing: the real registry is read from ../shared beside the repository")
    root = tmp_path_factory.mktemp("hostile-full")
    for args in (
        ("import-stalwart", schema_json, "--out", root / "schema"),
        ("generate", "--schema", root / "schema", "--out", root / "out"),
    ):
        run = run_generator(*args)
        assert run.returncode == 0, run.stderr
    srv = Server(root / "server", pythonpath=str(root / "out" / "python"))
    srv.workdir.mkdir()
    srv.start()
    yield srv
    srv.stop()


def full_body(*calls: list[Any]) -> bytes:
    return json.dumps({"using": USING, "methodCalls": list(calls)}).encode()


def states(server: Server, *objects: str) -> list[str]:
    return [server.call(f"x:{name}/get", {})[1]["state"] for name in objects]


def test_full_registry_repros_of_items_2_and_4_are_refused(full_server: Server) -> None:
    before = states(full_server, "Action", "TaskManager")
    created = body('[["x:Action/set",{"create":{"\\ud800":' + RELOAD + '}},"c"]]')
    factor = body(
        '[["x:TaskManager/set",{"update":{"singleton":'
        '{"strategy":{"@type":"ExponentialBackoff","factor":1e400}}}},"c"]]'
    )
    for raw in (created, factor):
        reply = full_server.request("POST", "/api", raw)
        assert (reply.status, reply.json["type"]) == (400, URN + "notJSON"), reply.text
    assert states(full_server, "Action", "TaskManager") == before
    strict_json(full_server.request("POST", "/api", full_body(["x:TaskManager/get", {}, "g"])).text)


def trace_with_values_nested(levels: int) -> list[Any]:
    """x:Trace/set creating a trace whose one value is a TraceValue List nested `levels` deep
    (TraceValue is the registry's recursive type: each level is two JSON levels)."""
    value: dict[str, Any] = {"@type": "String", "value": "x"}
    for _ in range(levels):
        value = {"@type": "List", "value": [value]}
    event = {"event": "acme.auth-start", "timestamp": "2020-01-01T00:00:00Z"}
    record = {"events": [{**event, "keyValues": [{"key": "accountName", "value": value}]}]}
    return ["x:Trace/set", {"create": {"t": record}}, "c"]


def test_full_registry_recursive_values_stop_at_the_depth_limit(full_server: Server) -> None:
    limit = session(full_server)["capabilities"][EXTENSION]["maxDepthInRequest"]
    # request {1} methodCalls [2] call [3] args {4} create {5} record {6} events [7] event {8}
    # keyValues [9] pair {10} value {11}, then two levels per List: 11 + 2n <= limit
    most = (limit - 11) // 2
    before = states(full_server, "Trace")
    reply = full_server.request("POST", "/api", full_body(trace_with_values_nested(most + 1)))
    assert (reply.status, reply.json["type"], reply.json["limit"]) == (400, URN + "limit", "maxDepthInRequest")
    assert states(full_server, "Trace") == before
    reply = full_server.request("POST", "/api", full_body(trace_with_values_nested(most), ["x:Trace/get", {}, "g"]))
    assert reply.status == 200
    (_, created, _), (_, got, _) = strict_json(reply.text)["methodResponses"]
    assert "t" in created["created"] and len(got["list"]) == 1


# -- query over variants whose same-named field differs in type ----------------------------------------

MIXED_SCHEMA = """
project:
  name: Mixed
  version: "1.0.0"
  description: Variants sharing a field name with different types
  namespace: "x:"
  capability: urn:stalwart:jmap
  apiPath: /api
  cli: mixed-cli
  package: mixed_registry
  distribution: mixed-registry
objects:
  Gadget:
    description: A gadget.
    permissionPrefix: sysGadget
    variants:
      Counted: {label: Counted, type: CountedGadget}
      Named: {label: Named, type: NamedGadget}
types:
  CountedGadget:
    description: Counted.
    fields:
      level: {type: unsignedInteger, default: 1, description: Level}
  NamedGadget:
    description: Named.
    fields:
      level: {type: string, description: Level}
"""


def test_sorting_or_comparing_values_of_different_types_is_an_error_not_a_crash(
    tmp_path: Path, run_generator: RunGenerator
) -> None:
    (tmp_path / "schema").mkdir()
    (tmp_path / "schema" / "mixed.yaml").write_text(MIXED_SCHEMA, encoding="utf-8")
    run = run_generator("generate", "--schema", tmp_path / "schema", "--out", tmp_path / "out")
    assert run.returncode == 0, run.stderr
    (tmp_path / "server").mkdir()
    srv = Server(tmp_path / "server", package="mixed_registry", pythonpath=str(tmp_path / "out" / "python")).start()
    try:
        creates = {"c": {"@type": "Counted", "level": 5}, "n": {"@type": "Named", "level": "high"}}
        created = srv.call("x:Gadget/set", {"create": creates})[1]["created"]
        name, args, _ = srv.call("x:Gadget/query", {"sort": [{"property": "level"}]})
        assert (name, args["type"]) == ("error", "unsupportedSort"), args
        name, args, _ = srv.call("x:Gadget/query", {"filter": {"levelIsGreaterThan": 1}})
        assert (name, args["ids"]) == ("x:Gadget/query", [created["c"]["id"]]), args
        output = srv.stop()
    finally:
        if srv.proc is not None:
            srv.stop()
    assert "Traceback" not in output
