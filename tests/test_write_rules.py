"""Write rules survive a change of `@type` (issue 7 item 1), against a real server on the full
imported registry: a rebuilt variant is checked like a create of that variant inside an update, at
every depth (the object itself, a nested union field, an object-list item given whole).

- server-set fields of the new variant keep their default (or the value get showed, echoed back);
  any other value is invalidPatch naming the field's path;
- immutable fields the old variant also had keep their value (the patch restates it); SPEC §3
  makes them settable on create only, and a variant change is an update.
"""

# ruff: noqa: F811  (tests take the fixtures imported from test_full_registry as parameters)
from __future__ import annotations

from typing import Any

import pytest
from jmap_server import Server
from schemagen_runtime.codec import Ctx
from schemagen_runtime.descriptors import (
    FieldDesc,
    ObjectDesc,
    ProjectDesc,
    Registry,
    SchemaDesc,
    TypeDesc,
    VariantDesc,
)
from schemagen_runtime.patch import apply_patch, check_writes
from test_full_registry import Generated, documented_create, full, server  # noqa: F401  (its module-scoped fixtures)

FORGED_TIME = "2000-01-01T00:00:00Z"


def refused(error: dict[str, Any] | None, *paths: str) -> str:
    """Asserts an invalidPatch naming exactly `paths`; returns its description."""
    assert error is not None, "the update was accepted"
    assert error["type"] == "invalidPatch", error
    assert sorted(error["properties"]) == sorted(paths), error
    return str(error["description"])


@pytest.fixture(scope="module")
def domain(full: Generated, server: Server) -> str:
    return server.create_one("Domain", documented_create(full, "Domain"))


@pytest.fixture(scope="module")
def account(full: Generated, server: Server, domain: str) -> str:
    password = {"@type": "Password", "secret": "first secret"}
    return server.create_one("Account", documented_create(full, "Account", domainId=domain, credentials=[password]))


# -- the top-level union ---------------------------------------------------------------------------


def test_a_new_variant_cannot_carry_forged_server_set_values(full: Generated, server: Server, domain: str) -> None:
    dkim = server.create_one("DkimSignature", documented_create(full, "DkimSignature", domainId=domain))
    before = server.get_one("DkimSignature", dkim)
    rsa = {
        "@type": "Dkim1RsaSha256",
        "domainId": domain,
        "selector": "s2",
        "privateKey": {"@type": "Text", "secret": "k"},
    }
    error = server.update_one("DkimSignature", dkim, {**rsa, "publicKey": "EVIL", "createdAt": FORGED_TIME})
    description = refused(error, "publicKey", "createdAt")
    assert "'publicKey' is server-set" in description
    assert server.get_one("DkimSignature", dkim) == before  # nothing of a refused update is stored

    assert server.update_one("DkimSignature", dkim, rsa) is None  # the same change without them is fine
    after = server.get_one("DkimSignature", dkim)
    assert after["@type"] == "Dkim1RsaSha256"
    assert after["publicKey"] is None and after["createdAt"] is None  # still the server's to fill in


def test_a_rebuilt_object_lists_its_fields_in_declaration_order(full: Generated, server: Server, domain: str) -> None:
    dkim = server.create_one("DkimSignature", documented_create(full, "DkimSignature", domainId=domain))
    rsa = {"@type": "Dkim1RsaSha256", "selector": "s3", "privateKey": {"@type": "Text", "secret": "k"}}
    assert server.update_one("DkimSignature", dkim, {**rsa, "domainId": domain}) is None
    shown = server.get_one("DkimSignature", dkim)
    schema = full.registry.schemas["Dkim1Signature"]
    assert list(shown) == ["id", "@type", *(f.name for f in schema.fields)]


def test_echoing_what_get_showed_with_a_new_variant_is_not_a_write(
    full: Generated, server: Server, domain: str
) -> None:
    dkim = server.create_one("DkimSignature", documented_create(full, "DkimSignature", domainId=domain))
    shown = server.get_one("DkimSignature", dkim)
    echoed = {k: v for k, v in shown.items() if k != "id"} | {"@type": "Dkim1RsaSha256"}
    echoed["privateKey"] = {"@type": "Text", "secret": "new key"}
    assert server.update_one("DkimSignature", dkim, echoed) is None


@pytest.mark.parametrize(
    ("name", "changed"),
    [
        ("MtaRoute", {"@type": "Local"}),
        ("SpamRule", {"@type": "Url", "condition": {"else": "true", "match": []}}),
    ],
)
def test_a_new_variant_keeps_the_immutable_values(
    full: Generated, server: Server, name: str, changed: dict[str, Any]
) -> None:
    obj_id = server.create_one(name, documented_create(full, name, name=f"first-{name}"))
    description = refused(server.update_one(name, obj_id, {**changed, "name": "Other"}), "name")
    assert "immutable" in description
    refused(server.update_one(name, obj_id, changed), "name")  # a rebuild does not drop it silently either
    assert server.get_one(name, obj_id)["name"] == f"first-{name}"
    assert server.update_one(name, obj_id, {**changed, "name": f"first-{name}"}) is None  # restated: kept
    shown = server.get_one(name, obj_id)
    assert shown["@type"] == changed["@type"] and shown["name"] == f"first-{name}"


def test_a_task_changing_variant_keeps_its_document(full: Generated, server: Server, account: str) -> None:
    task = server.create_one("Task", documented_create(full, "Task", accountId=account))
    unindex = {"@type": "UnindexDocument", "accountId": account, "documentType": "email"}
    unindex["status"] = {"@type": "Pending", "due": "2026-01-01T00:00:00Z"}
    refused(server.update_one("Task", task, {**unindex, "documentId": "someone else's"}), "documentId")
    assert server.get_one("Task", task)["documentId"] == "Example"
    assert server.update_one("Task", task, {**unindex, "documentId": "Example"}) is None
    assert server.get_one("Task", task)["@type"] == "UnindexDocument"


