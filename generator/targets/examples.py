"""Example requests and CLI lines for an object, shared by the docs and the tests that run them.

The rules are those the real v0.16 reference pages follow, kept wherever they give a valid request
(SPEC §4: every example must work against the generated server and CLI):

- create: every mutable field of the object (of its first variant, for a union), in declaration
  order, set to its default in human form ("1m", "10mb") or else to a sample of its type
  ("Example", "<Domain id>", `false`, `1000`, `[]`, `{}`, nested objects filled the same way);
  where that sample would break a constraint (`minItems`, `min`, `max`, `maxLength`) it is adjusted
  to satisfy it;
- update: for a union, restating the id (the documented no-op); otherwise `description`, else `name`,
  else the first settable text field that takes free text, set to "updated value"; else the first
  settable field set to its create value. "Takes" is the runtime's verdict (example_check.py): a
  field whose validators refuse the text (a host name, a domain) is passed over;
- an update also sets what the object it changes lacks and validation requires: a singleton nobody
  has written holds only its defaults, so its required fields are added with their samples;
- CLI update: `description='Updated'` where the object has a settable description (as the real
  pages always write it), else the curl update's property (and the required fields, as above);
- query: the first of the list's filters the server's query accepts, with "example" for text
  (the field's own sample where its type refuses that, an IP network say), the example id, a
  date, 1000, or the enum's first value; no example filter when the server accepts none;
- CLI create: the create payload's fields in declaration order, nested values as compact JSON with
  sorted keys, each argument shell-quoted.

Every chosen payload and filter is checked by the runtime's own codec, patch, validators and query
compiler; what they refuse is kept in `ExampleSet.problems`, which the tests assert is empty.

An explicit `examples:` section in the schema overrides the payloads.
"""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass
from typing import Any

from schemagen_runtime.codec import human_form
from schemagen_runtime.units import DURATION_UNITS, SIZE_UNITS, zero_unit

from ..ir import Field, Object, Registry, Schema, TypeRef
from ..names import kebab
from ..runtime_descriptors import type_desc
from .example_check import example_check

CORE_CAPABILITY = "urn:ietf:params:jmap:core"

SAMPLE_STRINGS = {
    "emailAddress": "user@example.com",
    "ipAddress": "192.0.2.1",
    "ipNetwork": "192.0.2.0/24",
    "socketAddress": "0.0.0.0:25",
    "uri": "https://example.com",
    "color": "#336699",
    "html": "<p>Example</p>",
}
# A plain string checked by a validator shows a value the validator accepts.
VALIDATOR_SAMPLES = {"emailLocalPart": "alice", "domain": "example.com", "hostname": "mail.example.com"}
SAMPLE_STRING = "Example"
SAMPLE_NUMBER = 1000
SAMPLE_DATETIME = "2026-01-01T00:00:00Z"
SAMPLE_FILTER_TEXT = "example"  # what an example query looks for in a text condition
UPDATED_TEXT = "updated value"  # what a curl update example writes into a text field
CLI_UPDATED_TEXT = "Updated"  # ... and a CLI update example (the real pages' spelling)
TEXT_FORMATS = ("string", "text")  # formats any text is valid in
LABEL_FIELDS = ("description", "name")  # the human label an update example changes, first found wins


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
class QueryFilter:
    """A condition the query `filter` takes, from the WebUI list's filters (`list: filters:`)."""

    field: str
    kind: str  # text, date, integer, objectId, enum
    target: str | None = None  # the object of an objectId, the enum of an enum

    @property
    def kind_text(self) -> str:
        """How the page names the kind: `text`, `id of Tenant`."""
        word = {"objectId": "id"}.get(self.kind, self.kind)
        return f"{word} of {self.target}" if self.target else word


@dataclass(frozen=True)
class ExampleSet:
    get: Example
    set_ops: tuple[Example, ...]  # objects: Create, Update, Destroy; singletons: the one update
    query: Example | None
    cli: tuple[CliExample, ...]
    filters: tuple[QueryFilter, ...] = ()  # what query filters on (the page's condition table)
    problems: tuple[str, ...] = ()  # what the runtime refuses in these examples (none, if the rules hold)


# -- values in the form people write them ----------------------------------------------------------


def human(registry: Registry, value: Any, ref: TypeRef | None, zero: str = "s") -> Any:
    """A wire value with durations and sizes in the human form pages and examples show, at any depth
    ({"count": 100, "period": 60000} → {"count": 100, "period": "1m"}): the runtime codec's
    `human_form`, over the same descriptors, so the server reads each back as the same value."""
    if ref is None:
        return value
    return human_form(example_check(registry).runtime, type_desc(ref), value, zero)


