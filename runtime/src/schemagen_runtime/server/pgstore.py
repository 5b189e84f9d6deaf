"""The PostgreSQL store (store_api.Store, `DB=postgresql://user@host:port/db`): one row per object
with the document twice, its exact JSON text (`body`, what `get` returns: member order and U+0000
kept) and JSONB (`doc`, what queries and the expression indexes read); side tables for references,
unique keys and words, as in the SQLite store. Tables live in the connection's current schema, so a
DSN's `options=-csearch_path=NAME` keeps several stores in one database.

`objects` is partitioned by type: each type with filterable or sortable fields has a partition of
its own carrying that type's expression indexes (pg_sql.py), so a write opens only its type's
indexes, and a query names its type as a literal so the planner reads that partition alone; other
types share the default partition. Queries are planned for their values each time (not prepared),
and a type that grew by half since its last ANALYZE is analyzed after the commit, on a connection of
its own (pg_statistics.py), so a bulk load is queried through its indexes at once.

Threads: the event loop never touches the database. One writer thread owns the write connection:
it takes every write unit waiting in its queue, runs each in its own savepoint inside one
transaction and commits them together (group commit: one WAL flush for all of them); a unit's
awaitable completes only after that COMMIT returned, and `synchronous_commit` (on unless the
server was told otherwise) makes it durable. Reads run on a small pool of reader threads, each
with its own connection, in a REPEATABLE READ READ ONLY transaction: one snapshot per unit, never
waiting behind a writer (MVCC).

Round trips are what a unit costs here, so few are made: BEGIN, SAVEPOINT and RELEASE travel with
the next statement (psycopg's pipeline mode), `put` is one statement, a state row locked by the
transaction is bumped without waiting, and ids are fetched from the sequence ID_BLOCK at a time.
A read unit fetches a type's state with its first read of the type, and its COMMIT travels with
the reader's next unit, or is sent as soon as no read waits (so no snapshot outlives the load):
a get or a query under load is one round trip.

Several processes and machines: nothing is cached between transactions; ids come from a sequence;
states are rows of `states`. Writers run at READ COMMITTED with row locks rather than SERIALIZABLE,
where any overlap between two units fails one of them and it must run again; with locks, units
wait for each other instead, and one runs again only after a deadlock or a lost connection:
- `state(type, for_update=True)` locks the type's state row until the commit, so writers of one
  type take turns and each sees the last one's committed changes (ifInState holds, no lost update);
- unique keys are rows of `keys` under a primary key: a second inserter of a key waits for the
  first to commit, then finds it taken (`KeyTaken`);
- a foreign key holds both ways: in a write unit `exists` locks the target row FOR KEY SHARE and
  `referrers` locks it FOR UPDATE before counting, so a destroy and a new reference to the same
  object take turns, and whichever comes second sees the other's commit.
A unit that PostgreSQL aborts for a deadlock between processes (possible when units of several
types share a batch) is rolled back to its savepoint and run again in the next batch, as PostgreSQL
advises for such errors; after a few tries its error goes to the caller. A batch whose connection
the server dropped before its COMMIT was sent (a restart) runs again on a new connection; a reader
does the same. A COMMIT whose outcome is unknown is never repeated: its error goes to the caller.
"""

from __future__ import annotations

import contextlib
import json
import sys
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from functools import partial
from typing import Any, TypeVar
from urllib.parse import urlsplit

import psycopg
from psycopg import errors, sql
from psycopg.pq import TransactionStatus

from .jsonio import to_text
from .pg_sql import expression_indexes, matching_sql, order_sql, partition_name, pg_json, pg_text, prefix_end
from .pg_statistics import Statistics, reason
from .savepoints import Savepoints
from .sqlite_store import encode_id
from .store_api import (
    FEW_WORDS,
    AnchorNotFound,
    Doc,
    IndexEntries,
    Indexer,
    KeyTaken,
    Query,
    QueryResult,
    ReadOnly,
    StoreError,
    UniqueKey,
    rare_words,
)
from .workers import Job, ThreadedStore

T = TypeVar("T")

