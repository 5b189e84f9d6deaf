"""Numbers, digits and nesting at their limits (issue 7 items 5 and 6): every one is a SetError
naming the property, never an exception.

- wire range: `integer` is -2^63..2^63-1; `unsignedInteger`, `size` and `duration` 0..2^63-1,
  whatever the schema's own min/max; a float must be finite (validationFailed);
- digits are ASCII only (`"²"` passes `str.isdigit()` and crashes `int()`) and bounded in length
  before `int()` (Python refuses integer strings of more than 4300 digits);
- objects nest at most `codec.MAX_DEPTH` deep (invalidPatch naming the path).

The codec is tested directly on a small registry built from descriptors; the repros of the issue
against a real server on the full imported registry; the models (and their compiled fast path) on
the full registry's recursive Trace values in a fresh process.
"""

# ruff: noqa: F811  (tests take the fixtures imported from test_full_registry as parameters)
from __future__ import annotations

import json
import textwrap
from typing import Any

import pytest
from jmap_server import Server
from schemagen_runtime.codec import MAX_DEPTH, Ctx, decode_object
from schemagen_runtime.descriptors import (
    FieldDesc,
    ObjectDesc,
    ProjectDesc,
    Registry,
    SchemaDesc,
    TypeDesc,
    VariantDesc,
)
from schemagen_runtime.errors import set_error
from schemagen_runtime.patch import apply_patch
from schemagen_runtime.validate import parse
from test_full_registry import Generated, full, run_python, server  # noqa: F401  (its module-scoped fixtures)

I64_MAX = 2**63 - 1
I64_MIN = -(2**63)
FIVE_THOUSAND_DIGITS = "9" * 5000


def short_id(value: object) -> str:
    """Test ids stay readable when a parameter holds thousands of digits."""
    text = str(value)
    return text if len(text) <= 40 else f"{text[:20]}...({len(text)} chars)"


# -- the codec, on a registry of every number kind -------------------------------------------------


def _number(fmt: str, **bounds: Any) -> FieldDesc:
    return FieldDesc(fmt + "Field", TypeDesc("number", fmt), **bounds)


SCHEMAS = {
    "Thing": SchemaDesc(
        "Thing",
        (
            _number("unsignedInteger"),
            _number("integer"),
            _number("size"),
            _number("duration"),
            _number("float"),
            FieldDesc("bounded", TypeDesc("number", "integer"), min=-5, max=5),
            FieldDesc("bind", TypeDesc("string", "socketAddress", nullable=True)),
            FieldDesc("at", TypeDesc("utcDateTime", nullable=True)),
            FieldDesc("ports", TypeDesc("set", item=TypeDesc("number", "unsignedInteger"))),
            FieldDesc("items", TypeDesc("objectList", target="Item")),
            FieldDesc("tree", TypeDesc("object", target="Node", nullable=True)),
        ),
    ),
    "Item": SchemaDesc("Item", (FieldDesc("n", TypeDesc("number", "unsignedInteger")),)),
    "Node": SchemaDesc("Node", variants=(VariantDesc("Leaf", "NodeLeaf"), VariantDesc("List", "NodeList"))),
    "NodeLeaf": SchemaDesc("NodeLeaf", (FieldDesc("value", TypeDesc("string")),)),
    "NodeList": SchemaDesc("NodeList", (FieldDesc("value", TypeDesc("objectList", target="Node")),)),
}


@pytest.fixture
def reg() -> Registry:
    project = ProjectDesc("Test", "1", "urn:test")
    return Registry(
        project, (ObjectDesc("Thing", "x:Thing", "object", "sysThing", "Thing"),), SCHEMAS.__getitem__, dict
    )


def problems(reg: Registry, payload: dict[str, Any], text: bool = False) -> dict[str, Any] | None:
    """The SetError a create of `payload` gets (None: accepted)."""
    _, issues = parse(reg, "Thing", payload, text=text)
    return set_error(issues) if issues else None


