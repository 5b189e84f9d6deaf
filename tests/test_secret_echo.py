"""A secret echoed back as get shows it ("****") is never stored as the secret, at any depth.

get masks every secret as "****", so a client that sends back what it read sends "****". Wherever
an object is given whole (an object-list item, a whole list, a nested union with a new `@type`, a
top-level union with a new `@type`, a map value), "****" keeps the secret stored at the same place
(same field name and type, same list position, same map key); where nothing is stored there (a
create, a new item, a field only the new variant has, a null secret), it is refused with
validationFailed on its path. The rule is patch.py's docstring; runtime/masks.py applies it.

The server tests run a real server over HTTP on the full imported registry and read the stored
secret from the server's SQLite file, since get never shows it; the codec tests cover what the
registry has no instance of (maps of secrets, recursive schemas, a null secret). A field flagged
`secret: true` (a URI the crate's output masks, though schema.json publishes it as a plain `uri`)
follows the same rule: tested on the committed registry, imported with the crate, and its CLI.
"""

# ruff: noqa: F811  (tests take the fixtures imported from test_full_registry as parameters)
from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO_ROOT
from jmap_server import ADMIN_TOKEN, Server
from schemagen_runtime.codec import Ctx, decode_object
from schemagen_runtime.descriptors import FieldDesc, ObjectDesc, ProjectDesc, Registry, SchemaDesc, TypeDesc
from schemagen_runtime.descriptors import VariantDesc as Variant
from schemagen_runtime.errors import set_error
from schemagen_runtime.patch import apply_patch, check_writes
from test_full_registry import Generated, documented_create, full, server  # noqa: F401  (its module-scoped fixtures)

from generator.schema_loader import load_registry

MASK = "****"
NOT_AN_ECHO = "'****' is how get masks a secret; send the secret itself"


# -- over HTTP -------------------------------------------------------------------------------------


def refused_create(server: Server, name: str, payload: dict[str, Any]) -> dict[str, Any]:
    _, args, _ = server.call(f"x:{name}/set", {"create": {"new": payload}})
    assert args["created"] is None, args
    return args["notCreated"]["new"]  # type: ignore[no-any-return]


def echo(shown: dict[str, Any], **changed: Any) -> dict[str, Any]:
    """What get showed, sent back (without its id) with `changed` on top."""
    return {**{k: v for k, v in shown.items() if k != "id"}, **changed}


def not_an_echo(error: dict[str, Any] | None, *paths: str) -> None:
    """Asserts the SetError refuses "****" at exactly `paths`, as validationFailed."""
    assert error is not None, "the write was accepted"
    assert error["type"] == "validationFailed", error
    assert sorted(error["properties"]) == sorted(paths), error
    assert [e["property"] for e in error["validationErrors"]] == list(paths), error
    assert all(e["type"] == "Invalid" for e in error["validationErrors"]), error
    assert NOT_AN_ECHO in error["description"], error


def password(secret: str) -> dict[str, Any]:
    return {"@type": "Password", "secret": secret}


def secrets_of(credentials: dict[str, Any]) -> list[Any]:
    return [item.get("secret") for _, item in sorted(credentials.items(), key=lambda kv: int(kv[0]))]


@pytest.fixture(scope="module")
def domain(full: Generated, server: Server) -> str:
    return server.create_one("Domain", documented_create(full, "Domain"))


def new_account(full: Generated, server: Server, domain: str, name: str, *secrets: str) -> str:
    payload = documented_create(full, "Account", name=name, domainId=domain, credentials=[password(s) for s in secrets])
    return server.create_one("Account", payload)


# An Account's `credentials`: an object list whose items are a union (Password, AppPassword, ApiKey).


