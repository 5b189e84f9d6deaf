"""`stalwart-cli` as a user of the real Rust CLI drives it (issue 12): the installed console script
against the generated server process of the full registry, over HTTP.

Covered: global flags anywhere, the `x:` prefix and any case for names and field keys, `get
--fields`, `query --where` (= >= <= > < and the `text` filter), list columns and NDJSON, paging
past the server's 500 per page (CLI and typed client), create/update from --field, --json, --file
and --stdin, update paths into nested objects, sets, object lists and maps, bare integers and
human forms for sizes and durations, `--field @type`, `delete --ids/--stdin` per-id results,
`describe` of objects and enums; then `--version`, exit 2 on usage errors, did-you-mean, colour
only on a terminal, `-k`, `--debug`, the SetError block, human table values and completion.
"""

from __future__ import annotations

import http.server
import json
import os
import pty
import shutil
import ssl
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from jmap_server import ADMIN_TOKEN, Server
from stalwart_registry.client import Client

CLI = Path(sys.executable).with_name("stalwart-cli")
MANUAL = {"@type": "Manual"}
PAGE = 500  # the server's maxObjectsInGet


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    srv = Server(tmp_path_factory.mktemp("cli-commands")).start()
    yield srv
    srv.stop()


def run(server: Server | None, *args: str, stdin: str | None = None, env: dict[str, str] | None = None) -> Any:
    """The installed CLI with no credentials in the environment unless a test gives them."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("STALWART_") and k != "NO_COLOR"}
    if server is not None:
        base |= {"STALWART_URL": server.url, "STALWART_TOKEN": ADMIN_TOKEN}
    return subprocess.run(
        [str(CLI), *args], env=base | (env or {}), input=stdin, capture_output=True, text=True, timeout=120, check=False
    )


def ok(server: Server, *args: str, stdin: str | None = None) -> str:
    done = run(server, *args, stdin=stdin)
    assert (done.returncode, done.stderr) == (0, ""), f"{args}\n{done.stderr}"
    return str(done.stdout)


def domain(name: str, **extra: Any) -> dict[str, Any]:
    return {
        "name": name,
        "certificateManagement": MANUAL,
        "dkimManagement": MANUAL,
        "dnsManagement": MANUAL,
        "subAddressing": {"@type": "Enabled"},
        **extra,
    }


def create_domains(server: Server, docs: list[dict[str, Any]]) -> list[str]:
    ids = []
    for start in range(0, len(docs), PAGE):
        chunk = {f"d{start + i}": d for i, d in enumerate(docs[start : start + PAGE])}
        _, result, _ = server.call("x:Domain/set", {"create": chunk})
        assert not result.get("notCreated"), result.get("notCreated")
        ids += [result["created"][k]["id"] for k in chunk]
    return ids


def stored(server: Server, jmap_name: str, object_id: str) -> dict[str, Any]:
    _, result, _ = server.call(f"{jmap_name}/get", {"ids": [object_id]})
    return dict(result["list"][0])


def clear_domains(server: Server) -> None:
    ids = server.call("x:Domain/query", {})[1]["ids"]
    while ids:
        server.call("x:Domain/set", {"destroy": ids})
        ids = server.call("x:Domain/query", {})[1]["ids"]


# -- item 1: the command line ------------------------------------------------------------------------


def test_global_flags_come_before_or_after_the_command(server: Server) -> None:
    for argv in (
        ["--url", server.url, "--api-key", ADMIN_TOKEN, "--json", "get", "spam-dnsbl-settings"],
        ["get", "spam-dnsbl-settings", "--json", "--api-key", ADMIN_TOKEN, "--url", server.url],
        ["get", "--url", server.url, "spam-dnsbl-settings", "--api-key", ADMIN_TOKEN, "--json"],
    ):
        done = run(None, *argv)
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout)["id"] == "singleton"
    wrong = run(None, "get", "spam-dnsbl-settings", "--url", server.url, "--api-key", "wrong")
    assert wrong.returncode == 1 and "HTTP 401" in wrong.stderr
    both = run(None, "get", "spam-dnsbl-settings", "--url", server.url, "--api-key", ADMIN_TOKEN, "--user", "admin")
    assert both.returncode == 1 and "--user and --api-key are mutually exclusive" in both.stderr


def test_names_with_x_prefix_and_keys_in_any_case(server: Server) -> None:
    for name in ("x:SpamDnsblSettings", "X:spamdnsblsettings", "SPAM-DNSBL-SETTINGS"):
        assert json.loads(ok(server, "get", name, "--json"))["id"] == "singleton"
    ok(server, "update", "x:SpamDnsblSettings", "--field", "DOMAINLIMIT=17", "--field", "emaillimit=9")
    got = stored(server, "x:SpamDnsblSettings", "singleton")
    assert (got["domainLimit"], got["emailLimit"]) == (17, 9)
    assert json.loads(ok(server, "get", "spam-dnsbl-settings", "--fields", "DomainLimit", "--json")) == {
        "domainLimit": 17
    }


def test_get_fields_asks_the_server_for_those_properties(server: Server) -> None:
    out = ok(server, "get", "spam-dnsbl-settings", "--fields", "domainLimit,urlLimit")
    rows = [line.split() for line in out.splitlines()]
    assert rows[0] == ["FIELD", "VALUE"] and {r[0] for r in rows[1:]} == {"domainLimit", "urlLimit"}
    bad = run(server, "get", "spam-dnsbl-settings", "--fields", "domainLimt")
    assert (
        bad.returncode == 1
        and "unknown field 'domainLimt'" in bad.stderr
        and "did you mean 'domainLimit'" in bad.stderr
    )


def test_query_where_operators_text_filter_columns_and_ndjson(server: Server) -> None:
    clear_domains(server)
    ids = create_domains(
        server,
        [
            domain("alpha.example.com", description="first mail domain"),
            domain("beta.example.org", description="second"),
            domain("gamma.example.net", description="third", isEnabled=False),
        ],
    )
    # Without --fields: the schema's list columns, after the id.
    table = ok(server, "query", "domain").splitlines()
    assert table[0].split() == ["ID", "NAME", "ISENABLED", "CERTIFICATEMANAGEMENT", "DNSMANAGEMENT"]
    assert len(table) == 4 and table[1].split()[:2] == [ids[0], "alpha.example.com"]
    # --json is NDJSON: one object per line with the same columns.
    lines = [json.loads(line) for line in ok(server, "query", "domain", "--json").splitlines()]
    assert [line["name"] for line in lines] == ["alpha.example.com", "beta.example.org", "gamma.example.net"]
    assert set(lines[0]) == {"id", "name", "isEnabled", "certificateManagement", "dnsManagement"}
    # --where: equality, the text filter, and comparisons on a number/date field only.
    only = ok(server, "query", "domain", "--where", "name=beta.example.org", "--fields", "name", "--json")
    assert [json.loads(line) for line in only.splitlines()] == [{"id": ids[1], "name": "beta.example.org"}]
    texts = ok(server, "query", "DOMAIN", "--where", "text=example.net", "--fields", "NAME", "--json")
    assert [json.loads(line)["name"] for line in texts.splitlines()] == ["gamma.example.net"]
    disabled = ok(server, "query", "domain", "--where", "isEnabled=false", "--fields", "name", "--json")
    assert [json.loads(line)["name"] for line in disabled.splitlines()] == ["gamma.example.net"]
    later = ok(server, "query", "domain", "--where", "createdAt>=2000-01-01T00:00:00Z", "--json", "--fields", "name")
    earlier = ok(server, "query", "domain", "--where", "createdAt<2000-01-01T00:00:00Z", "--json", "--fields", "name")
    assert len(later.splitlines()) + len(earlier.splitlines()) <= 3
    refused = run(server, "query", "domain", "--where", "name>=a")
    assert refused.returncode == 1 and "not a number or date" in refused.stderr
    typo = run(server, "query", "domain", "--where", "nmae=x")
    assert typo.returncode == 1 and "did you mean 'name'" in typo.stderr
    # Only ids, one per line, when there are no columns.
    assert ok(server, "query", "domain", "--fields", "id").split() == ids


def test_paging_past_the_servers_page_returns_everything(server: Server) -> None:
    clear_domains(server)
    ids = create_domains(server, [domain(f"d{i:04}.example.com") for i in range(PAGE + 37)])
    lines = ok(server, "query", "domain", "--json", "--fields", "id").splitlines()
    assert [json.loads(line) for line in lines] == ids
    assert ok(server, "query", "domain", "--fields", "id").split() == ids
    assert len(ok(server, "query", "domain", "--limit", "510", "--fields", "id").split()) == 510
    client = Client(server.url, ADMIN_TOKEN)
    assert client.domain.query() == ids
    names = [d.name for d in client.domain.iterate()]
    assert len(names) == len(ids) and names[-1] == f"d{PAGE + 36:04}.example.com"
    assert len(client.domain.get()) == len(ids)
    assert len(client.domain.query(limit=10)) == 10  # a window asked for is that window
    clear_domains(server)


def test_create_and_update_from_json_file_and_stdin(server: Server, tmp_path: Path) -> None:
    made = json.loads(ok(server, "create", "domain", "--json", json.dumps(domain("json.example.com")), "--json"))
    assert stored(server, "x:Domain", made["id"])["name"] == "json.example.com"
    path = tmp_path / "domain.json"
    path.write_text(json.dumps(domain("file.example.com")), encoding="utf-8")
    out = ok(server, "create", "x:domain", "--file", str(path))
    file_id = out.split()[2]
    assert stored(server, "x:Domain", file_id)["name"] == "file.example.com"
    out = ok(server, "create", "domain", "--stdin", stdin=json.dumps(domain("stdin.example.com")))
    assert stored(server, "x:Domain", out.split()[2])["name"] == "stdin.example.com"
    ok(server, "update", "domain", file_id, "--json", '{"Description": "from json"}')
    ok(server, "update", "domain", file_id, "--stdin", stdin='{"aliases/alias.example.com": true}')
    got = stored(server, "x:Domain", file_id)
    assert got["description"] == "from json" and got["aliases"] == {"alias.example.com": True}
    both = run(server, "create", "domain", "--field", "name=x.example", "--stdin", stdin="{}")
    assert both.returncode == 1 and "mutually exclusive" in both.stderr
    not_object = run(server, "create", "domain", "--json", "[1]")
    assert not_object.returncode == 1 and "input must be a JSON object" in not_object.stderr


def test_update_paths_reach_into_objects_sets_lists_and_maps(server: Server) -> None:
    ok(
        server,
        "update",
        "http",
        "--field",
        "rateLimitAuthenticated/period=120000",  # a bare integer: milliseconds, as the real CLI writes
        "--field",
        "responseHeaders/X-Test=yes",
        "--field",
        'allowedEndpoints={"match":[{"if":"true","then":"200"}],"else":"200"}',
    )
    ok(server, "update", "http", "--field", "allowedEndpoints/match/0/then=403")
    got = stored(server, "x:Http", "singleton")
    assert got["rateLimitAuthenticated"]["period"] == 120000
    assert got["responseHeaders"] == {"X-Test": "yes"}
    assert got["allowedEndpoints"]["match"]["0"]["then"] == "403"
    ok(
        server,
        "update",
        "http",
        "--field",
        "rateLimitAuthenticated/PERIOD=2m",
        "--field",
        "responseHeaders/X-Test=null",
    )
    got = stored(server, "x:Http", "singleton")
    assert got["rateLimitAuthenticated"]["period"] == 120000 and got["responseHeaders"] == {}
    [dom] = create_domains(server, [domain("paths.example.com")])
    ok(server, "update", "domain", dom, "--field", "aliases/x.example=true")
    assert stored(server, "x:Domain", dom)["aliases"] == {"x.example": True}
    ok(server, "update", "domain", dom, "--field", "aliases/x.example=null")
    assert stored(server, "x:Domain", dom)["aliases"] == {}
    inside_scalar = run(server, "update", "domain", dom, "--field", "name/x=1")
    assert inside_scalar.returncode == 1 and "cannot go inside it" in inside_scalar.stderr
    not_position = run(server, "update", "http", "--field", "allowedEndpoints/match/first/then=1")
    assert not_position.returncode == 1 and "must be a position" in not_position.stderr


def test_sizes_and_durations_take_bare_integers_and_human_forms(server: Server) -> None:
    ok(server, "update", "jmap", "--field", "maxRequestSize=1048576")
    assert stored(server, "x:Jmap", "singleton")["maxRequestSize"] == 1048576
    assert "1mb" in ok(server, "get", "jmap", "--fields", "maxRequestSize")  # a table shows units
    ok(server, "update", "jmap", "--field", "maxRequestSize=10mb")
    assert stored(server, "x:Jmap", "singleton")["maxRequestSize"] == 10 * 1024 * 1024
    assert json.loads(ok(server, "get", "jmap", "--fields", "maxRequestSize", "--json")) == {"maxRequestSize": 10485760}


def test_field_type_overrides_the_slash_variant_with_a_warning(server: Server) -> None:
    done = run(server, "create", "action/pause-mta-queue", "--field", "@type=ReloadSettings", "--json")
    assert done.returncode == 0 and "warning: --field @type overrides the Object/Variant shorthand" in done.stderr
    made = json.loads(done.stdout)
    assert stored(server, "x:Action", made["id"])["@type"] == "ReloadSettings"


def test_delete_reports_each_id_and_the_counts(server: Server) -> None:
    kept, gone = create_domains(server, [domain("keep.example.com"), domain("gone.example.com")])
    done = run(server, "delete", "domain", "--ids", f"{gone},nosuchid")
    assert done.returncode == 1
    lines = done.stdout.splitlines()
    assert lines[0] == f"{gone} deleted" and lines[1].startswith("nosuchid failed: notFound")
    assert lines[2:] == ["1 deleted, 1 failed"]
    assert "error: one or more deletions failed" in done.stderr
    out = ok(server, "delete", "domain", "--stdin", stdin=json.dumps([kept]))
    assert out.splitlines() == [f"{kept} deleted", "1 deleted, 0 failed"]
    assert server.call("x:Domain/get", {"ids": [kept, gone]})[1]["notFound"] == [kept, gone]
    neither = run(server, "delete", "domain")
    assert neither.returncode == 1 and "exactly one of --ids or --stdin" in neither.stderr


def test_describe_objects_and_enums_with_filters_and_sorts(server: Server) -> None:
    out = ok(server, "describe", "domain")
    assert "Filters:" in out and "Sort by:" in out
    filters = out.split("Filters:")[1].split("Sort by:")[0]
    assert "text" in filters and "name" in filters
    described = ok(server, "describe", "dkimcanonicalization")
    assert "(enum)" in described and "Variants:" in described and "relaxed/relaxed" in described
    none = run(server, "describe", "domian")
    assert none.returncode == 1 and "did you mean 'domain'" in none.stderr


def test_describe_a_type_an_object_nests(server: Server) -> None:
    """`list<Credential>` in Account's fields: `describe credential` shows what one holds, per variant."""
    assert "Credential[]" in ok(server, "describe", "account")
    out = ok(server, "describe", "credential")
    assert out.startswith("Credential (type)") and "@type ApiKey (api-key)" in out
    api_key = out.split("@type ApiKey")[1].split("@type")[0]
    assert "secret" in api_key and "server-set, secret" in api_key and "Filters:" not in out
    described = json.loads(ok(server, "describe", "Credential", "--json"))
    assert described["name"] == "Credential" and described["kind"] == "type"
    variants = [title.split(" ")[1] for title, _ in described["sections"]]
    assert {"Password", "AppPassword", "ApiKey"} <= set(variants)
    assert "did you mean 'credential'" in run(server, "describe", "credentail").stderr.lower()