def only_problem(error: dict[str, Any] | None) -> tuple[str, str, Any]:
    """(SetError type, the property, its validation error type and bound) of a single problem."""
    assert error is not None, "accepted"
    assert len(error["properties"]) == 1, error
    if error["type"] == "validationFailed":
        (found,) = error["validationErrors"]
        return error["type"], found["property"], (found["type"], found.get("required"))
    return error["type"], error["properties"][0], None


@pytest.mark.parametrize(
    ("fmt", "low", "high"),
    [
        ("unsignedInteger", 0, I64_MAX),
        ("size", 0, I64_MAX),
        ("duration", 0, I64_MAX),
        ("integer", I64_MIN, I64_MAX),
    ],
    ids=short_id,
)
def test_whole_numbers_hold_the_64_bit_wire_range(reg: Registry, fmt: str, low: int, high: int) -> None:
    name = fmt + "Field"
    assert problems(reg, {name: low}) is None
    assert problems(reg, {name: high}) is None
    too_low = only_problem(problems(reg, {name: low - 1}))
    assert too_low == ("validationFailed", name, ("MinValue", low))
    for beyond in (high + 1, 2**64, 10**30, float(2**70)):
        assert only_problem(problems(reg, {name: beyond})) == ("validationFailed", name, ("MaxValue", high))


def test_the_schemas_bounds_and_the_wire_range_make_one_check(reg: Registry) -> None:
    assert only_problem(problems(reg, {"bounded": -6})) == ("validationFailed", "bounded", ("MinValue", -5))
    assert only_problem(problems(reg, {"bounded": 2**64})) == ("validationFailed", "bounded", ("MaxValue", 5))


@pytest.mark.parametrize(
    ("field", "text", "expected"),
    [
        ("integerField", "²", ("validationFailed", "integerField", ("Invalid", None))),
        ("integerField", "٣", ("validationFailed", "integerField", ("Invalid", None))),
        ("integerField", "1_000", ("validationFailed", "integerField", ("Invalid", None))),
        ("integerField", FIVE_THOUSAND_DIGITS, ("validationFailed", "integerField", ("MaxValue", I64_MAX))),
        ("integerField", "-" + FIVE_THOUSAND_DIGITS, ("validationFailed", "integerField", ("MinValue", I64_MIN))),
        ("sizeField", "9" * 4299 + "tb", ("validationFailed", "sizeField", ("Invalid", None))),
        ("sizeField", "9" * 19 + "tb", ("validationFailed", "sizeField", ("MaxValue", I64_MAX))),
        ("sizeField", "²mb", ("validationFailed", "sizeField", ("Invalid", None))),
        ("durationField", "-5s", ("validationFailed", "durationField", ("Invalid", None))),
        ("floatField", "1e400", ("validationFailed", "floatField", ("Invalid", None))),
        ("floatField", "nan", ("validationFailed", "floatField", ("Invalid", None))),
        ("floatField", "-inf", ("validationFailed", "floatField", ("Invalid", None))),
        ("floatField", "1" * 401, ("validationFailed", "floatField", ("Invalid", None))),
        ("floatField", "²", ("validationFailed", "floatField", ("Invalid", None))),
    ],
    ids=short_id,
)
def test_numbers_written_as_text_are_ascii_and_bounded(
    reg: Registry, field: str, text: str, expected: tuple[str, str, Any]
) -> None:
    assert only_problem(problems(reg, {field: text}, text=True)) == expected


def test_text_numbers_still_read_as_before(reg: Registry) -> None:
    doc, issues = parse(reg, "Thing", {"integerField": " -42 ", "sizeField": "10mb", "floatField": "2.5e3"}, text=True)
    assert not issues
    assert (doc["integerField"], doc["sizeField"], doc["floatField"]) == (-42, 10 << 20, 2500.0)


