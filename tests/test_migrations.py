"""Declared migrations of stored data: a database written by the server generated from an older
schema, then served by the one generated from a newer schema that declares how that data becomes
valid (`renamedFrom`, `migrate` steps, an enum's `formerValues`). Checked over HTTP: what `get`
returns, the lines the server prints on start, and that a second start changes nothing. The
schema-side checks of the language are at the end (file:line:col diagnostics)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from conftest import RunGenerator
from jmap_server import Server

from generator.diagnostics import SchemaError
from generator.schema_loader import load_registry

PROJECT = """
project:
  name: Shop
  version: "{version}"
  namespace: "x:"
  capability: urn:stalwart:jmap
  apiPath: /api
  cli: shop-cli
  package: {package}
"""

# What the older server wrote under: a plain string key, no minimum, an enum value `slow`.
OLD = """
objects:
  Store:
    description: A store.
    permissionPrefix: sysStore
    fields:
      label: {type: string, description: Label}
      accessKey: {type: string?, description: Access key}
      limit: {type: unsignedInteger, default: 10, description: Limit}
      mode: {type: Mode, default: fast, description: Mode}
      modes: {type: Set<Mode>, description: Modes}
      routes: {type: List<Route>, description: Routes}
  Settings:
    kind: singleton
    description: Settings.
    permissionPrefix: sysSettings
    fields:
      retries: {type: unsignedInteger, default: 3, description: Retries}
types:
  Route:
    description: A route.
    fields:
      host: {type: string, description: Host}
      kind: {type: Mode, default: fast, description: Kind}
enums:
  Mode:
    values: {fast: Fast, slow: Slow, safe: Safe}
"""

# The newer schema: `label` renamed, the key a union (PublicStringOptional-like), a raised min the
# author clamps, `slow` removed and mapped to `safe`; Settings' raised min has no migration.
NEW = """
objects:
  Store:
    description: A store.
    permissionPrefix: sysStore
    fields:
      title: {type: string, unique: true, renamedFrom: label, description: Title}
      accessKey:
        type: KeyValue
        migrate:
          - {replace: null, with: {"@type": None}}
          - {wrap: Value, field: value}
        description: Access key
      limit:
        type: unsignedInteger
        default: 10
        min: 5
        migrate: [{clamp: min}]
        description: Limit
      mode: {type: Mode, default: fast, description: Mode}
      modes: {type: Set<Mode>, description: Modes}
      routes: {type: List<Route>, description: Routes}
  Settings:
    kind: singleton
    description: Settings.
    permissionPrefix: sysSettings
    fields:
      retries: {type: unsignedInteger, default: 3, min: 2, description: Retries}
types:
  Route:
    description: A route.
    fields:
      host: {type: string, description: Host}
      kind: {type: Mode, default: fast, description: Kind}
  KeyValue:
    description: A value, or none.
    variants:
      None: No value
      Value: {label: Value, type: KeyValueValue}
  KeyValueValue:
    fields:
      value: {type: string, description: The value}
      note: {type: string, default: "", description: A note}
enums:
  Mode:
    values: {fast: Fast, safe: Safe}
    formerValues: {slow: safe}
