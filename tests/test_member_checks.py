"""A field's validators hold for every string it holds: set members, map keys and values. Checked
through the generated models (fast and general path), the runtime codec and the CLI's --where."""

from __future__ import annotations

import importlib
import subprocess
import sys
from typing import Any

import pytest
from demo_package import generate, import_package
from schemagen_runtime.codec import Ctx, plan
from schemagen_runtime.errors import ValidationFailed
from schemagen_runtime.validate import parse
from stalwart_registry._registry import REGISTRY
from stalwart_registry.models import Domain

DOMAIN = {
    "name": "example.com",
    "certificateManagement": {"@type": "Manual"},
    "dkimManagement": {"@type": "Manual"},
    "dnsManagement": {"@type": "Manual"},
    "subAddressing": {"@type": "Enabled"},
}


def test_a_set_member_its_validator_refuses_is_invalid() -> None:
    _, issues = parse(REGISTRY, "Domain", {**DOMAIN, "aliases": {"mail.example.com": True, "not a domain!": True}})
    assert [(i.type, i.path) for i in issues] == [("Invalid", "aliases/not a domain!")]
    assert "must be a domain name" in issues[0].message


@pytest.mark.parametrize("aliases", [{"not a domain!": True}, ["not a domain!"]])
def test_models_refuse_it_on_the_fast_and_the_general_path(aliases: Any) -> None:
    with pytest.raises(ValidationFailed, match="domain name"):
        Domain.from_wire({**DOMAIN, "aliases": aliases})
    assert Domain.from_wire({**DOMAIN, "aliases": {"mail.example.com": True}}).aliases == {"mail.example.com"}


def test_transforms_apply_to_map_keys_and_values() -> None:
    """WebHook's httpHeaders are a Map<string, string> with `trim`: both sides are trimmed on decode."""
    headers = next(fp for fp in plan(REGISTRY, "WebHook").fields if fp.name == "httpHeaders")
    ctx = Ctx()
    assert headers.decode({" X-Key ": "  value "}, "httpHeaders", ctx) == {"X-Key": "value"}
    assert not ctx.issues


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    cli = [sys.executable, "-m", "stalwart_registry.cli", "--url", "http://127.0.0.1:9", "--api-key", "x"]
    return subprocess.run([*cli, *args], capture_output=True, text=True, timeout=60, check=False)


def test_cli_where_checks_the_field_validators_before_sending() -> None:
    """Nothing listens on port 9: a value the validator refuses fails before any request."""
    refused = _cli("query", "domain", "--where", "aliases=not a domain!")
    assert refused.returncode == 1
    assert refused.stderr.strip() == "error: 'aliases' must be a domain name"
    accepted = _cli("query", "domain", "--where", "aliases=mail.example.com")
    assert accepted.returncode == 1
    assert "cannot reach" in accepted.stderr


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Any:
    import_package(generate(tmp_path_factory.mktemp("demo-transforms")))
    return importlib.import_module("demo_registry.models")


def _outcome(fn: Any, data: Any) -> Any:
    try:
        return fn(data).name
    except ValidationFailed as exc:
        return str(exc)


def test_the_fast_path_applies_transforms_as_the_general_path_does(demo: Any) -> None:
    """The demo Domain's name is `trim` and `lowercase`, with maxLength 20: both paths normalise
    it before checking its length, and agree on every value."""
    cls = demo.Domain
    assert cls.__dict__["_fast_"] is not None
    base = {"name": "a.test", "rateLimit": {"count": 1, "period": 2, "hits": 0}, "kind": "alias"}
    for name in ("  A.Test  ", "a.test", " " * 5 + "x" * 20 + " ", "x" * 21, 7):
        data = {**base, "name": name}
        assert _outcome(cls.from_wire, data) == _outcome(cls._from_wire_general, data), name
    assert cls.from_wire({**base, "name": "  A.Test  "}).name == "a.test"
    assert cls.from_wire({**base, "name": " " * 5 + "x" * 20 + " "}).name == "x" * 20
