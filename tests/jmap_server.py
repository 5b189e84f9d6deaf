"""A real generated server for tests: `python -m <package>.server` as a subprocess on a free
loopback port with a temporary SQLite file, and a small HTTP client (stdlib http.client)."""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from schemagen_runtime.server.sqlite_store import stored_table

ADMIN_TOKEN = "admin-secret-token"
# A PostgreSQL DSN: servers whose database is the default SQLite file store in a schema of their own
# in that database instead (tests/test_store_backends.py runs the server API tests so)
POSTGRESQL_ENV = "JMAP_TEST_POSTGRESQL"
USING = ["urn:ietf:params:jmap:core", "urn:stalwart:jmap"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    text: str

    @property
    def json(self) -> Any:
        return json.loads(self.text)


@dataclass
class Server:
    """One server process; `restart()` keeps the port, the database and the credentials."""

    workdir: Path
    package: str = "stalwart_registry"
    credentials: dict[str, list[str]] = field(default_factory=dict)
    pythonpath: str | None = None
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[str] | None = None

    @property
    def db(self) -> Path:
        return self.workdir / "var" / "test.sqlite3"

    def db_setting(self) -> str:
        """DB for the process: `db`, or with JMAP_TEST_POSTGRESQL set (and `db` the default file) a
        schema named after the work directory, so a restart finds the same data."""
        base = os.environ.get(POSTGRESQL_ENV)
        if not base or not isinstance(self.db, Path):
            return str(self.db)
        import hashlib

        import psycopg

        schema = "s" + hashlib.sha256(str(self.workdir).encode()).hexdigest()[:20]
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
        return f"{base}?options=-csearch_path%3D{schema}"

    def start(self) -> Server:
        creds = self.workdir / "credentials.json"
        creds.write_text(json.dumps(self.credentials), encoding="utf-8")
        env = {
            **os.environ,
            "HOST": "127.0.0.1",
            "PORT": str(self.port),
            "DB": self.db_setting(),
            "ADMIN_TOKEN": ADMIN_TOKEN,
            "CREDENTIALS": str(creds),
        }
        if self.pythonpath:
            env["PYTHONPATH"] = self.pythonpath + os.pathsep + env.get("PYTHONPATH", "")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", f"{self.package}.server"],
            cwd=self.workdir,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}:\n{self.proc.stdout.read()}")  # type: ignore[union-attr]
            try:
                self.request("GET", "/jmap/session", token=None)
                return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("server did not start within 30 s")

    def stop(self, sig: int = signal.SIGTERM) -> str:
        """Stops the process with `sig` and returns what it printed."""
        assert self.proc is not None
        self.proc.send_signal(sig)
        try:
            out, _ = self.proc.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            out, _ = self.proc.communicate()
        self.proc = None
        return out

    def restart(self, sig: int = signal.SIGTERM) -> str:
        out = self.stop(sig)
        self.start()
        return out

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        token: str | None = ADMIN_TOKEN,
        headers: dict[str, str] | None = None,
    ) -> Reply:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            sent = {"Content-Type": "application/json"} if body is not None else {}
            if token is not None:
                sent["Authorization"] = f"Bearer {token}"
            sent.update(headers or {})
            conn.request(method, path, body=body, headers=sent)
            response = conn.getresponse()
            return Reply(response.status, {k.lower(): v for k, v in response.getheaders()}, response.read().decode())
        finally:
            conn.close()

    def api(self, calls: list[list[Any]], token: str | None = ADMIN_TOKEN, **extra: Any) -> dict[str, Any]:
        """POST /api with these method calls; asserts HTTP 200 and returns the response object."""
        body = json.dumps({"using": USING, "methodCalls": calls, **extra}).encode()
        reply = self.request("POST", "/api", body, token=token)
        assert reply.status == 200, reply.text
        return reply.json  # type: ignore[no-any-return]

    def call(self, method: str, args: dict[str, Any], token: str | None = ADMIN_TOKEN) -> list[Any]:
        """One method call; returns [name, arguments, call id] of its response."""
        return self.api([[method, args, "c1"]], token=token)["methodResponses"][0]  # type: ignore[no-any-return]

    # One object at a time through x:<name>/set and /get, as the write-rule tests use them.

    def create_one(self, name: str, payload: dict[str, Any]) -> str:
        """The new id; fails the test if the create is refused."""
        _, args, _ = self.call(f"x:{name}/set", {"create": {"new": payload}})
        assert args["notCreated"] is None, args["notCreated"]
        return str(args["created"]["new"]["id"])

    def update_one(self, name: str, obj_id: str, patch: dict[str, Any]) -> dict[str, Any] | None:
        """None when the update is accepted, else its SetError."""
        _, args, _ = self.call(f"x:{name}/set", {"update": {obj_id: patch}})
        if args["notUpdated"]:
            return args["notUpdated"][obj_id]  # type: ignore[no-any-return]
        assert obj_id in args["updated"], args
        return None

    def stored(self, name: str, obj_id: str) -> dict[str, Any]:
        """The object as the server stored it, secrets in the clear (get masks them): read from
        its SQLite file, read only."""
        with contextlib.closing(sqlite3.connect(f"file:{self.db}?mode=ro", uri=True)) as db:
            sql = f"SELECT doc FROM {stored_table(db, name)} WHERE type = ? AND id = ?"
            row = db.execute(sql, (name, obj_id)).fetchone()
        assert row is not None, (name, obj_id)
        return json.loads(row[0])  # type: ignore[no-any-return]

    def get_one(self, name: str, obj_id: str) -> dict[str, Any]:
        _, args, _ = self.call(f"x:{name}/get", {"ids": [obj_id]})
        return args["list"][0]  # type: ignore[no-any-return]
