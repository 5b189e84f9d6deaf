"""The generated server over real HTTP: session resource, authentication, the permission matrix,
the SetErrors of SPEC §3 with exact types and properties, result references and query."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import pytest
from jmap_server import ADMIN_TOKEN, USING, Server
from stalwart_registry._registry import REGISTRY

VERB_ARGS = {"Get": ("get", {"ids": None}), "Query": ("query", {})}


def _permissions() -> list[tuple[str, str, str]]:
    """(object, method, permission) for every method of every object."""
    out = []
    for obj in REGISTRY.objects:
        verbs = ("Get", "Update") if obj.is_singleton else ("Get", "Create", "Update", "Destroy", "Query")
        out += [(obj.name, verb, obj.permission(verb)) for verb in verbs]
    return out


PERMISSIONS = _permissions()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    # each also runs the one operation variant these tests create (a permission of its own)
    creds = {f"only-{perm}": [perm, "actionReloadSettings"] for _, _, perm in PERMISSIONS}
    creds["nothing"] = []
    creds["all-but-get"] = [p for _, _, p in PERMISSIONS if not p.endswith("Get")]
    srv = Server(tmp_path_factory.mktemp("api"), credentials=creds).start()
    yield srv
    srv.stop()


def _call_for(server: Server, obj_name: str, verb: str) -> tuple[str, dict[str, Any]]:
    obj = REGISTRY.object(obj_name)
    if verb in VERB_ARGS:
        method, args = VERB_ARGS[verb]
        return f"{obj.jmap_name}/{method}", args
    if obj.is_singleton:
        return f"{obj.jmap_name}/set", {"update": {"singleton": {}}}
    # Works on every object of the registry: the permission is checked before the payload, so an
    # empty create and an unknown id get SetErrors of their own (never `forbidden`) once allowed.
    args = {
        "Create": {"create": {"n": {}}},
        "Update": {"update": {"unknown": {}}},
        "Destroy": {"destroy": ["unknown"]},
    }[verb]
    return f"{obj.jmap_name}/set", args


@pytest.mark.parametrize(("obj_name", "verb", "permission"), PERMISSIONS, ids=lambda x: str(x))
def test_permission_matrix(server: Server, obj_name: str, verb: str, permission: str) -> None:
    method, args = _call_for(server, obj_name, verb)
    denied = server.call(method, args, token="nothing")
    assert denied[0] == "error" and denied[1]["type"] == "forbidden", denied
    assert permission in denied[1]["description"]
    allowed = server.call(method, args, token=f"only-{permission}")
    assert allowed[0] == method, allowed
    for key in ("notCreated", "notUpdated", "notDestroyed"):
        assert all(e["type"] != "forbidden" for e in (allowed[1].get(key) or {}).values()), allowed
    if verb == "Destroy":
        assert allowed[1]["notDestroyed"]["unknown"]["type"] == "notFound"


def test_get_needs_get_even_with_every_other_permission(server: Server) -> None:
    reply = server.call("x:SpamDnsblSettings/get", {}, token="all-but-get")
    assert reply[1]["type"] == "forbidden"


# -- session and authentication ----------------------------------------------------------------


@pytest.mark.parametrize("path", ["/jmap/session", "/.well-known/jmap"])
def test_session_resource_has_every_rfc8620_field(server: Server, path: str) -> None:
    reply = server.request("GET", path)
    assert reply.status == 200
    session = reply.json
    for key in ("capabilities", "accounts", "primaryAccounts", "username", "apiUrl", "downloadUrl", "uploadUrl"):
        assert key in session
    assert {"eventSourceUrl", "state"} <= set(session)
    core = session["capabilities"]["urn:ietf:params:jmap:core"]
    for limit in ("maxSizeRequest", "maxCallsInRequest", "maxObjectsInGet", "maxObjectsInSet", "collationAlgorithms"):
        assert limit in core
    account = session["primaryAccounts"]["urn:stalwart:jmap"]
    assert session["primaryAccounts"]["urn:ietf:params:jmap:core"] == account
    assert account in session["accounts"]
    assert session["apiUrl"] == f"{server.url}/jmap/"
    response = server.call("x:SpamDnsblSettings/get", {"accountId": account})
    assert response[1]["accountId"] == account


def test_api_url_from_the_session_serves_the_api(server: Server) -> None:
    body = b'{"using": ["urn:ietf:params:jmap:core"], "methodCalls": [["Core/echo", {"x": 1}, "e"]]}'
    reply = server.request("POST", "/jmap/", body)
    assert reply.json["methodResponses"] == [["Core/echo", {"x": 1}, "e"]]


@pytest.mark.parametrize("token", [None, "wrong-token"])
def test_missing_or_bad_credentials_get_401_with_a_challenge(server: Server, token: str | None) -> None:
    for method, path, body in (("GET", "/jmap/session", None), ("POST", "/api", b"{}")):
        reply = server.request(method, path, body, token=token)
        assert reply.status == 401
        assert "bearer" in reply.headers["www-authenticate"].lower()


def test_http_basic_with_a_token_as_password(server: Server) -> None:
    basic = base64.b64encode(f"alice:{ADMIN_TOKEN}".encode()).decode()
    reply = server.request("GET", "/jmap/session", token=None, headers={"Authorization": f"Basic {basic}"})
    assert reply.status == 200 and reply.json["username"] == "alice"
    wrong = base64.b64encode(b"alice:nope").decode()
    assert server.request("GET", "/jmap/session", token=None, headers={"Authorization": f"Basic {wrong}"}).status == 401


def test_another_account_id_is_refused(server: Server) -> None:
    reply = server.call("x:SpamDnsblSettings/get", {"accountId": "someone-else"})
    assert reply[1]["type"] == "accountNotFound"


# -- SetErrors ------------------------------------------------------------------------------------


def update_settings(server: Server, patch: dict[str, Any]) -> dict[str, Any]:
    return server.call("x:SpamDnsblSettings/set", {"update": {"singleton": patch}})[1]  # type: ignore[no-any-return]


def test_min_violation_is_validation_failed_with_every_property(server: Server) -> None:
    error = update_settings(server, {"domainLimit": 0, "urlLimit": 0})["notUpdated"]["singleton"]
    assert error["type"] == "validationFailed"
    assert error["properties"] == ["domainLimit", "urlLimit"]
    assert error["validationErrors"] == [
        {"type": "MinValue", "property": "domainLimit", "required": 1},
        {"type": "MinValue", "property": "urlLimit", "required": 1},
    ]


@pytest.mark.parametrize(
    ("patch", "properties"),
    [
        ({"domainLimit": "many"}, ["domainLimit"]),  # wrong JSON type
        ({"domainLimit": True}, ["domainLimit"]),
        ({"description": "Updated"}, ["description"]),  # unknown property
        ({"domainLimit/x": 1}, ["domainLimit/x"]),  # a path into a number
        ({"id": "other"}, ["id"]),
    ],
)
def test_invalid_patch(server: Server, patch: dict[str, Any], properties: list[str]) -> None:
    error = update_settings(server, patch)["notUpdated"]["singleton"]
    assert error["type"] == "invalidPatch" and error["properties"] == properties


def test_rejected_update_changes_nothing(server: Server) -> None:
    update_settings(server, {"emailLimit": 9, "ipLimit": 0})
    item = server.call("x:SpamDnsblSettings/get", {"ids": ["singleton"]})[1]["list"][0]
    assert item["emailLimit"] == 50


def test_server_set_writes_are_invalid_patch(server: Server) -> None:
    error = server.call("x:ServerState/set", {"update": {"singleton": {"mtaQueuePaused": True}}})[1]["notUpdated"]
    assert error["singleton"]["type"] == "invalidPatch" and error["singleton"]["properties"] == ["mtaQueuePaused"]
    payload = {"@type": "ClassifySpam", "message": "m", "remoteIp": "192.0.2.1", "ehloDomain": "e"}
    payload |= {"envFrom": "a@example.com", "score": 99.5}
    error = server.call("x:Action/set", {"create": {"n": payload}})[1]["notCreated"]["n"]
    assert error["type"] == "invalidPatch" and error["properties"] == ["score"]


def test_a_server_set_value_sent_unchanged_is_not_a_change(server: Server) -> None:
    state = server.call("x:ServerState/get", {})[1]["list"][0]
    reply = server.call("x:ServerState/set", {"update": {"singleton": {"cacheGeneration": state["cacheGeneration"]}}})
    assert reply[1]["updated"] == {"singleton": None}


def test_union_without_type_and_with_unknown_type(server: Server) -> None:
    reply = server.call("x:Action/set", {"create": {"a": {}, "b": {"@type": "Nope"}}})[1]["notCreated"]
    assert reply["a"]["type"] == "invalidPatch" and reply["a"]["properties"] == ["@type"]
    assert reply["b"]["type"] == "invalidPatch" and reply["b"]["properties"] == ["@type"]


def test_union_variant_validation_reports_every_field(server: Server) -> None:
    payload = {"@type": "TroubleshootDmarc", "remoteIp": "not-an-ip", "mailFrom": "nobody"}
    error = server.call("x:Action/set", {"create": {"a": payload}})[1]["notCreated"]["a"]
    assert error["type"] == "validationFailed"
    found = {(e["type"], e["property"]) for e in error["validationErrors"]}
    assert found == {
        ("Invalid", "remoteIp"),
        ("Required", "ehloDomain"),
        ("Invalid", "mailFrom"),
        ("Required", "spfEhloDomain"),
        ("Required", "spfMailFromDomain"),
    }


def test_singleton_create_and_destroy(server: Server) -> None:
    reply = server.call("x:SpamDnsblSettings/set", {"create": {"n": {}}, "destroy": ["singleton"]})[1]
    expected = {"type": "singleton", "description": "Singletons cannot be created or destroyed."}
    assert reply["notCreated"] == {"n": expected}
    assert reply["notDestroyed"] == {"singleton": expected}


def test_unknown_ids_are_not_found(server: Server) -> None:
    reply = server.call("x:Action/set", {"update": {"nope": {}}, "destroy": ["nope"]})[1]
    assert reply["notUpdated"]["nope"]["type"] == "notFound"
    assert reply["notDestroyed"]["nope"]["type"] == "notFound"
    assert server.call("x:SpamDnsblSettings/get", {"ids": ["other"]})[1]["notFound"] == ["other"]


# -- actions, references, query ---------------------------------------------------------------


def test_actions_change_observable_state_and_records_are_immutable(server: Server) -> None:
    calls = [
        ["x:Action/set", {"create": {"p": {"@type": "PauseMtaQueue"}, "r": {"@type": "ReloadSettings"}}}, "c1"],
        ["x:ServerState/get", {}, "c2"],
        ["x:Action/set", {"create": {"q": {"@type": "ResumeMtaQueue"}}}, "c3"],
        ["x:ServerState/get", {}, "c4"],
        ["x:Action/set", {"update": {"#p": {"@type": "ReloadSettings"}}}, "c5"],
        ["x:Action/set", {"update": {"#p": {"id": "#p", "@type": "PauseMtaQueue"}}}, "c6"],
        ["x:Action/get", {"ids": ["#p"]}, "c7"],
        ["x:Action/query", {"filter": {"@type": "PauseMtaQueue"}}, "c8"],
        ["x:Action/get", {"#ids": {"resultOf": "c8", "name": "x:Action/query", "path": "/ids"}}, "c9"],
        ["x:Action/get", {"#ids": {"resultOf": "c8", "name": "x:Action/get", "path": "/ids"}}, "c10"],
    ]
    responses = server.api(calls, createdIds={})["methodResponses"]
    paused = responses[1][1]["list"][0]
    assert paused["mtaQueuePaused"] is True and paused["reloads"]["settings"] >= 1
    assert responses[3][1]["list"][0]["mtaQueuePaused"] is False
    pause_id = responses[0][1]["created"]["p"]["id"]
    # RFC 8620 §5.3: set answers ids, also for objects named by `#creationId`
    assert responses[4][1]["notUpdated"][pause_id]["type"] == "forbidden"
    assert responses[5][1]["updated"] == {pause_id: None}
    assert responses[6][1]["list"] == [{"id": pause_id, "@type": "PauseMtaQueue"}]
    assert pause_id in [item["id"] for item in responses[8][1]["list"]]
    assert {item["@type"] for item in responses[8][1]["list"]} == {"PauseMtaQueue"}
    assert responses[9][1]["type"] == "invalidResultReference"


@pytest.mark.parametrize("variant", ["TroubleshootDmarc", "ClassifySpam", "UpdateApps"])
def test_variants_without_an_engine_are_refused(server: Server, variant: str) -> None:
    payload = {
        "TroubleshootDmarc": {"remoteIp": "192.0.2.1", "ehloDomain": "e", "mailFrom": "a@example.com"}
        | {"spfEhloDomain": "e", "spfMailFromDomain": "e"},
        "ClassifySpam": {"message": "m", "remoteIp": "192.0.2.1", "ehloDomain": "e", "envFrom": "a@example.com"},
        "UpdateApps": {},
    }[variant]
    before = server.call("x:Action/query", {"calculateTotal": True})[1]["total"]
    error = server.call("x:Action/set", {"create": {"a": {"@type": variant, **payload}}})[1]["notCreated"]["a"]
    assert error["type"] == "forbidden" and variant in error["description"]
    assert server.call("x:Action/query", {"calculateTotal": True})[1]["total"] == before


def test_query_filter_sort_and_paging(server: Server) -> None:
    made = server.call("x:Action/set", {"create": {f"n{i}": {"@type": "InvalidateCaches"} for i in range(3)}})
    ids = [made[1]["created"][f"n{i}"]["id"] for i in range(3)]
    query = server.call("x:Action/query", {"filter": {"@type": "InvalidateCaches"}, "calculateTotal": True})[1]
    assert query["ids"][-3:] == ids and query["total"] >= 3
    page = server.call("x:Action/query", {"anchor": ids[1], "anchorOffset": -1, "limit": 2})[1]
    assert page["ids"] == ids[:2]
    assert server.call("x:Action/query", {"position": -1})[1]["ids"] == [query["ids"][-1]]
    by_type = server.call("x:Action/query", {"sort": [{"property": "@type", "isAscending": False}]})[1]["ids"]
    assert len(by_type) >= 3
    assert server.call("x:Action/query", {"anchor": "nope"})[1]["type"] == "anchorNotFound"
    assert (
        server.call("x:Action/query", {"filter": {"operator": "OR", "conditions": []}})[1]["type"]
        == "unsupportedFilter"
    )
    assert server.call("x:Action/query", {"filter": {"bogus": 1}})[1]["type"] == "unsupportedFilter"
    assert server.call("x:Action/query", {"sort": [{"property": "bogus"}]})[1]["type"] == "unsupportedSort"


def test_using_must_name_the_capability_of_a_method(server: Server) -> None:
    body = b'{"using": ["urn:ietf:params:jmap:core"], "methodCalls": [["x:Action/get", {}, "a"]]}'
    reply = server.request("POST", "/api", body).json
    assert reply["methodResponses"][0][1]["type"] == "unknownMethod"
    assert USING[1] == "urn:stalwart:jmap"
