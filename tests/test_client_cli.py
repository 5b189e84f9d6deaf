"""The generated typed client and `stalwart-cli` against the real generated server over HTTP.

The CLI runs as the installed console script (next to this interpreter); its every CLI example
in the reference pages must succeed, and bad arguments must fail with `error:` and exit 1 (2 for
a command line that does not parse) before anything reaches the server.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from jmap_server import ADMIN_TOKEN, Server
from stalwart_registry.client import Client, MethodError, NotFound, RequestError, SetError
from stalwart_registry.models import ActionReloadSettings, SpamDnsblSettings

from generator.schema_loader import load_registry
from generator.targets.examples import examples_for

ROOT = Path(__file__).resolve().parents[1]
CLI = Path(sys.executable).with_name("stalwart-cli")
READER = "reader-token"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    srv = Server(tmp_path_factory.mktemp("client"), credentials={READER: ["sysSpamDnsblSettingsGet"]}).start()
    yield srv
    srv.stop()


@pytest.fixture()
def client(server: Server) -> Client:
    return Client(server.url, ADMIN_TOKEN)


def cli(server: Server, *args: str, token: str = ADMIN_TOKEN) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "STALWART_URL": server.url, "STALWART_TOKEN": token}
    return subprocess.run([str(CLI), *args], env=env, capture_output=True, text=True, timeout=60, check=False)


def domain_limit(server: Server) -> int:
    _, result, _ = server.call("x:SpamDnsblSettings/get", {"ids": ["singleton"]})
    return int(result["list"][0]["domainLimit"])


# -- typed client ----------------------------------------------------------------------------------


def test_singleton_round_trip_through_models(client: Client) -> None:
    settings = client.spam_dnsbl_settings.get()
    assert isinstance(settings, SpamDnsblSettings)
    client.spam_dnsbl_settings.update({"emailLimit": 7})
    assert client.spam_dnsbl_settings.get().emailLimit == 7
    client.spam_dnsbl_settings.update(SpamDnsblSettings(emailLimit=9))
    assert client.spam_dnsbl_settings.get().emailLimit == 9


def test_object_lifecycle(client: Client) -> None:
    created = client.action.create(ActionReloadSettings())
    assert isinstance(created, ActionReloadSettings) and created.id
    assert isinstance(client.action.get_one(created.id), ActionReloadSettings)
    assert created.id in client.action.query()
    client.action.update(created.id, {"id": created.id})  # the documented no-op
    client.action.destroy(created.id)
    with pytest.raises(NotFound):
        client.action.get_one(created.id)


def test_set_error_carries_type_and_properties(client: Client) -> None:
    with pytest.raises(SetError) as caught:
        client.spam_dnsbl_settings.update({"domainLimit": 0, "ipLimit": 0})
    assert caught.value.type == "validationFailed"
    assert set(caught.value.properties) == {"domainLimit", "ipLimit"}
    with pytest.raises(SetError) as caught:
        client.action.create(
            {"@type": "ClassifySpam", "message": "x", "remoteIp": "192.0.2.1", "ehloDomain": "a", "envFrom": "a@b.c"}
        )
    assert caught.value.type == "forbidden" and caught.value.properties == ("@type",)


def test_method_and_request_errors(server: Server) -> None:
    with pytest.raises(MethodError) as caught:
        Client(server.url, READER).action.query()
    assert caught.value.type == "forbidden"
    with pytest.raises(RequestError) as refused:
        Client(server.url, "no-such-token").spam_dnsbl_settings.get()
    assert refused.value.status == 401


# -- CLI -------------------------------------------------------------------------------------------


def page_cli_examples(names: tuple[str, ...] | None = None) -> list[tuple[str, str]]:
    registry, _ = load_registry(ROOT / "schema")
    return [
        (o.name, ex.command)
        for o in registry.managed
        if names is None or o.name in names
        for ex in examples_for(registry, o).cli
    ]


# Every example of every page is run as written by tests/test_cli_examples.py; here, only that
# the examples the docs target makes are the ones the pages print.
def test_documented_examples_are_the_ones_in_the_pages() -> None:
    pages = ROOT / "generated" / "docs" / "ref" / "object"
    text = "".join(p.read_text(encoding="utf-8") for p in sorted(pages.glob("*.md")))
    for name, command in page_cli_examples():
        assert f"```sh\n{command}\n```" in text, f"{name}: {command} is not in any page"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["update", "spam-dnsbl-settings", "--field", "domainLimit=0"], "'domainLimit' must be at least 1"),
        (
            ["update", "spam-dnsbl-settings", "--field", "domainLimit=many"],
            "'domainLimit': 'many' is not a whole number",
        ),
        (["update", "spam-dnsbl-settings", "--field", "description=Updated"], "unknown field 'description'"),
        (["update", "spam-dnsbl-settings", "--field", "domainLimit"], "--field takes name=value"),
        (["create", "action/troubleshoot-dmarc", "--field", "remoteIp=999.1.1.1"], "'remoteIp' must be an IP address"),
        (["create", "action/classify-spam", "--field", "envFromParameters=bit9"], "'envFromParameters' must be one of"),
        (["create", "action/classify-spam", "--field", "score=3"], "'score' is set by the server"),
        (["create", "action"], "multi-variant: name one, e.g. action/reload-settings"),
        (["create", "spam-dnsbl-settings"], "is a singleton"),
        (["get", "no-such-object"], "unknown object 'no-such-object'"),
        (["create", "action/no-such-variant"], "unknown variant 'no-such-variant'"),
        (["frobnicate"], "invalid choice"),
        (["get"], "the following arguments are required: object"),
        (["query", "action", "--limit", "many"], "invalid int value"),
    ],
)
def test_bad_arguments_fail_before_sending(server: Server, args: list[str], message: str) -> None:
    """Bad values and names exit 1; a command line that does not parse is a usage error, exit 2."""
    before = domain_limit(server)
    actions = server.call("x:Action/query", {})[1]["ids"]
    done = cli(server, *args)
    usage = message in ("invalid choice", "the following arguments are required: object", "invalid int value")
    assert done.returncode == (2 if usage else 1)
    assert done.stderr.startswith("error: ") and message in done.stderr, done.stderr
    assert domain_limit(server) == before
    assert server.call("x:Action/query", {})[1]["ids"] == actions


def test_server_errors_are_shown_with_type_and_properties(server: Server) -> None:
    done = cli(server, "update", "spam-dnsbl-settings", "--field", "domainLimit=5", token=READER)
    assert done.returncode == 1 and done.stderr.startswith("error: forbidden")
    done = cli(server, "get", "spam-dnsbl-settings", token="no-such-token")
    assert done.returncode == 1 and "error: unauthorized (HTTP 401)" in done.stderr
    made = cli(server, "--json", "create", "action/reload-settings")
    action_id = json.loads(made.stdout)["id"]
    done = cli(server, "update", "action", action_id, "--field", "@type=PauseMtaQueue")
    assert done.returncode == 1 and done.stderr.startswith("error: forbidden"), done.stderr


def test_names_in_any_accepted_form(server: Server) -> None:
    for name in ("spam-dnsbl-settings", "SpamDnsblSettings", "spamdnsblsettings"):
        done = cli(server, "--json", "get", name)
        assert done.returncode == 0 and json.loads(done.stdout)["id"] == "singleton"
    done = cli(server, "--json", "create", "Action/ReloadSettings")
    assert done.returncode == 0 and json.loads(done.stdout)["id"]


def test_tables_json_and_describe(server: Server) -> None:
    assert cli(server, "update", "spam-dnsbl-settings", "--field", "urlLimit=33").returncode == 0
    table = cli(server, "get", "spam-dnsbl-settings").stdout.splitlines()
    assert table[0].split() == ["FIELD", "VALUE"] and ["urlLimit", "33"] in [row.split() for row in table]
    described = cli(server, "describe", "spam-dnsbl-settings").stdout
    assert "domainLimit" in described and "UnsignedInt" in described and "min: 1" in described
    listing = cli(server, "describe").stdout
    assert "action" in listing and "singleton" in listing
