"""Fuzzing the CLI (issue 7): random argv for the installed `.venv/bin/stalwart-cli` against a
real server of the seed schema, for the full registry's CLI against the full registry's server,
and the CLI against a hostile peer whose replies are malformed. Oracle: exit 0; or exit 1 with
an `error:` line on stderr; or exit 2 with usage or `error:` on stderr; never a traceback, never
a hang."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO_ROOT
from hypothesis import given
from hypothesis import strategies as st
from jmap_server import ADMIN_TOKEN, free_port
from test_full_registry import PACKAGE

from generator.ir import Registry
from generator.names import kebab
from generator.schema_loader import load_registry

from . import figures, known
from .budget import examples
from .known import xfail_if_open
from .loaded_registry import Target
from .logged_server import LoggedServer
from .oracle import fail
from .values import any_json

INSTALLED_CLI = Path(sys.executable).with_name("stalwart-cli")
VALUES = ["1", "-1", "0", "1e400", "30s", "10mb", "true", "null", "{}", '{"a": 1}', "[1, 2]", "", "****", "x" * 1000]
ISSUE_10 = ["not a url", "http://[::1", "file:///etc/passwd", "ftp://example.com/", ""]


def argv(registry: Registry, url: str) -> st.SearchStrategy[list[str | bytes]]:
    """Global options (good and bad URLs and credentials) and a command with its arguments."""
    objects = registry.managed
    names = [kebab(o.name) for o in objects] + ["nope", "SpamDnsblSettings", "x:Action", ""]
    variants = [
        f"{kebab(o.name)}/{kebab(v.name)}" for o in objects if o.schema and o.schema.is_union for v in o.schema.variants
    ]
    fields = [*sorted({f.name for o in objects if o.schema for f in o.schema.fields}), "@type", "nope", "a/b"]
    values = st.sampled_from(VALUES + ([] if known.is_open(10) else ["[" * 2000, "²"]))
    field = st.tuples(st.just("--field"), st.tuples(st.sampled_from(fields), values).map("=".join))
    urls = [url, url, url, "http://127.0.0.1:1", url + "/deeper"] + ([] if known.is_open(10) else ISSUE_10)
    tokens = [ADMIN_TOKEN, ADMIN_TOKEN, "wrong", ""] + ([] if known.is_open(10) else ["line\nbreak", "ключ"])
    users = ["admin", "ключ"] + ([] if known.is_open(10) else [b"\xff"])
    global_options = st.lists(
        st.one_of(
            st.tuples(st.just("--url"), st.sampled_from(urls)),
            st.tuples(st.just("--api-key"), st.sampled_from(tokens)),
            st.tuples(st.just("--user"), st.sampled_from(users), st.just("--password"), st.just("x")),
            st.sampled_from([("--json",), ("--debug",), ("-k",), ("--bogus",)]),
        ),
        max_size=3,
    )
    target = st.sampled_from(names + variants)
    ident = st.sampled_from(["singleton", "nope", "", "a,b"])
    command = st.one_of(
        st.tuples(st.just("get"), target, ident),
        st.tuples(st.just("get"), target),
        st.tuples(st.just("describe"), target),
        st.tuples(st.just("create"), target).flatmap(
            lambda c: st.lists(field, max_size=3).map(lambda f: (*c, *flat(f)))
        ),
        st.tuples(st.just("update"), target, ident).flatmap(
            lambda c: st.lists(field, max_size=3).map(lambda f: (*c, *flat(f)))
        ),
        st.tuples(st.just("delete"), target, st.just("--ids"), ident),
        st.tuples(
            st.just("query"),
            target,
            st.sampled_from(["--filter", "--sort", "--limit"]),
            st.sampled_from(["name=x", "name:desc", "5", "-1", "x", "=", "²"]),
        ),
        st.sampled_from([("--help",), ("bogus",), ()]),
    )
    # global options go before the command or after it (SPEC §5: anywhere)
    return st.tuples(global_options.map(flat), command, st.booleans()).map(
        lambda gcb: [*gcb[0], *gcb[1]] if gcb[2] else [*gcb[1], *gcb[0]]
    )


def flat(groups: Any) -> list[Any]:
    return [token for group in groups for token in group]


def run_cli(command: list[str | bytes], args: list[str | bytes], env: dict[str, str] | None = None) -> None:
    figures.count("CLI runs")
    clean = {k: v for k, v in os.environ.items() if not k.startswith("STALWART_")}
    try:
        done = subprocess.run(
            [*command, *args],
            env={**clean, **(env or {})},
            capture_output=True,
            timeout=60,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise fail("CLI hung", f"{args!r}") from None
    stderr = done.stderr.decode("utf-8", "replace")
    what = f"stalwart-cli {args!r}: exit {done.returncode}\n{stderr[-1500:]}"
    if "Traceback" in stderr:
        raise fail(f"CLI traceback ({stderr.strip().splitlines()[-1][:50]})", what)
    if done.returncode == 1 and "error:" not in stderr:
        raise fail("CLI exit 1 without error:", what)
    if done.returncode == 2 and "error:" not in stderr and "usage:" not in stderr:
        raise fail("CLI exit 2 without usage", what)
    if done.returncode not in (0, 1, 2):
        raise fail(f"CLI exit {done.returncode}", what)
    if done.returncode == 0 and "--json" in args and {"get", "query"} & set(args):
        try:
            json.loads(done.stdout)
        except ValueError:
            raise fail("CLI --json printed no JSON", f"{what}\nstdout: {done.stdout[:500]!r}") from None


@pytest.fixture(scope="module", autouse=True)
def _installed_cli() -> None:
    if not INSTALLED_CLI.is_file():
        pytest.fail(f"{INSTALLED_CLI} is missing: `make generate` installs the generated package into the venv")


@pytest.fixture(scope="module")
def seed_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LoggedServer]:
    srv = LoggedServer(tmp_path_factory.mktemp("cli-seed")).start()
    yield srv
    log = srv.stop()
    assert "Traceback" not in log, log


def test_the_installed_cli(seed_server: LoggedServer) -> None:
    registry, _ = load_registry(REPO_ROOT / "schema")

    @examples(10)
    @given(args=argv(registry, seed_server.url))
    def fuzz(args: list[str | bytes]) -> None:
        run_cli([str(INSTALLED_CLI)], args)

    fuzz()
    assert "Traceback" not in seed_server.new_log()


def test_the_full_registry_cli(full_registry: Target, world: Any) -> None:
    generated = full_registry.generated
    command: list[str | bytes] = [sys.executable, "-m", f"{PACKAGE}.cli"]

    @examples(3)
    @given(args=argv(generated.registry, world.server.url))
    def fuzz(args: list[str | bytes]) -> None:
        run_cli(command, args, {"PYTHONPATH": str(generated.python)})

    fuzz()
    assert "Traceback" not in world.server.new_log()


# -- a hostile peer -----------------------------------------------------------------------------


class HostilePeer(ThreadingHTTPServer):
    """Answers every request with the next reply queued (a status and a body)."""

    reply: tuple[int, bytes] = (200, b"{}")


class _Handler(BaseHTTPRequestHandler):
    def _answer(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        self.rfile.read(length)
        status, body = self.server.reply  # type: ignore[attr-defined]
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _answer

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def hostile_peer() -> Iterator[HostilePeer]:
    peer = HostilePeer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=peer.serve_forever, daemon=True)
    thread.start()
    yield peer
    peer.shutdown()
    peer.server_close()


def malformed_replies() -> st.SearchStrategy[bytes]:
    calls = st.one_of(any_json(4), st.lists(any_json(3), max_size=4))
    envelope = st.fixed_dictionaries({"methodResponses": st.one_of(st.just([]), st.lists(calls, max_size=2))})
    error = st.lists(st.tuples(st.just("error"), any_json(2), st.just("c0")).map(list), min_size=1, max_size=1)
    return st.one_of(
        envelope.map(lambda v: json.dumps(v).encode()),
        st.fixed_dictionaries({"methodResponses": error}).map(lambda v: json.dumps(v).encode()),
        any_json().map(lambda v: json.dumps(v).encode()),
        st.sampled_from([b"", b"not json", b"\xff\xfe", b'{"methodResponses": [["x", {}, "c0"]]}', b"[" * 5000]),
    )


@xfail_if_open(10)
def test_the_cli_against_a_hostile_peer(hostile_peer: HostilePeer) -> None:
    """Issue 7 item 10: malformed replies (empty methodResponses, items that are not lists,
    error arguments that are not objects, not JSON at all) with any status."""
    url = f"http://127.0.0.1:{hostile_peer.server_address[1]}"
    commands = [
        ["get", "spam-dnsbl-settings"],
        ["get", "action", "x"],
        ["query", "action"],
        ["update", "spam-dnsbl-settings", "--field", "domainLimit=3"],
        ["create", "action/reload-settings"],
        ["delete", "action", "--ids", "a"],
    ]

    @examples(10)
    @given(body=malformed_replies(), status=st.sampled_from([200, 200, 200, 400, 401, 500]), n=st.integers(0, 5))
    def fuzz(body: bytes, status: int, n: int) -> None:
        hostile_peer.reply = (status, body)
        run_cli([str(INSTALLED_CLI)], ["--url", url, "--api-key", ADMIN_TOKEN, *commands[n]])

    fuzz()


@xfail_if_open(10)
def test_the_cli_on_hostile_arguments(seed_server: LoggedServer) -> None:
    """Issue 7 item 10's argv: bad URLs and schemes, tokens and users that cannot be headers,
    a value nested 2,000 deep."""
    bad: list[list[str | bytes]] = [["--url", u, "get", "spam-dnsbl-settings"] for u in ISSUE_10] + [
        ["--url", seed_server.url, "--api-key", "line\nbreak", "get", "spam-dnsbl-settings"],
        ["--url", seed_server.url, "--api-key", "ключ", "get", "spam-dnsbl-settings"],
        ["--url", seed_server.url, "--user", b"\xff", "--password", "x", "get", "spam-dnsbl-settings"],
        ["--url", seed_server.url, "update", "spam-dnsbl-settings", "--field", "domainLimit=" + "[" * 2000],
    ]
    for args in bad:
        run_cli([str(INSTALLED_CLI)], args)


@xfail_if_open(10)
def test_the_server_refuses_a_database_it_cannot_use(tmp_path: Path) -> None:
    """Issue 7 item 10: DB naming a directory or an uncreatable path is an `error:`, not a traceback."""
    for db in (tmp_path, tmp_path / "file" / "under" / "a-file", Path("/proc/no/such/dir/db.sqlite3")):
        if db.name == "a-file":
            (tmp_path / "file").write_text("a file, not a directory")
        env = {**os.environ, "DB": str(db), "PORT": str(free_port()), "HOST": "127.0.0.1", "ADMIN_TOKEN": ADMIN_TOKEN}
        try:
            done = subprocess.run(
                [sys.executable, "-m", "stalwart_registry.server"], env=env, capture_output=True, text=True, timeout=60
            )
        except subprocess.TimeoutExpired:
            raise fail("server start on a bad DB", f"DB={db}: the server started and served") from None
        figures.count("server starts on a bad DB")
        if done.returncode == 0 or "Traceback" in done.stderr or "error:" not in done.stderr:
            raise fail("server start on a bad DB", f"DB={db}: exit {done.returncode}\n{done.stderr[-1500:]}")
