"""`make bench` cannot rot: its smoke run (BENCH_QUICK=1: tiny stores, one-second loads, one run of
each generation figure) makes every figure, on SQLite and on PostgreSQL with several processes.
Nothing here asserts a timing; only that each figure is made and every answer was right."""

from __future__ import annotations

import os
import re
import subprocess
import sys

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
    rows = re.findall(r"^  (SQLite|PostgreSQL), (\d) process(?:es)?\s+([\d,]+)  (.+?)\s{2,}.*?(\d+)$", out, re.M)
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