# -- a nested union field --------------------------------------------------------------------------


def test_a_nested_union_cannot_carry_forged_server_set_values(full: Generated, server: Server, account: str) -> None:
    task = server.create_one("Task", documented_create(full, "Task", accountId=account))
    retry = {"@type": "Retry", "due": "2026-01-01T00:00:00Z", "failureReason": "timeout"}
    refused(server.update_one("Task", task, {"status": {**retry, "createdAt": FORGED_TIME}}), "status/createdAt")
    assert server.get_one("Task", task)["status"]["@type"] == "Pending"

    assert server.update_one("Task", task, {"status": retry}) is None
    status = server.get_one("Task", task)["status"]
    assert status["@type"] == "Retry" and status["createdAt"] not in (None, FORGED_TIME)  # the write's time


def test_a_create_choosing_a_variant_cannot_forge_its_server_set_values(
    full: Generated, server: Server, account: str
) -> None:
    retry = {"@type": "Retry", "due": "2026-01-01T00:00:00Z", "failureReason": "x", "createdAt": FORGED_TIME}
    payload = documented_create(full, "Task", accountId=account, status=retry)
    _, args, _ = server.call("x:Task/set", {"create": {"new": payload}})
    refused(args["notCreated"]["new"], "status/createdAt")


# -- an object-list item replaced by another variant -----------------------------------------------


def test_a_list_item_replaced_by_another_variant_cannot_forge_server_set_values(server: Server, account: str) -> None:
    before = server.get_one("Account", account)["credentials"]
    api_key = {"@type": "ApiKey", "description": "ci", "permissions": {"@type": "Inherit"}}
    forged = {**api_key, "secret": "EVIL", "credentialId": "EVIL", "createdAt": FORGED_TIME}
    error = server.update_one("Account", account, {"credentials/0": forged})
    refused(error, "credentials/0/secret", "credentials/0/credentialId", "credentials/0/createdAt")
    whole = server.update_one("Account", account, {"credentials": [forged]})  # the list given whole
    refused(whole, "credentials/0/secret", "credentials/0/credentialId", "credentials/0/createdAt")
    assert server.get_one("Account", account)["credentials"] == before

    assert server.update_one("Account", account, {"credentials/0": api_key}) is None
    item = server.get_one("Account", account)["credentials"]["0"]
    assert item["@type"] == "ApiKey"
    assert item["credentialId"] is None and item["createdAt"] not in (None, FORGED_TIME)  # the write's time


# -- the rule itself, on the codec: a map value, and which immutable fields a new variant may set ---

STAMP = FieldDesc("stamp", TypeDesc("utcDateTime", nullable=True), update="serverSet")
TAG = FieldDesc("tag", TypeDesc("string", nullable=True), update="immutable")
SCHEMAS = {
    "Box": SchemaDesc(
        "Box",
        (
            FieldDesc("mode", TypeDesc("object", target="Mode", nullable=True)),
            FieldDesc("modes", TypeDesc("map", key=TypeDesc("string"), item=TypeDesc("object", target="Mode"))),
        ),
    ),
    "Mode": SchemaDesc("Mode", variants=(VariantDesc("A", "ModeA"), VariantDesc("B", "ModeB"))),
    "ModeA": SchemaDesc("ModeA", (STAMP, TAG)),
    "ModeB": SchemaDesc(
        "ModeB", (STAMP, TAG, FieldDesc("serial", TypeDesc("string", nullable=True), update="immutable"))
    ),
}
HELD = {"@type": "A", "stamp": "2026-01-01T00:00:00Z", "tag": "t1"}


@pytest.fixture
def reg() -> Registry:
    objects = (ObjectDesc("Box", "x:Box", "object", "sysBox", "Box"),)
    return Registry(ProjectDesc("Test", "1", "urn:test"), objects, SCHEMAS.__getitem__, dict)


def write_problems(reg: Registry, patch: dict[str, Any]) -> list[tuple[str, str]]:
    """(path, rule) of each write the update `patch` of a stored Box may not make."""
    current = {"mode": dict(HELD), "modes": {"k": dict(HELD)}}
    ctx = Ctx()
    doc = apply_patch(reg, "Box", current, patch, ctx)
    assert not ctx.issues, ctx.issues
    check_writes(reg, "Box", current, doc, ctx, creating=False)
    return [(i.path, i.type) for i in ctx.issues]


@pytest.mark.parametrize("where", ["mode", "modes/k"])
def test_a_rebuilt_variant_follows_the_write_rules_wherever_it_sits(reg: Registry, where: str) -> None:
    b = {"@type": "B", "tag": "t1"}
    assert write_problems(reg, {where: b}) == []  # server-set left to its default, immutable restated
    assert write_problems(reg, {where: {**b, "stamp": HELD["stamp"]}}) == []  # what get showed, echoed
    assert write_problems(reg, {where: {**b, "serial": "s"}}) == []  # only B has it: set as on a create
    assert write_problems(reg, {where: {**b, "stamp": "2000-01-01T00:00:00Z"}}) == [(f"{where}/stamp", "serverSet")]
    assert write_problems(reg, {where: {**b, "tag": "t2"}}) == [(f"{where}/tag", "immutable")]
    assert write_problems(reg, {where: {"@type": "B"}}) == [(f"{where}/tag", "immutable")]  # not dropped either