_SCHEMA = """
CREATE SEQUENCE IF NOT EXISTS object_ids;
CREATE SEQUENCE IF NOT EXISTS object_seq;
CREATE TABLE IF NOT EXISTS objects (
    type TEXT NOT NULL,
    id TEXT NOT NULL,
    seq BIGINT NOT NULL DEFAULT nextval('object_seq'),
    body TEXT NOT NULL,
    doc JSONB NOT NULL,
    PRIMARY KEY (type, id)
) PARTITION BY LIST (type);
CREATE TABLE IF NOT EXISTS objects_other PARTITION OF objects DEFAULT;
CREATE INDEX IF NOT EXISTS objects_by_seq ON objects (type, seq);
CREATE TABLE IF NOT EXISTS states (type TEXT PRIMARY KEY, value BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS refs (
    target_type TEXT NOT NULL,
    target_id TEXT NOT NULL,
    source_type TEXT NOT NULL,
    source_id TEXT NOT NULL,
    PRIMARY KEY (target_type, target_id, source_type, source_id)
);
CREATE INDEX IF NOT EXISTS refs_by_source ON refs (source_type, source_id);
CREATE TABLE IF NOT EXISTS keys (
    namespace TEXT NOT NULL,
    value TEXT NOT NULL,
    type TEXT NOT NULL,
    id TEXT NOT NULL,
    PRIMARY KEY (namespace, value)
);
CREATE INDEX IF NOT EXISTS keys_by_owner ON keys (type, id);
CREATE TABLE IF NOT EXISTS words (
    type TEXT NOT NULL,
    idx TEXT NOT NULL,
    word TEXT COLLATE "C" NOT NULL,
    id TEXT NOT NULL,
    PRIMARY KEY (type, idx, word, id)
);
CREATE INDEX IF NOT EXISTS words_by_owner ON words (type, id);
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
"""

CONFLICT_RETRIES = 5  # runs of a unit aborted by a deadlock or serialization failure
CONNECT_TIMEOUT = 10  # seconds
INDEX_LAYOUT = "pg-side-tables-1"  # bump when what the side tables hold changes
SETUP_LOCK = 0x5C4E_6A17  # advisory lock key: one process at a time prepares the tables
CONFLICTS = (errors.DeadlockDetected, errors.SerializationFailure)


BEGIN_READ = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"  # one snapshot for the whole unit
BEGIN_WRITE = "BEGIN"  # READ COMMITTED: each statement sees what others committed before it

# put: keys first; the document, its stale entries' removal and its new entries only if every key
# was free. Sub-statements share one snapshot, so each removal leaves out what the insert adds.
# Parts with nothing to do are left out (a new object has no stale entries; most have no keys).
_PUT_KEYS = """k AS (
    INSERT INTO keys (namespace, value, type, id)
    SELECT ns, v, %(t)s, %(i)s FROM unnest(%(kns)s::text[], %(kv)s::text[]) AS u(ns, v)
    ON CONFLICT (namespace, value) DO UPDATE SET id = keys.id
    WHERE keys.type = EXCLUDED.type AND keys.id = EXCLUDED.id
    RETURNING namespace, value, xmax = 0 AS fresh
), free AS (SELECT count(*) = %(nkeys)s AS ok FROM k)"""
_PUT_FREE = "free AS (SELECT TRUE AS ok)"
_PUT_DOC = """o AS (
    INSERT INTO objects (type, id, body, doc) SELECT %(t)s, %(i)s, %(body)s, %(doc)s::jsonb FROM free WHERE ok
    ON CONFLICT (type, id) DO UPDATE SET body = EXCLUDED.body, doc = EXCLUDED.doc
)"""
_PUT_STALE = """stale_keys AS (
    DELETE FROM keys WHERE type = %(t)s AND id = %(i)s AND (SELECT ok FROM free)
    AND (namespace, value) NOT IN (SELECT * FROM unnest(%(kns)s::text[], %(kv)s::text[]))
), stale_refs AS (
    DELETE FROM refs WHERE source_type = %(t)s AND source_id = %(i)s AND (SELECT ok FROM free)
    AND (target_type, target_id) NOT IN (SELECT * FROM unnest(%(rt)s::text[], %(ri)s::text[]))
), stale_words AS (
    DELETE FROM words WHERE type = %(t)s AND id = %(i)s AND (SELECT ok FROM free)
    AND (idx, word) NOT IN (SELECT * FROM unnest(%(wx)s::text[], %(ww)s::text[]))
)"""
_PUT_REFS = """new_refs AS (
    INSERT INTO refs (target_type, target_id, source_type, source_id)
    SELECT x, y, %(t)s, %(i)s FROM unnest(%(rt)s::text[], %(ri)s::text[]) AS u(x, y) WHERE (SELECT ok FROM free)
    ON CONFLICT DO NOTHING
)"""
_PUT_WORDS = """new_words AS (
    INSERT INTO words (type, idx, word, id)
    SELECT %(t)s, x, w, %(i)s FROM unnest(%(wx)s::text[], %(ww)s::text[]) AS u(x, w) WHERE (SELECT ok FROM free)
    ON CONFLICT DO NOTHING
)"""