@pytest.mark.parametrize("value", [10**401, float("inf"), float("-inf"), float("nan")], ids=short_id)
def test_floats_are_finite(reg: Registry, value: Any) -> None:
    assert only_problem(problems(reg, {"floatField": value})) == ("validationFailed", "floatField", ("Invalid", None))


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ({"bind": "1.2.3.4:²"}, ("validationFailed", "bind", ("Invalid", None))),
        ({"bind": "1.2.3.4:" + FIVE_THOUSAND_DIGITS}, ("validationFailed", "bind", ("Invalid", None))),
        ({"at": "２０２６-01-01T00:00:00Z"}, ("validationFailed", "at", ("Invalid", None))),
        ({"ports": ["²"]}, ("validationFailed", "ports/²", ("Invalid", None))),
        ({"ports": {"-1": True}}, ("validationFailed", "ports/-1", ("MinValue", 0))),
        ({"ports": [2**64]}, ("validationFailed", f"ports/{2**64}", ("MaxValue", I64_MAX))),
        ({"items": {"²": {"n": 1}}}, ("invalidPatch", "items/²", None)),
        ({"items": {FIVE_THOUSAND_DIGITS: {"n": 1}}}, ("invalidPatch", f"items/{FIVE_THOUSAND_DIGITS}", None)),
    ],
    ids=short_id,
)
def test_digits_in_strings_and_keys_are_ascii(reg: Registry, payload: dict[str, Any], expected: Any) -> None:
    assert only_problem(problems(reg, payload)) == expected


def test_a_socket_address_still_takes_a_port(reg: Registry) -> None:
    assert problems(reg, {"bind": "192.0.2.1:25"}) is None
    assert problems(reg, {"bind": "[::1]:65535"}) is None
    assert only_problem(problems(reg, {"bind": "192.0.2.1:65536"}))[0] == "validationFailed"


def patched(reg: Registry, current: dict[str, Any], patch: dict[str, Any]) -> tuple[Any, list[Any]]:
    ctx = Ctx()
    return apply_patch(reg, "Thing", current, patch, ctx), ctx.issues


@pytest.mark.parametrize("index", ["²", "٣", FIVE_THOUSAND_DIGITS, "-1", "1e3"], ids=short_id)
def test_a_list_position_in_a_patch_path_is_ascii_and_bounded(reg: Registry, index: str) -> None:
    current, _ = parse(reg, "Thing", {"items": [{"n": 1}]})
    _, issues = patched(reg, current, {f"items/{index}/n": 2})
    assert only_problem(set_error(issues)) == ("invalidPatch", f"items/{index}", None)
    _, issues = patched(reg, current, {f"items/{index}": {"n": 2}})
    assert only_problem(set_error(issues)) == ("invalidPatch", f"items/{index}", None)


def nested(levels: int) -> dict[str, Any]:
    """A Node: `levels` lists, one in another, around a leaf."""
    node: dict[str, Any] = {"@type": "Leaf", "value": "x"}
    for _ in range(levels):
        node = {"@type": "List", "value": [node]}
    return node


# The Thing, then `levels` lists (the tree is the outermost), then the leaf: levels + 2 objects.
DEEPEST = MAX_DEPTH - 2


def leaf_path(levels: int) -> str:
    return "tree" + "/value/0" * levels


def test_objects_nest_up_to_the_stated_limit(reg: Registry) -> None:
    assert MAX_DEPTH == 64
    assert problems(reg, {"tree": nested(DEEPEST)}) is None
    error = problems(reg, {"tree": nested(DEEPEST + 1)})
    assert only_problem(error) == ("invalidPatch", leaf_path(DEEPEST + 1), None)
    assert f"more than {MAX_DEPTH} objects deep" in error["description"]  # type: ignore[index]


def test_a_value_nested_far_deeper_is_refused_without_recursion_error(reg: Registry) -> None:
    error = problems(reg, {"tree": nested(5000)})
    assert only_problem(error) == ("invalidPatch", leaf_path(DEEPEST + 1), None)


def test_a_patch_cannot_nest_past_the_limit(reg: Registry) -> None:
    current, _ = parse(reg, "Thing", {"tree": nested(DEEPEST)})
    leaf = leaf_path(DEEPEST)
    doc, issues = patched(reg, current, {leaf: {"@type": "Leaf", "value": "y"}})
    assert not issues and doc != current
    _, issues = patched(reg, current, {leaf: {"@type": "List", "value": []}})  # as deep as the leaf
    assert not issues
    for patch in ({leaf: nested(1)}, {leaf: nested(5000)}):
        _, issues = patched(reg, current, patch)
        assert set_error(issues)["type"] == "invalidPatch", patch
        assert any(i.type == "depth" for i in issues), issues


