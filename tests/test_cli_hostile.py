"""Hostile input to `stalwart-cli` and the typed client: every failure is `error: ...` and exit 1.

Bad URLs, credentials HTTP cannot carry, arguments that are not UTF-8 and values nested past
Python's limits run the installed CLI against the real generated server. Malformed replies come
from a small HTTP peer started here (the `peer` fixture): it answers each request with the body
of its case, named by the first segment of the URL path (`http://127.0.0.1:PORT/<case>`),
echoing the method name and call id it was sent so that only the part under test is wrong.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from jmap_server import ADMIN_TOKEN, Server
from schemagen_runtime.jmap_client import ConfigurationError
from stalwart_registry.client import Client, JmapError, TransportError

CLI = Path(sys.executable).with_name("stalwart-cli")
Answer = tuple[int, dict[str, str], bytes]


def echo(arguments: dict[str, Any]) -> Callable[[dict[str, Any]], Answer]:
    """A JMAP reply to the call it was sent, carrying `arguments`."""

    def answer(request: dict[str, Any]) -> Answer:
        name, _, call_id = request["methodCalls"][0]
        body = json.dumps({"methodResponses": [[name, arguments, call_id]], "sessionState": "0"})
        return 200, {"Content-Type": "application/json"}, body.encode()

    return answer


def fixed(body: bytes, status: int = 200, **headers: str) -> Callable[[dict[str, Any]], Answer]:
    return lambda _request: (status, {"Content-Type": "application/json", **headers}, body)


NESTED = {"id": "singleton", "deep": json.loads("[" * 900 + "]" * 900)}
ENVELOPES: dict[str, Callable[[dict[str, Any]], Answer]] = {
    "empty-responses": fixed(b'{"methodResponses": []}'),
    "response-not-a-list": fixed(b'{"methodResponses": [1, "x"]}'),
    "response-too-short": fixed(b'{"methodResponses": [["x:Action/get", {}]]}'),
    "error-arguments-not-object": fixed(b'{"methodResponses": [["error", "oops", "c1"]]}'),
    "arguments-not-object": fixed(b'{"methodResponses": [["x", [1, 2], "c1"]]}'),
    "no-response-to-the-call": fixed(b'{"methodResponses": [["x:Action/get", {"list": []}, "other"]]}'),
    "answer-to-another-method": fixed(b'{"methodResponses": [["Other/get", {"list": []}, "c1"]]}'),
    "not-json": fixed(b"<html>hello</html>", **{"Content-Type": "text/html"}),
    "not-utf8": fixed(b'{"methodResponses": "\xff"}'),
    "json-array": fixed(b"[]"),
    "not-a-number": fixed(b'{"methodResponses": [["x", {"list": [NaN]}, "c1"]]}'),
    "no-method-responses": fixed(b'{"sessionState": "0"}'),
    "json-nested-past-the-limit": fixed(b"[" * 100_000),
    "server-error-html": fixed(b"<h1>Internal Server Error</h1>", 500, **{"Content-Type": "text/html"}),
    "problem-nested-past-the-limit": fixed(b"[" * 100_000, 400),
    "redirect-to-a-file": fixed(b"", 302, Location="file:///etc/passwd"),
    "every-member-wrong": echo(
        {"list": "x", "ids": 5, "created": 5, "destroyed": "ab", "updated": 3, "notUpdated": [1]}
    ),
    "items-wrong": echo({"list": [1], "ids": [1], "created": {"new1": 5}, "destroyed": [1]}),
    "set-errors-not-objects": echo(
        {"notCreated": {"new1": "boom"}, "notUpdated": {"singleton": 7}, "notDestroyed": {"a": []}}
    ),
    "set-error-maps-not-objects": echo({"notCreated": "x", "notUpdated": "x", "notDestroyed": "x", "list": [{}]}),
    "empty-arguments": echo({}),
}
# Replies for the tests that look at one case closely (not part of the sweep over every command).
SPECIAL = {
    "nested-object": echo({"list": [NESTED]}),
    "nested-too-deep": fixed(b'{"methodResponses": [["x", {"list": ' + b"[" * 5000 + b"]" * 5000 + b'}, "c1"]]}'),
    "lone-surrogate": echo({"list": [{"id": "singleton", "note": "\ud800"}]}),
    "wrong-content": echo({"list": [{"id": "singleton", "domainLimit": "many"}]}),
    "created": echo({"created": {"new1": {"id": "a1"}}}),
}
RECEIVED: dict[str, bytes] = {}  # the last request body of each case, as sent
# Peer answers that are not HTTP at all.
RAW = {"not-http": b"hello\r\n\r\n", "truncated-body": b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{}"}


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        case = self.path.strip("/").split("/")[0]
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        RECEIVED[case] = raw
        request = json.loads(raw or b"{}")
        if case in RAW:
            self.wfile.write(RAW[case])
            self.close_connection = True
            return
        status, headers, body = {**ENVELOPES, **SPECIAL}[case](request)
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def peer() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    srv = Server(tmp_path_factory.mktemp("hostile")).start()
    yield srv
    srv.stop()


def cli(url: str, *args: str | bytes, token: str | None = ADMIN_TOKEN) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("STALWART_")}
    env["STALWART_URL"] = url
    if token is not None:
        env["STALWART_TOKEN"] = token
    return subprocess.run(
        [str(CLI), *args], env=env, capture_output=True, text=True, errors="replace", timeout=60, check=False
    )


def assert_refused(done: subprocess.CompletedProcess[str], message: str = "") -> None:
    assert "Traceback" not in done.stderr, done.stderr
    assert (done.returncode, done.stdout) == (1, ""), done.stderr
    assert done.stderr.startswith("error: ") and done.stderr.count("\n") == 1, done.stderr
    assert message in done.stderr, done.stderr


def domain_limit(server: Server) -> int:
    _, result, _ = server.call("x:SpamDnsblSettings/get", {"ids": ["singleton"]})
    return int(result["list"][0]["domainLimit"])


# -- arguments the CLI cannot send -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("not a url", "invalid server URL 'not a url'"),
        ("http://[::1", "Invalid IPv6 URL"),
        ("file:///etc/passwd", "only http:// and https:// URLs are supported"),
        ("ftp://127.0.0.1/", "only http:// and https:// URLs are supported"),
        ("http://", "it names no host"),
        ("http://127.0.0.1:99999", "Port out of range"),
        ("http://user:secret@127.0.0.1", "give credentials separately"),
        ("http://127.0.0.1/\u00e4", "percent-encode"),
    ],
)
def test_urls_that_cannot_be_used_are_refused(url: str, message: str) -> None:
    assert_refused(cli(url, "get", "spam-dnsbl-settings"), message)
    assert_refused(cli("http://127.0.0.1:1", "--url", url, "get", "spam-dnsbl-settings"), message)


@pytest.mark.parametrize("token", ["abc\ndef", "abc\r\nX-Injected: 1", "t\u00f6k\u20acn", "tab\there"])
def test_tokens_http_cannot_carry_are_refused(server: Server, token: str) -> None:
    before = domain_limit(server)
    done = cli(server.url, "update", "spam-dnsbl-settings", "--field", f"domainLimit={before + 1}", token=token)
    assert_refused(done, "the API token contains a line break or a character that cannot be sent in HTTP")
    assert domain_limit(server) == before


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([b"--user", b"\xff", b"get", b"spam-dnsbl-settings"], "--user is not valid UTF-8 text"),
        ([b"--api-key", b"secret\xfe", b"get", b"spam-dnsbl-settings"], "--api-key is not valid UTF-8 text"),
        ([b"get", b"spam-dnsbl-settings\xff"], "object is not valid UTF-8 text"),
        (
            [b"update", b"spam-dnsbl-settings", b"--field", b"description=caf\xe9"],
            "--field is not valid UTF-8 text",
        ),
    ],
)
def test_arguments_that_are_not_utf8_are_refused(server: Server, args: list[bytes], message: str) -> None:
    assert_refused(cli(server.url, *args, token=None), message)


def test_a_user_name_with_a_line_break_is_refused(server: Server) -> None:
    assert_refused(
        cli(server.url, "--user", "admin\nX: 1", "--password", "p", "get", "spam-dnsbl-settings", token=None),
        "the user name or password contains a line break",
    )


@pytest.mark.parametrize(
    "value", ["[" * 2000, "[" * 2000 + "]" * 2000, '{"a":' * 2000 + "1" + "}" * 2000, "[" * 500 + "]" * 500]
)
def test_field_values_nested_past_the_limit_are_refused(server: Server, value: str) -> None:
    before = domain_limit(server)
    done = cli(server.url, "update", "spam-dnsbl-settings", "--field", f"domainLimit={value}")
    assert_refused(done, "domainLimit")
    assert domain_limit(server) == before


def test_a_working_url_still_works_in_every_accepted_form(server: Server) -> None:
    """The URL checks refuse only what cannot work: a trailing slash, the API path and an
    upper-case scheme or host are the same server."""
    for url in (server.url, server.url + "/", server.url + "/api", server.url.replace("http://", "HTTP://")):
        done = cli(url, "--json", "get", "spam-dnsbl-settings")
        assert done.returncode == 0 and json.loads(done.stdout)["id"] == "singleton", done.stderr


# -- malformed replies, through every command ------------------------------------------------------

COMMANDS = {
    "get-singleton": ["get", "spam-dnsbl-settings"],
    "get-one": ["--json", "get", "action", "a1"],
    "get-all": ["get", "action"],
    "create": ["create", "action/reload-settings"],
    "update": ["--json", "update", "spam-dnsbl-settings", "--field", "domainLimit=5"],
    "delete": ["delete", "action", "--ids", "a,b"],
    "query": ["query", "action"],
}
# (case, command) pairs whose reply happens to hold what that command reads: not malformed for it.
SOUND_FOR = {
    ("set-error-maps-not-objects", "get-all"),  # `list: [{}]` is a list of objects
    ("set-error-maps-not-objects", "get-one"),
    ("set-error-maps-not-objects", "get-singleton"),
    ("empty-arguments", "update"),  # nothing refused, nothing to show
    ("items-wrong", "update"),
    ("empty-arguments", "delete"),
}


@pytest.mark.parametrize("command", sorted(COMMANDS))
@pytest.mark.parametrize("case", sorted([*ENVELOPES, *RAW]))
def test_malformed_replies_are_errors_never_tracebacks(peer: str, case: str, command: str) -> None:
    done = cli(f"{peer}/{case}", *COMMANDS[command])
    if (case, command) in SOUND_FOR:
        assert (done.returncode, done.stderr) == (0, ""), done.stderr
    else:
        assert_refused(done)


def test_deeply_nested_replies_print_or_fail_cleanly(peer: str) -> None:
    """900 levels still parse, and print as JSON and as a table; past JSON's own limit the reply is refused."""
    for args in (["--json", "get", "spam-dnsbl-settings"], ["get", "spam-dnsbl-settings"]):
        done = cli(f"{peer}/nested-object", *args)
        assert (done.returncode, done.stderr) == (0, "") and "[[[[" in done.stdout.replace(" ", "").replace("\n", "")
    assert_refused(cli(f"{peer}/nested-too-deep", "get", "spam-dnsbl-settings"), "nested too deeply to read")
    with pytest.raises(TransportError):
        Client(f"{peer}/nested-object", "token").spam_dnsbl_settings.get()