def put_statement(keys: bool, fresh: bool, refs: bool, words: bool) -> str:
    parts = [_PUT_KEYS if keys else _PUT_FREE, _PUT_DOC]
    parts += [] if fresh else [_PUT_STALE]
    parts += ([_PUT_REFS] if refs else []) + ([_PUT_WORDS] if words else [])
    result = "SELECT namespace, value, fresh FROM k" if keys else "SELECT NULL, NULL, NULL WHERE FALSE"
    return "WITH " + ",\n".join(parts) + "\n" + result


ID_BLOCK = 32  # ids fetched from the sequence at a time


class IdBlock:
    """Numbers of the id sequence fetched ahead, shared by a process's units: one round trip per
    ID_BLOCK new objects. Unused ones are never handed out (a sequence never repeats)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._free: list[int] = []

    def take(self, session: PgSession) -> int:
        with self._lock:
            if not self._free:
                self._free = sorted(session.next_values(ID_BLOCK), reverse=True)
            return self._free.pop()

    def clear(self) -> None:
        with self._lock:
            self._free = []


def describe(dsn: str) -> str:
    """The DSN without its password, for messages."""
    try:
        url = urlsplit(dsn)
        user = f"{url.username}@" if url.username else ""
        port = f":{url.port}" if url.port else ""
        return f"{url.scheme}://{user}{url.hostname or ''}{port}{url.path}"
    except ValueError:
        return "postgresql://..."


def _loads(text: str) -> Doc:
    value: Doc = json.loads(text)
    return value


class PgSession:
    """store_api.Session on one connection, inside the transaction its unit runs in."""

    def __init__(self, conn: psycopg.Connection[Any], store: PgStore, writable: bool) -> None:
        self.conn = conn
        self.indexer = store.indexer
        self.writable = writable
        self.icu = store.icu  # an ICU collation is there for unicode-casemap
        self.conflicted = False  # PostgreSQL aborted a statement for a deadlock: run the unit again
        self._ids = store.ids
        self._fresh: set[str] = set()  # ids minted in this transaction: no older entries to remove
        self.inserted: dict[str, int] = {}  # new objects per type since the writer last looked
        self._savepoints = Savepoints(self._savepoint_command)
        # commands whose outcome nothing waits for (BEGIN, SAVEPOINT, RELEASE): sent in one round
        # trip with the next statement that returns something (psycopg's pipeline mode)
        self._pending: list[tuple[Any, Any]] = []
        # state rows this transaction has locked, with their value as it stands in it: read and
        # bumped without waiting for the database (forgotten when a savepoint rolls back); in a
        # read unit, the states its snapshot holds, fetched along with its first read of the type
        self._states: dict[str, int] = {}

    def defer(self, command: Any, params: Any = None) -> None:
        if self.writable:
            self._savepoints.wrote()
        self._pending.append((command, params))

    def begin_write(self) -> None:
        """A write transaction: its BEGIN is sent with its first statement."""
        self._savepoints.reset()
        self.defer(BEGIN_WRITE)

    def begin_unit(self) -> None:
        self.conflicted = False

    def begin_read(self) -> None:
        """A read unit: its BEGIN is sent with its first statement; nothing of an earlier one is kept."""
        self._states.clear()
        self.defer(BEGIN_READ)

    def finish(self, lazy: bool = False) -> None:
        """COMMIT, or nothing when no statement ran (the BEGIN is still pending). `lazy` (a read
        unit, whose COMMIT cannot change anything): the COMMIT is deferred, to travel with the
        connection's next statement or `flush`, a round trip saved per read under load."""
        self._states.clear()
        self._fresh.clear()
        begun = next((i for i, (command, _) in enumerate(self._pending) if command in (BEGIN_READ, BEGIN_WRITE)), None)
        if begun is not None:  # no statement since BEGIN: nothing to commit (an earlier lazy COMMIT stays)
            del self._pending[begun:]
            return
        if lazy:
            self.defer("COMMIT")
        elif self._execute("COMMIT").statusmessage == "ROLLBACK":
            # PostgreSQL ends a transaction in error with a rollback, and psycopg raises nothing:
            # none of it was kept, which every unit of it must hear
            raise StoreError("a database statement failed and the transaction was rolled back; nothing was kept")

    def flush(self) -> None:
        """Sends what is deferred (a read unit's lazy COMMIT)."""
        if self._pending:
            pending, self._pending = self._pending, []
            with self.conn.pipeline():
                for command, arguments in pending:
                    self.conn.execute(command, arguments)

    def abandon(self) -> None:
        self._pending.clear()
        self._states.clear()
        self._fresh.clear()
        if self.conn.info.transaction_status != TransactionStatus.IDLE:
            self.conn.execute("ROLLBACK")

    def _execute(self, query: Any, params: Any = None, prepare: bool | None = None) -> psycopg.Cursor[Any]:
        """`prepare=False`: planned for these values each time (a query's best plan depends on them).
        In a write session, any statement may change something (or lock it): Savepoints is told."""
        if self.writable:
            self._savepoints.wrote()
        return self._run(query, params, prepare)

    def _run(self, query: Any, params: Any = None, prepare: bool | None = None) -> psycopg.Cursor[Any]:
        try:
            if not self._pending:
                return self.conn.execute(query, params, prepare=prepare)
            pending, self._pending = self._pending, []
            with self.conn.pipeline():
                for command, arguments in pending:
                    self.conn.execute(command, arguments)
                cursor = self.conn.execute(query, params, prepare=prepare)
            return cursor
        except CONFLICTS:
            self.conflicted = True
            raise

    def _read(self, type_: str, query: Any, params: Any = None, prepare: bool | None = None) -> psycopg.Cursor[Any]:
        """`_execute` for a read of `type_`'s objects; in a read unit, the type's state travels in the
        same round trip (get and query answer with it; one snapshot, so it is the state `state` reads)."""
        if self.writable or type_ in self._states:
            return self._execute(query, params, prepare)
        pending, self._pending = self._pending, []
        try:
            with self.conn.pipeline():
                for command, arguments in pending:
                    self.conn.execute(command, arguments)
                state = self.conn.execute("SELECT value FROM states WHERE type = %s", (type_,))
                cursor = self.conn.execute(query, params, prepare=prepare)
        except CONFLICTS:
            self.conflicted = True
            raise
        row = state.fetchone()
        self._states[type_] = int(row[0]) if row else 0
        return cursor

    def _scalar(self, query: Any, params: Any = None, prepare: bool | None = None) -> Any:
        row = self._execute(query, params, prepare).fetchone()
        return None if row is None else row[0]

    # -- reads --------------------------------------------------------------------------------------

    def get(self, type_: str, obj_id: str) -> Doc | None:
        if "\x00" in obj_id:  # no stored id holds one (and PostgreSQL text cannot)
            return None
        row = self._read(type_, "SELECT body FROM objects WHERE type = %s AND id = %s", (type_, obj_id)).fetchone()
        return None if row is None else _loads(row[0])

    def get_many(self, type_: str, ids: list[str]) -> dict[str, Doc]:
        return {obj_id: _loads(text) for obj_id, text in self.get_texts(type_, ids).items()}

    def get_texts(self, type_: str, ids: list[str]) -> dict[str, str]:
        wanted = [i for i in ids if "\x00" not in i]
        rows = self._read(type_, "SELECT id, body FROM objects WHERE type = %s AND id = ANY(%s)", (type_, wanted))
        return {row[0]: row[1] for row in rows}

    def exists(self, type_: str, obj_id: str) -> bool:
        if "\x00" in obj_id:
            return False
        # in a write unit the row stays until this unit commits: a reference made now stays valid
        lock = " FOR KEY SHARE" if self.writable else ""
        sql_text = "SELECT 1 FROM objects WHERE type = %s AND id = %s" + lock
        return self._execute(sql_text, (type_, obj_id)).fetchone() is not None

    def all(self, type_: str, limit: int | None = None) -> list[tuple[str, Doc]]:
        rows = self._read(type_, "SELECT id, body FROM objects WHERE type = %s ORDER BY seq LIMIT %s", (type_, limit))
        return [(row[0], _loads(row[1])) for row in rows]

    def query(self, query: Query) -> QueryResult:
        params: list[Any] = []
        rare = rare_words(query, partial(self._count_words, query.type))
        matching = matching_sql(query, params, "id, seq, doc", rare)
        order = order_sql(query.sort, self.icu)
        total: int | None = None
        if query.calculate_total or (query.anchor is None and query.position < 0):
            count = sql.SQL("SELECT count(*) FROM ({}) AS m").format(matching)
            counted = self._read(query.type, count, params, prepare=False).fetchone()
            total = int(counted[0]) if counted else 0
        if query.anchor is not None:
            ranked = sql.SQL("SELECT id, row_number() OVER (ORDER BY {}) - 1 AS rn FROM ({}) AS m").format(
                order, matching
            )
            find = sql.SQL("SELECT rn FROM ({}) AS r WHERE id = %s").format(ranked)
            row = self._read(query.type, find, (*params, pg_text(query.anchor)), prepare=False).fetchone()
            if row is None:
                raise AnchorNotFound(query.anchor)
            start = max(0, int(row[0]) + query.anchor_offset)
        elif query.position < 0:
            start = max(0, (total or 0) + query.position)
        else:
            start = query.position
        page = sql.SQL("SELECT id FROM ({}) AS m ORDER BY {} LIMIT %s OFFSET %s").format(matching, order)
        ids = [r[0] for r in self._read(query.type, page, (*params, query.limit, start), prepare=False)]
        return QueryResult(ids, start, total)

    def _count_words(self, type_: str, index: str, word: str) -> int:
        """How many words of the type's `index` begin with `word`, counted to FEW_WORDS at most."""
        word = pg_text(word)
        end = prefix_end(word)
        upper = " AND word < %s" if end else ""
        count = f"SELECT count(*) FROM (SELECT 1 FROM words WHERE type = %s AND idx = %s AND word >= %s{upper} LIMIT %s) AS w"
        row = self._read(type_, count, (type_, index, word, *((end,) if end else ()), FEW_WORDS)).fetchone()
        return int(row[0]) if row else 0

    def state(self, type_: str, for_update: bool = False) -> str:
        if type_ in self._states:
            return str(self._states[type_])
        if not (for_update and self.writable):
            row = self._execute("SELECT value FROM states WHERE type = %s", (type_,)).fetchone()
            return str(int(row[0]) if row else 0)
        # the row must exist to be locked; a concurrent first insert is waited for, then kept
        locking = "SELECT value FROM states WHERE type = %s FOR UPDATE"
        row = self._execute(locking, (type_,)).fetchone()
        if row is None:
            self._execute("INSERT INTO states (type, value) VALUES (%s, 0) ON CONFLICT DO NOTHING", (type_,))
            row = self._execute(locking, (type_,)).fetchone()
        value = self._states[type_] = int(row[0]) if row else 0
        return str(value)

    def referrers(self, target_type: str, target_id: str) -> dict[str, int]:
        if self.writable:  # a reference being made to it now commits first, and is counted
            self._execute("SELECT 1 FROM objects WHERE type = %s AND id = %s FOR UPDATE", (target_type, target_id))
        rows = self._execute(
            "SELECT source_type, count(*) FROM refs WHERE target_type = %s AND target_id = %s "
            "AND NOT (source_type = %s AND source_id = %s) GROUP BY source_type ORDER BY source_type",
            (target_type, target_id, target_type, target_id),
        )
        return {source_type: int(count) for source_type, count in rows}

    def referring_ids(self, target_type: str, target_id: str, source_type: str, limit: int) -> list[str]:
        rows = self._execute(
            "SELECT source_id FROM refs WHERE target_type = %s AND target_id = %s AND source_type = %s "
            'AND NOT (source_type = %s AND source_id = %s) ORDER BY source_id COLLATE "C" LIMIT %s',
            (target_type, target_id, source_type, target_type, target_id, limit),
        )
        return [r[0] for r in rows]

    def key_owner(self, key: UniqueKey) -> tuple[str, str] | None:
        sql_text = "SELECT type, id FROM keys WHERE namespace = %s AND value = %s"
        row = self._execute(sql_text, (pg_text(key.namespace), pg_text(key.value))).fetchone()
        return None if row is None else (row[0], row[1])

    # -- writes -------------------------------------------------------------------------------------

    def _writing(self) -> None:
        if not self.writable:
            raise ReadOnly("a change inside a read unit")

    def savepoint(self) -> AbstractContextManager[None]:
        self._writing()
        return self._savepoints.enter()

    def _savepoint_command(self, command: str, rollback: bool) -> None:
        if rollback:  # at once: the transaction may be in error, and states it read are undone
            self._states.clear()
            self._run(command)
        else:
            self._pending.append((command, None))

    def put(self, type_: str, obj_id: str, doc: Doc) -> None:
        """One statement: the keys claimed first, and the document and its entries written only if
        every key was free (else the keys claimed just now are given back and KeyTaken raised)."""
        self._writing()
        body = to_text(doc)
        # the JSONB copy: the same text unless a string holds U+0000, which JSONB cannot
        searchable = body if "\\u0000" not in body else to_text(pg_json(doc))
        entries = self.indexer.entries(type_, doc)
        wanted = {(pg_text(k.namespace), pg_text(k.value)): k for k in entries.keys}
        refs = sorted({(pg_text(t), pg_text(i)) for t, i in entries.refs})
        words = sorted({(idx, pg_text(w)) for idx, w in entries.words})
        fresh = obj_id in self._fresh
        if fresh:
            self.inserted[type_] = self.inserted.get(type_, 0) + 1
        statement = put_statement(bool(wanted), fresh, bool(refs), bool(words))
        rows = self._execute(
            statement,
            {
                "t": type_,
                "i": obj_id,
                "body": body,
                "doc": searchable,
                "kns": [ns for ns, _ in wanted],
                "kv": [v for _, v in wanted],
                "nkeys": len(wanted),
                "rt": [t for t, _ in refs],
                "ri": [i for _, i in refs],
                "wx": [x for x, _ in words],
                "ww": [w for _, w in words],
            },
        ).fetchall()
        held = {(r[0], r[1]) for r in rows}
        missing = [pair for pair in wanted if pair not in held]
        if missing:
            claimed = [(r[0], r[1]) for r in rows if r[2]]  # inserted just now: given back
            if claimed:
                self._execute(
                    "DELETE FROM keys WHERE (namespace, value) IN (SELECT * FROM unnest(%s::text[], %s::text[]))",
                    ([ns for ns, _ in claimed], [v for _, v in claimed]),
                )
            key = wanted[missing[0]]
            raise KeyTaken(key, *(self.key_owner(key) or ("", "")))

    def reindex(self, type_: str, obj_id: str, entries: IndexEntries) -> None:
        """Entries of a stored document into emptied side tables; a key already held stays with its holder."""
        refs = sorted({(pg_text(t), pg_text(i)) for t, i in entries.refs})
        words = sorted({(idx, pg_text(w)) for idx, w in entries.words})
        self._execute(
            "WITH k AS (INSERT INTO keys (namespace, value, type, id) SELECT ns, v, %(t)s, %(i)s "
            "FROM unnest(%(kns)s::text[], %(kv)s::text[]) AS u(ns, v) ON CONFLICT DO NOTHING), "
            "r AS (INSERT INTO refs (target_type, target_id, source_type, source_id) SELECT x, y, %(t)s, %(i)s "
            "FROM unnest(%(rt)s::text[], %(ri)s::text[]) AS u(x, y) ON CONFLICT DO NOTHING) "
            "INSERT INTO words (type, idx, word, id) SELECT %(t)s, x, w, %(i)s "
            "FROM unnest(%(wx)s::text[], %(ww)s::text[]) AS u(x, w) ON CONFLICT DO NOTHING",
            {
                "t": type_,
                "i": obj_id,
                "kns": [pg_text(k.namespace) for k in entries.keys],
                "kv": [pg_text(k.value) for k in entries.keys],
                "rt": [t for t, _ in refs],
                "ri": [i for _, i in refs],
                "wx": [x for x, _ in words],
                "ww": [w for _, w in words],
            },
        )

    def delete(self, type_: str, obj_id: str) -> bool:
        self._writing()
        if "\x00" in obj_id:
            return False
        row = self._execute(
            "WITH gone AS (DELETE FROM objects WHERE type = %(t)s AND id = %(i)s RETURNING 1), "
            "r AS (DELETE FROM refs WHERE source_type = %(t)s AND source_id = %(i)s), "
            "k AS (DELETE FROM keys WHERE type = %(t)s AND id = %(i)s), "
            "w AS (DELETE FROM words WHERE type = %(t)s AND id = %(i)s) "
            "SELECT count(*) FROM gone",
            {"t": type_, "i": obj_id},
        ).fetchone()
        return bool(row and row[0])

    def new_id(self) -> str:
        self._writing()
        new = encode_id(self._ids.take(self))
        self._fresh.add(new)
        return new

    def next_values(self, count: int) -> list[int]:
        """`count` numbers of the id sequence, never handed out again (a sequence ignores rollbacks)."""
        rows = self._execute("SELECT nextval('object_ids') FROM generate_series(1, %s)", (count,))
        return [int(r[0]) for r in rows]

    def bump_state(self, type_: str) -> str:
        self._writing()
        if type_ in self._states:  # locked by this transaction: the new value is known, the UPDATE waits
            value = self._states[type_] = self._states[type_] + 1
            self.defer("UPDATE states SET value = %s WHERE type = %s", (value, type_))
            return str(value)
        value = self._states[type_] = int(
            self._scalar(
                "INSERT INTO states (type, value) VALUES (%s, 1) ON CONFLICT (type) "
                "DO UPDATE SET value = states.value + 1 RETURNING value",
                (type_,),
            )
        )
        return str(value)

    # -- start-up -----------------------------------------------------------------------------------

    def _partition(self, type_: str) -> str:
        """The type's own partition of `objects`, made (and given the type's rows from the default
        partition) if missing: an insert then opens only that type's indexes, not every type's."""
        name = partition_name(type_)
        if self._scalar("SELECT to_regclass(%s)", (name,)) is None:
            table = sql.Identifier(name)
            self._execute(sql.SQL("CREATE TABLE {} (LIKE objects INCLUDING DEFAULTS)").format(table))
            self._execute(sql.SQL("INSERT INTO {} SELECT * FROM objects_other WHERE type = %s").format(table), (type_,))
            self._execute("DELETE FROM objects_other WHERE type = %s", (type_,))
            attach = sql.SQL("ALTER TABLE objects ATTACH PARTITION {} FOR VALUES IN ({})")
            self._execute(attach.format(table, sql.Literal(type_)))
        return name

    def prepare(self) -> None:
        """Tables, expression indexes for the schema's filterable/sortable fields, and the side
        tables rebuilt when the indexer derives them differently from the last run (a new schema).
        Under an advisory lock: processes starting together prepare one after the other."""
        self._execute("SELECT pg_advisory_xact_lock(%s)", (SETUP_LOCK,))
        self.conn.execute(_SCHEMA)  # several statements: the simple query protocol, no pipeline
        wanted: dict[str, sql.Composable] = {}
        for type_, fields in self.indexer.indexed_fields().items():
            table = self._partition(type_)
            for field in fields:
                wanted.update(expression_indexes(table, type_, field))
        existing = {
            r[0]
            for r in self._execute(
                "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() AND indexname LIKE 'px\\_%'"
            )
        }
        for name in sorted(existing - wanted.keys()):
            self._execute(sql.SQL("DROP INDEX {}").format(sql.Identifier(name)))
        for name in sorted(wanted.keys() - existing):
            self._execute(wanted[name])
        layout = f"{INDEX_LAYOUT} {self.indexer.layout()}"
        row = self._execute("SELECT value FROM meta WHERE name = 'index_layout'").fetchone()
        if row is not None and row[0] == layout:
            return
        self._execute("TRUNCATE refs, keys, words")
        for type_, obj_id, body in self._execute("SELECT type, id, body FROM objects ORDER BY seq").fetchall():
            # data stored under an older schema may break a key it now declares: kept, the first holder wins
            self.reindex(type_, obj_id, self.indexer.entries(type_, _loads(body)))
        self._execute(
            "INSERT INTO meta (name, value) VALUES ('index_layout', %s) ON CONFLICT (name) DO UPDATE "
            "SET value = EXCLUDED.value",
            (layout,),
        )


