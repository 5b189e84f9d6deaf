"""What a hostile or careless peer cannot do to the running server (issue 7 items 3a, 8, 10), over
real sockets against real server processes of the generated seed package:

- senders that stall in the middle of a request body hold no request slot: an honest client is
  served while `maxConcurrentRequests` of them are connected, and each is answered 408 and
  disconnected once BODY_TIMEOUT has passed;
- a second server on the same database is refused with the pid of the one using it, and a killed
  server leaves no stale lock;
- every start-up configuration error is one `error: ...` line and exit status 1, never a traceback.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from jmap_server import ADMIN_TOKEN, Server

PACKAGE = "stalwart_registry"
DECLARED_BODY = 100_000


def start(workdir: Path, body_timeout: str) -> Server:
    with pytest.MonkeyPatch.context() as env:  # the server process inherits os.environ
        env.setenv("BODY_TIMEOUT", body_timeout)
        return Server(workdir).start()


def stalled_request(server: Server) -> socket.socket:
    """A connection that sent its headers and one byte of a body it promised to be 100 KB long."""
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=60)
    head = (
        "POST /api HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Authorization: Bearer {ADMIN_TOKEN}\r\nContent-Length: {DECLARED_BODY}\r\n\r\n{{"
    )
    sock.sendall(head.encode())
    return sock


def max_concurrent_requests(server: Server) -> int:
    session = server.request("GET", "/jmap/session").json
    return int(session["capabilities"]["urn:ietf:params:jmap:core"]["maxConcurrentRequests"])


def echo(server: Server) -> list[object]:
    return server.call("Core/echo", {"hello": "world"})


def still_waiting(sock: socket.socket) -> bool:
    """True if the server neither answered nor closed this connection yet."""
    sock.setblocking(False)
    try:
        return not sock.recv(1, socket.MSG_PEEK)  # b"": closed
    except BlockingIOError:
        return True
    finally:
        sock.setblocking(True)


def read_until_closed(sock: socket.socket) -> bytes:
    chunks = []
    while chunk := sock.recv(65536):
        chunks.append(chunk)
    return b"".join(chunks)


@pytest.fixture(scope="module")
def patient_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    server = start(tmp_path_factory.mktemp("patient"), body_timeout="600")
    yield server
    server.stop()


def test_stalled_bodies_do_not_lock_out_other_clients(patient_server: Server) -> None:
    slots = max_concurrent_requests(patient_server)
    stalled = [stalled_request(patient_server) for _ in range(slots + 1)]
    try:
        echo(patient_server)  # lets the server take in every stalled connection first
        assert echo(patient_server) == ["Core/echo", {"hello": "world"}, "c1"]
        created = patient_server.call("x:Action/set", {"create": {"a": {"@type": "ReloadSettings"}}})[1]
        assert list(created["created"]) == ["a"]
        assert all(still_waiting(sock) for sock in stalled)  # they were connected all along
    finally:
        for sock in stalled:
            sock.close()
    assert echo(patient_server)[0] == "Core/echo"


def test_a_slow_but_complete_body_is_served(patient_server: Server) -> None:
    body = json.dumps({"using": ["urn:ietf:params:jmap:core"], "methodCalls": [["Core/echo", {"n": 1}, "c"]]})
    sock = socket.create_connection(("127.0.0.1", patient_server.port), timeout=60)
    with sock:
        head = (
            "POST /api HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nConnection: close\r\n"
            f"Authorization: Bearer {ADMIN_TOKEN}\r\nContent-Length: {len(body)}\r\n\r\n"
        )
        sock.sendall(head.encode())
        for i in range(0, len(body), 7):  # many small packets
            sock.sendall(body[i : i + 7].encode())
        reply = read_until_closed(sock)
    assert reply.startswith(b"HTTP/1.1 200 ")
    assert json.loads(reply.split(b"\r\n\r\n", 1)[1])["methodResponses"] == [["Core/echo", {"n": 1}, "c"]]


def test_stalled_bodies_get_408_and_are_disconnected(tmp_path: Path) -> None:
    server = start(tmp_path, body_timeout="1")
    try:
        stalled = [stalled_request(server) for _ in range(max_concurrent_requests(server))]
        assert echo(server)[0] == "Core/echo"
        for sock in stalled:
            with sock:
                reply = read_until_closed(sock)  # returns only once the server closes the connection
            status, _, rest = reply.partition(b"\r\n")
            assert status == b"HTTP/1.1 408 Request Timeout"
            assert b"connection: close" in rest.lower()
            problem = json.loads(rest.split(b"\r\n\r\n", 1)[1])
            assert problem["status"] == 408 and "1 s" in problem["detail"]
        assert echo(server)[0] == "Core/echo"
    finally:
        log = server.stop()
    assert "Traceback" not in log


# -- one server per database -----------------------------------------------------------------------


def run_server(env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """A server process expected to refuse to start (killed after 60 s if it serves instead)."""
    full = {k: v for k, v in os.environ.items() if k not in ("DB", "PORT", "CREDENTIALS", "ADMIN_TOKEN")}
    full.update({"HOST": "127.0.0.1", "ADMIN_TOKEN": ADMIN_TOKEN, **env})
    return subprocess.run(
        [sys.executable, "-m", f"{PACKAGE}.server"],
        cwd=cwd,
        env=full,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def free_port() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return str(s.getsockname()[1])


def test_a_second_server_on_the_same_database_serves_the_same_data(tmp_path: Path) -> None:
    """No lock refuses a second server: both serve one database, each seeing what the other
    committed, with one state string per type (tests/test_multiprocess.py runs the heavy version)."""
    first = Server(tmp_path).start()
    second = Server(tmp_path).start()  # same workdir: the same DB file, another port
    try:
        created = first.call("x:Action/set", {"create": {"a": {"@type": "ReloadSettings"}}})[1]
        assert list(created["created"]) == ["a"]
        got = second.call("x:Action/get", {"ids": [created["created"]["a"]["id"]]})[1]
        assert [a["@type"] for a in got["list"]] == ["ReloadSettings"] and got["state"] == created["newState"]
        first.restart(signal.SIGKILL)  # a killed server leaves nothing behind that blocks a restart
        assert first.call("x:Action/get", {})[1]["state"] == second.call("x:Action/get", {})[1]["state"]
    finally:
        first.stop()
        second.stop()


def _write_bad_files(tmp: Path) -> None:
    (tmp / "plain-file").write_text("not a directory\n", encoding="utf-8")
    (tmp / "not-a-db.sqlite3").write_text("this is no SQLite database\n" * 100, encoding="utf-8")
    (tmp / "bad.json").write_text("{not json", encoding="utf-8")
    (tmp / "wrong-shape.json").write_text('{"token": "sysActionGet"}', encoding="utf-8")
    (tmp / "binary.json").write_bytes(b"\xff\xfe{}")
    (tmp / "surrogate.json").write_text('{"\\ud800": []}', encoding="utf-8")
    (tmp / "control.json").write_text('{"ok": [], "a\\nb": []}', encoding="utf-8")


def _bad_settings(tmp: Path) -> dict[str, tuple[dict[str, str], str]]:
    """name → (environment, the start of the expected error line), with files from _write_bad_files."""
    db = str(tmp / "ok.sqlite3")
    return {
        "db-directory": ({"DB": str(tmp)}, f"error: database {tmp} is a directory"),
        "db-under-a-file": ({"DB": str(tmp / "plain-file" / "x.sqlite3")}, "error: database "),
        "db-not-sqlite": ({"DB": str(tmp / "not-a-db.sqlite3")}, "error: database "),
        "port-word": ({"DB": db, "PORT": "http"}, "error: PORT must be a TCP port number"),
        "port-zero": ({"DB": db, "PORT": "0"}, "error: PORT must be a TCP port number"),
        "port-superscript": ({"DB": db, "PORT": "8²"}, "error: PORT must be a TCP port number"),
        "port-huge": ({"DB": db, "PORT": "9" * 5000}, "error: PORT must be a TCP port number"),
        "credentials-missing": ({"DB": db, "CREDENTIALS": str(tmp / "none.json")}, "error: CREDENTIALS file"),
        "credentials-directory": ({"DB": db, "CREDENTIALS": str(tmp)}, "error: CREDENTIALS file"),
        "credentials-bad-json": ({"DB": db, "CREDENTIALS": str(tmp / "bad.json")}, "error: CREDENTIALS file"),
        "credentials-shape": ({"DB": db, "CREDENTIALS": str(tmp / "wrong-shape.json")}, "error: CREDENTIALS file"),
        "credentials-not-utf8": ({"DB": db, "CREDENTIALS": str(tmp / "binary.json")}, "error: CREDENTIALS file"),
        "credentials-surrogate": (
            {"DB": db, "CREDENTIALS": str(tmp / "surrogate.json")},
            f"error: CREDENTIALS file {tmp / 'surrogate.json'}: token 1 is unusable: it holds a lone surrogate",
        ),
        "credentials-control": (
            {"DB": db, "CREDENTIALS": str(tmp / "control.json")},
            f"error: CREDENTIALS file {tmp / 'control.json'}: token 2 is unusable: it holds a control character",
        ),
        "admin-token-newline": ({"DB": db, "ADMIN_TOKEN": "sec\nret"}, "error: ADMIN_TOKEN is unusable"),
        "host-unknown": ({"DB": db, "HOST": "no-such-host.invalid"}, "error: cannot listen on no-such-host.invalid"),
        "body-timeout": ({"DB": db, "BODY_TIMEOUT": "-1"}, "error: BODY_TIMEOUT must be a positive number"),
        "body-timeout-nan": ({"DB": db, "BODY_TIMEOUT": "nan"}, "error: BODY_TIMEOUT must be a positive number"),
        "log-level": ({"DB": db, "LOG_LEVEL": "loud"}, "error: LOG_LEVEL must be one of"),
    }


BAD_SETTINGS = sorted(_bad_settings(Path("/nonexistent")))


@pytest.mark.parametrize("case", BAD_SETTINGS)
def test_start_up_errors_are_one_line_and_exit_1(tmp_path: Path, case: str) -> None:
    _write_bad_files(tmp_path)
    env, expected = _bad_settings(tmp_path)[case]
    done = run_server({"PORT": free_port(), **env}, tmp_path)
    assert done.returncode == 1, done.stderr
    assert done.stderr.startswith(expected), done.stderr
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    if "HOST" not in env:  # the address is bound last, once the store is open
        assert not (tmp_path / "ok.sqlite3").exists()  # a bad setting is found before the database is touched


def test_a_port_in_use_is_a_start_up_error(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        done = run_server({"DB": str(tmp_path / "db.sqlite3"), "PORT": str(port)}, tmp_path)
    assert done.returncode == 1
    assert done.stderr.startswith(f"error: cannot listen on 127.0.0.1:{port}: ")
    assert "Traceback" not in done.stderr


def test_a_non_ascii_token_authenticates_as_utf8(tmp_path: Path) -> None:
    token = "clé-secrète"
    server = Server(tmp_path, credentials={token: ["sysActionGet"]}).start()
    try:
        body = b'{"using": ["urn:ietf:params:jmap:core"], "methodCalls": [["Core/echo", {}, "c"]]}'
        head = (
            "POST /api HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nConnection: close\r\n"
            f"Authorization: Bearer {token}\r\nContent-Length: {len(body)}\r\n\r\n"
        )
        with socket.create_connection(("127.0.0.1", server.port), timeout=60) as sock:
            sock.sendall(head.encode("utf-8") + body)
            reply = read_until_closed(sock)
        assert reply.startswith(b"HTTP/1.1 200 ")
        assert server.request("POST", "/api", body, token="wrong").status == 401
    finally:
        server.stop()