def test_a_list_item_given_whole_keeps_its_echoed_secret(full: Generated, server: Server, domain: str) -> None:
    account = new_account(full, server, domain, "item", "first", "second")
    shown = server.get_one("Account", account)["credentials"]
    assert secrets_of(shown) == [MASK, MASK]

    assert server.update_one("Account", account, {"credentials/1": shown["1"]}) is None  # the item as get showed it
    assert server.update_one("Account", account, {"credentials/0": password(MASK) | {"expiresAt": None}}) is None
    assert secrets_of(server.stored("Account", account)["credentials"]) == ["first", "second"]


def test_a_whole_list_echoed_keeps_every_secret_in_its_place(full: Generated, server: Server, domain: str) -> None:
    account = new_account(full, server, domain, "whole", "first", "second")
    shown = server.get_one("Account", account)
    assert server.update_one("Account", account, echo(shown)) is None  # everything get showed, sent back
    assert secrets_of(server.stored("Account", account)["credentials"]) == ["first", "second"]

    given = [shown["credentials"]["0"], shown["credentials"]["1"], password("third")]
    assert server.update_one("Account", account, {"credentials": given}) is None
    assert secrets_of(server.stored("Account", account)["credentials"]) == ["first", "second", "third"]


def test_a_new_list_item_cannot_store_the_mask(full: Generated, server: Server, domain: str) -> None:
    account = new_account(full, server, domain, "newitem", "first")
    before = server.stored("Account", account)
    shown = server.get_one("Account", account)["credentials"]

    not_an_echo(server.update_one("Account", account, {"credentials/1": password(MASK)}), "credentials/1/secret")
    whole = [shown["0"], password(MASK)]
    not_an_echo(server.update_one("Account", account, {"credentials": whole}), "credentials/1/secret")
    assert server.stored("Account", account) == before  # nothing of a refused update is stored


def test_an_echo_pairs_with_the_item_its_entry_replaces(full: Generated, server: Server, domain: str) -> None:
    """Patch entries apply in order: after `credentials/0` is removed, `credentials/1` names the item
    that was third, and its echo keeps that item's secret."""
    account = new_account(full, server, domain, "shift", "a", "b", "c")
    assert server.update_one("Account", account, {"credentials/0": None, "credentials/1": password(MASK)}) is None
    assert secrets_of(server.stored("Account", account)["credentials"]) == ["b", "c"]


def replica(store: dict[str, Any], secret: str) -> dict[str, Any]:
    """An item of a database store's `readReplicas`."""
    auth = {"@type": "Value", "secret": secret}
    return {"host": "replica", "port": store["port"], "database": store["database"], "authSecret": auth}


def unmasked(value: Any) -> Any:
    """`value` with every "****" replaced by a real secret."""
    if isinstance(value, dict):
        return {k: unmasked(v) for k, v in value.items()}
    if isinstance(value, list):
        return [unmasked(v) for v in value]
    return "a real secret" if value == MASK else value


def test_a_create_cannot_store_the_mask_at_any_depth(full: Generated, server: Server, domain: str) -> None:
    credentials = [password("real"), password(MASK)]
    bearer = {"@type": "Bearer", "bearerToken": {"@type": "Value", "secret": MASK}}
    store = documented_create(full, "StoreLookup")["store"]
    store["readReplicas"] = [replica(store, "real"), replica(store, MASK)]
    cases = [
        ("Account", {"name": "masked", "domainId": domain, "credentials": credentials}, "credentials/1/secret"),
        ("AiModel", {"httpAuth": bearer}, "httpAuth/bearerToken/secret"),
        ("StoreLookup", {"namespace": "masked", "store": store}, "store/readReplicas/1/authSecret/secret"),
    ]
    for name, given, path in cases:
        payload = documented_create(full, name, **given)
        not_an_echo(refused_create(server, name, payload), path)
        server.create_one(name, unmasked(payload))  # the mask was its only problem


# A nested union field (AiModel's `httpAuth`, whose Basic variant holds a SecretKey union).


@pytest.fixture
def ai_model(full: Generated, server: Server) -> str:
    basic = {"@type": "Basic", "username": "u1", "secret": {"@type": "Value", "secret": "s1"}}
    return server.create_one("AiModel", documented_create(full, "AiModel", httpAuth=basic))


