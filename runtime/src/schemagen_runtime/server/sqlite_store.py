"""The SQLite store (store_api.Store): one JSON document per row, side tables for references, unique
keys and words, expression indexes from the schema's filterable/sortable fields on a table of the
type's own (sqlite_sql.object_table; types without such fields share `objects`).

Durability: WAL journal with `synchronous=FULL`, so every COMMIT is fsynced before it returns, and
a write unit's awaitable completes only after the COMMIT that holds it.

Threads: the event loop never touches the database. One writer thread owns the write connection:
it takes every write unit waiting in its queue, runs them in one `BEGIN IMMEDIATE` transaction and
commits them together (group commit: one fsync for all of them); a unit that raises is undone by
rolling the transaction back, and the others run again in the next one.
Reads run on a small pool of reader threads, each with its own connection; in WAL mode they read
the last committed snapshot and never wait behind the writer's fsync.

Several processes may share the file: nothing is cached between transactions (SQLite's own page
cache is validated against the WAL on every transaction), ids and states live in the `counters`
table, and `BEGIN IMMEDIATE` makes a write unit the only writer until it commits, so ifInState and
unique keys (a UNIQUE constraint on `keys`) hold across processes. A busy database is waited for
(`busy_timeout`), never failed at once.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from .jsonio import to_text
from .savepoints import Savepoints
from .sqlite_sql import (
    SHARED_TABLE,
    TOP,
    canonical_json,
    expression_indexes,
    object_table,
    order_sql,
    present_fields,
    select_sql,
    sort_index,
)
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
CREATE TABLE IF NOT EXISTS objects (
    type TEXT NOT NULL,
    id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    doc TEXT NOT NULL,
    PRIMARY KEY (type, id)
);
CREATE INDEX IF NOT EXISTS objects_by_seq ON objects (type, seq);
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS refs (
    target_type TEXT NOT NULL,
    target_id TEXT NOT NULL,
    source_type TEXT NOT NULL,
    source_id TEXT NOT NULL,
    PRIMARY KEY (target_type, target_id, source_type, source_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS refs_by_source ON refs (source_type, source_id);
CREATE TABLE IF NOT EXISTS keys (
    namespace TEXT NOT NULL,
    value TEXT NOT NULL,
    type TEXT NOT NULL,
    id TEXT NOT NULL,
    PRIMARY KEY (namespace, value)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS keys_by_owner ON keys (type, id);
CREATE TABLE IF NOT EXISTS words (
    type TEXT NOT NULL,
    idx TEXT NOT NULL,
    word TEXT NOT NULL,
    id TEXT NOT NULL,
    PRIMARY KEY (type, idx, word, id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS words_by_object ON words (type, id, idx, word);
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
"""

_ID_ALPHABET = "abcdefghijklmnopqrstuvwxyz234567"
# i;ascii-casemap (RFC 4790) folds A-Z only
ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
BUSY_TIMEOUT_MS = 30_000  # another process's write transaction is waited for this long
INDEX_LAYOUT = "sqlite-side-tables-1"  # bump when what the side tables hold changes


def stored_table(db: sqlite3.Connection, type_: str) -> str:
    """The table holding a type's objects in an open database, for tools and tests that read it."""
    own = object_table(type_, True)
    found = db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (own[1:-1],)).fetchone()
    return own if found else SHARED_TABLE


def encode_id(n: int) -> str:
    """Ids are opaque and short: a base-32 counter with a letter in front (RFC 8620 §1.2 charset)."""
    digits = ""
    while True:
        n, r = divmod(n, 32)
        digits = _ID_ALPHABET[r] + digits
        if n == 0:
            return "i" + digits


