"""A get sends stored documents as they are stored (jsonio.Raw), and that is exactly what the
encoding path would have sent: the same members, values and order; result references still see
into them; no stored value can pass for the placeholder the encoder splices them in with."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from jmap_server import USING, Server

MANUAL = {"@type": "Manual"}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    srv = Server(tmp_path_factory.mktemp("as-stored")).start()
    yield srv
    srv.stop()


def domain(name: str, description: str | None = None) -> dict[str, Any]:
    return {
        "name": name,
        "description": description,
        "certificateManagement": MANUAL,
        "dkimManagement": MANUAL,
        "dnsManagement": MANUAL,
        "subAddressing": {"@type": "Enabled"},
        "aliases": {"alias.example": True},
    }


def ordered(text: str) -> Any:
    """The response with every object as its list of (name, value) pairs: order counts."""
    return json.loads(text, object_pairs_hook=list)


def get_text(server: Server, args: dict[str, Any]) -> str:
    body = json.dumps({"using": USING, "methodCalls": [["x:Domain/get", args, "g"]]}).encode()
    reply = server.request("POST", "/api", body)
    assert reply.status == 200, reply.text
    return reply.text


def test_documents_go_out_as_stored_and_as_encoded_alike(server: Server) -> None:
    texts = ["caf\u00e9 \u2603 \U0001f600", 'quote " backslash \\ tab \t nul \x00', None]
    ids = [server.create_one("Domain", domain(f"raw{i}.example", text)) for i, text in enumerate(texts)]
    _, listing, _ = server.call("x:Domain/get", {"ids": ids[:1]})
    every = [name for name, _ in ordered(json.dumps(listing["list"][0]))]
    as_stored = ordered(get_text(server, {"ids": [*ids, "missing"]}))
    encoded = ordered(get_text(server, {"ids": [*ids, "missing"], "properties": every}))  # not as stored
    assert as_stored == encoded
    (_, args, _) = json.loads(get_text(server, {"ids": ids}))["methodResponses"][0]
    assert [d["description"] for d in args["list"]] == texts
    assert [d["id"] for d in args["list"]] == ids


def test_result_references_read_into_documents_sent_as_stored(server: Server) -> None:
    first = server.create_one("Domain", domain("ref.example"))
    calls = [
        ["x:Domain/get", {"ids": [first]}, "a"],
        ["x:Domain/get", {"#ids": {"resultOf": "a", "name": "x:Domain/get", "path": "/list/*/id"}}, "b"],
        ["Core/echo", {"#got": {"resultOf": "a", "name": "x:Domain/get", "path": "/list/0/name"}}, "c"],
    ]
    responses = server.api(calls)["methodResponses"]
    assert [d["id"] for d in responses[1][1]["list"]] == [first]
    assert responses[2][1] == {"got": "ref.example"}


def test_a_stored_value_cannot_pass_for_the_splice_placeholder(server: Server) -> None:
    """The placeholder is a private-use character, a random token and a number: values shaped like
    it (with any token) come back as they were, and each document stays with its own id."""
    fakes = ["\ue000" + "0" * 32 + "#0", "\ue000#1", "\ue000" + "f" * 32 + "#1"]
    ids = [server.create_one("Domain", domain(f"fake{i}.example", fake)) for i, fake in enumerate(fakes)]
    (_, args, _) = json.loads(get_text(server, {"ids": ids}))["methodResponses"][0]
    assert [(d["id"], d["description"]) for d in args["list"]] == list(zip(ids, fakes, strict=True))