def test_text_the_terminal_cannot_encode_is_escaped_not_fatal(peer: str) -> None:
    for args in (["--json", "get", "spam-dnsbl-settings"], ["get", "spam-dnsbl-settings"]):
        done = cli(f"{peer}/lone-surrogate", *args)
        assert (done.returncode, done.stderr) == (0, "") and "\\ud800" in done.stdout, done.stderr


def test_messages_say_what_was_wrong(peer: str) -> None:
    expected = {
        "empty-responses": "answered no response to x:SpamDnsblSettings/get",
        "error-arguments-not-object": "malformed method response (not [name, arguments object, call id])",
        "not-json": "did not answer with a JMAP response (not JSON)",
        "answer-to-another-method": "answered 'Other/get' to x:SpamDnsblSettings/get",
        "every-member-wrong": "malformed x:SpamDnsblSettings/get response: 'list' is not a list",
        "items-wrong": "an item of 'list' is not an object",
        "server-error-html": "HTTP 500",
        "redirect-to-a-file": "HTTP 302",
        "not-http": "did not answer with valid HTTP (BadStatusLine)",
        "truncated-body": "did not answer with valid HTTP (IncompleteRead)",
    }
    for case, message in expected.items():
        assert_refused(cli(f"{peer}/{case}", "get", "spam-dnsbl-settings"), message)