def _connect(path: str, readonly: bool) -> sqlite3.Connection:
    db = sqlite3.connect(path, isolation_level=None, check_same_thread=False, cached_statements=512)
    try:
        db.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        db.execute("PRAGMA synchronous=FULL")
        if readonly:
            db.execute("PRAGMA query_only=1")
        else:
            # Savepoints (per set call, per object) copy each page they first change to a
            # sub-journal: kept in memory rather than a temporary file, each write statement costs
            # half as much. It holds what one set call changes, at most maxObjectsInSet objects'
            # pages (readers, whose sorts also use temporary storage, keep the default).
            db.execute("PRAGMA temp_store=MEMORY")
        db.create_function(
            "py_lower", 1, lambda v: v.translate(ASCII_LOWER) if isinstance(v, str) else v, deterministic=True
        )
        db.create_function("py_casefold", 1, lambda v: v.casefold() if isinstance(v, str) else v, deterministic=True)
        db.create_function("canonical_json", 1, canonical_json, deterministic=True)
    except BaseException:
        db.close()
        raise
    return db


class SqliteSession:
    """store_api.Session on one connection, inside the transaction its unit runs in."""

    def __init__(self, db: sqlite3.Connection, indexer: Indexer, writable: bool) -> None:
        self.db = db
        self.indexer = indexer
        self.writable = writable
        self._savepoints = Savepoints(self._savepoint_command)
        # counters a write transaction has read, with their value as it stands in it: ids and
        # creation order are counted here and written once, before the COMMIT (`end`); states are
        # written as they change (a savepoint rolled back forgets them all: they are read again)
        self._counters: dict[str, int] = {}
        self._states: dict[str, int] = {}
        self.indexed = {type_: frozenset(fields) for type_, fields in indexer.indexed_fields().items()}
        self._tables = {type_: object_table(type_, True) for type_ in self.indexed}
        # ids `new_id` minted in this transaction: such an object has no row and no entries yet, so
        # its put inserts without looking (an id a rolled-back savepoint gave back is minted again)
        self._fresh: set[str] = set()

    def _table(self, type_: str) -> str:
        return self._tables.get(type_, SHARED_TABLE)

    # -- reads --------------------------------------------------------------------------------------

    def get(self, type_: str, obj_id: str) -> Doc | None:
        sql = f"SELECT doc FROM {self._table(type_)} WHERE type = ? AND id = ?"
        row = self.db.execute(sql, (type_, obj_id)).fetchone()
        return None if row is None else _loads(row[0])

    def get_many(self, type_: str, ids: list[str]) -> dict[str, Doc]:
        return {obj_id: _loads(text) for obj_id, text in self.get_texts(type_, ids).items()}

    def get_texts(self, type_: str, ids: list[str]) -> dict[str, str]:
        out: dict[str, str] = {}
        for start in range(0, len(ids), 500):  # SQLite's default limit on bound parameters is 32766
            chunk = ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            sql = f"SELECT id, doc FROM {self._table(type_)} WHERE type = ? AND id IN ({marks})"
            out.update(self.db.execute(sql, (type_, *chunk)).fetchall())
        return out

    def exists(self, type_: str, obj_id: str) -> bool:
        sql = f"SELECT 1 FROM {self._table(type_)} WHERE type = ? AND id = ?"
        return self.db.execute(sql, (type_, obj_id)).fetchone() is not None

    def all(self, type_: str, limit: int | None = None) -> list[tuple[str, Doc]]:
        sql = f"SELECT id, doc FROM {self._table(type_)} WHERE type = ? ORDER BY seq LIMIT ?"
        rows = self.db.execute(sql, (type_, -1 if limit is None else limit)).fetchall()
        return [(row[0], _loads(row[1])) for row in rows]

    def query(self, query: Query) -> QueryResult:
        query = _bounded(query)
        index = sort_index(query, self.indexed.get(query.type, frozenset()))
        if index is not None and rare_words(query, partial(self._count_words, query.type)):
            index = None  # the words index finds them; sorting a few beats walking every row in order
        if index is not None:
            try:
                return self._query(query, index)
            except sqlite3.OperationalError:  # a process on a newer schema dropped that index
                pass
        return self._query(query, None)

    def _count_words(self, type_: str, index: str, word: str) -> int:
        """How many words of the type's `index` begin with `word`, counted to FEW_WORDS at most."""
        sql = "SELECT COUNT(*) FROM (SELECT 1 FROM words WHERE type = ? AND idx = ? AND word >= ? AND word < ? LIMIT ?)"
        return int(self.db.execute(sql, (type_, index, word, word + TOP + TOP, FEW_WORDS)).fetchone()[0])

    def _query(self, query: Query, index: str | None) -> QueryResult:
        params: list[Any] = []
        matching = select_sql(query, params, "id, seq, doc", index, query.type in self._tables)
        order = order_sql(query.sort, present_fields(query.where))
        total: int | None = None
        if query.calculate_total or (query.anchor is None and query.position < 0):
            total = int(self.db.execute(f"SELECT COUNT(*) FROM ({matching})", params).fetchone()[0])
        if query.anchor is not None:
            ranked = f"SELECT id, ROW_NUMBER() OVER (ORDER BY {order}) - 1 AS rn FROM ({matching})"
            row = self.db.execute(f"SELECT rn FROM ({ranked}) WHERE id = ?", (*params, query.anchor)).fetchone()
            if row is None:
                raise AnchorNotFound(query.anchor)
            start = max(0, int(row[0]) + query.anchor_offset)
        elif query.position < 0:
            start = max(0, (total or 0) + query.position)
        else:
            start = query.position
        sql = f"SELECT id FROM ({matching}) ORDER BY {order} LIMIT ? OFFSET ?"
        ids = [r[0] for r in self.db.execute(sql, (*params, query.limit, start))]
        return QueryResult(ids, start, total)

    def state(self, type_: str, for_update: bool = False) -> str:
        # for_update needs nothing more here: a write unit runs under BEGIN IMMEDIATE
        if type_ in self._states:
            return str(self._states[type_])
        value = self._counter("state:" + type_)
        if self.writable:
            self._states[type_] = value
        return str(value)

    def _counter(self, name: str) -> int:
        row = self.db.execute("SELECT value FROM counters WHERE name = ?", (name,)).fetchone()
        return int(row[0]) if row else 0

    def referrers(self, target_type: str, target_id: str) -> dict[str, int]:
        rows = self.db.execute(
            "SELECT source_type, COUNT(*) FROM refs WHERE target_type = ? AND target_id = ? "
            "AND NOT (source_type = ? AND source_id = ?) GROUP BY source_type ORDER BY source_type",
            (target_type, target_id, target_type, target_id),
        )
        return {source_type: int(count) for source_type, count in rows}

    def referring_ids(self, target_type: str, target_id: str, source_type: str, limit: int) -> list[str]:
        rows = self.db.execute(
            "SELECT source_id FROM refs WHERE target_type = ? AND target_id = ? AND source_type = ? "
            "AND NOT (source_type = ? AND source_id = ?) ORDER BY source_id LIMIT ?",
            (target_type, target_id, source_type, target_type, target_id, limit),
        )
        return [r[0] for r in rows]

    def key_owner(self, key: UniqueKey) -> tuple[str, str] | None:
        sql = "SELECT type, id FROM keys WHERE namespace = ? AND value = ?"
        row = self.db.execute(sql, (key.namespace, key.value)).fetchone()
        return None if row is None else (row[0], row[1])

    # -- writes -------------------------------------------------------------------------------------

    def begin(self) -> None:
        """A new write transaction: nothing minted or counted in an earlier one is new in it."""
        self._fresh.clear()
        self._counters.clear()
        self._states.clear()
        self._savepoints.reset()

    def end(self) -> None:
        """Before the COMMIT: the counters this transaction advanced, written."""
        for name, value in sorted(self._counters.items()):
            self.db.execute(
                "INSERT INTO counters (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value",
                (name, value),
            )
        self._counters.clear()

    def _writing(self) -> None:
        """Called before every change this session makes (a shared savepoint must not miss one)."""
        if not self.writable:
            raise ReadOnly("a change inside a read unit")
        self._savepoints.wrote()

    def savepoint(self) -> AbstractContextManager[None]:
        return self._savepoints.enter()

    def _savepoint_command(self, command: str, rollback: bool) -> None:
        if rollback:
            self._states.clear()
        self.db.execute(command)

    def put(self, type_: str, obj_id: str, doc: Doc) -> None:
        self._writing()
        text = to_text(doc)
        entries = self.indexer.entries(type_, doc)
        if obj_id in self._fresh:  # a new object: its keys first, so a key taken leaves nothing to undo
            self._claim_keys(type_, obj_id, entries.keys)
            self._fresh.discard(obj_id)
            sql = f"INSERT INTO {self._table(type_)} (type, id, seq, doc) VALUES (?, ?, ?, ?)"
            self.db.execute(sql, (type_, obj_id, self._next("seq"), text))
            self._index(type_, obj_id, entries, keys=False)
            return
        with self.savepoint():
            sql = f"UPDATE {self._table(type_)} SET doc = ? WHERE type = ? AND id = ?"
            replaced = self.db.execute(sql, (text, type_, obj_id)).rowcount > 0
            if not replaced:
                sql = f"INSERT INTO {self._table(type_)} (type, id, seq, doc) VALUES (?, ?, ?, ?)"
                self.db.execute(sql, (type_, obj_id, self._next("seq"), text))
            else:
                self._unindex(type_, obj_id)
            self._index(type_, obj_id, entries)

    def delete(self, type_: str, obj_id: str) -> bool:
        self._writing()
        self._unindex(type_, obj_id)
        sql = f"DELETE FROM {self._table(type_)} WHERE type = ? AND id = ?"
        return self.db.execute(sql, (type_, obj_id)).rowcount > 0

    def _unindex(self, type_: str, obj_id: str) -> None:
        self.db.execute("DELETE FROM refs WHERE source_type = ? AND source_id = ?", (type_, obj_id))
        self.db.execute("DELETE FROM keys WHERE type = ? AND id = ?", (type_, obj_id))
        self.db.execute("DELETE FROM words WHERE type = ? AND id = ?", (type_, obj_id))

    def _index(self, type_: str, obj_id: str, entries: IndexEntries, strict: bool = True, keys: bool = True) -> None:
        if entries.refs:
            rows = sorted({(target, target_id, type_, obj_id) for target, target_id in entries.refs})
            self.db.executemany("INSERT INTO refs VALUES (?, ?, ?, ?)", rows)
        if keys:
            self._claim_keys(type_, obj_id, entries.keys, strict)
        if entries.words:
            rows = sorted({(type_, idx, word, obj_id) for idx, word in entries.words})
            self.db.executemany("INSERT INTO words VALUES (?, ?, ?, ?)", rows)

    def _claim_keys(self, type_: str, obj_id: str, keys: tuple[UniqueKey, ...], strict: bool = True) -> None:
        """Inserts the object's unique keys; `strict`: one another object holds is KeyTaken, and
        those this call inserted are taken back."""
        seen: set[tuple[str, str]] = set()
        for key in keys:
            if (key.namespace, key.value) in seen:  # the document's own duplicate never conflicts
                continue
            seen.add((key.namespace, key.value))
            sql = "INSERT INTO keys (namespace, value, type, id) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING"
            if self.db.execute(sql, (key.namespace, key.value, type_, obj_id)).rowcount == 0 and strict:
                owner = self.key_owner(key) or ("", "")
                for namespace, value in seen - {(key.namespace, key.value)}:
                    sql = "DELETE FROM keys WHERE namespace = ? AND value = ? AND type = ? AND id = ?"
                    self.db.execute(sql, (namespace, value, type_, obj_id))
                raise KeyTaken(key, *owner)

    def _next(self, name: str) -> int:
        """The counter's next value, counted in memory (`end` writes it): a number a rolled-back
        savepoint took is not given out again, which ids and creation order do not need."""
        if not self.writable:
            raise ReadOnly("a change inside a read unit")
        value = self._counters.get(name)
        value = (self._counter(name) if value is None else value) + 1
        self._counters[name] = value
        return value

    def new_id(self) -> str:
        obj_id = encode_id(self._next("id"))
        self._fresh.add(obj_id)
        return obj_id

    def bump_state(self, type_: str) -> str:
        self._writing()
        row = self.db.execute(
            "INSERT INTO counters (name, value) VALUES (?, 1) ON CONFLICT (name) DO UPDATE SET value = value + 1 "
            "RETURNING value",
            ("state:" + type_,),
        ).fetchone()
        value = self._states[type_] = int(row[0])
        return str(value)

    # -- start-up -----------------------------------------------------------------------------------

    def _all_tables(self) -> list[str]:
        return [SHARED_TABLE, *sorted(self._tables.values())]

    def _place_tables(self) -> None:
        """A table for each type with indexed fields, holding its objects: moved in at every start
        from the shared table, where an earlier schema (or an older server, writing there since)
        kept them, a row found there replacing the type table's copy (it is the later write);
        the table of a type no longer indexed is emptied into the shared one and dropped."""
        pattern = SHARED_TABLE + ":%"
        rows = self.db.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE ?", (pattern,))
        existing = {f'"{r[0]}"' for r in rows}
        wanted = set(self._tables.values())
        for table in sorted(existing - wanted):
            self.db.execute(f"INSERT OR REPLACE INTO {SHARED_TABLE} SELECT type, id, seq, doc FROM {table}")
            self.db.execute(f"DROP TABLE {table}")
        for type_, table in sorted(self._tables.items()):
            if table not in existing:
                self.db.execute(
                    f"CREATE TABLE {table} (type TEXT NOT NULL, id TEXT NOT NULL, seq INTEGER NOT NULL,"
                    " doc TEXT NOT NULL, PRIMARY KEY (type, id))"
                )
                self.db.execute(f'CREATE INDEX "{table[1:-1]}:seq" ON {table} (seq)')
            moving = f"INSERT OR REPLACE INTO {table} SELECT type, id, seq, doc FROM {SHARED_TABLE} WHERE type = ?"
            if self.db.execute(moving, (type_,)).rowcount:
                self.db.execute(f"DELETE FROM {SHARED_TABLE} WHERE type = ?", (type_,))

    def prepare(self) -> None:
        """Expression indexes for the schema's filterable/sortable fields, and the side tables
        rebuilt when the indexer derives them differently from the last run (a new schema)."""
        self._place_tables()
        wanted: dict[str, str] = {}
        for type_, fields in self.indexer.indexed_fields().items():
            for field in fields:
                wanted.update(expression_indexes(type_, field))
        existing = {
            r[0] for r in self.db.execute("SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE 'fx_%'")
        }
        for name in sorted(existing - wanted.keys()):
            self.db.execute(f'DROP INDEX "{name}"')
        for name in sorted(wanted.keys() - existing):
            self.db.execute(wanted[name])
        layout = f"{INDEX_LAYOUT} {self.indexer.layout()}"
        row = self.db.execute("SELECT value FROM meta WHERE name = 'index_layout'").fetchone()
        if row is not None and row[0] == layout:
            return
        for table in ("refs", "keys", "words"):
            self.db.execute(f"DELETE FROM {table}")
        every = " UNION ALL ".join(f"SELECT type, id, seq, doc FROM {t}" for t in self._all_tables())
        for type_, obj_id, _, text in self.db.execute(f"{every} ORDER BY seq").fetchall():
            # data stored under an older schema may break a key it now declares: kept, the first holder wins
            self._index(type_, obj_id, self.indexer.entries(type_, _loads(text)), strict=False)
        self.db.execute("INSERT OR REPLACE INTO meta (name, value) VALUES ('index_layout', ?)", (layout,))


