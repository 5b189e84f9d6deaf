"""Secrets the server generates on create (issue 10 item 5), from what the schema declares.

A `secret`/`secretText` field that is not nullable, has no default and is server-set (or immutable)
gets a random secret when a create leaves it out (servervalues.py): sent in the clear once, in the
`created` (or, for an object-list item an update adds, `updated`) entry of the write that made it,
masked as "****" by every get after, kept by a write echoing "****". The rule is read from the
declaration, never a field's name: the codec tests below use made-up schemas.

The server tests run the committed registry's generated server over HTTP and read the stored
secret from its SQLite file, since get never shows it.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from jmap_server import ADMIN_TOKEN, Server
from schemagen_runtime.cli_app import holds_clear_secret
from schemagen_runtime.descriptors import FieldDesc, ObjectDesc, ProjectDesc, Registry, SchemaDesc, TypeDesc
from schemagen_runtime.server.servervalues import SECRET_LENGTH, fill_server_values, reveal

MASK = "****"
URL_SAFE = re.compile(r"[A-Za-z0-9_-]+")
API_KEY = {"description": "ci", "permissions": {"@type": "Inherit"}}
MANUAL = {"@type": "Manual"}


# -- over HTTP -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    srv = Server(tmp_path_factory.mktemp("server-values")).start()
    yield srv
    log = srv.stop()
    assert "Traceback" not in log, log


def set_call(server: Server, name: str, args: dict[str, Any]) -> dict[str, Any]:
    _, result, _ = server.call(f"x:{name}/set", args)
    return result  # type: ignore[no-any-return]


def create(server: Server, name: str, payload: dict[str, Any]) -> dict[str, Any]:
    """The `created` entry of one accepted create."""
    result = set_call(server, name, {"create": {"new": payload}})
    assert result["notCreated"] is None, result["notCreated"]
    return result["created"]["new"]  # type: ignore[no-any-return]


def a_generated_secret(value: Any) -> str:
    assert isinstance(value, str) and len(value) == SECRET_LENGTH and URL_SAFE.fullmatch(value), value
    return value


def test_a_created_api_key_shows_its_generated_secret_once(server: Server) -> None:
    created = create(server, "ApiKey", API_KEY)
    # only what the client cannot know: the secret, not the creation time or defaults
    assert set(created) == {"id", "secret"}, created
    secret = a_generated_secret(created["secret"])
    assert server.stored("ApiKey", created["id"])["secret"] == secret
    shown = server.get_one("ApiKey", created["id"])
    assert shown["secret"] == MASK
    assert shown["createdAt"] is not None  # the creation time is there, left to the get

    other = create(server, "ApiKey", {**API_KEY, "description": "another"})
    assert a_generated_secret(other["secret"]) != secret


def test_the_generated_secret_is_kept_by_an_echo_and_cannot_be_replaced(server: Server) -> None:
    created = create(server, "ApiKey", API_KEY)
    key, secret = created["id"], created["secret"]
    shown = server.get_one("ApiKey", key)
    echoed = {k: v for k, v in shown.items() if k != "id"} | {"description": "renamed"}
    result = set_call(server, "ApiKey", {"update": {key: echoed}})
    assert result["updated"] == {key: None}, result  # nothing the server made up this time
    assert server.stored("ApiKey", key)["secret"] == secret
    assert server.stored("ApiKey", key)["description"] == "renamed"

    error = server.update_one("ApiKey", key, {"secret": "chosen by the client"})
    assert error is not None and error["type"] == "invalidPatch" and error["properties"] == ["secret"], error
    assert server.stored("ApiKey", key)["secret"] == secret


def test_a_create_cannot_choose_a_server_set_secret(server: Server) -> None:
    result = set_call(server, "AppPassword", {"create": {"new": {**API_KEY, "secret": "mine"}}})
    assert result["created"] is None
    assert result["notCreated"]["new"]["properties"] == ["secret"], result


@pytest.fixture(scope="module")
def domain(server: Server) -> str:
    payload = {
        "name": "values.example",
        "certificateManagement": MANUAL,
        "dkimManagement": MANUAL,
        "dnsManagement": MANUAL,
        "subAddressing": {"@type": "Enabled"},
    }
    return str(create(server, "Domain", payload)["id"])


def account(domain: str, name: str, credentials: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "@type": "User",
        "name": name,
        "domainId": domain,
        "credentials": credentials,
        "encryptionAtRest": {"@type": "Disabled"},
        "permissions": {"@type": "Inherit"},
        "roles": {"@type": "User"},
    }


def test_an_item_of_an_object_list_gets_its_secret_on_create_and_on_update(server: Server, domain: str) -> None:
    password = {"@type": "Password", "secret": "chosen password"}
    created = create(server, "Account", account(domain, "carol", [password, {"@type": "ApiKey", **API_KEY}]))
    # the property holding the generated secret, as get shows it but with that secret in the clear
    assert set(created) == {"id", "credentials"}, created
    items = created["credentials"]
    assert items["0"]["secret"] == MASK  # the client's own password is never sent back
    secret = a_generated_secret(items["1"]["secret"])
    assert server.stored("Account", created["id"])["credentials"]["1"]["secret"] == secret

    added = {"@type": "AppPassword", **API_KEY}
    result = set_call(server, "Account", {"update": {created["id"]: {"credentials/2": added}}})
    revealed = result["updated"][created["id"]]["credentials"]
    assert [revealed[k]["secret"] for k in ("0", "1")] == [MASK, MASK]  # shown once only
    new_secret = a_generated_secret(revealed["2"]["secret"])
    held = server.stored("Account", created["id"])["credentials"]
    assert (held["1"]["secret"], held["2"]["secret"]) == (secret, new_secret)
    shown = server.get_one("Account", created["id"])["credentials"]
    assert {k: v["secret"] for k, v in shown.items()} == {"0": MASK, "1": MASK, "2": MASK}


def test_a_create_that_generates_nothing_sends_back_only_its_id(server: Server, domain: str) -> None:
    """No noise in `created`: defaults (a zero disk usage) are not values the server generated."""
    created = create(server, "Account", account(domain, "dave", [{"@type": "Password", "secret": "pw"}]))
    assert set(created) == {"id"}, created


def cli(server: Server, *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "stalwart_registry.cli", "--url", server.url, "--api-key", ADMIN_TOKEN, *argv],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_cli_prints_the_generated_secret_and_says_it_is_shown_once(server: Server) -> None:
    done = cli(
        server, "create", "api-key", "--field", "description=from the cli", "--field", 'permissions={"@type":"Inherit"}'
    )
    assert done.returncode == 0, done.stderr
    first, note, *table = done.stdout.splitlines()
    key = re.fullmatch(r"created ApiKey (\S+)", first)
    assert key, done.stdout
    assert "shown only this once" in note
    row = next(line for line in table if line.startswith("secret "))
    secret = a_generated_secret(row.split()[-1])
    assert server.stored("ApiKey", key.group(1))["secret"] == secret
    shown = cli(server, "get", "api-key", key.group(1), "--fields", "secret")
    assert re.search(r"^secret +\*\*\*\*$", shown.stdout, re.M), shown.stdout

    as_json = cli(
        server,
        "--json",
        "create",
        "app-password",
        "--field",
        "description=j",
        "--field",
        'permissions={"@type":"Inherit"}',
    )
    assert as_json.returncode == 0, as_json.stderr
    a_generated_secret(json.loads(as_json.stdout)["secret"])


def test_the_cli_notes_only_values_holding_a_secret_in_the_clear() -> None:
    """The note follows the schema, at any depth and in the created object's variant: an operation's
    result or an echoed mask is no secret shown once."""
    from stalwart_registry._registry import REGISTRY

    api_key, account = (REGISTRY.object(name).schema for name in ("ApiKey", "Account"))
    assert holds_clear_secret(REGISTRY, api_key, None, {"secret": "s3cr3t"})
    assert not holds_clear_secret(REGISTRY, api_key, None, {"secret": MASK})
    assert not holds_clear_secret(REGISTRY, api_key, None, {"createdAt": "2026-01-01T00:00:00Z"})
    item = {"@type": "ApiKey", "description": "k", "secret": "s3cr3t"}
    assert holds_clear_secret(REGISTRY, account, "User", {"credentials": {"0": item}})
    assert not holds_clear_secret(REGISTRY, account, "User", {"credentials": {"0": {**item, "secret": MASK}}})
    assert not holds_clear_secret(REGISTRY, account, "User", {"usedDiskQuota": 5})


# -- the rule, on made-up schemas ------------------------------------------------------------------

NOW = "2026-01-01T00:00:00Z"
SECRET = TypeDesc("string", format="secret")


def field(name: str, t: TypeDesc, update: str = "serverSet", **extra: Any) -> FieldDesc:
    return FieldDesc(name, t, update=update, **extra)


SCHEMAS = {
    "Vault": SchemaDesc(
        "Vault",
        (
            field("token", SECRET),
            field("pin", SECRET, max_length=6),
            field("note", TypeDesc("string", format="secretText")),
            field("chosen", SECRET, update="immutable"),
            field("maybe", TypeDesc("string", format="secret", nullable=True)),
            field("fixed", SECRET, default="preset"),
            field("link", TypeDesc("string", format="uri", secret=True)),  # masked, but no URI to make up
            field("plain", TypeDesc("string")),
            field("keys", TypeDesc("objectList", target="Key"), update="mutable"),
        ),
    ),
    "Key": SchemaDesc("Key", (field("value", SECRET), field("label", TypeDesc("string"), update="mutable"))),
}


@pytest.fixture
def reg() -> Registry:
    objects = (ObjectDesc("Vault", "x:Vault", "object", "sysVault", "Vault"),)
    return Registry(ProjectDesc("Test", "1", "urn:test"), objects, SCHEMAS.__getitem__, dict)


def test_only_declared_secrets_without_a_value_are_generated(reg: Registry) -> None:
    doc: dict[str, Any] = {"chosen": "the client's", "keys": {"0": {"label": "a"}}}
    paths = fill_server_values(reg, "Vault", doc, True, NOW)
    assert sorted(paths) == [("keys", "0", "value"), ("note",), ("pin",), ("token",)]
    assert len(doc["token"]) == len(doc["note"]) == SECRET_LENGTH and len(doc["pin"]) == 6
    assert doc["chosen"] == "the client's"  # an immutable one the create gave is the client's
    assert all(doc.get(name) is None for name in ("maybe", "fixed", "link", "plain"))
    a_generated_secret(doc["keys"]["0"]["value"])

    again: dict[str, Any] = {"keys": {}}
    fill_server_values(reg, "Vault", again, True, NOW)
    assert a_generated_secret(again["chosen"]) != doc["chosen"]  # left out: generated
    assert again["token"] != doc["token"]


def test_an_update_generates_only_for_new_items_and_reveals_only_those(reg: Registry) -> None:
    doc: dict[str, Any] = {"token": "held", "keys": {"0": {"value": "old", "label": "a"}, "1": {"label": "b"}}}
    paths = fill_server_values(reg, "Vault", doc, False, NOW)
    assert paths == [("keys", "1", "value")]
    assert doc["token"] == "held" and doc["keys"]["0"]["value"] == "old"
    shown = reveal(reg, "Vault", doc, paths)
    assert shown == {
        "keys": {"0": {"value": MASK, "label": "a"}, "1": {"value": doc["keys"]["1"]["value"], "label": "b"}}
    }
    assert doc["keys"]["0"]["value"] == "old"  # revealing never touches what is stored