# -- item 3: what a person expects at a terminal -------------------------------------------------------


def test_version_and_usage_errors_exit_2(server: Server) -> None:
    version = run(None, "--version")
    assert version.returncode == 0 and version.stdout.startswith("stalwart-cli ")
    for argv in (["get"], ["frobnicate"], ["query", "domain", "--limit", "x"], ["completion", "tcsh"]):
        done = run(server, *argv)
        assert done.returncode == 2 and done.stderr.startswith("error: ") and "usage" in done.stderr, argv
    assert "did you mean 'query'" in run(server, "qury", "domain").stderr


def test_flags_are_taken_only_as_spelled_in_full(server: Server) -> None:
    """As clap (the real stalwart-cli) does: `--lim` is not `--limit`, `--ur` is not `--url`."""
    for argv, flag, meant in (
        (["query", "domain", "--lim", "5"], "--lim", "--limit"),
        (["--ur", server.url, "query", "domain"], "--ur", "--url"),
        (["get", "domain", "x", "--field=name"], "--field", "--fields"),
    ):
        done = run(server, *argv)
        assert done.returncode == 2, (argv, done.stderr)
        assert done.stderr.startswith(f"error: unknown flag '{flag}' (did you mean '{meant}'?)"), done.stderr
    misplaced = run(server, "--limit", "3", "query", "domain")  # argparse blamed "3", an unknown command
    assert misplaced.stderr.startswith("error: unknown flag '--limit' (it goes after its command)"), misplaced.stderr
    value = run(server, "query", "domain", "--where", "--x y", "--limit", "abc")  # "--x y" is a value
    assert value.returncode == 2 and "--limit: invalid int value: 'abc'" in value.stderr, value.stderr
    assert run(server, "query", "domain", "--limit", "5").returncode == 0