class PgStore(ThreadedStore[PgSession]):
    """store_api.Store on one PostgreSQL database."""

    # a read waits on round trips, so more run at once than on SQLite; but every thread running
    # Python contends for the GIL: measured (bench/) with 2, 4 and 8, 4 served gets and queries best
    readers = 4

    thread_name = "pg"

    def __init__(self, dsn: str, indexer: Indexer) -> None:
        self.dsn = dsn
        self.indexer = indexer
        self.ids = IdBlock()
        self.icu = False
        self._partitioned = set(indexer.indexed_fields())  # types with a partition of their own
        self.statistics = Statistics(self._connect, self._forget)
        self._start_workers()
        self._local = threading.local()
        self._connections: list[psycopg.Connection[Any]] = []
        self._write_session: PgSession | None = None
        try:
            conn = self._connect()
            row = conn.execute("SELECT count(*) FROM pg_collation WHERE collname = 'und-x-icu'").fetchone()
            self.icu = bool(row and row[0])
            session = PgSession(conn, self, writable=True)
            conn.execute(BEGIN_WRITE)
            session.prepare()
            conn.execute("COMMIT")
            self._write_session = session  # the writer thread's, from its first unit on
        except psycopg.Error as exc:
            self.close()
            raise StoreError(f"database {describe(dsn)} cannot be opened: {reason(exc)}") from None
        except BaseException:
            self.close()
            raise

    def _connect(self) -> psycopg.Connection[Any]:
        conn = psycopg.connect(self.dsn, autocommit=True, connect_timeout=CONNECT_TIMEOUT)
        with self._lock:
            self._connections.append(conn)
        return conn

    def _forget(self, conn: psycopg.Connection[Any]) -> None:
        with self._lock:
            if conn in self._connections:
                self._connections.remove(conn)
        conn.close()

    # -- reads --------------------------------------------------------------------------------------

    def _reader_session(self) -> PgSession:
        session: PgSession | None = getattr(self._local, "session", None)
        if session is None or session.conn.closed or session.conn.broken:
            if session is not None:
                self._forget(session.conn)
            session = self._local.session = PgSession(self._connect(), self, writable=False)
        return session

    def _run_read(self, work: Callable[[PgSession], T]) -> T:
        for attempt in (1, 2):
            session = self._reader_session()
            session.begin_read()
            try:
                result = work(session)
                session.finish(lazy=True)  # committed with the next read, or when none is waiting
                return result
            except psycopg.OperationalError:
                # a connection the server dropped (a restart): the read runs once more on a new one
                if not session.conn.broken or attempt == 2:
                    raise
            except BaseException:
                if not session.conn.broken:
                    session.abandon()
                raise
        raise AssertionError("unreachable")

    def _read_batch(self, jobs: list[Job[PgSession]]) -> None:
        """The batch in one snapshot (workers.ThreadedStore._read_batch): one BEGIN, each type's state
        fetched once, one lazy COMMIT. A unit that leaves the transaction failed (a statement's
        error it went on from) gets a new one for the units after it; a lost connection sends the
        rest through `_run_read`, which runs a unit again on a new one."""
        session: PgSession | None = None
        for done, job in enumerate(jobs):
            try:
                if session is None or session.conn.info.transaction_status == TransactionStatus.INERROR:
                    if session is not None:
                        with contextlib.suppress(psycopg.Error):
                            session.abandon()
                    session = self._reader_session()
                    session.begin_read()
                job.succeed(job.work(session))
            except BaseException as exc:
                if session is None or session.conn.broken:  # no connection, or one lost: each unit alone
                    for rest in jobs[done:]:
                        try:
                            rest.succeed(self._run_read(rest.work))
                        except BaseException as again:  # the caller's to handle
                            rest.fail(again)
                    return
                job.fail(exc)
        if session is None:
            return
        if session.conn.info.transaction_status == TransactionStatus.INERROR:
            with contextlib.suppress(psycopg.Error):
                session.abandon()
        else:
            session.finish(lazy=True)  # committed with the next read, or when none is waiting

    def _reader_idle(self) -> None:
        """No read waits: this thread's lazy COMMIT goes now, so no snapshot is held while idle."""
        session: PgSession | None = getattr(self._local, "session", None)
        if session is None or session.conn.closed:
            return
        try:
            session.flush()
        except psycopg.Error:  # a lost connection is replaced by the next read; else the transaction ends
            if not session.conn.broken:
                with contextlib.suppress(psycopg.Error):
                    session.abandon()

    # -- writes -------------------------------------------------------------------------------------

    def _writing_session(self) -> PgSession:
        session = self._write_session
        if session is None or session.conn.closed or session.conn.broken:
            if session is not None:
                self._forget(session.conn)
            session = self._write_session = PgSession(self._connect(), self, writable=True)
        return session

    def _commit_batch(self, batch: list[Job[PgSession]]) -> list[Job[PgSession]]:
        """Runs and commits the batch; returns the units to run again: one aborted by a deadlock,
        or all of them when the connection was lost before the COMMIT was sent (so nothing of
        them was kept: a server restart costs a retry, not an error)."""
        outcomes: list[tuple[Job[PgSession], bool, Any]] = []
        retry: list[Job[PgSession]] = []
        session: PgSession | None = None
        committing = False
        try:
            session = self._writing_session()
            session.begin_write()
            for job in batch:
                session.begin_unit()
                try:
                    with session.savepoint():
                        value = job.work(session)
                        failed = session.conn.info.transaction_status == TransactionStatus.INERROR
                        if session.conflicted or failed:
                            # a statement failed and the unit went on (a call's error is answered
                            # as serverFail): what ran after it did not, so none of the unit is kept
                            raise StoreError("a database statement of this request failed; nothing was kept")
                    outcomes.append((job, True, value))
                except BaseException as exc:  # this unit alone is rolled back; the others still commit
                    if session.conn.broken:
                        raise
                    job.tries += 1
                    if session.conflicted and job.tries < CONFLICT_RETRIES:
                        retry.append(job)
                    else:
                        outcomes.append((job, False, exc))
            committing = True
            session.finish()
        except BaseException as exc:  # BEGIN or COMMIT failed, or the connection: nothing of the batch is kept
            broken = session is None or session.conn.broken
            if not broken and session is not None:
                try:
                    session.abandon()
                except psycopg.Error:
                    session.conn.close()  # reopened for the next batch
            again = []
            for job in batch:
                job.tries += 1
                if broken and not committing and job.tries < CONFLICT_RETRIES:
                    again.append(job)
                else:
                    job.fail(exc)
            return again
        for job, ok, value in outcomes:
            if ok:
                job.succeed(value)
            else:
                job.fail(value)
        self._refresh_statistics(session)
        return retry

    def _refresh_statistics(self, session: PgSession) -> None:
        """The new rows this batch committed, per table: pg_statistics.py analyzes those grown enough."""
        inserted, session.inserted = session.inserted, {}
        tables: dict[str, int] = {}
        for type_, count in inserted.items():
            table = partition_name(type_) if type_ in self._partitioned else "objects_other"
            tables[table] = tables.get(table, 0) + count
        if tables:
            self.statistics.inserted(session.conn, tables)

    # -- shutdown -----------------------------------------------------------------------------------

    def close(self) -> None:
        self._stop_workers()
        self.statistics.close()
        with self._lock:
            connections, self._connections = self._connections, []
        for conn in connections:
            try:
                conn.close()
            except psycopg.Error as exc:  # closing must not fail a shutdown
                print(f"warning: closing a database connection: {exc}", file=sys.stderr)
        self._write_session = None
        self._local = threading.local()
        self.ids.clear()  # before a fork: ids fetched ahead must not be handed out by two processes
