"""The generated server under load (wrk, bench/wrk.py), on SQLite (one process) and on PostgreSQL
(1, 2 and 4 processes, WORKERS=N), with 1k, 10k and 50k Domains stored:

- get of one object and of 100 (sent as stored), of the same 100 naming every property (so each
  is parsed and encoded, as an object holding a secret always is), create (a new unique name
  each), update (one field of one of 100 objects), query (the WebUI's full-text filter matching 1% of the objects, a sort by name, 50 ids);
- get of one object while one other client runs that query all the time (its rate against the
  get alone: what a slow request costs everyone else);
- each scenario also against a bare ASGI app on the same uvicorn stack answering every request
  with the bytes the server answered it (bench/bare_app.py): req/s, p50 and p99 of both;
- peak resident memory (VmHWM) of each server process;
- two baselines on the same database (bench/raw_baselines.py's measures): a raw commit loop with the
  store's durability (one INSERT and COMMIT at a time), set against create; the query as plain SQL,
  set against the query's p50 over one connection (a loaded p50 is mostly queueing);
- on SQLite, the create's floor: the store's own statements for a create behind a bare app on a copy
  of the database (bench/floor_app.py), so that what the server adds to them shows;
- CPU time per request (bench/cpu.py): the server's processes, and the whole machine's, which bounds
  what more processes can serve on it (the ceiling printed beside the 2-process target).

Objects are created through the API, as a client would; what the create scenario adds is
destroyed after it, so every figure of a size is taken at that size.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import re
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import raw_baselines
from .cpu import CpuUse, measured
from .wrk import Load, WrkResult, finish_wrk, run_wrk, start_wrk

HOST = "127.0.0.1"
TOKEN = "bench-token"
USING = ["urn:ietf:params:jmap:core", "urn:stalwart:jmap"]
BATCH = 500  # creates per request while filling the store (maxObjectsInSet)
GROUPS = 100  # stored names are host<i>.group<i % GROUPS>.example: a group filter matches 1%
MANUAL = {"@type": "Manual"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


@contextmanager
def _process(args: list[str], env: dict[str, str], port: int) -> Iterator[subprocess.Popen[bytes]]:
    proc = subprocess.Popen(args, env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
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
        yield proc
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _api(port: int, calls: list[list[Any]]) -> list[Any]:
    """POST /api; the method responses, or an error naming the first failed call."""
    conn = http.client.HTTPConnection(HOST, port, timeout=600)
    try:
        body = json.dumps({"using": USING, "methodCalls": calls})
        conn.request("POST", "/api", body, {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"})
        reply = conn.getresponse()
        text = reply.read()
    finally:
        conn.close()
    if reply.status != 200:
        raise RuntimeError(f"HTTP {reply.status}: {text[:500]!r}")
    responses: list[Any] = json.loads(text)["methodResponses"]
    for name, args, _ in responses:
        if name == "error" or args.get("notCreated") or args.get("notDestroyed") or args.get("notUpdated"):
            raise RuntimeError(f"{name}: {json.dumps(args)[:500]}")
    return responses


def _raw(port: int, body: str) -> bytes:
    """The exact bytes the server answers this request body with."""
    conn = http.client.HTTPConnection(HOST, port, timeout=600)
    try:
        conn.request("POST", "/api", body, {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"})
        return conn.getresponse().read()
    finally:
        conn.close()


def domain(name: str) -> dict[str, Any]:
    return {
        "name": name,
        "certificateManagement": MANUAL,
        "dkimManagement": MANUAL,
        "dnsManagement": MANUAL,
        "subAddressing": {"@type": "Enabled"},
    }


def stored(port: int) -> int:
    (_, args, _), *_ = _api(port, [["x:Domain/query", {"calculateTotal": True, "limit": 1}, "q"]])
    return int(args["total"])


def fill(port: int, start: int, stop: int) -> None:
    for first in range(start, stop, BATCH):
        creates = {
            f"c{i}": domain(f"host{i:06d}.group{i % GROUPS:02d}.example")
            for i in range(first, min(stop, first + BATCH))
        }
        _api(port, [["x:Domain/set", {"create": creates}, "s"]])


def first_ids(port: int, count: int) -> list[str]:
    query = {"sort": [{"property": "name"}], "limit": count}
    (_, args, _), *_ = _api(port, [["x:Domain/query", query, "q"]])
    return list(args["ids"])


def destroy_created(port: int) -> None:
    """Destroy what the create scenario added (names under `.created.example`)."""
    while True:
        (_, args, _), *_ = _api(port, [["x:Domain/query", {"filter": {"text": "created"}, "limit": BATCH}, "q"]])
        if not args["ids"]:
            return
        _api(port, [["x:Domain/set", {"destroy": args["ids"]}, "d"]])


def _body(method: str, args: dict[str, Any]) -> str:
    return json.dumps({"using": USING, "methodCalls": [[method, args, "c"]]}, separators=(",", ":"))


@dataclass(frozen=True)
class Scenario:
    name: str
    load: Callable[[list[str]], Load]  # from the ids of 100 stored objects
    creates: bool = False


QUERY = {
    "filter": {"text": f"group{7:02d}"},  # the WebUI list's full-text filter: words of the name
    "sort": [{"property": "name", "isAscending": False}],
    "limit": 50,
}
DOMAIN_PROPERTIES = [  # every property of a Domain but its id
    *("name", "aliases", "isEnabled", "createdAt", "description", "logo", "certificateManagement"),
    *("dkimManagement", "dnsManagement", "dnsZoneFile", "memberTenantId", "directoryId", "catchAllAddress"),
    *("subAddressing", "allowRelaying", "reportAddressUri"),
]
SCENARIOS = (
    Scenario("get 1", lambda ids: Load(_body("x:Domain/get", {"ids": ids[:1]}), '"notFound":[]')),
    Scenario("get 100", lambda ids: Load(_body("x:Domain/get", {"ids": ids[:100]}), '"notFound":[]')),
    # the same objects encoded (as for a property list or a secret to mask), not sent as stored
    Scenario(
        "get 100, properties named",
        lambda ids: Load(_body("x:Domain/get", {"ids": ids[:100], "properties": DOMAIN_PROPERTIES}), '"notFound":[]'),
    ),
    Scenario(
        "update",
        lambda ids: Load(
            _body("x:Domain/set", {"update": {"{id}": {"description": "d{n}"}}}), '"notUpdated":null', tuple(ids)
        ),
    ),
    Scenario("query", lambda ids: Load(_body("x:Domain/query", QUERY), '"ids":["')),
    Scenario(
        "create",
        lambda ids: Load(_body("x:Domain/set", {"create": {"c": domain("{n}.created.example")}}), '"notCreated":null'),
        True,
    ),
)
CONTENDED = "get 1, one client querying"
QUERIED_TYPE = "Domain"  # the store's type name of x:Domain
# QUERY as one would write it by hand: a substring test and a sort on the member, no side tables
PLAIN_QUERY = raw_baselines.PlainQuery(field="name", contains=QUERY["filter"]["text"], descending=True, limit=50)


@dataclass(frozen=True)
class Row:
    backend: str
    workers: int
    size: int
    scenario: str
    ours: WrkResult
    bare: WrkResult | None  # None for the contended get (compared with the get alone)
    cpu: CpuUse | None = None  # what `ours` cost per request


@dataclass(frozen=True)
class Baseline:
    backend: str
    size: int
    raw_commits: float  # per second: one INSERT + COMMIT at a time, the store's durability
    floor_creates: float  # per second: a create's statements behind a bare app (0: not measured)
    sql_query_ms: float  # median of the query as plain SQL on the same database
    query_alone: WrkResult  # our query over one connection


@dataclass
class ServerResult:
    rows: list[Row] = field(default_factory=list)
    baselines: list[Baseline] = field(default_factory=list)
    peak_mb: dict[tuple[str, int, int], list[float]] = field(default_factory=dict)  # per process
    failures: list[str] = field(default_factory=list)  # a backend that could not be measured, and why
    slow_plans: list[str] = field(default_factory=list)  # PostgreSQL's plans of statements over SLOW_MS


@dataclass(frozen=True)
class Settings:
    sizes: tuple[int, ...] = (1_000, 10_000, 50_000)
    pg_workers: tuple[int, ...] = (1, 2, 4)
    seconds: float = 5.0
    warmup: float = 1.0
    connections: int = 16
    threads: int = 1


def _peak_mb(pid: int) -> list[float]:
    """VmHWM of a server process, or of each worker it forked: every process's own peak."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    peaks = []
    for p in children or [str(pid)]:
        for line in Path(f"/proc/{p}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                peaks.append(int(line.split()[1]) / 1024)
    return peaks


class _Bare:
    """The baseline per scenario, measured once with the bytes the server first answered."""

    def __init__(self, root: Path, settings: Settings) -> None:
        self.root, self.settings = root, settings
        self.results: dict[str, WrkResult] = {}

    def measure(self, scenario: str, load: Load, answer: bytes) -> WrkResult:
        if scenario not in self.results:
            body_file = self.root / "bare-body.json"
            body_file.write_bytes(answer)
            port = _free_port()
            env = {"PORT": str(port), "BODY_FILE": str(body_file)}
            with _process([sys.executable, "-m", "bench.bare_app"], env, port):
                self.results[scenario] = _measure(port, load, self.settings)
        return self.results[scenario]


def _measure(port: int, load: Load, settings: Settings, connections: int | None = None) -> WrkResult:
    return _measure_cpu(port, load, settings, None, connections)[0]


def _measure_cpu(
    port: int, load: Load, settings: Settings, pid: int | None, connections: int | None = None
) -> tuple[WrkResult, CpuUse | None]:
    """A wrk run after a warm-up; with `pid`, the CPU the run (not its warm-up) cost per request."""
    url = f"http://{HOST}:{port}"
    if settings.warmup:
        run_wrk(url, load, TOKEN, settings.warmup, connections or settings.connections, settings.threads)

    def run() -> WrkResult:
        return run_wrk(url, load, TOKEN, settings.seconds, connections or settings.connections, settings.threads)

    if pid is None:
        return run(), None
    return measured(pid, lambda result: result.requests, run)


def _contended(port: int, get: Load, query: Load, settings: Settings) -> WrkResult:
    url = f"http://{HOST}:{port}"
    querying = start_wrk(url, query, TOKEN, settings.seconds + 2 * settings.warmup + 1, 1, 1)
    try:
        time.sleep(settings.warmup or 0.2)
        return run_wrk(url, get, TOKEN, settings.seconds, settings.connections, settings.threads)
    finally:
        finish_wrk(*querying)


@contextmanager
def _server(db: str, workers: int) -> Iterator[tuple[int, subprocess.Popen[bytes]]]:
    port = _free_port()
    env = {"HOST": HOST, "PORT": str(port), "DB": db, "ADMIN_TOKEN": TOKEN, "WORKERS": str(workers)}
    with _process([sys.executable, "-m", "stalwart_registry.server"], env, port) as proc:
        yield port, proc


@dataclass(frozen=True)
class RawDb:
    """The baselines of one backend: `commits(seconds)` -> commits/s of a raw loop on a database of
    its own, `plain_query(type)` -> median ms of the query as plain SQL on the store's database;
    `floor(load, answer)` -> the create load against the store's statements behind a bare app."""

    commits: Callable[[float], float]
    plain_query: Callable[[str], float]
    floor: Callable[[Load, bytes], WrkResult] | None = None


def _sqlite_floor(root: Path, db: str, settings: Settings, load: Load, answer: bytes) -> WrkResult:
    """The create load against bench/floor_app.py on a copy of the server's database, as it is now:
    right after the server's create run, so it also holds what that run created, as the server's
    table did by the end of its run."""
    copy, body_file = root / "floor.sqlite3", root / "floor-body.json"
    copy.unlink(missing_ok=True)
    with contextlib.closing(sqlite3.connect(db)) as source:
        source.execute("VACUUM INTO ?", (str(copy),))
    body_file.write_bytes(answer)
    port = _free_port()
    env = {"PORT": str(port), "DB_FILE": str(copy), "BODY_FILE": str(body_file), "TYPE": QUERIED_TYPE}
    try:
        with _process([sys.executable, "-m", "bench.floor_app"], env, port):
            return _measure(port, load, settings)
    finally:
        for leftover in root.glob("floor.sqlite3*"):
            leftover.unlink()


def _backend_runs(
    label: str,
    db: str,
    workers: tuple[int, ...],
    settings: Settings,
    bare: _Bare,
    result: ServerResult,
    report: Callable[[str], None],
    raw: RawDb,
) -> None:
    have = 0
    for size in settings.sizes:
        for n in workers:
            with _server(db, n) as (port, proc):
                if have < size:
                    started = time.perf_counter()
                    fill(port, have, size)
                    report(f"  [{label}: stored {size:,} Domains in {time.perf_counter() - started:.0f} s]")
                    have = size
                ids = first_ids(port, 100)
                loads = {s.name: s.load(ids) for s in SCENARIOS}
                commits = floor = 0.0
                if settings.warmup:  # a fresh process: its connections, caches and statements, before any figure
                    run_wrk(f"http://{HOST}:{port}", loads["get 1"], TOKEN, 3 * settings.warmup, settings.connections)
                for scenario in SCENARIOS:
                    load = loads[scenario.name]
                    answer = _raw(port, load.body.replace("{n}", "sample").replace("{id}", ids[0]))
                    ours, cpu = _measure_cpu(port, load, settings, proc.pid)
                    if scenario.creates and n == workers[0]:  # right after: fsync costs drift on a shared disk
                        commits = raw.commits(settings.seconds)
                        floor = raw.floor(load, answer).rate if raw.floor else 0.0
                    result.rows.append(
                        Row(label, n, size, scenario.name, ours, bare.measure(scenario.name, load, answer), cpu)
                    )
                    if scenario.creates:
                        destroy_created(port)
                contended = _contended(port, loads["get 1"], loads["query"], settings)
                result.rows.append(Row(label, n, size, CONTENDED, contended, None))
                if n == workers[0]:
                    alone = _measure(port, loads["query"], settings, connections=1)
                    plain = raw.plain_query(QUERIED_TYPE)
                    result.baselines.append(Baseline(label, size, commits, floor, plain, alone))
                assert stored(port) == size, f"{stored(port)} Domains stored, not {size}"
                result.peak_mb[(label, n, size)] = _peak_mb(proc.pid)


def run(settings: Settings, report: Callable[[str], None] = print) -> ServerResult:
    result = ServerResult()
    with tempfile.TemporaryDirectory(prefix="schemagen-bench-") as tmp:
        bare = _Bare(Path(tmp), settings)
        try:
            db = str(Path(tmp) / "bench.sqlite3")
            raw = RawDb(
                lambda seconds: raw_baselines.sqlite_commits(str(Path(tmp) / "raw.sqlite3"), seconds),
                lambda type_: raw_baselines.sqlite_query_ms(db, type_, PLAIN_QUERY),
                lambda load, answer: _sqlite_floor(Path(tmp), db, settings, load, answer),
            )
            _backend_runs("SQLite", db, (1,), settings, bare, result, report, raw)
        except RuntimeError as exc:  # the other backend's figures are still worth having
            result.failures.append(f"SQLite: {exc}")
        try:
            with _postgres() as pg:
                dsn, raw_dsn = pg.create_database("bench"), pg.create_database("raw")
                raw = RawDb(
                    lambda seconds: raw_baselines.pg_commits(raw_dsn, seconds),
                    lambda type_: raw_baselines.pg_query_ms(dsn, type_, PLAIN_QUERY),
                )
                try:
                    _backend_runs("PostgreSQL", dsn, settings.pg_workers, settings, bare, result, report, raw)
                finally:
                    result.slow_plans += slow_plans(pg.log.read_text(errors="replace"))
        except RuntimeError as exc:
            result.failures.append(f"PostgreSQL: {exc}")
    return result


def baseline_lines(result: ServerResult) -> list[str]:
    """The figures set against their targets: create against the raw commit loop, query against
    plain SQL and against itself at the smallest size, get 1 while one client queries."""
    rows = {(r.backend, r.workers, r.size, r.scenario): r.ours for r in result.rows}
    cpus = {(r.backend, r.workers, r.size, r.scenario): r.cpu for r in result.rows}
    lines = []
    smallest: dict[str, float] = {}
    for b in result.baselines:
        create, query = rows.get((b.backend, 1, b.size, "create")), b.query_alone.p50_ms
        smallest.setdefault(b.backend, query)
        ratio = f"{create.rate / b.raw_commits:.2f}x" if create and b.raw_commits else "-"
        lines.append(
            f"  baseline {b.backend} {b.size:,}: create {create.rate if create else 0:,.0f} req/s, raw commit loop"
            f" {b.raw_commits:,.0f}/s: {ratio} (target >= 0.67x); query p50, 1 connection,"
            f" {query:.2f} ms, plain SQL {b.sql_query_ms:.2f} ms: {query / b.sql_query_ms:.2f}x (target <= 3x),"
            f" {query / smallest[b.backend]:.2f}x its p50 at the smallest size (target <= 3x)"
        )
        if b.floor_creates and b.raw_commits and create:
            lines.append(
                f"    floor {b.backend} {b.size:,}: the store's statements for a create behind a bare app"
                f" (bench/floor_app.py) {b.floor_creates:,.0f} req/s = {b.floor_creates / b.raw_commits:.2f}x"
                f" the raw loop; the server's create is {create.rate / b.floor_creates:.2f} of the floor"
            )
    for (backend, workers, size, scenario), ours in rows.items():
        alone = rows.get((backend, workers, size, "get 1"))
        if scenario == CONTENDED and alone and alone.rate:
            lines.append(
                f"  target {backend} {workers}p {size:,}: get 1 while one client queries keeps"
                f" {ours.rate / alone.rate:.2f} of its rate (target >= 0.5)"
            )
        one = rows.get((backend, 1, size, "get 1"))
        if scenario == "get 1" and workers == 2 and one and one.rate:
            lines.append(
                f"  target {backend} {size:,}: get 1 with 2 processes {ours.rate / one.rate:.2f}x one (target >= 1.6x)"
            )
            cpu = cpus.get((backend, workers, size, scenario))
            if cpu and cpu.machine_us:
                lines.append(
                    f"    ceiling: a get costs the machine {cpu.machine_us:.0f} us of CPU with 2 processes (the"
                    f" servers {cpu.server_us:.0f}); all {cpu.cores} cores busy at that cost serve"
                    f" {cpu.ceiling():,.0f} req/s = {cpu.ceiling() / one.rate:.2f}x one process"
                )
    return lines


SLOW_MS = 100  # a statement that takes longer has its plan logged by auto_explain and reported


def slow_plans(log: str) -> list[str]:
    """The plans auto_explain logged: each entry from its `duration:` line to the next log line."""
    plans: list[str] = []
    for line in log.splitlines():
        if "LOG:  duration:" in line and "plan:" in line:
            plans.append(line)
        elif plans and not line[:4].isdigit() and line.strip():  # the plan's lines, indented
            plans[-1] += "\n" + line
    return plans


def plan_ms(plan: str) -> float:
    """The duration a slow_plans entry gives."""
    found = re.search(r"duration: ([0-9.]+) ms", plan)
    return float(found.group(1)) if found else 0.0


def by_statement(plans: list[str]) -> dict[str, list[str]]:
    """slow_plans entries per statement (its query text), the statement slowest at its worst first."""
    groups: dict[str, list[str]] = {}
    for plan in plans:
        found = re.search(r"Query Text: (.*)", plan)
        groups.setdefault(found.group(1) if found else "?", []).append(plan)
    return dict(sorted(groups.items(), key=lambda item: -max(map(plan_ms, item[1]))))


def _postgres() -> AbstractContextManager[Any]:
    """A throw-away PostgreSQL cluster with fsync on (tests/pg_service.py, shared with the tests)."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
    from pg_service import PgService

    # auto_explain in every session: the plan of a statement over SLOW_MS goes to the server's log
    # (no EXPLAIN ANALYZE, so statements under it cost nothing more)
    slow = {"session_preload_libraries": "auto_explain", "auto_explain.log_min_duration": f"{SLOW_MS}ms"}
    return PgService.start(fsync=True, settings=slow)
