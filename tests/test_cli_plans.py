"""`stalwart-cli apply` and `snapshot` (issue 12, item 2): NDJSON plans run by the installed CLI
against the generated server of the full registry.

Tenants, domains (which reference a tenant) and roles (which reference each other, in a cycle)
make a snapshot that must be ordered, break the cycle with a deferred update, and restore an
equal state after everything was deleted.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from jmap_server import ADMIN_TOKEN, Server

CLI = Path(sys.executable).with_name("stalwart-cli")
MANUAL = {"@type": "Manual"}
TENANT = {"roles": {"@type": "Default"}, "permissions": {"@type": "Inherit"}, "quotas": {}}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    srv = Server(tmp_path_factory.mktemp("cli-plans")).start()
    yield srv
    srv.stop()


def run(server: Server, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "STALWART_URL": server.url, "STALWART_TOKEN": ADMIN_TOKEN, "NO_COLOR": "1"}
    return subprocess.run([str(CLI), *args], env=env, input=stdin, capture_output=True, text=True, timeout=300)


def plan(*lines: dict[str, Any]) -> str:
    return "".join(json.dumps(line) + "\n" for line in lines)


def every(server: Server, jmap_name: str) -> list[dict[str, Any]]:
    """Every object, page by page (the server answers at most 500 ids a query)."""
    out: list[dict[str, Any]] = []
    args: dict[str, Any] = {}
    while ids := server.call(f"{jmap_name}/query", args)[1]["ids"]:
        out += server.call(f"{jmap_name}/get", {"ids": ids})[1]["list"]
        args = {"anchor": ids[-1], "anchorOffset": 1}
    return out


def state(server: Server) -> dict[str, Any]:
    """What the objects say, with references written as the names they point at (ids differ)."""
    tenants = {t["id"]: t["name"] for t in every(server, "x:Tenant")}
    roles = {r["id"]: r["description"] for r in every(server, "x:Role")}
    return {
        "tenants": sorted(tenants.values()),
        "domains": sorted((d["name"], tenants.get(d["memberTenantId"])) for d in every(server, "x:Domain")),
        "roles": sorted((r["description"], sorted(roles[i] for i in r["roleIds"])) for r in every(server, "x:Role")),
    }


def wipe(server: Server) -> None:
    done = run(
        server,
        "apply",
        "--stdin",
        stdin=plan(*({"@type": "destroy", "object": o} for o in ("Tenant", "Domain", "Role"))),
    )
    assert done.returncode == 0, done.stderr


def domain(name: str, tenant: str | None = None) -> dict[str, Any]:
    body = {"name": name, "certificateManagement": MANUAL, "dkimManagement": MANUAL, "dnsManagement": MANUAL}
    return body | {"subAddressing": {"@type": "Enabled"}} | ({"memberTenantId": tenant} if tenant else {})


PROVISION = plan(
    {
        "@type": "create",
        "object": "Tenant",
        "value": {"t1": {"name": "Acme", **TENANT}, "t2": {"name": "Umbrella", **TENANT}},
    },
    {
        "@type": "create",
        "object": "Domain",
        "value": {"d1": domain("acme.example", "#t1"), "d2": domain("solo.example")},
    },
    {"@type": "create", "object": "Role", "value": {"r1": {"description": "first"}}},
    {"@type": "create", "object": "Role", "value": {"r2": {"description": "second", "roleIds": {"#r1": True}}}},
    {"@type": "update", "object": "Role", "id": "#r1", "value": {"roleIds": {"#r2": True}}},
)


def test_snapshot_delete_apply_restores_an_equal_state(server: Server, tmp_path: Path) -> None:
    wipe(server)
    made = run(server, "apply", "--stdin", "--json", stdin=PROVISION)
    assert made.returncode == 0, made.stderr
    records = [json.loads(line) for line in made.stdout.splitlines()]
    assert records[-1]["op"] == "summary" and records[-1]["done"]["created"] == 6
    before = state(server)
    assert before["roles"] == [("first", ["second"]), ("second", ["first"])]
    assert ("acme.example", "Acme") in before["domains"]

    backup = tmp_path / "backup.ndjson"
    snap = run(server, "snapshot", "role", "Domain", "x:tenant", "--output", str(backup))
    assert snap.returncode == 0, snap.stderr
    assert "snapshot: 6 creates, 0 singletons" in snap.stderr
    lines = [json.loads(line) for line in backup.read_text(encoding="utf-8").splitlines()]
    kinds = [(line["@type"], line["object"]) for line in lines]
    creates = [k for k in kinds if k[0] == "create"]
    assert creates.index(("create", "Tenant")) < creates.index(("create", "Domain"))  # referenced first
    deferred = [line for line in lines if line["@type"] == "update"]
    assert len(deferred) == 1 and deferred[0]["object"] == "Role" and deferred[0]["id"].startswith("#role-")
    acme = next(
        v
        for line in lines
        if line["@type"] == "create"
        for v in line["value"].values()
        if v.get("name") == "acme.example"
    )
    assert acme["memberTenantId"].startswith("#tenant-")

    wipe(server)
    assert state(server) == {"tenants": [], "domains": [], "roles": []}
    restored = run(server, "apply", "--file", str(backup))
    assert restored.returncode == 0, restored.stderr
    assert state(server) == before
    # Applied again, the plan's destroys clear what it recreates: the state stays equal.
    again = run(server, "apply", "--file", str(backup))
    assert again.returncode == 0, again.stderr
    assert state(server) == before


def test_a_plan_of_a_thousand_creates_applies(server: Server) -> None:
    wipe(server)
    value = {f"t{i}": {"name": f"Tenant {i:04}", **TENANT} for i in range(1000)}
    done = run(
        server, "apply", "--stdin", "--progress", stdin=plan({"@type": "create", "object": "Tenant", "value": value})
    )
    assert done.returncode == 0, done.stderr
    assert "creating Tenant batch 2/2 (500 objects)" in done.stderr
    assert "Done: 0 destroyed, 0 updated, 1000 created (0 failed)" in done.stderr
    names = {t["name"] for t in every(server, "x:Tenant")}
    assert names == {f"Tenant {i:04}" for i in range(1000)}
    wipe(server)


def test_upsert_and_reconcile_match_on_fields(server: Server) -> None:
    wipe(server)
    assert run(server, "apply", "--stdin", stdin=PROVISION).returncode == 0
    upsert = plan(
        {
            "@type": "upsert",
            "object": "Tenant",
            "matchOn": ["name"],
            "value": {
                "a": {"name": "Acme", **TENANT, "logo": "https://acme.example/logo.png"},
                "n": {"name": "New", **TENANT},
            },
        }
    )
    done = run(server, "apply", "--stdin", stdin=upsert)
    assert done.returncode == 0 and "upsert Tenant (1 updated, 1 created)" in done.stderr, done.stderr
    tenants = {t["name"]: t for t in every(server, "x:Tenant")}
    assert set(tenants) == {"Acme", "Umbrella", "New"} and tenants["Acme"]["logo"] == "https://acme.example/logo.png"
    reconcile = plan(
        {"@type": "reconcile", "object": "Tenant", "matchOn": ["name"], "value": {"a": {"name": "Acme", **TENANT}}}
    )
    linked = run(server, "apply", "--stdin", "--json", stdin=reconcile)
    # Umbrella and New are not in the plan: reconcile destroys them (Acme stays, its domain refers to it).
    assert linked.returncode == 0, linked.stderr
    assert {"op": "reconcile", "stage": "cleanup", "destroyed": 2} in [
        json.loads(x) for x in linked.stdout.splitlines()
    ]
    assert [t["name"] for t in every(server, "x:Tenant")] == ["Acme"]
    wipe(server)


def test_dry_run_changes_nothing_and_bad_plans_are_refused(server: Server) -> None:
    wipe(server)
    dry = run(server, "apply", "--stdin", "--dry-run", stdin=PROVISION)
    assert dry.returncode == 0 and "(dry run: no changes will be made)" in dry.stderr
    assert "Plan: 0 destroy, 1 update, 4 create (6 objects)" in dry.stderr
    assert every(server, "x:Tenant") == []
    cases = {
        json.dumps([{"@type": "create"}]): "invalid plan NDJSON on line 1",
        plan({"@type": "update", "object": "Domain", "id": "#ghost", "value": {}}): "unresolved id '#ghost'",
        plan({"@type": "destroy", "object": "SpamDnsblSettings"}): "cannot destroy singleton",
        plan({"@type": "upsert", "object": "Tenant", "value": {"a": {}}}): "no match key",
        plan({"@type": "update", "object": "Domain", "value": {}}): "needs a top-level 'id'",
        plan({"@type": "create", "object": "Domian", "value": {"a": {}}}): "did you mean 'domain'",
    }
    for text, message in cases.items():
        done = run(server, "apply", "--stdin", "--dry-run", stdin=text)
        assert done.returncode == 1 and message in done.stderr, (text, done.stderr)
    assert run(server, "apply", "--stdin", "--file", "x", stdin="").returncode == 1


def test_continue_on_error_runs_every_operation_and_counts_failures(server: Server) -> None:
    wipe(server)
    text = plan(
        {"@type": "create", "object": "Domain", "value": {"bad": domain("bad.example", "nosuchtenant")}},
        {"@type": "create", "object": "Tenant", "value": {"t": {"name": "Kept", **TENANT}}},
    )
    stopped = run(server, "apply", "--stdin", stdin=text)
    assert stopped.returncode == 1 and "✗ create Domain: invalidForeignKey" in stopped.stderr
    assert every(server, "x:Tenant") == []
    went_on = run(server, "apply", "--stdin", "--continue-on-error", stdin=text)
    assert went_on.returncode == 1 and "Done: 0 destroyed, 0 updated, 1 created (1 failed)" in went_on.stderr
    assert "apply completed with 1 failed operation(s)" in went_on.stderr
    assert [t["name"] for t in every(server, "x:Tenant")] == ["Kept"]
    wipe(server)


def test_snapshot_needs_what_its_objects_reference(server: Server) -> None:
    wipe(server)
    assert run(server, "apply", "--stdin", stdin=PROVISION).returncode == 0
    missing = run(server, "snapshot", "domain")
    assert missing.returncode == 1
    assert "Domain references Tenant but Tenant is not in the snapshot selection" in missing.stderr
    allowed = run(server, "snapshot", "domain", "--allow-unresolved", "tenant", "--no-destroys", "--quiet")
    assert allowed.returncode == 0, allowed.stderr
    lines = [json.loads(line) for line in allowed.stdout.splitlines()]
    assert all(line["@type"] == "create" for line in lines)
    assert all(v.get("memberTenantId") is None for line in lines for v in line["value"].values())
    singleton = run(server, "snapshot", "spam-dnsbl-settings", "--quiet")
    [line] = [json.loads(x) for x in singleton.stdout.splitlines()]
    assert line["@type"] == "update" and line["object"] == "SpamDnsblSettings" and "domainLimit" in line["value"]
    wipe(server)


def test_snapshot_leaves_secrets_out_unless_asked(server: Server) -> None:
    made = run(server, "create", "o-auth-client", "--field", "clientId=snap", "--field", "secret=s3cret")
    assert made.returncode == 0, made.stderr
    plain = run(server, "snapshot", "o-auth-client", "--quiet", "--no-destroys")
    [line] = [json.loads(x) for x in plain.stdout.splitlines()]
    [value] = line["value"].values()
    assert value["clientId"] == "snap" and "secret" not in value
    asked = run(server, "snapshot", "o-auth-client", "--no-destroys", "--include-secrets")
    [line] = [json.loads(x) for x in asked.stdout.splitlines()]
    [value] = line["value"].values()
    assert value["secret"] == "****"  # the server never gives a secret out: the snapshot says so
    assert "warning: the server masked 1 secret(s)" in asked.stderr