# -- the typed client: its own error types, never KeyError/TypeError/IndexError ---------------------

CLIENT_CALLS: dict[str, Callable[[Client], Any]] = {
    "singleton-get": lambda c: c.spam_dnsbl_settings.get(),
    "singleton-update": lambda c: c.spam_dnsbl_settings.update({"domainLimit": 5}),
    "get": lambda c: c.action.get(),
    "get-one": lambda c: c.action.get_one("a1"),
    "create": lambda c: c.action.create({"@type": "ReloadSettings"}),
    "destroy": lambda c: c.action.destroy("a1"),
    "query": lambda c: c.action.query(),
}
CLIENT_SOUND_FOR = {
    ("set-error-maps-not-objects", "singleton-get"),  # `{}`: a singleton at its defaults
    ("empty-arguments", "singleton-update"),
    ("empty-arguments", "destroy"),
    ("every-member-wrong", "destroy"),  # destroy reads only notDestroyed
    ("items-wrong", "singleton-update"),
    ("items-wrong", "destroy"),
}


@pytest.mark.parametrize("call", sorted(CLIENT_CALLS))
@pytest.mark.parametrize("case", sorted([*ENVELOPES, *RAW]))
def test_typed_client_raises_its_own_errors_on_malformed_replies(peer: str, case: str, call: str) -> None:
    client = Client(f"{peer}/{case}", "token")
    if (case, call) in CLIENT_SOUND_FOR:
        CLIENT_CALLS[call](client)
        return
    with pytest.raises(JmapError):
        CLIENT_CALLS[call](client)