def test_did_you_mean_for_objects_variants_and_fields(server: Server) -> None:
    obj = run(server, "get", "spam-dnsbl-setings")
    assert obj.returncode == 1 and "did you mean 'spam-dnsbl-settings'" in obj.stderr
    assert len(obj.stderr) < 200  # not the whole list of objects
    variant = run(server, "create", "action/reload-setings")
    assert variant.returncode == 1 and "did you mean 'reload-settings'" in variant.stderr
    field = run(server, "update", "spam-dnsbl-settings", "--field", "domainLimits=3")
    assert field.returncode == 1 and "did you mean 'domainLimit'" in field.stderr


def on_terminal(server: Server, *args: str, env: dict[str, str] | None = None) -> str:
    """The CLI's stdout when it is a terminal (a pseudo-terminal)."""
    leader, follower = pty.openpty()
    base = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    base |= {"STALWART_URL": server.url, "STALWART_TOKEN": ADMIN_TOKEN, **(env or {})}
    proc = subprocess.Popen([str(CLI), *args], stdout=follower, stderr=subprocess.DEVNULL, env=base)
    os.close(follower)
    chunks = []
    while True:
        try:
            data = os.read(leader, 65536)
        except OSError:  # the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    proc.wait(timeout=60)
    os.close(leader)
    return b"".join(chunks).decode()