def test_a_nested_object_echoed_keeps_its_secret_and_a_new_variant_refuses_the_mask(
    server: Server, ai_model: str
) -> None:
    shown = server.get_one("AiModel", ai_model)["httpAuth"]
    assert shown["secret"] == {"@type": "Value", "secret": MASK}
    assert server.update_one("AiModel", ai_model, {"httpAuth": shown | {"username": "u2"}}) is None  # merged
    assert server.stored("AiModel", ai_model)["httpAuth"] == {
        **shown,
        "username": "u2",
        "secret": {**shown["secret"], "secret": "s1"},
    }

    before = server.stored("AiModel", ai_model)
    bearer = {"@type": "Bearer", "bearerToken": {"@type": "Value", "secret": MASK}}  # only Bearer has it
    not_an_echo(server.update_one("AiModel", ai_model, {"httpAuth": bearer}), "httpAuth/bearerToken/secret")
    elsewhere = {"secret": {"@type": "EnvironmentVariable", "variableName": "AI_KEY"}}
    assert server.update_one("AiModel", ai_model, {"httpAuth": elsewhere}) is None
    back = {"secret": {"@type": "Value", "secret": MASK}}  # the variable had no secret to keep
    not_an_echo(server.update_one("AiModel", ai_model, {"httpAuth": back}), "httpAuth/secret/secret")
    assert server.stored("AiModel", ai_model)["httpAuth"] == {**before["httpAuth"], **elsewhere}


def test_a_nested_union_keeps_its_secrets_in_lists_and_across_variants(full: Generated, server: Server) -> None:
    """StoreLookup's `store`: PostgreSql and MySql both have `authSecret` (a SecretKeyOptional),
    and `readReplicas`, though of different item schemas."""
    store = documented_create(full, "StoreLookup")["store"]
    store["authSecret"] = {"@type": "Value", "secret": "db-pass"}
    store["readReplicas"] = [replica(store, "replica-pass")]
    lookup = server.create_one("StoreLookup", documented_create(full, "StoreLookup", namespace="nested", store=store))
    shown = server.get_one("StoreLookup", lookup)["store"]
    assert shown["authSecret"]["secret"] == shown["readReplicas"]["0"]["authSecret"]["secret"] == MASK
    assert server.update_one("StoreLookup", lookup, {"store": shown}) is None  # the list inside, echoed
    assert server.stored("StoreLookup", lookup)["store"]["readReplicas"]["0"]["authSecret"]["secret"] == "replica-pass"

    mysql = {k: v for k, v in shown.items() if k not in ("options", "poolRecyclingMethod")}  # PostgreSql's own
    mysql |= {"@type": "MySql", "port": 3306}
    mysql["readReplicas"] = {"0": {k: v for k, v in shown["readReplicas"]["0"].items() if k != "options"}}
    # MySql's replicas are MySqlSettings, not the PostgreSqlSettings get showed: nothing to keep there
    error = server.update_one("StoreLookup", lookup, {"store": mysql})
    not_an_echo(error, "store/readReplicas/0/authSecret/secret")
    mysql["readReplicas"] = [replica(store, "mysql-replica-pass")]
    assert server.update_one("StoreLookup", lookup, {"store": mysql}) is None
    kept = server.stored("StoreLookup", lookup)["store"]
    assert kept["@type"] == "MySql"
    assert kept["authSecret"] == {"@type": "Value", "secret": "db-pass"}
    assert kept["readReplicas"]["0"]["authSecret"] == {"@type": "Value", "secret": "mysql-replica-pass"}


# A top-level union (DnsServer): Cloudflare, DigitalOcean and Bunny all have `secret` (a SecretKey).