def default_human(registry: Registry, f: Field) -> Any:
    """The field's default as its author would write it; a zero keeps the unit the author wrote
    ("0ms"), else the smallest natural one ("0s", "0b")."""
    units, fallback = (SIZE_UNITS, "b") if f.type.format == "size" else (DURATION_UNITS, "s")
    return human(registry, f.default, f.type, zero_unit(f.default_source, units, fallback))


def fields_of(registry: Registry, schema: Schema, variant: str | None = None) -> tuple[Field, ...]:
    """A single schema's fields, or the fields of a union's variant (its first when not named)."""
    if not schema.is_union:
        return schema.fields
    chosen = next((v for v in schema.variants if v.name == variant), schema.variants[0])
    return registry.schemas[chosen.type].fields if chosen.type else ()


# -- samples ---------------------------------------------------------------------------------------


def _number(f: Field | None) -> int | float:
    """1000 moved inside the field's bounds."""
    value: int | float = SAMPLE_NUMBER
    if f is not None and f.max is not None:
        value = min(value, f.max)
    if f is not None and f.min is not None:
        value = max(value, f.min)
    return value


def _string(ref: TypeRef, f: Field | None, index: int = 0) -> str:
    text = SAMPLE_STRINGS.get(ref.format or "", SAMPLE_STRING)
    if ref.format == "string" and f is not None:
        text = next((VALIDATOR_SAMPLES[v] for v in f.validators if v in VALIDATOR_SAMPLES), text)
    if index:  # distinct members for a set that needs several
        text = f"{index}.{text}" if ref.format in ("emailAddress", "uri") else f"{text}{index}"
    if f is not None and f.max_length is not None:
        text = text[: f.max_length]
    return text


def _out_of_bounds(f: Field, value: Any) -> bool:
    """A default its own field refuses (the published x:Rate has such): an example must not use it."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return (f.min is not None and value < f.min) or (f.max is not None and value > f.max)


class Sampler:
    """Sample values for create payloads; nested objects are filled with the same rules."""

    def __init__(self, registry: Registry) -> None:
        self.registry = registry
        self.open: list[str] = []  # schemas being filled, so a recursive type cannot loop

    def field(self, f: Field) -> Any:
        if f.example is not None:
            return f.example
        if f.has_default and f.default is not None and not _out_of_bounds(f, f.default):
            return default_human(self.registry, f)
        return self.value(f.type, f)

    def value(self, ref: TypeRef, f: Field | None = None, index: int = 0) -> Any:
        kind = ref.kind
        if kind == "boolean":
            return False
        if kind == "number":
            return _number(f) + index
        if kind == "string":
            return _string(ref, f, index)
        if kind == "enum":
            values = self.registry.enums[ref.target or ""].values
            return values[index % len(values)].name
        if kind == "objectId":
            target = self.registry.object(ref.target or "").view_of or ref.target
            return f"<{target} id>" if not index else f"<{target} id {index + 1}>"
        if kind == "utcDateTime":
            return SAMPLE_DATETIME
        if kind == "blobId":
            return "<blob id>"
        count = (f.min_items or 0) if f is not None else 0
        if kind == "set":
            return [self.value(ref.member, None, i) for i in range(count)]
        if kind == "objectList":
            return [self.value(TypeRef("object", target=ref.target)) for _ in range(count)]
        if kind == "map":
            return {self.value(ref.map_key, None, i): self.value(ref.member) for i in range(count)}
        return self.nested(self.registry.schemas[ref.target or ""])

    def nested(self, schema: Schema, variant: str | None = None) -> dict[str, Any]:
        if schema.name in self.open:
            return {}
        self.open.append(schema.name)
        out: dict[str, Any] = {}
        if schema.is_union:
            out["@type"] = next((v for v in schema.variants if v.name == variant), schema.variants[0]).name
        for f in fields_of(self.registry, schema, variant):
            if f.update == "mutable" or f.needed_on_create:  # an immutable field a create must give
                out[f.name] = self.field(f)
        self.open.pop()
        return out


# -- payloads --------------------------------------------------------------------------------------


def _list_filters(obj: Object) -> list[QueryFilter]:
    out = []
    for item in (obj.webui_list or {}).get("filters", ()):
        target = item.get("objectName") or item.get("enumName")
        out.append(QueryFilter(item["field"], item["type"], target))
    return out


def query_filters(registry: Registry, obj: Object) -> tuple[tuple[QueryFilter, ...], bool]:
    """The conditions query takes: the object's own list's filters, else the union of its views'
    lists (views by name, each condition once); and whether they are the object's own (only then
    does the page show an example filter: a view's filter may only make sense in that view)."""
    own = _list_filters(obj)
    if own:
        return tuple(own), True
    seen: dict[str, QueryFilter] = {}
    for view in sorted((o for o in registry.objects if o.view_of == obj.name), key=lambda o: o.name):
        for f in _list_filters(view):
            seen.setdefault(f.field, f)
    return tuple(seen.values()), False