"""


def _generate(run_generator: RunGenerator, tmp: Path, name: str, version: str, body: str) -> Path:
    schema = tmp / f"schema-{name}"
    schema.mkdir()
    (schema / "shop.yaml").write_text(PROJECT.format(version=version, package=name) + body, encoding="utf-8")
    out = tmp / f"out-{name}"
    done = run_generator("generate", "--schema", schema, "--out", out)
    assert done.returncode == 0, done.stderr
    return out / "python"


@pytest.fixture(scope="module")
def packages(tmp_path_factory: pytest.TempPathFactory, run_generator: RunGenerator) -> tuple[Path, Path]:
    tmp = tmp_path_factory.mktemp("migrations")
    return (
        _generate(run_generator, tmp, "shop_old", "1.0.0", OLD),
        _generate(run_generator, tmp, "shop_new", "2.0.0", NEW),
    )


def _migrated(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith("migrated stored")]


def _warnings(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith("warning: stored")]


def test_a_newer_server_migrates_what_an_older_one_stored(tmp_path: Path, packages: tuple[Path, Path]) -> None:
    old_pkg, new_pkg = packages
    old = Server(tmp_path, package="shop_old", pythonpath=str(old_pkg)).start()
    try:
        first = old.create_one(
            "Store",
            {
                "label": "Main",
                "accessKey": "AK1",
                "limit": 2,
                "mode": "slow",
                "modes": ["slow", "fast"],
                "routes": [{"host": "a.example", "kind": "slow"}, {"host": "b.example"}],
            },
        )
        second = old.create_one("Store", {"label": "Other", "accessKey": None, "limit": 7})
        assert old.update_one("Settings", "singleton", {"retries": 1}) is None
        old_state = old.call("x:Store/get", {"ids": []})[1]["state"]
    finally:
        assert _migrated(old.stop()) == []

    new = Server(tmp_path, package="shop_new", pythonpath=str(new_pkg)).start()
    try:
        one, two = new.get_one("Store", first), new.get_one("Store", second)
        settings = new.get_one("Settings", "singleton")
        state = new.call("x:Store/get", {"ids": []})[1]["state"]
        # Migrated data is valid: an update that touches nothing else is accepted.
        assert new.update_one("Store", first, {"limit": 6}) is None
        updated_state = new.call("x:Store/get", {"ids": []})[1]["state"]
    finally:
        output = new.stop()

    assert one == {
        "id": first,
        "title": "Main",
        "accessKey": {"@type": "Value", "value": "AK1", "note": ""},  # the variant's defaults filled in
        "limit": 5,
        "mode": "safe",
        "modes": {"safe": True, "fast": True},
        "routes": {"0": {"host": "a.example", "kind": "safe"}, "1": {"host": "b.example", "kind": "fast"}},
    }
    assert two["title"] == "Other"
    assert two["accessKey"] == {"@type": "None"}
    assert two["limit"] == 7  # valid already: left alone
    assert settings["retries"] == 1  # no migration declared: kept as stored, and reported
    assert state != old_state  # clients holding the old state refetch

    assert _migrated(output) == [
        f"migrated stored x:Store {first}: title: renamed from label",
        f"migrated stored x:Store {first}: accessKey: wrapped into variant Value (as value)",
        f"migrated stored x:Store {first}: limit: 2 raised to its min 5",
        f"migrated stored x:Store {first}: mode: 'slow' became 'safe' (a former value of Mode)",
        f"migrated stored x:Store {first}: modes/slow: 'slow' became 'safe' (a former value of Mode)",
        f"migrated stored x:Store {first}: routes/0/kind: 'slow' became 'safe' (a former value of Mode)",
        f"migrated stored x:Store {second}: title: renamed from label",
        f'migrated stored x:Store {second}: accessKey: null replaced by {{"@type":"None"}}',
    ]
    assert _warnings(output) == [
        "warning: stored x:Settings singleton: retries: 'retries' must be at least 2"
        " (the current schema refuses it; it is kept as stored)"
    ]

    again = new.start()
    try:
        assert again.get_one("Store", second) == two
        assert again.get_one("Store", first)["limit"] == 6
        assert again.call("x:Store/get", {"ids": []})[1]["state"] == updated_state
    finally:
        second_output = again.stop()
    assert _migrated(second_output) == []  # idempotent: nothing left to migrate
    assert _warnings(second_output) == _warnings(output)


class NoIndex:
    """An indexer that derives nothing: what a database written by another program holds."""

    def layout(self) -> str:
        return "none"

    def entries(self, type_: str, doc: dict[str, Any]) -> Any:
        from schemagen_runtime.server.store_api import IndexEntries

        return IndexEntries()

    def indexed_fields(self) -> dict[str, tuple[str, ...]]:
        return {}


def test_a_value_no_migration_fixes_is_kept_and_reported(tmp_path: Path, packages: tuple[Path, Path]) -> None:
    """A stored key that is a number: the wrap step would make it a Value whose `value` must be a
    string, which the schema refuses, so the value stays as stored (and `get` returns it)."""
    from schemagen_runtime.server.sqlite_store import SqliteStore

    _, new_pkg = packages
    server = Server(tmp_path, package="shop_new", pythonpath=str(new_pkg))
    store = SqliteStore(server.db, NoIndex())  # the server re-indexes it on start
    stored: dict[str, Any] = {"label": "Odd", "accessKey": 42, "limit": 9, "mode": "fast", "modes": {}, "routes": {}}
    store.write_now(lambda session: session.put("Store", "odd1", stored))
    store.close()
    server.start()
    try:
        got = server.get_one("Store", "odd1")
    finally:
        output = server.stop()
    assert got["title"] == "Odd" and got["accessKey"] == 42
    assert _migrated(output) == ["migrated stored x:Store odd1: title: renamed from label"]
    assert _warnings(output) == [
        "warning: stored x:Store odd1: accessKey: 'accessKey' must be an object (KeyValue), not a number"
        " (the current schema refuses it; it is kept as stored)"
    ]


def test_a_migration_that_would_repeat_a_unique_key_is_left_as_stored(
    tmp_path: Path, packages: tuple[Path, Path]
) -> None:
    """Two stores an older schema let share a label: renamed to the unique `title`, the second
    would take the first one's key, so it stays as stored, with a warning; `get` still answers."""
    from schemagen_runtime.server.sqlite_store import SqliteStore

    _, new_pkg = packages
    server = Server(tmp_path, package="shop_new", pythonpath=str(new_pkg))
    store = SqliteStore(server.db, NoIndex())
    for obj_id in ("dup1", "dup2"):
        doc = {"label": "Same", "accessKey": None, "limit": 9, "mode": "fast", "modes": {}, "routes": {}}
        store.write_now(lambda session, obj_id=obj_id, doc=doc: session.put("Store", obj_id, doc))
    store.close()
    server.start()
    try:
        first, second = server.get_one("Store", "dup1"), server.get_one("Store", "dup2")
    finally:
        output = server.stop()
    assert first["title"] == "Same" and first["accessKey"] == {"@type": "None"}
    assert second == {"id": "dup2", **doc}  # as stored: nothing half-migrated
    assert _migrated(output) == [
        "migrated stored x:Store dup1: title: renamed from label",
        'migrated stored x:Store dup1: accessKey: null replaced by {"@type":"None"}',
    ]
    assert "warning: stored x:Store dup2: not migrated, its migrated title would be the same as Store dup1's" in output