def test_a_top_level_variant_change_keeps_a_secret_both_variants_have(server: Server) -> None:
    cloudflare = {"@type": "Cloudflare", "description": "dns", "secret": {"@type": "Value", "secret": "cf-token"}}
    dns = server.create_one("DnsServer", cloudflare)
    shown = server.get_one("DnsServer", dns)
    moved = {k: v for k, v in echo(shown, **{"@type": "DigitalOcean"}).items() if k != "email"}  # Cloudflare's own
    assert server.update_one("DnsServer", dns, moved) is None
    assert server.stored("DnsServer", dns)["secret"] == {"@type": "Value", "secret": "cf-token"}

    # the same echo given as a path into the rebuilt object
    assert server.update_one("DnsServer", dns, {"@type": "Bunny", "description": "dns", "secret/secret": MASK}) is None
    kept = server.stored("DnsServer", dns)
    assert kept["@type"] == "Bunny" and kept["secret"] == {"@type": "Value", "secret": "cf-token"}


def test_a_top_level_variant_change_refuses_the_mask_where_nothing_of_that_type_was_stored(
    full: Generated, server: Server
) -> None:
    tsig = documented_create(full, "DnsServer", key={"@type": "Value", "secret": "tsig-key"})
    dns = server.create_one("DnsServer", tsig)
    before = server.stored("DnsServer", dns)
    cloudflare = {"@type": "Cloudflare", "description": "dns", "secret": {"@type": "Value", "secret": MASK}}
    not_an_echo(server.update_one("DnsServer", dns, cloudflare), "secret/secret")  # only Cloudflare has `secret`
    sig0 = {k: v for k, v in tsig.items() if k not in ("keyName", "tsigAlgorithm")}
    sig0 |= {"@type": "Sig0", "publicKey": "pk", "signerName": "signer", "key": {"@type": "Text", "secret": MASK}}
    # Sig0's `key` is a SecretText, not Tsig's SecretKey: not the secret get showed there
    not_an_echo(server.update_one("DnsServer", dns, sig0), "key/secret")
    assert server.stored("DnsServer", dns) == before
    assert server.update_one("DnsServer", dns, unmasked(sig0)) is None  # the mask was its only problem
    assert server.stored("DnsServer", dns)["key"] == {"@type": "Text", "secret": "a real secret"}


# -- a field flagged `secret: true`: PasswordCredential's `otpAuth`, a URI ----------------------------

OTP = "otpauth://totp/Example:alice?secret=JBSWY3DPEHPK3PXP&issuer=Example"


@pytest.fixture(scope="module")
def committed() -> Generated:
    """schema/ and generated/ as committed: imported with the crate, which flags `otpAuth`."""
    registry, _ = load_registry(REPO_ROOT / "schema")
    return Generated(REPO_ROOT / "schema", REPO_ROOT / "generated", registry)