def test_typed_client_refuses_an_object_that_does_not_fit_the_schema(peer: str) -> None:
    with pytest.raises(TransportError, match=r"malformed x:SpamDnsblSettings/get response: .*domainLimit"):
        Client(f"{peer}/wrong-content", "token").spam_dnsbl_settings.get()


@pytest.mark.parametrize(
    ("url", "token"),
    [("file:///etc/passwd", "t"), ("http://[::1", "t"), ("http://127.0.0.1", "a\nb"), ("http://127.0.0.1", "\u20ac")],
)
def test_typed_client_refuses_what_it_cannot_send(url: str, token: str) -> None:
    with pytest.raises(ConfigurationError):
        Client(url, token)


def test_text_that_is_not_utf8_is_never_sent(server: Server) -> None:
    before = domain_limit(server)
    with pytest.raises(ConfigurationError, match="not valid UTF-8"):
        Client(server.url, ADMIN_TOKEN).spam_dnsbl_settings.update({"domainLimit": before + 1, "\udcff": 1})
    assert domain_limit(server) == before


def test_non_ascii_text_is_sent_as_utf8(peer: str) -> None:
    text = "h\u00e9llo \u2713 \U0001f600"
    done = cli(
        f"{peer}/created",
        "create",
        "action/troubleshoot-dmarc",
        *("--field", "remoteIp=192.0.2.1", "--field", "ehloDomain=example.com"),
        *("--field", "mailFrom=a@example.com", "--field", f"message={text}"),
        *("--field", "spfEhloDomain=example.com", "--field", "spfMailFromDomain=example.com"),
    )
    assert (done.returncode, done.stdout.splitlines()[0]) == (0, "created Action a1"), done.stderr
    sent = RECEIVED["created"]
    assert text.encode() in sent and json.loads(sent)["methodCalls"][0][1]["create"]["new1"]["message"] == text
