"""What an admin who knows the real stalwart-cli ran into in a terminal session (issue 12), each
found and fixed at its mechanism, and checked here through the installed CLI against the
generated server process."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from jmap_server import Server
from test_cli_commands import domain, ok, run, stored


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    srv = Server(tmp_path_factory.mktemp("cli-session")).start()
    yield srv
    srv.stop()


def test_a_snapshot_of_a_singleton_never_written_applies(server: Server, tmp_path: Path) -> None:
    """A new singleton shows null for a required field without a default; the plan leaves it out,
    since no write may send null there."""
    plan = tmp_path / "singletons.ndjson"
    ok(server, "snapshot", "task-manager", "--output", str(plan), "--quiet")
    [line] = [json.loads(text) for text in plan.read_text(encoding="utf-8").splitlines()]
    assert line["@type"] == "update" and "strategy" not in line["value"] and line["value"]["maxAttempts"] == 3
    done = run(server, "apply", "--file", str(plan))
    assert done.returncode == 0 and "✓ updated TaskManager" in done.stderr, done.stderr


def test_delete_takes_what_query_json_prints(server: Server) -> None:
    ids = [server.create_one("Domain", domain(f"pipe{i}.example")) for i in range(2)]
    rows = ok(server, "query", "domain", "--json", "--where", "text=pipe0")  # rows with their columns
    only_ids = ok(server, "query", "domain", "--json", "--where", "text=pipe1", "--fields", "id")  # "id" lines
    assert ok(server, "delete", "domain", "--stdin", stdin=rows).splitlines() == [
        f"{ids[0]} deleted",
        "1 deleted, 0 failed",
    ]
    assert ok(server, "delete", "domain", "--stdin", stdin=only_ids).splitlines()[0] == f"{ids[1]} deleted"
    bad = run(server, "delete", "domain", "--stdin", stdin='{"name": "x"}\n')
    assert bad.returncode == 1 and "line 1 is neither an id nor an object with an id" in bad.stderr


def test_a_typo_in_a_large_enum_names_the_closest_values(server: Server) -> None:
    done = run(server, "update", "account-settings", "--field", "locale=en_UX")
    assert done.returncode == 1 and len(done.stderr) < 300, done.stderr
    assert "values of Locale" in done.stderr and "closest: en_US" in done.stderr


def test_a_small_enum_is_still_listed_whole(server: Server) -> None:
    done = run(server, "create", "action/classify-spam", "--field", "envFromParameters=bit9")
    assert done.returncode == 1 and "must be one of" in done.stderr


def test_typed_booleans_say_what_they_take(server: Server) -> None:
    dom = server.create_one("Domain", domain("bools.example"))
    done = run(server, "update", "domain", dom, "--field", "isEnabled=maybe")
    assert done.returncode == 1 and "'maybe' is not true or false" in done.stderr
    ok(server, "update", "domain", dom, "--field", "isEnabled=NO")
    assert stored(server, "x:Domain", dom)["isEnabled"] is False


def test_a_field_given_without_its_flag_is_named(server: Server) -> None:
    done = run(server, "update", "spam-dnsbl-settings", "domainLimit=5")
    assert done.returncode == 1 and "fields are given as --field domainLimit=5" in done.stderr


def test_an_unknown_field_names_the_variant_asked_for(server: Server) -> None:
    done = run(server, "create", "account/group", "--field", "name=staff", "--field", "credentials={}")
    assert done.returncode == 1 and "unknown field 'credentials' for Account/Group" in done.stderr


def test_plan_errors_name_their_line(server: Server) -> None:
    typo = run(server, "apply", "--stdin", stdin='{"@type":"create","object":"Domian","value":{"d":{}}}\n')
    assert typo.returncode == 1 and "line 1: unknown object 'Domian' (did you mean 'domain'?)" in typo.stderr
    op = run(server, "apply", "--stdin", stdin='{"@type":"creat","object":"Domain","value":{"d":{}}}\n')
    assert op.returncode == 1 and "(did you mean 'create'?)" in op.stderr


def completions(script: str, *words: str) -> list[str]:
    bash = shutil.which("bash")
    if bash is None:
        pytest.skip("no bash")
    probe = f"{script}\nCOMP_WORDS=({' '.join(words)}); COMP_CWORD={len(words) - 1}; _stalwart_cli; "
    done = subprocess.run([bash], input=probe + 'echo "${COMPREPLY[@]}"\n', capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


def test_completion_offers_create_only_what_create_takes(server: Server) -> None:
    script = ok(server, "completion", "bash")
    made = completions(script, "stalwart-cli", "create", "")
    assert "domain" in made and "action/reload-settings" in made
    assert "asn" not in made and not any(w.startswith("asn/") for w in made)  # a singleton always exists
    assert "action" not in made  # a multi-variant object is created as one of its variants
    # a global flag's value is not taken for the command
    after_url = completions(script, "stalwart-cli", "--url", "http://x", "create", "spam-dnsbl-se")
    assert after_url and all(w.startswith("spam-dnsbl-server/") for w in after_url)


def test_get_shows_the_variant_by_its_label_too(server: Server) -> None:
    made = json.loads(ok(server, "create", "action/reload-settings", "--json"))["id"]
    rows = ok(server, "get", "action", made).splitlines()
    assert re.fullmatch(r"@type +ReloadSettings \(.+\)", next(r for r in rows if r.startswith("@type ")))
    assert json.loads(ok(server, "get", "action", made, "--json"))["@type"] == "ReloadSettings"  # JSON: as stored
