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
CLOSE_WAIT = 10.0  # seconds `close` lets a running ANALYZE finish, then its cancel take effect


class _Worker:
    """One ANALYZE thread: its queue, its connection, and the flag `close` raises when it waited
    long enough (what is still due is then dropped). A thread started while another is being
    closed has its own, so it never takes the other's stop nor shares its connection."""

    def __init__(self) -> None:
        self.due: queue.SimpleQueue[str | None] = queue.SimpleQueue()
        self.conn: psycopg.Connection[Any] | None = None
        self.giving_up = threading.Event()
        self.thread: threading.Thread | None = None


class Statistics:
    """`inserted` is told of each commit's new rows (on the writer thread); tables due are analyzed
    on a thread this starts when first needed; `close` waits for what is queued, within bounds."""

    def __init__(
        self, connect: Callable[[], psycopg.Connection[Any]], forget: Callable[[psycopg.Connection[Any]], None]
    ) -> None:
        self._connect, self._forget = connect, forget
        # per table: rows at its last ANALYZE (as its statistics say, read again after each one),
        # new rows this process committed since; the writer thread and the ANALYZE thread share it
        self._grown: dict[str, tuple[int, int]] = {}
        self._lock = threading.Lock()
        self._queued: set[str] = set()  # due or being analyzed: not queued twice
        self._worker: _Worker | None = None

    def inserted(self, conn: psycopg.Connection[Any], tables: dict[str, int]) -> None:
        """New rows per table, just committed on `conn` (idle: used to read a table's size once)."""
        for table, count in tables.items():
            if table not in self._grown:
                try:
                    rows = analyzed_rows(conn, table)
                except psycopg.Error as exc:  # statistics are an optimisation: never fail a write for them
                    print(f"warning: the size of {table}: {reason(exc)}", file=sys.stderr)
                    continue
                with self._lock:
                    self._grown.setdefault(table, (rows, 0))
            with self._lock:
                analyzed, grown = self._grown[table]
                grown += count
                due = grown >= max(ANALYZE_AFTER, analyzed // 2)
                self._grown[table] = (analyzed + grown, 0) if due else (analyzed, grown)
            if due:
                self._queue(table)

    def _queue(self, table: str) -> None:
        with self._lock:
            if table in self._queued:
                return
            self._queued.add(table)
            if self._worker is None:
                worker = self._worker = _Worker()
                worker.thread = threading.Thread(target=self._run, args=(worker,), name="pg-statistics", daemon=True)
                worker.thread.start()
            self._worker.due.put(table)

    def _run(self, worker: _Worker) -> None:
        while (table := worker.due.get()) is not None:
            try:
                if not worker.giving_up.is_set():
                    self._analyze(worker, table)
            finally:
                with self._lock:
                    self._queued.discard(table)

    def _analyze(self, worker: _Worker, table: str) -> None:
        """ANALYZE on the worker's connection; once more on a new one if it was found dead (a
        connection idle between ANALYZEs may have been closed by the server meanwhile)."""
        for attempt in (1, 2):
            conn = worker.conn
            try:
                if conn is None or conn.closed or conn.broken:
                    conn = worker.conn = self._connect()
                conn.execute(sql.SQL("ANALYZE {}, words").format(sql.Identifier(table)))
                rows = analyzed_rows(conn, table)
            except psycopg.Error as exc:
                if conn is not None and (conn.closed or conn.broken):
                    worker.conn = None
                    self._forget(conn)
                    if attempt == 1 and not worker.giving_up.is_set():
                        continue
                print(f"warning: ANALYZE {table}: {reason(exc)}", file=sys.stderr)
                return
            with self._lock:  # the size it found, and the rows committed while it ran
                self._grown[table] = (rows, self._grown.get(table, (0, 0))[1])
            return

    def close(self) -> None:
        """Analyzes what is due, then stops the thread (another is started if needed). An ANALYZE
        still running after CLOSE_WAIT (waiting for a lock) is cancelled and what is due dropped;
        a thread still busy after that (the server unreachable) is left behind, a daemon."""
        with self._lock:
            worker, self._worker = self._worker, None
        if worker is None or worker.thread is None:
            return
        worker.due.put(None)
        worker.thread.join(CLOSE_WAIT)
        if worker.thread.is_alive():
            worker.giving_up.set()
            if (conn := worker.conn) is not None:
                with contextlib.suppress(psycopg.Error):
                    conn.cancel_safe(timeout=CLOSE_WAIT)
            worker.thread.join(CLOSE_WAIT)
            if worker.thread.is_alive():
                print("warning: an ANALYZE did not end when cancelled; left running", file=sys.stderr)


def analyzed_rows(conn: psycopg.Connection[Any], table: str) -> int:
    """The rows a table held when its statistics were last gathered (0 if never)."""
    row = conn.execute(
        "SELECT greatest(reltuples, 0)::bigint FROM pg_class WHERE oid = to_regclass(%s)", (table,)
    ).fetchone()
    return int(row[0]) if row else 0


def reason(exc: psycopg.Error) -> str:
    """What PostgreSQL said, in one line."""
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
