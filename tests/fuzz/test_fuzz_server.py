"""Fuzzing a real server on the full imported registry over HTTP (issue 7).

Every method of every object with arguments drawn from the object's descriptors (creates,
patches at any path, variant changes, get and query arguments), the request envelope, raw HTTP;
then what the runs stored: the typed client reads it back exactly, and so does a restarted server.
Each reply passes the oracles of `oracle.py`, each call on an object type the invariants of
`invariants.py`. `FUZZ_SCALE` multiplies the example counts (`make fuzz`).
"""

from __future__ import annotations

import json
import socket
from collections.abc import Callable
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from jmap_server import ADMIN_TOKEN, USING
from test_full_registry import TYPED_CLIENT, run_python

from generator.names import python_module

from . import figures, known
from .budget import examples
from .loaded_registry import Target
from .oracle import fail, post, strict_json
from .values import NON_ASCII_DIGITS, any_json, dumps, texts, wrong_types
from .world import World


def every_method(world: World, obj: Any) -> Callable[[], None]:
    targets = world.read_all(obj)  # fixed for this run: strategies must not follow the server's state

    @examples(2)
    @given(data=st.data())
    def fuzz(data: st.DataObject) -> None:
        """Each of the object's methods once, in a drawn order, the set among them."""
        calls = [("set", world.payloads.set_args(data, obj, targets)), ("get", data.draw(world.payloads.get_args(obj)))]
        if not obj.is_singleton:
            calls.append(("query", data.draw(world.payloads.query_args(obj), label="query")))
        world.calls_and_check(obj, data.draw(st.permutations(calls), label="order"))

    return fuzz


def test_every_method_of_every_object(world: World) -> None:
    for obj in world.objects:
        every_method(world, obj)()
        figures.count("objects fuzzed (every method)")


# -- the envelope ---------------------------------------------------------------------------------

POINTERS = ["/ids", "/ids/*", "/list/*/id", "/created/new0/id", "/ids/0", "", "/", "/nope", "/ids/-1"]