def _bounded(query: Query) -> Query:
    """Paging numbers within SQLite's 64-bit integers (no result is that long anyway)."""
    cap = 2**62
    position, offset = max(-cap, min(query.position, cap)), max(-cap, min(query.anchor_offset, cap))
    limit = min(query.limit, cap)
    if (position, offset, limit) == (query.position, query.anchor_offset, query.limit):
        return query
    return replace(query, position=position, anchor_offset=offset, limit=limit)


def _loads(text: str) -> Doc:
    value: Doc = json.loads(text)
    return value


class SqliteStore(ThreadedStore[SqliteSession]):
    """store_api.Store on one SQLite file (WAL)."""

    thread_name = "sqlite"

    def __init__(self, path: str | Path, indexer: Indexer) -> None:
        self.path = str(path)
        self.indexer = indexer
        self._start_workers()
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        file = Path(self.path)
        try:
            if file.is_dir():
                raise StoreError(f"database {self.path} is a directory, not a database file")
            if self.path == ":memory:" or self.path.startswith("file:"):  # each connection would see its own
                raise StoreError(f"database {self.path}: name a database file (readers and the writer share it)")
            file.parent.mkdir(parents=True, exist_ok=True)
            self._write_db = self._open(readonly=False)
            self._write_db.execute("PRAGMA journal_mode=WAL")
            self._write_db.executescript(_SCHEMA)
            self._write_session = SqliteSession(self._write_db, indexer, True)  # the writer thread's
            self._write_session.begin()
            self._transaction(self._write_db, self._write_session.prepare)
        except StoreError:
            self.close()
            raise
        except (OSError, sqlite3.Error, ValueError) as exc:  # ValueError: a type that cannot name a table
            self.close()
            why = getattr(exc, "strerror", None) or exc
            raise StoreError(f"database {self.path} cannot be opened: {why}") from None

    def _open(self, readonly: bool) -> sqlite3.Connection:
        db = _connect(self.path, readonly)
        with self._lock:
            self._connections.append(db)
        return db

    @staticmethod
    def _transaction(db: sqlite3.Connection, work: Callable[[], T]) -> T:
        db.execute("BEGIN IMMEDIATE")
        try:
            result = work()
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")
        return result

    # -- reads --------------------------------------------------------------------------------------

    def _reader_session(self) -> SqliteSession:
        session: SqliteSession | None = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = SqliteSession(self._open(readonly=True), self.indexer, False)
        return session

    def _read_batch(self, jobs: list[Job[SqliteSession]]) -> None:
        try:
            session = self._reader_session()
            session.db.execute("BEGIN")  # one snapshot for the batch (workers.ThreadedStore._read_batch)
        except BaseException as exc:
            for job in jobs:
                job.fail(exc)
            return
        try:
            for job in jobs:
                try:
                    job.succeed(job.work(session))
                except BaseException as exc:  # the caller's to handle; a read changed nothing to undo
                    job.fail(exc)
        finally:
            session.db.execute("COMMIT")

    # -- writes -------------------------------------------------------------------------------------

    def _commit_batch(self, batch: list[Job[SqliteSession]]) -> list[Job[SqliteSession]]:
        session = self._write_session
        values: list[Any] = []  # of the units that ran, in order; kept only once committed
        session.begin()
        try:
            session.db.execute("BEGIN IMMEDIATE")
            for done, job in enumerate(batch):
                # No savepoint around a unit: one held open across a unit's calls kept, in its
                # in-memory journal, every page each object's savepoint changed (about 45 KB an
                # object: 900 MB for a migration of 20k). A unit raises only when something failed
                # outside its calls' own handling (the database, a bug): the transaction is then
                # rolled back, that unit fails, and the others run again in the next batch.
                try:
                    values.append(job.work(session))
                except BaseException as exc:
                    session.db.execute("ROLLBACK")
                    job.fail(exc)
                    return batch[:done] + batch[done + 1 :]
            session.end()
            session.db.execute("COMMIT")
        except BaseException as exc:  # BEGIN or COMMIT failed: nothing of the batch is kept
            if session.db.in_transaction:
                session.db.execute("ROLLBACK")
            for job in batch:
                job.fail(exc)
            return []
        for job, value in zip(batch, values, strict=True):
            job.succeed(value)
        return []

    # -- shutdown -----------------------------------------------------------------------------------

    def close(self) -> None:
        self._stop_workers()
        with self._lock:
            connections, self._connections = self._connections, []
        for db in connections:
            db.close()
        self._local = threading.local()
