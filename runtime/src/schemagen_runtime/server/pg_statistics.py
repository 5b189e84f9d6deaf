"""Planner statistics the PostgreSQL store keeps fresh itself (pgstore.py): a type's table, and the
words text conditions join with, are analyzed once the type's rows grew by half since its
statistics were gathered (ANALYZE_AFTER new rows at least), so a bulk load is queried with plans
that know its size at once, not after autovacuum's next round (a minute or more).

The size is the one the table's statistics hold, as any process left them: counted from zero, a
new process analyzed a large table again and again. ANALYZE runs on a thread and connection of its
own: on the writer's, every write waited behind it (create p99 at 10k objects 90 ms against 21),
while ANALYZE takes a lock that inserts and updates do not wait for."""

from __future__ import annotations

import contextlib
import queue
import sys
import threading
from collections.abc import Callable
from typing import Any

import psycopg
from psycopg import sql

ANALYZE_AFTER = 500  # new rows of a type that make this process refresh its statistics
CLOSE_WAIT = 10.0  # seconds `close` lets a running ANALYZE finish before cancelling it


class Statistics:
    """`inserted` is told of each commit's new rows (on the writer thread); tables due are analyzed
    on the thread this starts when first needed; `close` waits for what is queued."""

    def __init__(self, connect: Callable[[], psycopg.Connection[Any]]) -> None:
        self._connect = connect
        self._grown: dict[str, tuple[int, int]] = {}  # per table: rows at its last ANALYZE, new since
        self._lock = threading.Lock()
        self._due: queue.SimpleQueue[str | None] = queue.SimpleQueue()
        self._queued: set[str] = set()  # due or being analyzed: not queued twice
        self._thread: threading.Thread | None = None
        self._conn: psycopg.Connection[Any] | None = None  # the thread's
        self._giving_up = False  # close() waited long enough: what is still due is dropped

    def inserted(self, conn: psycopg.Connection[Any], tables: dict[str, int]) -> None:
        """New rows per table, just committed on `conn` (idle: used to read a table's size once)."""
        for table, count in tables.items():
            if table not in self._grown:
                try:
                    self._grown[table] = (analyzed_rows(conn, table), 0)
                except psycopg.Error as exc:  # statistics are an optimisation: never fail a write for them
                    print(f"warning: the size of {table}: {reason(exc)}", file=sys.stderr)
                    continue
            analyzed, grown = self._grown[table]
            grown += count
            if grown < max(ANALYZE_AFTER, analyzed // 2):
                self._grown[table] = (analyzed, grown)
            else:
                self._grown[table] = (analyzed + grown, 0)
                self._queue(table)

    def _queue(self, table: str) -> None:
        with self._lock:
            if table in self._queued:
                return
            self._queued.add(table)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="pg-statistics", daemon=True)
                self._thread.start()
        self._due.put(table)

    def _run(self) -> None:
        while (table := self._due.get()) is not None:
            if self._giving_up:
                with self._lock:
                    self._queued.discard(table)
                continue
            try:
                conn = self._conn
                if conn is None or conn.closed or conn.broken:
                    conn = self._conn = self._connect()
                conn.execute(sql.SQL("ANALYZE {}, words").format(sql.Identifier(table)))
            except psycopg.Error as exc:
                print(f"warning: ANALYZE {table}: {reason(exc)}", file=sys.stderr)
            finally:
                with self._lock:
                    self._queued.discard(table)

    def close(self) -> None:
        """Analyzes what is due, then stops the thread (started again when needed: after a fork).
        An ANALYZE still running after CLOSE_WAIT (waiting for a lock) is cancelled: statistics
        never hold up a shutdown for long."""
        with self._lock:
            thread, self._thread = self._thread, None
        if thread is None:
            return
        self._due.put(None)
        thread.join(CLOSE_WAIT)
        if thread.is_alive():
            self._giving_up = True
            if (conn := self._conn) is not None:
                with contextlib.suppress(psycopg.Error):
                    conn.cancel_safe()
            thread.join()
        self._giving_up = False


def analyzed_rows(conn: psycopg.Connection[Any], table: str) -> int:
    """The rows a table held when its statistics were last gathered (0 if never)."""
    row = conn.execute(
        "SELECT greatest(reltuples, 0)::bigint FROM pg_class WHERE oid = to_regclass(%s)", (table,)
    ).fetchone()
    return int(row[0]) if row else 0


def reason(exc: psycopg.Error) -> str:
    """What PostgreSQL said, in one line."""
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