def result_reference(names: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    odd = [] if known.is_open(5) else ["/ids/" + "9" * 5000, *(f"/ids/{d}" for d in NON_ASCII_DIGITS)]
    path = st.one_of(st.sampled_from(POINTERS + odd), texts().map(lambda s: "/" + s))
    reference = st.fixed_dictionaries(
        {"resultOf": st.sampled_from(["c0", "c1", "nope"]), "name": st.sampled_from(names), "path": path}
    )
    return st.one_of(reference, wrong_types())


def method_calls(world: World) -> st.SearchStrategy[list[Any]]:
    names = [f"{o.jmap_name}/{m}" for o in world.objects[:20] for m in o.methods] + ["Core/echo", "x:Nope/get"]
    real = st.sampled_from(names)
    name = st.one_of(real, real, real, texts())
    arguments = st.one_of(
        st.fixed_dictionaries({}, optional={"#ids": result_reference(names), "ids": st.none(), "limit": st.integers()}),
        st.dictionaries(texts(), any_json(4), max_size=3),
    )
    call = st.one_of(
        st.tuples(name, arguments, st.sampled_from(["c0", "c1", "", "💥"])).map(list),
        wrong_types(),
    )
    return st.lists(call, max_size=4)


def envelopes(world: World) -> st.SearchStrategy[Any]:
    using = st.one_of(st.just(USING), st.lists(st.sampled_from([*USING, "urn:nope"]), max_size=3), wrong_types())
    created_ids = st.one_of(st.dictionaries(texts(), texts(), max_size=2), wrong_types())
    return st.one_of(
        st.fixed_dictionaries(
            {"using": using, "methodCalls": method_calls(world)}, optional={"createdIds": created_ids}
        ),
        st.dictionaries(st.sampled_from(["using", "methodCalls", "createdIds", "extra"]), any_json(3)),
        any_json(),
    )


def bodies(world: World) -> st.SearchStrategy[bytes]:
    structured = envelopes(world).map(dumps)
    return st.one_of(
        structured,
        structured,
        structured.flatmap(lambda b: st.integers(0, len(b)).map(lambda n: b[:n])),  # truncated
        st.binary(max_size=40),
        st.sampled_from([b"\xff\xfe{}", b'{"using": [], "methodCalls": [], "using": []}', b"", b"null", b"1e400"]),
    )


def test_the_envelope(world: World) -> None:
    headers = st.sampled_from(
        [None, {"Content-Type": "text/plain"}, {"Content-Type": "application/json; charset=latin-1"}]
    )
    token = st.sampled_from([ADMIN_TOKEN, ADMIN_TOKEN, ADMIN_TOKEN, "wrong", None])

    @examples(60)
    @given(body=bodies(world), headers=headers, token=token)
    def fuzz(body: bytes, headers: dict[str, str] | None, token: str | None) -> None:
        post(world.server, body, token=token, headers=headers)

    fuzz()


# -- raw HTTP ---------------------------------------------------------------------------------------

ROUTES = [
    b"/api",
    b"/jmap/",
    b"/jmap/session",
    b"/.well-known/jmap",
    b"/api?x=1",
    b"/%61pi",
    b"//api",
    b"/nowhere",
    b"/api/schema",
    b"/api/account",
    b"/api/discover/admin",
    b"/.well-known/oauth-authorization-server",
    b"/oauth/authorize?response_type=code&client_id=x&code_challenge=y&code_challenge_method=S256",
    b"/oauth/token",
    b"/oauth/revoke",
    b"/oauth/logout",
    b"/logo",
    b"/admin",
    b"/admin/../../../../etc/passwd",
    b"/admin/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    b"/admin/..%2f..%2f..%2fetc%2fpasswd",
]
AUTHORIZATIONS = [
    b"Bearer " + ADMIN_TOKEN.encode(),
    b"Basic !!!",
    b"Basic //46/w==",
    b"Bearer",
    b"\xff\xfe",
    b"Digest x",
]
FORMS = [
    b"grant_type=authorization_code&code=x&code_verifier=y&client_id=x&redirect_uri=http://x",
    b"grant_type=refresh_token&refresh_token=%ff%fe",
    b"grant_type=password&username=admin&password=" + b"x" * 3000,
    b"token=x&token_type_hint=refresh_token",
    b"username=%00&password=%ff",
    b"a=1&a=2&&=&%",
]
CONTENT_TYPES = [b"application/json", b"application/x-www-form-urlencoded", b"text/plain", b"multipart/form-data"]


def raw_request(port: int, request: bytes) -> bytes:
    """Sends bytes as they are (http.client refuses malformed headers) and returns the reply."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(request)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def test_raw_http(world: World) -> None:
    """Methods, routes (the API, the session, the schema, OAuth, the WebUI's files), credentials,
    hosts, content types and bodies as a raw client sends them: every reply is an HTTP status
    below 500, JSON where it says so, no file from outside the served tree, no traceback logged."""

    @examples(30)
    @given(
        method=st.sampled_from([b"GET", b"POST", b"PUT", b"OPTIONS", b"HEAD"]),
        path=st.sampled_from(ROUTES),
        auth=st.sampled_from([*AUTHORIZATIONS, None]),
        host=st.sampled_from([b"127.0.0.1", b"\xff\xfe", b"evil.example:1", b""]),
        content_type=st.sampled_from(CONTENT_TYPES),
        body=st.one_of(envelopes(world).map(dumps), st.sampled_from(FORMS), st.binary(max_size=30)),
    )
    def fuzz(method: bytes, path: bytes, auth: bytes | None, host: bytes, content_type: bytes, body: bytes) -> None:
        figures.count("raw HTTP requests sent")
        head = [method + b" " + path + b" HTTP/1.1", b"Host: " + host, b"Connection: close"]
        head += [b"Authorization: " + auth] if auth is not None else []
        head += [b"Content-Type: " + content_type, b"Content-Length: " + str(len(body)).encode()]
        reply = raw_request(world.server.port, b"\r\n".join(head) + b"\r\n\r\n" + body)
        headers, _, payload = reply.partition(b"\r\n\r\n")
        status = int(headers.split(b"\r\n", 1)[0].split()[1])
        log = world.server.new_log()
        if status >= 500 or "Traceback" in log:
            raise fail(f"HTTP {status}", f"{head!r}: {reply[:500]!r}\n{log[-2000:]}")
        if b"root:" in payload:
            raise fail("a file from outside the served tree", f"{head!r}: {reply[:300]!r}")
        if method != b"HEAD" and payload and b"json" in headers.lower():
            try:
                strict_json(payload.decode())
            except ValueError:
                raise fail("reply is not strict JSON", f"{head!r}: {reply[:500]!r}") from None

    fuzz()


# -- what the fuzzing left behind ------------------------------------------------------------------


def test_the_typed_client_reads_what_the_fuzzing_stored(full_registry: Target, world: World) -> None:
    """The generated models parse every object the runs before stored (odd values included) and
    give back exactly the wire form the server sent."""
    full = full_registry.generated
    groups = [[python_module(o.name), o.jmap_name, o.is_singleton] for o in full.registry.managed]
    done = run_python(full, "-c", TYPED_CLIENT, world.server.url, ADMIN_TOKEN, stdin=json.dumps(groups))
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout)
    figures.count("stored objects read by the typed client", report["read"])
    assert not report["problems"], "\n".join(report["problems"])[:5000]


def test_what_the_fuzzing_stored_reads_back_after_a_restart(world: World) -> None:
    """Last: everything the runs before stored is still valid JSON and the same after a restart."""
    before = {obj.name: world.read_all(obj) for obj in world.objects}
    log = world.server.restart()
    assert "Traceback" not in log, log[-3000:]
    after = {obj.name: world.read_all(obj) for obj in world.objects}
    changed = [name for name in before if before[name] != after[name]]
    assert not changed, f"changed by a restart: {changed}"
    figures.count("objects read back after a restart", sum(map(len, after.values())))