def test_a_decoder_never_raises_on_these(reg: Registry) -> None:
    """The same values straight through the decoder, as the server's query filters use it."""
    for value in (10**401, float("nan"), "²", FIVE_THOUSAND_DIGITS, {"tree": nested(3000)}):
        ctx = Ctx(text=True)
        decode_object(reg, "Thing", {"integerField": value, "floatField": value, "items": {"²": {}}}, ctx)
        assert ctx.issues


# -- the repros, against a real server on the full registry ----------------------------------------


def set_call(server: Server, name: str, **args: Any) -> dict[str, Any]:
    response_name, response, _ = server.call(f"x:{name}/set", args)
    assert response_name == f"x:{name}/set", response
    return response  # type: ignore[no-any-return]


def update_error(server: Server, name: str, obj_id: str, patch: dict[str, Any]) -> dict[str, Any]:
    response = set_call(server, name, update={obj_id: patch})
    assert response["notUpdated"], response
    return response["notUpdated"][obj_id]  # type: ignore[no-any-return]


def get_one(server: Server, name: str, obj_id: str) -> dict[str, Any]:
    return server.call(f"x:{name}/get", {"ids": [obj_id]})[1]["list"][0]  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    ("value", "expected"),
    [(-1, ("MinValue", 0)), (2**64, ("MaxValue", I64_MAX)), (I64_MAX + 1, ("MaxValue", I64_MAX))],
)
def test_a_duration_out_of_range_is_not_stored(server: Server, value: int, expected: tuple[str, int]) -> None:
    before = get_one(server, "DataRetention", "singleton")
    error = update_error(server, "DataRetention", "singleton", {"expungeTrashAfter": value})
    assert only_problem(error) == ("validationFailed", "expungeTrashAfter", expected)
    assert get_one(server, "DataRetention", "singleton") == before


def test_a_size_beyond_any_int_is_refused(server: Server) -> None:
    before = get_one(server, "Cache", "singleton")
    for text, expected in (("9" * 4299 + "tb", ("Invalid", None)), ("9" * 19 + "tb", ("MaxValue", I64_MAX))):
        error = update_error(server, "Cache", "singleton", {"accessTokens": text})
        assert only_problem(error) == ("validationFailed", "accessTokens", expected)
    assert get_one(server, "Cache", "singleton") == before


def test_whole_numbers_without_a_schema_max_stop_at_64_bits(server: Server) -> None:
    listener = {"name": "wide", "bind": ["192.0.2.1:25"], "protocol": "smtp", "socketReceiveBufferSize": 2**64}
    refused = set_call(server, "NetworkListener", create={"l": listener})["notCreated"]["l"]
    assert only_problem(refused) == ("validationFailed", "socketReceiveBufferSize", ("MaxValue", I64_MAX))

    def trace(value: int) -> dict[str, Any]:
        pair = {"key": "size", "value": {"@type": "Integer", "value": value}}
        return {"events": [{"event": "auth.success", "timestamp": "2026-01-01T00:00:00Z", "keyValues": [pair]}]}

    response = set_call(server, "Trace", create={"low": trace(I64_MIN - 1), "ok": trace(I64_MIN), "high": trace(2**64)})
    pointer = "events/0/keyValues/0/value/value"
    assert only_problem(response["notCreated"]["low"]) == ("validationFailed", pointer, ("MinValue", I64_MIN))
    assert only_problem(response["notCreated"]["high"]) == ("validationFailed", pointer, ("MaxValue", I64_MAX))
    assert list(response["created"]) == ["ok"]


def test_a_socket_address_with_a_unicode_digit_is_invalid(server: Server) -> None:
    listener = {"name": "sup", "bind": ["1.2.3.4:²"], "protocol": "smtp"}
    refused = set_call(server, "NetworkListener", create={"l": listener})["notCreated"]["l"]
    assert only_problem(refused) == ("validationFailed", "bind/1.2.3.4:²", ("Invalid", None))