def test_colour_only_on_a_terminal(server: Server) -> None:
    assert "\x1b[" in on_terminal(server, "query", "action")
    assert "\x1b[" not in on_terminal(server, "query", "action", "--no-color")
    assert "\x1b[" not in on_terminal(server, "query", "action", env={"NO_COLOR": "1"})
    assert "\x1b[" not in ok(server, "query", "action")  # a pipe


def test_insecure_and_debug(server: Server) -> None:
    done = run(server, "get", "spam-dnsbl-settings", "-k", "--debug")
    assert done.returncode == 0
    assert "[debug] -> POST" in done.stderr and "status=200" in done.stderr
    env_debug = run(server, "get", "spam-dnsbl-settings", env={"STALWART_DEBUG": "1"})
    assert "[debug] <-" in env_debug.stderr
    assert run(server, "get", "spam-dnsbl-settings").stderr == ""


def test_set_errors_print_the_real_clis_block(server: Server) -> None:
    create_domains(server, [domain("dup.example.com")])
    done = run(server, "create", "domain", "--json", json.dumps(domain("dup.example.com")))
    assert done.returncode == 1
    lines = done.stderr.splitlines()
    assert lines[0] == "error: primaryKeyViolation"
    assert lines[1].startswith("  ") and "  Properties: name" in lines
    assert lines[-1] == "error: create failed"