def filter_sample(registry: Registry, condition: QueryFilter, oid: str) -> Any:
    """A value the example filter uses for a condition of this kind."""
    if condition.kind == "objectId":
        return oid
    if condition.kind == "date":
        return SAMPLE_DATETIME
    if condition.kind == "integer":
        return SAMPLE_NUMBER
    if condition.kind == "enum" and (enum := registry.enums.get(condition.target or "")) is not None:
        return enum.values[0].name
    return SAMPLE_FILTER_TEXT


def create_payload(registry: Registry, obj: Object) -> dict[str, Any]:
    if obj.examples.create is not None:
        return dict(obj.examples.create)
    assert obj.schema is not None
    return Sampler(registry).nested(obj.schema, obj.examples.create_variant)


def _settable_text(f: Field) -> bool:
    return f.update == "mutable" and f.type.kind == "string" and f.type.format in TEXT_FORMATS


def _takes_text(registry: Registry, f: Field, text: str) -> bool:
    """A settable text field that takes free text: its validators (a host name, a domain) accept it."""
    return _settable_text(f) and example_check(registry).accepts(f, text)


def current_object(registry: Registry, obj: Object) -> dict[str, Any] | None:
    """What the update examples change: the object the create example makes (a singleton nobody
    has written yet: None, its defaults)."""
    if obj.is_singleton:
        return None
    assert obj.schema is not None
    return example_check(registry).created(obj.schema.name, create_payload(registry, obj))[0]


def completed(registry: Registry, obj: Object, update: dict[str, Any]) -> dict[str, Any]:
    """The update plus every field the runtime requires that the updated object lacks (a singleton
    nobody has written holds only defaults), each set to its sample, in declaration order."""
    schema = obj.schema
    assert schema is not None
    current = current_object(registry, obj)
    issues = example_check(registry).update_issues(schema.name, current, update)
    lacking = {i.path for i in issues if i.type == "Required"} - set(update)
    variant = update.get("@type") or (current or {}).get("@type")  # a fresh singleton: its first
    added = {f.name: Sampler(registry).field(f) for f in fields_of(registry, schema, variant) if f.name in lacking}
    return {**update, **added}


def update_payload(registry: Registry, obj: Object) -> dict[str, Any]:
    """An update that is valid on the example object: the schema's, else the rule in the module doc."""
    if obj.examples.update is not None:
        return dict(obj.examples.update)
    schema = obj.schema
    assert schema is not None
    by_name = {f.name: f for f in schema.fields}
    labels = [by_name[name] for name in LABEL_FIELDS if name in by_name]
    text = next((f for f in [*labels, *schema.fields] if _takes_text(registry, f, UPDATED_TEXT)), None)
    if text is not None:
        return completed(registry, obj, {text.name: UPDATED_TEXT})
    check = example_check(registry)
    for f in (f for f in schema.fields if f.update == "mutable"):
        value = Sampler(registry).field(f)
        if check.accepts(f, value):
            return completed(registry, obj, {f.name: value})
    # Nothing settable at the top level (a union): restating the id is the documented no-op update.
    return {"id": obj.examples.id}


def cli_update_fields(registry: Registry, obj: Object, update: dict[str, Any]) -> dict[str, Any]:
    """The `--field` pairs of the CLI update example (see the module doc)."""
    assert obj.schema is not None
    fields = {f.name: f for f in fields_of(registry, obj.schema, obj.examples.create_variant)}
    description = fields.get("description")
    if obj.examples.update is None and description and _takes_text(registry, description, CLI_UPDATED_TEXT):
        return completed(registry, obj, {"description": CLI_UPDATED_TEXT})
    if set(update) != {"id"} or obj.is_singleton:
        return dict(update)
    # The CLI addresses the object by argument; restating the variant is its no-op update.
    create = create_payload(registry, obj)
    return {"@type": create["@type"]} if "@type" in create else {}


def _all_fields(registry: Registry, schema: Schema) -> dict[str, Field]:
    """Every field an instance may carry: a union's from all its variants, the first of a name wins."""
    found: dict[str, Field] = {}
    for variant in schema.variants or [None]:
        for f in fields_of(registry, schema, variant.name if variant else None):
            found.setdefault(f.name, f)
    return found


