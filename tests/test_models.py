"""Generated client models: typed classes per schema and variant, exact wire round trips, every
validation problem reported with its SetError path, human and command-line input forms."""

from __future__ import annotations

import dataclasses
import importlib
import re
import typing
from pathlib import Path
from typing import Any

import pytest
from demo_package import generate, import_package
from stalwart_registry.models import (
    Action,
    ActionClassifySpam,
    ActionReloadSettings,
    ActionTroubleshootDmarc,
    DmarcTroubleshootAuthResultFail,
    SpamDnsblSettings,
)
from stalwart_registry.models.enums import SpamClassifyResult, SpamClassifyTagDisposition


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Any:
    import_package(generate(tmp_path_factory.mktemp("demo-models")))
    return importlib.import_module("demo_registry.models")


def errors_of(cls: Any, data: Any, **kwargs: Any) -> dict[str, Any]:
    with pytest.raises(ValueError) as caught:  # the package's own ValidationFailed
        cls.from_wire(data, **kwargs)
    assert type(caught.value).__name__ == "ValidationFailed"
    return caught.value.set_error()  # type: ignore[attr-defined,no-any-return]


def test_a_class_per_schema_and_variant_with_typed_attributes_and_defaults() -> None:
    hints = typing.get_type_hints(ActionClassifySpam)
    assert hints["envRcptTo"] == set[str]
    assert hints["result"] == SpamClassifyResult | None
    assert issubclass(ActionReloadSettings, Action) and issubclass(ActionClassifySpam, Action)
    settings = SpamDnsblSettings()
    assert (settings.domainLimit, settings.emailLimit, settings.ipLimit, settings.urlLimit) == (50, 50, 50, 50)
    assert ActionClassifySpam.__dataclass_fields__["isTls"].default is True
    with pytest.raises(TypeError):  # required fields have no default
        ActionClassifySpam()  # type: ignore[call-arg]


def test_union_dispatch_and_round_trip() -> None:
    wire = {
        "id": "i1",
        "@type": "ClassifySpam",
        "message": "Subject: hi",
        "remoteIp": "192.0.2.1",
        "ehloDomain": "mx.example.com",
        "authenticatedAs": None,
        "isTls": False,
        "envFrom": "a@example.com",
        "envFromParameters": None,
        "envRcptTo": {"b@example.com": True},
        "score": 5.5,
        "tags": {"BAYES_SPAM": {"score": 5.5, "disposition": "score"}},
        "result": "spam",
    }
    action = Action.from_wire(wire)
    assert isinstance(action, ActionClassifySpam) and action.id == "i1"
    assert action.envRcptTo == {"b@example.com"}
    assert action.tags["BAYES_SPAM"].disposition is SpamClassifyTagDisposition.SCORE
    assert action.result is SpamClassifyResult.SPAM
    assert action.to_wire() == wire


def test_nested_unions_in_lists() -> None:
    dmarc = ActionTroubleshootDmarc.from_wire(
        {"remoteIp": "192.0.2.1", "ehloDomain": "e", "mailFrom": "a@example.com", "spfEhloDomain": "e"}
        | {"spfMailFromDomain": "e", "dkimResults": [{"@type": "Fail", "details": "bad sig"}, {"@type": "Pass"}]}
    )
    assert isinstance(dmarc.dkimResults[0], DmarcTroubleshootAuthResultFail)
    assert dmarc.to_wire()["dkimResults"] == {"0": {"@type": "Fail", "details": "bad sig"}, "1": {"@type": "Pass"}}
    assert dmarc.to_wire()["spfEhloResult"] == {"@type": "Pass"}  # a union defaults to its first variant


def test_every_problem_is_reported_not_just_the_first() -> None:
    error = errors_of(SpamDnsblSettings, {"domainLimit": 0, "emailLimit": 0, "ipLimit": 1, "urlLimit": 0})
    assert error["type"] == "validationFailed"
    assert [e["property"] for e in error["validationErrors"]] == ["domainLimit", "emailLimit", "urlLimit"]
    error = errors_of(SpamDnsblSettings, {"domainLimit": "x", "bogus": 1, "ipLimit": None})
    assert error == {
        "type": "invalidPatch",
        "description": error["description"],
        "properties": ["domainLimit", "ipLimit", "bogus"],
    }


def test_variant_class_checks_its_type() -> None:
    assert isinstance(ActionReloadSettings.from_wire({}), ActionReloadSettings)
    errors_of(ActionReloadSettings, {"@type": "PauseMtaQueue"})
    assert errors_of(Action, {})["properties"] == ["@type"]


def test_instances_built_in_python_validate() -> None:
    assert SpamDnsblSettings(domainLimit=0).validate()[0].validation_error() == {
        "type": "MinValue",
        "property": "domainLimit",
        "required": 1,
    }
    assert SpamDnsblSettings().validate() == []


# -- every wire format, on the demo schema --------------------------------------------------------


