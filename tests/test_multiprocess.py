"""Several server processes on one database, driven concurrently over HTTP: what one process
acknowledged, every other one serves at once; concurrent patches to one object all survive; one
state string per type; ifInState and unique keys hold across processes.

Each test runs on a SQLite file and on PostgreSQL (tests/pg_service.py), with two topologies:
`two servers` (two `python -m stalwart_registry.server` on one DB, every read sent to the process
that did not write) and `workers` (one server with WORKERS=2, `make serve WORKERS=2`: the kernel hands
each new connection to either process, so about half the reads reach the other one).
"""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from jmap_server import Server, free_port
from pg_service import PgService
from test_store_sql import domain  # a Domain create the server accepts

ROUNDS = 40  # write-then-read pairs per check
WRITERS = 4  # concurrent clients patching one object
PATCHES = 10  # patches per writer


@dataclass
class SharedDbServer(Server):
    """A test server on a given database (a SQLite path or a postgresql:// DSN), with WORKERS processes."""

    database: str = ""
    workers: int = 1

    @property
    def db(self) -> str:  # type: ignore[override]  # Server.start passes it on as DB; a DSN is no Path
        return self.database

    def start(self) -> SharedDbServer:
        with pytest.MonkeyPatch.context() as env:
            env.setenv("WORKERS", str(self.workers))
            super().start()
        return self


@dataclass
class Pair:
    """Two handles on processes sharing one database: `a` writes, `b` reads (the same server with workers)."""

    a: Server
    b: Server


_names = itertools.count()