def example_filter(registry: Registry, obj: Object, filters: tuple[QueryFilter, ...]) -> dict[str, Any]:
    """The first condition the server can filter on, with the kind's sample (or, where the field
    refuses that, the field's own sample): `{}` when the server takes none of them."""
    assert obj.schema is not None
    check = example_check(registry)
    fields = _all_fields(registry, obj.schema)
    for condition in filters:
        f = fields.get(condition.field)
        candidates = [filter_sample(registry, condition, obj.examples.id)]
        if f is not None and f.type.kind == "set":  # a member, without the set's own bounds
            candidates.append(Sampler(registry).value(f.type.member))
        elif f is not None:
            candidates.append(Sampler(registry).value(f.type, f))
        for value in candidates:
            if f is not None and not check.accepts(f, value, member=True):
                continue
            if check.filter_problem(obj.schema.name, {condition.field: value}) is None:
                return {condition.field: value}
    return {}


def problems_of(registry: Registry, obj: Object, set_ops: tuple[Example, ...], cli_update: dict[str, Any]) -> list[str]:
    """What the runtime refuses in the examples (tests/test_cli_examples.py asserts: nothing)."""
    assert obj.schema is not None
    check = example_check(registry)
    out: list[str] = []
    current = current_object(registry, obj)
    for op in set_ops:
        args = op.body["methodCalls"][0][1]
        if "create" in args:
            out += [f"create: {m}" for m in check.created(obj.schema.name, args["create"]["new1"])[1]]
        if "update" in args:
            patch = next(iter(args["update"].values()))
            out += [f"update: {i.message}" for i in check.update_issues(obj.schema.name, current, patch)]
    issues = check.update_issues(obj.schema.name, current, cli_update)
    return out + [f"CLI update: {i.message}" for i in issues]


# -- rendering -------------------------------------------------------------------------------------


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
    if isinstance(value, str):
        return value
    return json.dumps(value, separators=(",", ":"), sort_keys=True, ensure_ascii=False)


def _quoted_value(key: str, value: Any) -> str:
    """`key='value'`: the value always in single quotes (how the pages write an update)."""
    return f"{key}='" + _cli_value(value).replace("'", "'\\''") + "'"


def _cli(
    registry: Registry,
    title: str,
    argv: list[str],
    fields: dict[str, Any],
    where: dict[str, Any] | None = None,
) -> CliExample:
    """One CLI example. A create puts each `--field` on a line of its own (one field too); an update
    quotes the value (`--field description='Updated'`); a query shows the plain query and, when
    there is an example filter, the same query `--where` it holds."""
    args = [*argv]
    for key, value in fields.items():
        args += ["--field", f"{key}={_cli_value(value)}"]
    head = " ".join(shlex.quote(a) for a in [registry.project.cli, *argv])
    if argv[0] == "update":
        pairs = [f"--field {_quoted_value(k, v)}" for k, v in fields.items()]
    else:
        pairs = [f"--field {shlex.quote(f'{k}={_cli_value(v)}')}" for k, v in fields.items()]
    broken = len(pairs) > 1 or (argv[0] == "create" and pairs)
    command = " \\\n  ".join([head, *pairs]) if broken else " ".join([head, *pairs])
    for key, value in (where or {}).items():
        command += f"\n{head} --where {shlex.quote(f'{key}={_cli_value(value)}')}"
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
    cli_update = cli_update_fields(registry, obj, update)
    if obj.is_singleton:
        set_ops: tuple[Example, ...] = (example("Update", "Update", "set", {"update": {oid: update}}),)
        cli: tuple[CliExample, ...] = (
            _cli(registry, "Fetch", ["get", name], {}),
            _cli(registry, "Update", ["update", name], cli_update),
        )
        return ExampleSet(get, set_ops, None, cli, problems=tuple(problems_of(registry, obj, set_ops, cli_update)))
    create = create_payload(registry, obj)
    set_ops = (
        example("Create", "Create", "set", {"create": {"new1": create}}),
        example("Update", "Update", "set", {"update": {oid: update}}),
        example("Destroy", "Destroy", "set", {"destroy": [oid]}),
    )
    filters, own = query_filters(registry, obj)
    where = example_filter(registry, obj, filters) if own else {}
    query = example("Query", "Query", "query", {"filter": where})
    target = name
    create_fields = dict(create)
    if "@type" in create_fields:
        target = f"{name}/{kebab(create_fields.pop('@type'))}"
    cli = (
        _cli(registry, "Fetch", ["get", name, oid], {}),
        _cli(registry, "Create", ["create", target], create_fields),
        _cli(registry, "Query", ["query", name], {}, where),
        _cli(registry, "Update", ["update", name, oid], cli_update),
        _cli(registry, "Delete", ["delete", name, "--ids", oid], {}),
    )
    problems = tuple(problems_of(registry, obj, set_ops, cli_update))
    return ExampleSet(get, set_ops, query, cli, filters, problems)
