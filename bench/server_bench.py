"""Server requests/s: the generated server vs a bare ASGI app on the same stack, same bytes out."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .load import LoadResult, http_request, run_load

HOST = "127.0.0.1"
TOKEN = "bench-token"
GET = {
    "using": ["urn:ietf:params:jmap:core", "urn:stalwart:jmap"],
    "methodCalls": [["x:SpamDnsblSettings/get", {"ids": ["singleton"]}, "c1"]],
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


@contextmanager
def _process(args: list[str], env: dict[str, str], port: int) -> Iterator[None]:
    proc = subprocess.Popen(args, env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection((HOST, port), timeout=1).close()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        f"{args} did not start: {proc.stderr.read().decode() if proc.stderr else ''}"
                    ) from None
                time.sleep(0.05)
        yield
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def _fetch(port: int, body: bytes) -> bytes:
    request = urllib.request.Request(
        f"http://{HOST}:{port}/api",
        data=body,
        headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.read()  # type: ignore[no-any-return]


def _measure(port: int, body: bytes, connections: int, seconds: float) -> LoadResult:
    request = http_request(HOST, port, "/api", body, TOKEN)
    run_load(HOST, port, request, connections, 0.5)  # warm-up: connections, caches, JIT-free but branchy paths
    return run_load(HOST, port, request, connections, seconds)


def run(seconds: float = 4.0, connections: int = 16) -> dict[str, LoadResult]:
    body = json.dumps(GET).encode()
    with tempfile.TemporaryDirectory(prefix="schemagen-bench-") as tmp:
        port = _free_port()
        env = {"HOST": HOST, "PORT": str(port), "DB": str(Path(tmp) / "bench.sqlite3"), "ADMIN_TOKEN": TOKEN}
        with _process([sys.executable, "-m", "stalwart_registry.server"], env, port):
            answer = _fetch(port, body)
            assert json.loads(answer)["methodResponses"][0][0] == "x:SpamDnsblSettings/get", answer
            server = _measure(port, body, connections, seconds)
        body_file = Path(tmp) / "body.json"
        body_file.write_bytes(answer)
        port = _free_port()
        with _process([sys.executable, "-m", "bench.bare_app"], {"PORT": str(port), "BODY_FILE": str(body_file)}, port):
            bare = _measure(port, body, connections, seconds)
    return {"server": server, "bare": bare}