@pytest.fixture(scope="module")
def custom_resolver(server: Server) -> dict[str, Any]:
    """The DnsResolver singleton with one custom server, as get shows it."""
    patch = {"@type": "Custom", "servers": [{"address": "192.0.2.53"}]}
    response = set_call(server, "DnsResolver", update={"singleton": patch})
    assert "singleton" in (response["updated"] or {}), response
    return get_one(server, "DnsResolver", "singleton")


@pytest.mark.parametrize(
    ("patch", "path"),
    [
        ({"servers/²": {"address": "192.0.2.54"}}, "servers/²"),
        ({"servers/²/port": 54}, "servers/²"),
        ({f"servers/{FIVE_THOUSAND_DIGITS}": {"address": "192.0.2.54"}}, f"servers/{FIVE_THOUSAND_DIGITS}"),
        ({f"servers/{FIVE_THOUSAND_DIGITS}/port": 54}, f"servers/{FIVE_THOUSAND_DIGITS}"),
        ({"servers": {"²": {"address": "192.0.2.54"}}}, "servers/²"),
        ({"servers": {FIVE_THOUSAND_DIGITS: {}}}, f"servers/{FIVE_THOUSAND_DIGITS}"),
    ],
    ids=short_id,
)
def test_a_list_position_with_odd_digits_is_an_invalid_patch(
    server: Server, custom_resolver: dict[str, Any], patch: dict[str, Any], path: str
) -> None:
    error = update_error(server, "DnsResolver", "singleton", patch)
    assert only_problem(error) == ("invalidPatch", path, None)
    assert get_one(server, "DnsResolver", "singleton") == custom_resolver


# -- the models and their compiled fast path, on the full registry's recursive Trace values ---------

MODELS_AT_THE_LIMITS = textwrap.dedent(
    """
    import json, sys
    from stalwart_registry.models import Trace

    def trace(value):
        pair = {"key": "size", "value": value}
        return {"events": {"0": {"event": "auth.success", "timestamp": "2026-01-01T00:00:00Z",
                                  "keyValues": {"0": pair}}}}

    def nested(levels):
        node = {"@type": "String", "value": "x"}
        for _ in range(levels):
            node = {"@type": "List", "value": {"0": node}}
        return node

    def outcome(fn, data):
        try:
            fn(data)
            return ["ok"]
        except ValueError as exc:
            error = exc.set_error()
            return [error["type"], error["properties"]]

    cases = {
        "deep": trace(nested(240)),
        "shallow": trace(nested(3)),
        "i64 max": trace({"@type": "Integer", "value": 2**63 - 1}),
        "2^64": trace({"@type": "Integer", "value": 2**64}),
        "u negative": trace({"@type": "UnsignedInt", "value": -1}),
        "float overflow": trace({"@type": "Float", "value": 10**401}),
        "float inf": trace({"@type": "Float", "value": float("inf")}),
        "list key": {"events": {"²": {}}},
    }
    print(json.dumps({name: [outcome(Trace.from_wire, data), outcome(Trace._from_wire_general, data)]
                      for name, data in cases.items()}))
    """
)


def test_models_refuse_what_the_codec_refuses_on_both_paths(full: Generated) -> None:
    done = run_python(full, "-c", MODELS_AT_THE_LIMITS)
    assert done.returncode == 0, done.stderr
    results = json.loads(done.stdout)
    for name, (fast, general) in results.items():
        assert fast == general, name  # the fast path agrees with the general one, or steps aside
    outcomes = {name: fast for name, (fast, _) in results.items()}
    assert outcomes["shallow"] == ["ok"] and outcomes["i64 max"] == ["ok"]
    assert outcomes["deep"][0] == "invalidPatch"
    for name in ("2^64", "u negative", "float overflow", "float inf"):
        assert outcomes[name] == ["validationFailed", ["events/0/keyValues/0/value/value"]], name
    assert outcomes["list key"] == ["invalidPatch", ["events/²"]]
