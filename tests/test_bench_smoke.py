"""`make bench` cannot rot: its smoke run (BENCH_QUICK=1: tiny stores, one-second loads, one run of
each generation figure) makes every figure, on SQLite and on PostgreSQL with several processes.
Nothing here asserts a timing; only that each figure is made and every answer was right."""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import psycopg
from conftest import REPO_ROOT
from pg_service import PgService

from bench import server_bench


def _bench(only: str) -> str:
    env = {**os.environ, "BENCH_QUICK": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--only", only],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_server_figures_are_made_on_sqlite_and_postgresql(postgres: PgService) -> None:
    # `postgres`: skipped or failed as every PostgreSQL test is; the bench starts a cluster of its own
    out = _bench("server")
    # the last columns: bad answers, then the server's CPU per request (not for the contended get)
    line = r"^  (SQLite|PostgreSQL), (\d) process(?:es)?\s+([\d,]+)  (.+?)\s{2,}.*?\s(\d+)(?:\s+(\d+))?$"
    found = re.findall(line, out, re.M)
    rows = [row[:5] for row in found]
    assert all(bool(cpu) == (scenario != server_bench.CONTENDED) for *_, scenario, _, cpu in found), out
    scenarios = {"get 1", "get 100", "get 100, properties named", "update", "query", "create"}
    scenarios.add("get 1, one client querying")
    for store in (("SQLite", "1"), ("PostgreSQL", "1"), ("PostgreSQL", "2")):
        for size in ("50", "200"):
            made = {scenario for backend, workers, n, scenario, _ in rows if (backend, workers, n) == (*store, size)}
            assert made == scenarios, (store, size, out)
    assert all(bad == "0" for *_, bad in rows), out  # every response was the right answer
    assert out.count("bare req/s") == 1 and "peak memory (VmHWM) of the server, PostgreSQL, 2 process" in out
    for backend in ("SQLite", "PostgreSQL"):  # create and query against their baselines on the same database
        assert re.search(rf"^  baseline {backend} 200: .*raw commit loop .*plain SQL ", out, re.M), out
    assert re.search(r"^    floor SQLite 200: .* req/s = [\d.]+x the raw loop", out, re.M), out
    assert re.search(r"^    ceiling: a get costs the machine \d+ us .* = [\d.]+x one process", out, re.M), out


def test_generation_and_start_up_figures_are_made() -> None:
    out = _bench("codegen")
    for figure in (
        "ours, cold",
        "pydantic v2 models, black+isort",
        "pydantic v2 models, ruff",
        "no-op generate",
        "one-object change",
        "peak memory of the child process alone",
        "import every generated model module",
        "like for like, all models imported",
    ):
        assert figure in out, f"{figure!r} missing:\n{out}"


def test_model_figures_are_made() -> None:
    out = _bench("models")
    assert out.count("\n  SpamDnsblSettings") == 1 and "Action ClassifySpam" in out, out


def test_the_plan_of_a_slow_postgresql_statement_is_reported(postgres: PgService) -> None:
    """The bench's cluster logs the plan of every statement over SLOW_MS; slow_plans finds it."""
    with server_bench._postgres() as pg:
        with psycopg.connect(pg.create_database("slow")) as conn:
            conn.execute("SELECT 1").fetchall()  # a fast one: not logged
            conn.execute(
                "SELECT pg_sleep(%s), count(*) FROM generate_series(1, 10)", (1.5 * server_bench.SLOW_MS / 1000,)
            )
        plans = server_bench.slow_plans(pg.log.read_text(errors="replace"))
    assert len(plans) == 1, plans
    assert "pg_sleep" in plans[0] and "Function Scan on generate_series" in plans[0]
    assert server_bench.plan_ms(plans[0]) >= 1.5 * server_bench.SLOW_MS


def _normalized(statements: list[str]) -> list[str]:
    """Statements as traced, their values left out (ids, names, documents and counts differ)."""
    return [re.sub(r"'(?:[^']|'')*'|\b\d+\b", "?", s) for s in statements]


def test_the_create_floor_sends_the_statements_the_sqlite_store_sends(tmp_path: Path) -> None:
    """bench/floor_app.py stands for the store's share of a create: the same statements, in the same
    order, on the same tables, with nothing of JMAP around them."""
    from schemagen_runtime.server.config import Config
    from stalwart_registry.server import create_app

    from bench.floor_app import FloorWriter

    db = tmp_path / "server.sqlite3"
    app = create_app(Config(db=str(db), admin_token="t"))

    async def post(body: bytes) -> bytes:
        scope = {
            "type": "http",
            "method": "POST",
            "path": "/api",
            "query_string": b"",
            "headers": [
                (b"authorization", b"Bearer t"),
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
        sent: list[dict[str, Any]] = []

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)

        await app(scope, receive, send)
        return b"".join(m.get("body", b"") for m in sent)

    def create(name: str) -> None:
        body = server_bench._body("x:Domain/set", {"create": {"c": server_bench.domain(name)}}).encode()
        answer = json.loads(asyncio.run(post(body)))
        assert answer["methodResponses"][0][1]["notCreated"] is None, answer

    try:
        create("first.example")
        store: list[str] = []
        app.store._write_db.set_trace_callback(store.append)
        create("n1.created.example")
    finally:
        app.store.close()
    floor = FloorWriter(str(db), server_bench.QUERIED_TYPE)  # on the server's database, as the bench's copy
    ours: list[str] = []
    floor.db.set_trace_callback(ours.append)
    try:
        floor.commit(["n1.created.example"])
    finally:
        floor.db.close()
    assert "INSERT INTO words" in " ".join(ours) and _normalized(ours) == _normalized(store), (ours, store)