def _registry() -> Any:
    """Descriptors as a generated `_registry` holds them: maps keyed and valued by an enum with a
    former value, and a union variant whose field was renamed."""
    from schemagen_runtime.descriptors import (
        EnumDesc,
        FieldDesc,
        ObjectDesc,
        ProjectDesc,
        Registry,
        SchemaDesc,
        TypeDesc,
        VariantDesc,
    )

    mode = TypeDesc("enum", target="Mode")
    schemas = {
        "Box": SchemaDesc(
            "Box",
            fields=(
                FieldDesc("tags", TypeDesc("map", key=mode, item=TypeDesc("string", format="string"))),
                FieldDesc("levels", TypeDesc("map", key=TypeDesc("string"), item=mode)),
                FieldDesc("auth", TypeDesc("object", target="Auth")),
            ),
        ),
        "Auth": SchemaDesc("Auth", variants=(VariantDesc("None"), VariantDesc("Basic", "BasicAuth"))),
        "BasicAuth": SchemaDesc(
            "BasicAuth", fields=(FieldDesc("user", TypeDesc("string", format="string"), renamed_from=("login",)),)
        ),
    }
    enums = {"Mode": EnumDesc("Mode", ("fast", "safe"), former=(("slow", "safe"),))}
    project = ProjectDesc("Box", "1.0.0", "urn:box:jmap")
    return Registry(project, (ObjectDesc("Box", "Box", "object", "box", "Box"),), schemas.__getitem__, lambda: enums)