@pytest.fixture(scope="module")
def committed_server(committed: Generated, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    srv = Server(tmp_path_factory.mktemp("committed"), pythonpath=str(committed.python)).start()
    yield srv
    log = srv.stop()
    assert "Traceback" not in log, log


@pytest.fixture(scope="module")
def otp_account(committed: Generated, committed_server: Server) -> str:
    domain = committed_server.create_one("Domain", documented_create(committed, "Domain"))
    credentials = [password("first") | {"otpAuth": OTP}, password("second")]
    payload = documented_create(committed, "Account", name="otp", domainId=domain, credentials=credentials)
    return committed_server.create_one("Account", payload)


def test_a_flagged_field_is_a_secret_by_flag_not_by_format(committed: Generated) -> None:
    field = next(f for f in committed.registry.schemas["PasswordCredential"].fields if f.name == "otpAuth")
    assert (field.type.format, field.secret, field.is_secret) == ("uri", True, True)


def test_a_flagged_field_is_masked_on_get(committed_server: Server, otp_account: str) -> None:
    shown = committed_server.get_one("Account", otp_account)
    assert shown["credentials"]["0"]["otpAuth"] == MASK
    assert shown["credentials"]["1"]["otpAuth"] is None  # nothing stored: nothing to mask
    assert "JBSWY3DPEHPK3PXP" not in json.dumps(shown)
    assert committed_server.stored("Account", otp_account)["credentials"]["0"]["otpAuth"] == OTP


def test_an_echoing_update_keeps_a_flagged_field(committed_server: Server, otp_account: str) -> None:
    server = committed_server
    shown = server.get_one("Account", otp_account)
    assert server.update_one("Account", otp_account, echo(shown)) is None  # everything get showed, sent back
    assert server.update_one("Account", otp_account, {"credentials/0": shown["credentials"]["0"]}) is None
    assert server.update_one("Account", otp_account, {"credentials/0/otpAuth": MASK}) is None
    assert server.stored("Account", otp_account)["credentials"]["0"]["otpAuth"] == OTP
    # where nothing was stored, the mask is refused, as for a secret format
    before = server.stored("Account", otp_account)
    not_an_echo(server.update_one("Account", otp_account, {"credentials/1/otpAuth": MASK}), "credentials/1/otpAuth")
    assert server.stored("Account", otp_account) == before
    # a new value replaces it, and is still checked as the URI it is
    replaced = OTP.replace("alice", "bob")
    assert server.update_one("Account", otp_account, {"credentials/0/otpAuth": replaced}) is None
    assert server.stored("Account", otp_account)["credentials"]["0"]["otpAuth"] == replaced
    refused = server.update_one("Account", otp_account, {"credentials/0/otpAuth": "not a uri"})
    assert refused is not None and refused["properties"] == ["credentials/0/otpAuth"], refused


def test_the_cli_snapshot_leaves_a_flagged_field_out(committed_server: Server, otp_account: str) -> None:
    cli = Path(sys.executable).with_name("stalwart-cli")
    env = {**os.environ, "STALWART_URL": committed_server.url, "STALWART_TOKEN": ADMIN_TOKEN, "NO_COLOR": "1"}
    env["PYTHONPATH"] = str(REPO_ROOT / "generated" / "python") + os.pathsep + env.get("PYTHONPATH", "")

    def snapshot(*extra: str) -> subprocess.CompletedProcess[str]:
        args = [str(cli), "snapshot", "domain", "account", "--no-destroys", *extra]
        done = subprocess.run(args, env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        return done

    plain = snapshot()
    assert "otpAuth" not in plain.stdout and MASK not in plain.stdout
    asked = snapshot("--include-secrets")
    assert "warning: the server masked" in asked.stderr and "Credential.otpAuth" in asked.stderr


# -- the rule on the codec: maps, recursive schemas, null secrets, creates -------------------------

SECRET = TypeDesc("string", format="secret")
KEY = TypeDesc("object", target="Key")
SCHEMAS = {
    "Vault": SchemaDesc(
        "Vault",
        (
            FieldDesc("pin", TypeDesc("string", format="secretText", nullable=True)),
            FieldDesc("keys", TypeDesc("map", key=TypeDesc("string"), item=KEY)),
            FieldDesc("tokens", TypeDesc("map", key=TypeDesc("string"), item=SECRET)),
            FieldDesc("tree", TypeDesc("object", target="Node", nullable=True)),
        ),
    ),
    "Key": SchemaDesc(
        "Key", variants=(Variant("Value", "KeyValue"), Variant("Pair", "KeyPair"), Variant("Env", "KeyEnv"))
    ),
    "KeyValue": SchemaDesc("KeyValue", (FieldDesc("secret", SECRET, required=True),)),
    "KeyPair": SchemaDesc("KeyPair", (FieldDesc("id", TypeDesc("string")), FieldDesc("secret", SECRET))),
    "KeyEnv": SchemaDesc("KeyEnv", (FieldDesc("name", TypeDesc("string")),)),
    "Node": SchemaDesc(
        "Node",
        (FieldDesc("secret", SECRET, default=""), FieldDesc("children", TypeDesc("objectList", target="Node"))),
    ),
}
STORED = {
    "pin": None,
    "keys": {"k": {"@type": "Value", "secret": "key-k"}, "e": {"@type": "Env", "name": "E"}},
    "tokens": {"t": "token-t"},
    "tree": {"secret": "root", "children": {"0": {"secret": "leaf", "children": {}}}},
}


@pytest.fixture
def reg() -> Registry:
    objects = (ObjectDesc("Vault", "x:Vault", "object", "sysVault", "Vault"),)
    return Registry(ProjectDesc("Test", "1", "urn:test"), objects, SCHEMAS.__getitem__, dict)


def patched(reg: Registry, patch: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """The stored Vault after `patch`, and the paths where "****" was refused."""
    ctx = Ctx()
    doc = apply_patch(reg, "Vault", json.loads(json.dumps(STORED)), patch, ctx)
    assert all(i.message == f"'{i.path}': {NOT_AN_ECHO}" for i in ctx.issues), ctx.issues
    return doc, [i.path for i in ctx.issues]


def test_a_map_value_given_whole_keeps_its_echoed_secret(reg: Registry) -> None:
    masked = {"@type": "Value", "secret": MASK}
    assert patched(reg, {"keys/k": masked})[0]["keys"]["k"] == {"@type": "Value", "secret": "key-k"}
    doc, refused = patched(reg, {"keys": {"k": masked, "n": masked}})  # the whole map
    assert (doc["keys"]["k"]["secret"], refused) == ("key-k", ["keys/n/secret"])
    assert patched(reg, {"keys/n": masked})[1] == ["keys/n/secret"]  # a new entry
    # a new variant keeps a field of the same name and type, and has nothing to keep for the others
    pair = patched(reg, {"keys/k": {"@type": "Pair", "id": "p", "secret": MASK}})[0]["keys"]["k"]
    assert pair == {"@type": "Pair", "id": "p", "secret": "key-k"}
    assert patched(reg, {"keys/e": masked})[1] == ["keys/e/secret"]


def test_a_map_of_secrets_keeps_each_echoed_entry(reg: Registry) -> None:
    assert patched(reg, {"tokens/t": MASK})[0]["tokens"] == {"t": "token-t"}
    assert patched(reg, {"tokens": {"t": MASK, "u": "new"}})[0]["tokens"] == {"t": "token-t", "u": "new"}
    assert patched(reg, {"tokens/u": MASK})[1] == ["tokens/u"]


def test_a_recursive_object_keeps_echoed_secrets_at_every_depth(reg: Registry) -> None:
    shown = {"secret": MASK, "children": {"0": {"secret": MASK, "children": {}}}}
    doc, refused = patched(reg, {"tree": shown})
    assert (doc["tree"], refused) == (STORED["tree"], [])
    grown = {"secret": MASK, "children": [shown["children"]["0"], {"secret": MASK, "children": {}}]}
    assert patched(reg, {"tree": grown})[1] == ["tree/children/1/secret"]


def test_a_null_secret_has_nothing_for_the_mask_to_keep(reg: Registry) -> None:
    assert patched(reg, {"pin": MASK})[1] == ["pin"]
    assert patched(reg, {"pin": "1234"})[0]["pin"] == "1234"


def test_a_create_refuses_the_mask_everywhere_as_validation_failed(reg: Registry) -> None:
    payload = {"pin": MASK, "keys": {"k": {"@type": "Value", "secret": MASK}}, "tokens": {"t": MASK}}
    payload["tree"] = {"secret": "fine", "children": [{"secret": MASK}]}
    ctx = Ctx()
    doc = decode_object(reg, "Vault", payload, ctx)
    assert not ctx.issues  # the codec reads "****" as it reads a get response
    check_writes(reg, "Vault", {}, doc, ctx, creating=True)
    error = set_error(ctx.issues)
    assert error["type"] == "validationFailed"
    assert error["properties"] == ["pin", "keys/k/secret", "tokens/t", "tree/children/0/secret"]
