"""Example requests and CLI lines for an object, shared by the docs and the tests that run them.

Each example must work against the generated server and CLI, so the payloads are built from the
schema (a create names a real variant and fills the required fields; an update sets a field that
exists) unless the schema file gives an explicit example.
"""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass
from typing import Any

from ..ir import Field, Object, Registry
from ..names import kebab

CORE_CAPABILITY = "urn:ietf:params:jmap:core"

SAMPLE_STRINGS = {
    "emailAddress": "user@example.com",
    "ipAddress": "192.0.2.1",
    "ipNetwork": "192.0.2.0/24",
    "socketAddress": "0.0.0.0:25",
    "uri": "https://example.com",
    "color": "#336699",
    "text": "Example",
    "html": "<p>Example</p>",
}


@dataclass(frozen=True)
class Example:
    title: str  # "Create", "Update", ...
    method: str  # "x:Action/set"
    permission: str
    curl: str
    body: dict[str, Any]  # the JMAP request, for tests that send it without a shell


@dataclass(frozen=True)
class CliExample:
    title: str
    command: str
    argv: tuple[str, ...]


@dataclass(frozen=True)
class ExampleSet:
    get: Example
    set_ops: tuple[Example, ...]  # objects: Create, Update, Destroy; singletons: the one update
    query: Example | None
    cli: tuple[CliExample, ...]


def sample_value(f: Field, registry: Registry) -> Any:
    """A valid value for a required field (an explicit `example:` in the schema wins)."""
    if f.example is not None:
        return f.example
    ref = f.type
    if ref.kind == "string":
        return SAMPLE_STRINGS.get(ref.format or "", "Example")
    if ref.kind == "enum":
        return registry.enums[ref.target or ""].values[0].name
    if ref.kind == "objectId":
        return f"<{ref.target} id>"
    if ref.kind == "utcDateTime":
        return "2026-01-01T00:00:00Z"
    if ref.kind == "blobId":
        return "<blob id>"
    if ref.kind == "object":
        schema = registry.schemas[ref.target or ""]
        if schema.is_union:
            variant = schema.variants[0]
            fields = registry.schemas[variant.type].fields if variant.type else ()
            return {"@type": variant.name, **{g.name: sample_value(g, registry) for g in fields if g.required}}
        return {g.name: sample_value(g, registry) for g in schema.fields if g.required}
    return None


def create_payload(registry: Registry, obj: Object) -> dict[str, Any]:
    if obj.examples.create is not None:
        return dict(obj.examples.create)
    schema = obj.schema
    assert schema is not None
    payload: dict[str, Any] = {}
    fields: tuple[Field, ...] = schema.fields
    if schema.is_union:
        wanted = obj.examples.create_variant or schema.variants[0].name
        variant = next(v for v in schema.variants if v.name == wanted)
        payload["@type"] = variant.name
        fields = registry.schemas[variant.type].fields if variant.type else ()
    for f in fields:
        if f.required:
            payload[f.name] = sample_value(f, registry)
    return payload


def update_payload(registry: Registry, obj: Object) -> dict[str, Any]:
    """An update that is valid on the example object: the schema's, else a field set to a legal value."""
    if obj.examples.update is not None:
        return dict(obj.examples.update)
    schema = obj.schema
    assert schema is not None
    for f in schema.fields:
        if f.update == "mutable" and f.has_default and f.default is not None:
            return {f.name: f.default}
    for f in schema.fields:
        if f.update == "mutable" and f.type.kind == "string":
            return {f.name: "updated value"}
    # Nothing settable in general (a union): restating the id is the documented no-op update.
    return {"id": obj.examples.id}


def jmap_request(registry: Registry, method: str, args: dict[str, Any]) -> dict[str, Any]:
    return {"methodCalls": [[method, args, "c1"]], "using": [CORE_CAPABILITY, registry.project.capability]}


def curl(registry: Registry, body: dict[str, Any]) -> str:
    """The command as the reference pages lay it out; the token header is double-quoted so that
    `$TOKEN` really expands when the example is pasted into a shell."""
    url = registry.project.example_url.rstrip("/") + registry.project.api_path
    text = json.dumps(body, indent=2, sort_keys=True, ensure_ascii=False).replace("'", "'\\''")
    data = "\n".join(line if i == 0 else "    " + line for i, line in enumerate(text.split("\n")))
    return (
        f"curl -X POST {url} \\\n"
        f'  -H "Authorization: Bearer $TOKEN" \\\n'
        f"  -H 'Content-Type: application/json' \\\n"
        f"  -d '{data}'"
    )


def _cli_value(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _cli(registry: Registry, title: str, argv: list[str], fields: dict[str, Any]) -> CliExample:
    args = [*argv]
    for key, value in fields.items():
        args += ["--field", f"{key}={_cli_value(value)}"]
    head = " ".join(shlex.quote(a) for a in [registry.project.cli, *argv])
    pairs = [f"--field {shlex.quote(f'{k}={_cli_value(v)}')}" for k, v in fields.items()]
    command = " \\\n  ".join([head, *pairs]) if len(pairs) > 1 else " ".join([head, *pairs])
    return CliExample(title, command, tuple(args))


def examples_for(registry: Registry, obj: Object) -> ExampleSet:
    name = kebab(obj.name)
    method = obj.jmap_name
    prefix = obj.permission_prefix
    oid = obj.examples.id

    def example(title: str, perm: str, verb: str, args: dict[str, Any]) -> Example:
        body = jmap_request(registry, f"{method}/{verb}", args)
        return Example(title, f"{method}/{verb}", prefix + perm, curl(registry, body), body)

    get = example("Get", "Get", "get", {"ids": [oid]})
    update = update_payload(registry, obj)
    if obj.is_singleton:
        set_ops: tuple[Example, ...] = (example("Update", "Update", "set", {"update": {oid: update}}),)
        cli = (
            _cli(registry, "Fetch", ["get", name], {}),
            _cli(registry, "Update", ["update", name], update),
        )
        return ExampleSet(get, set_ops, None, cli)
    create = create_payload(registry, obj)
    set_ops = (
        example("Create", "Create", "set", {"create": {"new1": create}}),
        example("Update", "Update", "set", {"update": {oid: update}}),
        example("Destroy", "Destroy", "set", {"destroy": [oid]}),
    )
    query = example("Query", "Query", "query", {"filter": {}})
    target = name
    create_fields = dict(create)
    if "@type" in create_fields:
        target = f"{name}/{kebab(create_fields.pop('@type'))}"
    cli_update = dict(update)
    if set(cli_update) == {"id"}:
        # The CLI addresses the object by argument; restating the variant is its no-op update.
        cli_update = {"@type": create["@type"]} if "@type" in create else {}
    cli = (
        _cli(registry, "Fetch", ["get", name, oid], {}),
        _cli(registry, "Create", ["create", target], create_fields),
        _cli(registry, "Query", ["query", name], {}),
        _cli(registry, "Update", ["update", name, oid], cli_update),
        _cli(registry, "Delete", ["delete", name, "--ids", oid], {}),
    )
    return ExampleSet(get, set_ops, query, cli)