def _database(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    if backend == "sqlite":
        return str(tmp_path / "shared.sqlite3")
    service: PgService = request.getfixturevalue("postgres")
    return service.create_database(f"multiprocess_{next(_names)}")


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(params=["two servers", "workers"])
def pair(request: pytest.FixtureRequest, backend: str, tmp_path: Path) -> Iterator[Pair]:
    database = _database(backend, tmp_path, request)
    servers: list[SharedDbServer] = []
    try:
        if request.param == "two servers":
            for name in ("a", "b"):
                workdir = tmp_path / name
                workdir.mkdir()
                servers.append(SharedDbServer(workdir, database=database).start())
            yield Pair(servers[0], servers[1])
        else:
            servers.append(SharedDbServer(tmp_path, database=database, workers=2).start())
            yield Pair(servers[0], servers[0])
    finally:
        for server in servers:
            if server.proc is not None:
                server.stop()


def _set(server: Server, args: dict[str, Any]) -> dict[str, Any]:
    name, result, _ = server.call("x:Domain/set", args)
    assert name == "x:Domain/set", result
    return result  # type: ignore[no-any-return]


def _get(server: Server, ids: list[str] | None, properties: list[str] | None = None) -> dict[str, Any]:
    name, result, _ = server.call("x:Domain/get", {"ids": ids, "properties": properties})
    assert name == "x:Domain/get", result
    return result  # type: ignore[no-any-return]


def _parallel(jobs: list[Callable[[], Any]]) -> list[Any]:
    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        return [f.result() for f in [pool.submit(job) for job in jobs]]


def test_a_write_acknowledged_by_one_process_is_read_at_once_by_the_other(pair: Pair) -> None:
    stale: list[str] = []
    for i in range(ROUNDS):
        created = _set(pair.a, {"create": {"n": domain(f"fresh{i}.example")}})
        obj_id = created["created"]["n"]["id"]
        got = _get(pair.b, [obj_id], ["name"])
        if got["notFound"] or got["list"][0]["name"] != f"fresh{i}.example":
            stale.append(f"round {i}: created {obj_id}, read {got}")
        _set(pair.a, {"update": {obj_id: {"description": f"v{i}"}}})
        got = _get(pair.b, [obj_id], ["description"])
        if got["notFound"] or got["list"][0]["description"] != f"v{i}":
            stale.append(f"round {i}: updated {obj_id} to v{i}, read {got}")
        _set(pair.a, {"destroy": [obj_id]})
        got = _get(pair.b, [obj_id], ["name"])
        if got["notFound"] != [obj_id]:
            stale.append(f"round {i}: destroyed {obj_id}, read {got}")
    assert stale == [], f"{len(stale)} stale reads of {3 * ROUNDS}:\n" + "\n".join(stale[:10])


def test_concurrent_patches_to_one_object_are_all_kept(pair: Pair) -> None:
    obj_id = _set(pair.a, {"create": {"n": domain("shared.example")}})["created"]["n"]["id"]

    def writer(k: int) -> list[str]:
        refused = []
        for i in range(PATCHES):
            server = pair.a if (k + i) % 2 else pair.b
            result = _set(server, {"update": {obj_id: {f"aliases/w{k}-{i}.shared.example": True}}})
            if obj_id not in (result["updated"] or {}):
                refused.append(f"writer {k} patch {i}: {result['notUpdated']}")
        return refused

    refused = [line for lines in _parallel([lambda k=k: writer(k) for k in range(WRITERS)]) for line in lines]
    assert refused == []
    expected = {f"w{k}-{i}.shared.example" for k in range(WRITERS) for i in range(PATCHES)}
    for server in (pair.a, pair.b):
        aliases = set(_get(server, [obj_id], ["aliases"])["list"][0]["aliases"] or {})
        assert expected - aliases == set(), f"{len(expected - aliases)} lost updates of {len(expected)}"


def test_every_process_reports_the_same_state(pair: Pair) -> None:
    for i in range(ROUNDS // 4):
        result = _set(pair.a, {"create": {"n": domain(f"state{i}.example")}})
        assert result["created"], result
        assert _get(pair.b, [])["state"] == result["newState"]
        assert _get(pair.a, [])["state"] == _get(pair.b, [])["state"]


def test_if_in_state_holds_across_processes(pair: Pair) -> None:
    for i in range(ROUNDS // 4):
        before = _get(pair.a, [])["state"]
        changed = _set(pair.b, {"create": {"n": domain(f"moved{i}.example")}})
        assert changed["oldState"] == before and changed["newState"] != before
        late = {"ifInState": before, "create": {"n": domain(f"late{i}.example")}}
        name, result, _ = pair.a.call("x:Domain/set", late)
        assert (name, result.get("type")) == ("error", "stateMismatch"), f"round {i}: {name} {result}"
        accepted = _set(pair.a, {**late, "ifInState": changed["newState"]})
        assert accepted["created"], accepted


def test_a_unique_key_holds_across_processes(pair: Pair) -> None:
    first = _set(pair.a, {"create": {"n": domain("unique.example")}})["created"]["n"]["id"]
    second = _set(pair.b, {"create": {"n": domain("unique.example")}})
    assert second["notCreated"]["n"]["type"] == "primaryKeyViolation", second
    # Racing creates of one name, half on each process: exactly one wins each race.
    for race in range(ROUNDS // 4):
        name = f"race{race}.example"
        jobs = [lambda s=server, n=name: _set(s, {"create": {"n": domain(n)}}) for server in (pair.a, pair.b) * 2]
        results = _parallel(jobs)
        created = [r for r in results if r["created"]]
        refused = [r["notCreated"]["n"]["type"] for r in results if r["notCreated"]]
        assert (len(created), refused) == (1, ["primaryKeyViolation"] * 3), results
    ids = _get(pair.b, None, ["name"])["list"]
    names = [d["name"] for d in ids]
    assert len(names) == len(set(names)), names
    assert first in {d["id"] for d in ids}


def test_workers_share_the_port_and_stop_together(tmp_path: Path) -> None:
    server = SharedDbServer(tmp_path, database=str(tmp_path / "w.sqlite3"), workers=3).start()
    assert server.proc is not None
    parent = server.proc.pid
    workers = Path(f"/proc/{parent}/task/{parent}/children").read_text().split()
    assert len(workers) == 3
    assert _get(server, [])["state"]
    out = server.stop()
    assert "3 processes" in out
    assert [pid for pid in workers if Path(f"/proc/{pid}").exists()] == []


@pytest.mark.parametrize("workers", ["0", "-1", "two", "65", "１"])
def test_a_bad_workers_count_is_one_error_line(tmp_path: Path, workers: str) -> None:
    env = {**os.environ, "WORKERS": workers, "DB": str(tmp_path / "db.sqlite3"), "PORT": str(free_port())}
    done = subprocess.run(
        [sys.executable, "-m", "stalwart_registry.server"], env=env, capture_output=True, text=True, timeout=60
    )
    assert (done.returncode, done.stderr) == (
        1,
        f"error: WORKERS must be a number of processes from 1 to 64, not {workers!r}\n",
    )