def test_nested_values_are_migrated_and_conflicts_kept() -> None:
    from schemagen_runtime.server.migrations import Migrator

    migrator = Migrator(_registry())
    doc = {"tags": {"slow": "a", "fast": "b"}, "levels": {"x": "slow"}, "auth": {"@type": "Basic", "login": "bob"}}
    migrated, notes = migrator.document("Box", doc)
    assert migrated == {
        "tags": {"safe": "a", "fast": "b"},
        "levels": {"x": "safe"},
        "auth": {"@type": "Basic", "user": "bob"},
    }
    assert notes == [
        ("tags/slow", "'slow' became 'safe' (a former value of Mode)"),
        ("levels/x", "'slow' became 'safe' (a former value of Mode)"),
        ("auth/user", "renamed from login"),
    ]
    assert migrator.document("Box", migrated) == (migrated, [])  # a second pass finds nothing
    # A map holding the former key and its successor with different values: neither is dropped.
    both = {"tags": {"slow": "a", "safe": "b"}, "levels": {}, "auth": {"@type": "None"}}
    assert migrator.document("Box", both) == (both, [])


# -- the language, checked when the schema loads -------------------------------------------------


def _errors(tmp_path: Path, body: str) -> list[str]:
    schema = tmp_path / "schema"
    schema.mkdir()
    (schema / "shop.yaml").write_text(PROJECT.format(version="1.0.0", package="shop") + body, encoding="utf-8")
    with pytest.raises(SchemaError) as caught:
        load_registry(schema)
    return [str(d) for d in caught.value.diagnostics]


def test_declared_migrations_are_checked_with_their_positions(tmp_path: Path) -> None:
    body = """
objects:
  Store:
    description: A store.
    permissionPrefix: sysStore
    fields:
      title: {type: string, renamedFrom: [limit, Bad], description: Title}
      note:
        type: string?
        renamedFrom: old
        migrate:
          - {replace: null, with: x}
          - {wrap: Value, field: value}
          - {clamp: min}
          - {replace: 1}
          - {wrap: Value, clamp: max}
        description: Note
      other: {type: string, renamedFrom: old, description: Other}
      key:
        type: KeyValue
        migrate:
          - {wrap: Valu, field: value}
          - {wrap: Value, field: valu}
          - {wrap: Value, field: value, with: 3}
        description: Key
      limit: {type: unsignedInteger, migrate: [{clamp: max}], description: Limit}
types:
  KeyValue:
    description: A value, or none.
    variants:
      None: No value
      Value: {label: Value, type: KeyValueValue}
  KeyValueValue:
    fields:
      value: {type: string, description: The value}
enums:
  Mode:
    values: {fast: Fast, safe: Safe}
    formerValues: {fast: safe, slow: slower}
"""
    errors = _errors(tmp_path, body)
    got = [re.sub(r"^schema/shop.yaml:", "", e) for e in errors]
    assert got == [
        "16:29: renamedFrom of 'title': 'Bad' is not a field name",
        "16:29: renamedFrom of 'title': 'limit' is still a field of Store",
        "21:14: migrate of 'note': replacing null does nothing: note is nullable, so null is not refused",
        "22:14: migrate of 'note': wrap applies to a field whose type is a union, and 'note' is not one",
        "23:14: migrate of 'note': clamp applies to numbers, and 'note' is string",
        "24:14: a replace step needs 'with'",
        "25:13: a migration step is exactly one of replace, wrap, clamp",
        "27:29: renamedFrom of 'other': 'old' is already claimed by 'note'",
        "31:14: migrate of 'key': 'Valu' is not a variant of KeyValue (None, Value)",
        "32:14: migrate of 'key': variant Value of KeyValue has no field 'valu'",
        "33:41: 'with' does not belong to a wrap step",
        "35:49: migrate of 'limit': clamp: max, but 'limit' has no max",
        "48:20: 'fast' is a value of Mode: formerValues maps removed values",
        "48:32: 'slower' is not a value of Mode (fast, safe)",
    ]


def test_a_malformed_step_is_a_meta_schema_error(tmp_path: Path) -> None:
    body = """
objects:
  Store:
    description: A store.
    permissionPrefix: sysStore
    fields:
      limit: {type: unsignedInteger, min: 1, migrate: [{clamp: middle}], description: Limit}
"""
    (error,) = _errors(tmp_path, body)
    assert re.fullmatch(
        r"schema/shop.yaml:16:\d+: objects/Store/fields/limit/migrate/0/clamp: 'middle' is not one of \['min', 'max'\]",
        error,
    )
