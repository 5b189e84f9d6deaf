"""What the server is set against on its own database, without the server:

- a raw commit loop with the store's durability: one INSERT of a document and one COMMIT at a
  time, on SQLite in WAL mode with `synchronous=FULL` (sqlite_store.py's setting), on PostgreSQL one
  autocommitted INSERT each (`synchronous_commit` as the cluster has it, as for the store);
- the benchmark's query as plain SQL on the store's own tables: a substring test on the member
  and a sort on it, as one writes it by hand (no side tables, no index made for it).
"""

from __future__ import annotations

import json
import sqlite3
import statistics
import time
from dataclasses import dataclass
from typing import Any

from schemagen_runtime.server.sqlite_store import stored_table

DOC = json.dumps({"name": "raw.example", "certificateManagement": {"@type": "Manual"}, "description": None})
QUERY_RUNS = 7  # the plain query's median is of this many runs, after one to warm the caches


@dataclass(frozen=True)
class PlainQuery:
    field: str
    contains: str
    descending: bool
    limit: int


def _loop(commit: Any, seconds: float) -> float:
    """Commits per second of `commit(n)` run back to back for `seconds`."""
    done, started = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - started) < seconds:
        commit(done)
        done += 1
    return done / elapsed


def sqlite_commits(path: str, seconds: float) -> float:
    db = sqlite3.connect(path, isolation_level=None)
    try:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=FULL")
        db.execute("CREATE TABLE IF NOT EXISTS raw (id INTEGER PRIMARY KEY, name TEXT NOT NULL, doc TEXT NOT NULL)")

        def commit(n: int) -> None:
            db.execute("BEGIN IMMEDIATE")
            db.execute("INSERT INTO raw (name, doc) VALUES (?, ?)", (f"{time.time_ns()}-{n}", DOC))
            db.execute("COMMIT")

        return _loop(commit, seconds)
    finally:
        db.close()


def pg_commits(dsn: str, seconds: float) -> float:
    import psycopg

    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(
            "CREATE TABLE IF NOT EXISTS raw (id BIGSERIAL PRIMARY KEY, name TEXT NOT NULL, doc JSONB NOT NULL)"
        )
        return _loop(
            lambda n: conn.execute("INSERT INTO raw (name, doc) VALUES (%s, %s)", (f"{time.time_ns()}-{n}", DOC)),
            seconds,
        )


def _median_ms(run: Any) -> float:
    run()
    times = []
    for _ in range(QUERY_RUNS):
        started = time.perf_counter()
        run()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def sqlite_query_ms(path: str, type_: str, q: PlainQuery) -> float:
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        member = f"json_extract(doc, '$.\"{q.field}\"')"
        sql = (
            f"SELECT id FROM {stored_table(db, type_)} WHERE type = ? AND {member} LIKE ? ESCAPE '\\' "
            f"ORDER BY {member}{' DESC' if q.descending else ''} LIMIT ?"
        )
        return _median_ms(lambda: db.execute(sql, (type_, _like(q.contains), q.limit)).fetchall())
    finally:
        db.close()


def pg_query_ms(dsn: str, type_: str, q: PlainQuery) -> float:
    import psycopg

    with psycopg.connect(dsn, autocommit=True) as conn:
        sql = (
            "SELECT id FROM objects WHERE type = %s AND doc->>%s LIKE %s "
            f"ORDER BY doc->>%s{' DESC' if q.descending else ''} LIMIT %s"
        )
        args = (type_, q.field, _like(q.contains), q.field, q.limit)
        return _median_ms(lambda: conn.execute(sql, args).fetchall())