def test_tables_show_human_values(server: Server) -> None:
    ok(server, "update", "http", "--field", "rateLimitAnonymous/period=90000", "--field", "responseHeaders/X-A=b")
    out = ok(server, "get", "http")
    assert "1m30s" in out.replace(" ", "") or "90s" in out
    assert "X-A → b" in out
    assert "rateLimitAnonymous:" in out  # a nested object as a sub-table below its row
    [dom] = create_domains(server, [domain("human.example.com")])
    shown = ok(server, "get", "domain", dom)
    assert "Manual (" in shown  # a payloadless variant by its label
    assert "<none>" in shown


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_scripts_come_from_the_schema(server: Server, shell: str) -> None:
    script = ok(server, "completion", shell)
    assert "spam-dnsbl-settings" in script and "action/reload-settings" in script
    assert ("-l where" if shell == "fish" else "--where") in script
    binary = shutil.which(shell)
    if shell == "bash" and binary:
        check = subprocess.run([binary, "-n"], input=script, capture_output=True, text=True, check=False)
        assert check.returncode == 0, check.stderr
        probe = (
            script
            + '\nCOMP_WORDS=(stalwart-cli get spam-dnsbl-se); COMP_CWORD=2; _stalwart_cli; echo "${COMPREPLY[@]}"\n'
        )
        done = subprocess.run([binary], input=probe, capture_output=True, text=True, check=False)
        assert done.stdout.split() == ["spam-dnsbl-server", "spam-dnsbl-settings"], done.stderr


def test_insecure_accepts_a_self_signed_certificate(tmp_path: Path) -> None:
    """`-k` against an HTTPS peer with a self-signed certificate (openssl makes it), which answers
    every call with an empty singleton; without `-k` the certificate is refused."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("no openssl to make a certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    request = ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost"]
    subprocess.run(
        [openssl, *request, "-keyout", str(key), "-out", str(cert)],
        capture_output=True,
        check=True,
    )

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            request = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            name, _, call_id = request["methodCalls"][0]
            body = json.dumps({"methodResponses": [[name, {"list": [{"id": "singleton"}]}, call_id]]}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_args: Any) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"https://127.0.0.1:{httpd.server_address[1]}"
        refused = run(None, "--url", url, "--api-key", "t", "get", "spam-dnsbl-settings")
        assert refused.returncode == 1 and "CERTIFICATE_VERIFY_FAILED" in refused.stderr, refused.stderr
        accepted = run(None, "--url", url, "--api-key", "t", "get", "spam-dnsbl-settings", "-k", "--json")
        assert accepted.returncode == 0 and json.loads(accepted.stdout) == {"id": "singleton"}, accepted.stderr
    finally:
        httpd.shutdown()
        httpd.server_close()