def test_demo_wire_formats_round_trip(demo: Any) -> None:
    domain = demo.Domain.from_wire(
        {"name": "Example.org ", "aliases": ["a@example.org"], "timeout": "2m", "quota": "1mb"}
        | {"routes": [{"host": "mx"}], "labels": {"k": "v"}, "mode": {"@type": "Auto", "interval": "2h"}, "ports": [25]}
    )
    assert domain.name == "example.org"
    assert (domain.timeout, domain.quota) == (120_000, 1_048_576)
    assert domain.aliases == {"a@example.org"} and domain.ports == {25}
    assert domain.routes[0].port == 25 and domain.rateLimit.count == 100
    assert isinstance(domain.mode, demo.ModeAuto) and domain.mode.interval == 7_200_000
    wire = domain.to_wire()
    assert wire["aliases"] == {"a@example.org": True} and wire["ports"] == {"25": True}
    assert wire["routes"] == {"0": {"host": "mx", "port": 25}}
    assert wire["mode"] == {"@type": "Auto", "interval": 7_200_000}
    assert demo.Domain.from_wire(wire) == domain


def test_demo_command_line_values(demo: Any) -> None:
    """Text mode: the strings a command line gives, for every scalar and for sets."""
    domain = demo.Domain.from_wire(
        {"name": "cli.test", "aliases": "a@x.test,b@x.test", "timeout": "90s", "ports": "25,587"}, text=True
    )
    assert domain.aliases == {"a@x.test", "b@x.test"} and domain.ports == {25, 587}
    assert demo.RateLimit.from_wire({"count": "7"}, text=True).count == 7
    assert errors_of(demo.RateLimit, {"count": "seven"}, text=True)["validationErrors"][0]["type"] == "Invalid"


def test_demo_nested_paths_in_errors(demo: Any) -> None:
    error = errors_of(demo.Domain, {"name": "x", "routes": [{"host": "a"}, {"port": -1}], "aliases": {"bad": True}})
    assert error["properties"] == ["aliases/bad", "routes/1/host", "routes/1/port"]


def test_generated_package_stands_alone() -> None:
    root = Path(importlib.import_module("stalwart_registry").__file__).parent  # type: ignore[arg-type]
    for path in root.rglob("*.py"):
        imports = re.findall(r"^\s*(?:from|import)\s+(\S+)", path.read_text(encoding="utf-8"), re.M)
        assert not [m for m in imports if m.split(".")[0] == "generator"], path
    assert dataclasses.is_dataclass(SpamDnsblSettings)


# -- the compiled fast path agrees with the general path ------------------------------------------

ODD_VALUES: tuple[Any, ...] = (None, "30s", "x", -1, 0, 1.5, 7.0, True, {}, [], {"a": True}, "#new1", "192.0.2.1")


def _outcome(fn: Any, data: Any) -> Any:
    try:
        return ("ok", fn(data))
    except ValueError as exc:
        return ("error", str(exc))


def _mutations(payload: dict[str, Any]) -> list[dict[str, Any]]:
    out = [payload]
    for key in payload:
        out.append({k: v for k, v in payload.items() if k != key})
        out += [{**payload, key: odd} for odd in ODD_VALUES]
    out.append({**payload, "unknownProperty": 1})
    return out


@pytest.mark.parametrize(
    ("cls", "payload"),
    [
        (SpamDnsblSettings, {"id": "singleton", "domainLimit": 10, "emailLimit": 20, "ipLimit": 30, "urlLimit": 40}),
        (
            Action,
            {"@type": "ClassifySpam", "message": "m", "remoteIp": "192.0.2.1", "ehloDomain": "e", "isTls": True}
            | {"envFrom": "a@example.com", "envRcptTo": {"b@example.com": True}, "score": 1.0, "result": "ham"}
            | {"tags": {"T": {"score": 2.0, "disposition": "reject"}}, "envFromParameters": "bit7"},
        ),
        (
            ActionTroubleshootDmarc,
            {"remoteIp": "192.0.2.1", "ehloDomain": "e", "mailFrom": "a@example.com", "spfEhloDomain": "e"}
            | {"spfMailFromDomain": "e", "dkimResults": {"0": {"@type": "Fail", "details": None}}, "elapsed": 5},
        ),
    ],
)
def test_fast_path_agrees_with_the_general_path(cls: Any, payload: dict[str, Any]) -> None:
    fast_hits = 0
    for data in _mutations(payload):
        general = _outcome(cls._from_wire_general, data)
        assert _outcome(cls.from_wire, data) == general, data
        fast_hits += general[0] == "ok" and cls.__dict__.get("_fast_") is not None
    assert fast_hits > 0


def test_fast_path_agrees_on_the_demo_schema(demo: Any) -> None:
    payload = {"name": "a.test", "aliases": {"a@x.test": True}, "timeout": 1000, "quota": 5, "password": None}
    payload |= {"rateLimit": {"count": 1, "period": 2, "hits": 0}, "routes": {"0": {"host": "h", "port": 1}}}
    payload |= {"labels": {"k": "v"}, "mode": {"@type": "Auto", "interval": 3}, "kind": "alias", "parent": None}
    payload |= {"createdAt": "2026-01-01T00:00:00Z", "ports": {"25": True}, "id": "i1"}
    for data in _mutations(payload):
        assert _outcome(demo.Domain.from_wire, data) == _outcome(demo.Domain._from_wire_general, data), data
