"""One test suite for both stores (store_api.py): SQLite on a file and PostgreSQL on a real cluster
(the `postgres` fixture, tests/pg_service.py). Every test runs on each backend and pins the
interface's semantics: documents, transactions and savepoints, state strings, the query tree
(filters, sorts, collations, paging), unique keys, references and text words, and what holds
when two store instances (as two processes would) share one database.

The indexer here is a small explicit one, so each test says exactly which keys, references and
words a document has; the server's indexer (indexer.py) is exercised over HTTP elsewhere.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import itertools
import os
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from functools import partial
from pathlib import Path
from typing import Any

import psycopg
import pytest
from conftest import REPO_ROOT
from jmap_server import POSTGRESQL_ENV
from pg_service import PgService, PgServiceError
from schemagen_runtime.server import pg_statistics
from schemagen_runtime.server.jsonio import to_text
from schemagen_runtime.server.pg_sql import partition_name
from schemagen_runtime.server.pg_statistics import ANALYZE_AFTER
from schemagen_runtime.server.pgstore import PgSession, PgStore
from schemagen_runtime.server.sqlite_store import SqliteSession, SqliteStore
from schemagen_runtime.server.store_api import (
    FEW_WORDS,
    All,
    AnchorNotFound,
    Compare,
    Condition,
    Equals,
    HasMember,
    IndexEntries,
    KeyTaken,
    Query,
    ReadOnly,
    Session,
    SortKey,
    Store,
    StoreError,
    TextMatch,
    UniqueKey,
    rare_words,
)

ITEM = "Item"
OTHER = "Other"


class Indexer:
    """`name` is unique per type, `code` is unique across types (one shared namespace), `links`
    (a set of "Type/id") are references, and the words of `name` and `note` form the text index
    `text`."""

    def __init__(self, version: str = "1", indexed: Mapping[str, tuple[str, ...]] | None = None) -> None:
        self.version = version
        self.indexed = indexed if indexed is not None else {ITEM: ("name", "size")}

    def layout(self) -> str:
        return self.version

    def entries(self, type_: str, doc: dict[str, Any]) -> IndexEntries:
        keys = []
        if doc.get("name") is not None:
            keys.append(UniqueKey(f"{type_}:name", to_text([doc["name"]]), ("name",)))
        if doc.get("code") is not None:
            keys.append(UniqueKey("code", to_text([doc["code"]]), ("code",)))
        refs = tuple(tuple(link.split("/", 1)) for link in doc.get("links", {}))
        words = {w for f in ("name", "note") for w in str(doc.get(f) or "").lower().split()}
        if self.version == "2":  # a changed schema: `note` is no longer searched, links are ignored
            words = set(str(doc.get("name") or "").lower().split())
            refs = ()
        return IndexEntries(refs, tuple(keys), tuple(("text", w) for w in sorted(words)))  # type: ignore[arg-type]

    def indexed_fields(self) -> Mapping[str, tuple[str, ...]]:
        return self.indexed


# -- the two backends --------------------------------------------------------------------------------

Opener = Callable[..., Store]
_schemas = itertools.count()


def fresh_schema(base: str) -> str:
    """The DSN of a new, empty PostgreSQL schema of `base`'s database: a store of its own."""
    schema = f"t{next(_schemas)}"
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    return f"{base}?options=-csearch_path%3D{schema}"


def analyze_count(conn: psycopg.Connection[Any]) -> int:
    """ANALYZE commands run on ITEM's table so far (autovacuum's are counted apart)."""
    sql_text = "SELECT analyze_count FROM pg_stat_user_tables WHERE relid = to_regclass(%s)"
    row = conn.execute(sql_text, (partition_name(ITEM),)).fetchone()
    return int(row[0]) if row else 0


def creates(count: int) -> Callable[[Session], None]:
    """A write unit creating `count` items."""

    def work(session: Session) -> None:
        for k in range(count):
            session.put(ITEM, session.new_id(), {"size": k})

    return work


@pytest.fixture(scope="module")
def pg_database(request: pytest.FixtureRequest) -> str:
    """A database whose default collation is ICU's English where the server has ICU (so a store that
    forgot to compare by code point would sort "a" before "B"), else the cluster's default."""
    service: PgService = request.getfixturevalue("postgres")
    name = "backends"
    try:
        service.sql(
            f"CREATE DATABASE {name} OWNER schemagen TEMPLATE template0 ENCODING 'UTF8' "
            "LOCALE_PROVIDER icu ICU_LOCALE 'en' LOCALE 'C.UTF-8'"
        )
        return service.dsn(name)
    except PgServiceError:
        return service.create_database(name)


@pytest.fixture(params=["sqlite", "postgresql"])
def open_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Opener]:
    """Opens stores on one fresh database (an SQLite file; a PostgreSQL schema of its own)."""
    if request.param == "sqlite":
        location = str(tmp_path / "store.sqlite3")
        make: Callable[[Indexer], Store] = lambda indexer: SqliteStore(location, indexer)  # noqa: E731
    else:
        location = fresh_schema(request.getfixturevalue("pg_database"))
        make = lambda indexer: PgStore(location, indexer)  # noqa: E731
    opened: list[Store] = []

    def opener(indexer: Indexer | None = None) -> Store:
        store = make(indexer or Indexer())
        opened.append(store)
        return store

    yield opener
    for store in opened:
        store.close()


@pytest.fixture
def store(open_store: Opener) -> Store:
    return open_store()


def create(store: Store, type_: str, doc: dict[str, Any]) -> str:
    def work(session: Session) -> str:
        new = session.new_id()
        session.put(type_, new, doc)
        return new

    return store.write_now(work)


def items(store: Store, *docs: dict[str, Any]) -> list[str]:
    """Creates the documents as Items in this order (creation order); their ids."""
    return [create(store, ITEM, doc) for doc in docs]


def names(store: Store, where: Condition | None = None, *sort: SortKey, **paging: Any) -> list[Any]:
    """The `name` of each object the query selects, in order."""

    def work(session: Session) -> list[Any]:
        found = session.query(Query(ITEM, where, tuple(sort), **paging)).ids
        docs = session.get_many(ITEM, found)
        return [docs[i].get("name") for i in found]

    return store.read_now(work)


# -- documents ----------------------------------------------------------------------------------------


def test_documents_come_back_exactly_as_put_and_go_when_deleted(store: Store) -> None:
    doc = {"zeta": 1, "alpha": {"b": True, "a": None}, "text": "nul \x00 and é", "n": 2.5, "list": [3, 1]}
    first, second = items(store, doc, {"name": "two"})

    def read(session: Session) -> Any:
        got = session.get(ITEM, first)
        assert got is not None
        got["zeta"] = 99  # a copy: changing it changes nothing stored
        return session.get(ITEM, first), session.get_many(ITEM, [second, "nope", first]), session.all(ITEM)

    again, many, every = store.read_now(read)
    assert again == doc and list(again) == list(doc) and list(again["alpha"]) == ["b", "a"]  # member order kept
    assert many == {first: doc, second: {"name": "two"}}
    assert every == [(first, doc), (second, {"name": "two"})]
    assert store.read_now(lambda s: (s.exists(ITEM, first), s.exists(OTHER, first), s.get(ITEM, "a\x00"))) == (
        True,
        False,
        None,
    )
    assert store.write_now(lambda s: (s.delete(ITEM, first), s.delete(ITEM, first))) == (True, False)
    assert store.read_now(lambda s: (s.get(ITEM, first), s.all(ITEM, limit=5))) == (None, [(second, {"name": "two"})])


def test_put_replaces_and_keeps_creation_order(store: Store) -> None:
    first, second = items(store, {"name": "a"}, {"name": "b"})
    store.write_now(lambda s: s.put(ITEM, first, {"name": "a2"}))
    assert store.read_now(lambda s: [i for i, _ in s.all(ITEM)]) == [first, second]
    assert store.read_now(lambda s: s.get(ITEM, first)) == {"name": "a2"}


def test_ids_are_new_across_store_instances_on_one_database(open_store: Opener) -> None:
    one, two = open_store(), open_store()
    minted = [store.write_now(lambda s: s.new_id()) for _ in range(5) for store in (one, two)]
    assert len(set(minted)) == 10
    assert all(i.isascii() and i.replace("-", "").replace("_", "").isalnum() for i in minted)


# -- transactions -------------------------------------------------------------------------------------


def test_a_failing_write_unit_keeps_nothing_and_raises_to_its_caller(store: Store) -> None:
    (kept,) = items(store, {"name": "kept"})

    def fails(session: Session) -> None:
        session.put(ITEM, kept, {"name": "changed"})
        session.bump_state(ITEM)
        raise ValueError("refused")

    with pytest.raises(ValueError, match="refused"):
        store.write_now(fails)
    assert store.read_now(lambda s: (s.get(ITEM, kept), s.state(ITEM))) == ({"name": "kept"}, "0")


def test_a_savepoint_rolls_back_only_its_own_changes(store: Store) -> None:
    def work(session: Session) -> list[str]:
        outer = session.new_id()
        session.put(ITEM, outer, {"name": "outer"})
        with session.savepoint():
            session.put(ITEM, session.new_id(), {"name": "inner kept"})
            with pytest.raises(KeyError), session.savepoint():
                session.put(ITEM, session.new_id(), {"name": "inner undone"})
                session.delete(ITEM, outer)
                raise KeyError("undo")
        return [d["name"] for _, d in session.all(ITEM)]

    assert store.write_now(work) == ["outer", "inner kept"]
    assert names(store) == ["outer", "inner kept"]


def test_savepoints_entered_with_nothing_written_between_them_roll_back_alike(store: Store) -> None:
    """A savepoint entered with no change since the one around it shares it (one SAVEPOINT for a
    unit, a set call and an object): rolling back to it undoes what the innermost one held, and
    the state the transaction read before is what it reads after."""
    (kept,) = items(store, {"name": "kept"})

    def work(session: Session) -> tuple[str, str, str]:
        with session.savepoint():
            before = session.state(ITEM, for_update=True)
            with session.savepoint():
                with pytest.raises(KeyError), session.savepoint():
                    session.put(ITEM, session.new_id(), {"name": "undone"})
                    session.bump_state(ITEM)
                    raise KeyError("undo")
                after_rollback = session.state(ITEM, for_update=True)
                session.put(ITEM, session.new_id(), {"name": "kept too"})
            with pytest.raises(KeyError), session.savepoint():  # after a change: a savepoint of its own
                session.delete(ITEM, kept)
                raise KeyError("undo")
            return before, after_rollback, session.bump_state(ITEM)

    assert store.write_now(work) == ("0", "0", "1")  # the undone bump, undone
    assert names(store) == ["kept", "kept too"]
    assert store.read_now(lambda s: s.state(ITEM)) == "1"
    # the next unit starts over: its own savepoint, its state read from the database
    assert store.write_now(lambda s: (s.state(ITEM), s.bump_state(ITEM))) == ("1", "2")


def test_a_create_on_sqlite_sends_one_savepoint_and_writes_ids_once_per_commit(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "one.sqlite3", Indexer())
    try:
        sent: list[str] = []
        store._write_db.set_trace_callback(sent.append)

        def work(session: Session) -> None:
            with session.savepoint(), session.savepoint():  # a set call and its object, inside the unit's
                session.put(ITEM, session.new_id(), {"name": "one"})
                session.bump_state(ITEM)

        store.write_now(work)
        assert sum(s.startswith("SAVEPOINT") for s in sent) == 1
        assert sum(s.startswith("RELEASE") for s in sent) == 1
        sent.clear()

        def three(session: Session) -> None:  # three creates of one call: ids written once, at the commit
            with session.savepoint():
                for name in ("two", "three", "four"):
                    with session.savepoint():
                        session.put(ITEM, session.new_id(), {"name": name})

        store.write_now(three)
        assert sum("INSERT INTO counters" in s and "'id'" in s for s in sent) == 1
        assert names(store) == ["one", "two", "three", "four"]
    finally:
        store.close()


def test_sqlite_keeps_savepoint_journals_in_memory_on_the_writer_only(tmp_path: Path) -> None:
    """A page a savepoint changes is first copied to its sub-journal: a temporary file by default,
    which made each write statement of a create cost two to three times as much. Readers keep the
    default, so a large sort still spills to disk rather than growing the process."""
    store = SqliteStore(tmp_path / "one.sqlite3", Indexer())
    try:
        assert store.write_now(lambda s: s.db.execute("PRAGMA temp_store").fetchone()[0]) == 2  # MEMORY
        assert store.read_now(lambda s: s.db.execute("PRAGMA temp_store").fetchone()[0]) == 0  # DEFAULT

        # a unit that changes many pages and is rolled back to its savepoint loses them all
        def many(session: Session) -> None:
            with contextlib.suppress(RuntimeError), session.savepoint():
                for n in range(2000):
                    session.put(ITEM, session.new_id(), {"name": f"n{n}", "pad": "x" * 500})
                raise RuntimeError("undo")

        store.write_now(many)
        assert names(store) == []
    finally:
        store.close()


def test_a_sqlite_unit_opens_no_savepoint_around_itself(tmp_path: Path) -> None:
    """A savepoint's in-memory journal holds every page changed under it, again for each savepoint
    nested in it, until its release: a unit (a start-up migration rewrites a whole type in one) is
    not wrapped in one, alone or sharing a commit, so only its own savepoints (one object each) hold
    pages; a unit that fails still keeps nothing."""
    store = SqliteStore(tmp_path / "one.sqlite3", Indexer())
    try:
        sent: list[str] = []
        store._write_db.set_trace_callback(sent.append)

        def work(session: Session) -> None:
            for name in ("a", "b"):
                with session.savepoint():
                    session.put(ITEM, session.new_id(), {"name": name})

        store.write_now(work)
        begun = sent.index("BEGIN IMMEDIATE")
        assert sent[begun + 1].startswith("SAVEPOINT") and sum(s.startswith("SAVEPOINT") for s in sent) == 2, sent
        assert [s for s in sent if s.startswith(("SAVEPOINT", "RELEASE"))][:2] == [
            "SAVEPOINT sp1",
            "RELEASE SAVEPOINT sp1",
        ]

        def failing(session: Session) -> None:
            for name in ("c", "d"):
                with session.savepoint():
                    session.put(ITEM, session.new_id(), {"name": name})
            raise RuntimeError("undo")

        with pytest.raises(RuntimeError):
            store.write_now(failing)
        assert names(store) == ["a", "b"]

        def unit(k: int) -> Callable[[Session], None]:
            def work(session: Session) -> None:
                for name in (f"u{k}a", f"u{k}b"):
                    with session.savepoint():
                        session.put(ITEM, session.new_id(), {"name": name})

            return work

        async def together() -> None:  # units of one loop turn share a commit, none in a savepoint
            await asyncio.gather(*(store.write(unit(k)) for k in range(3)))

        sent.clear()
        asyncio.run(together())
        assert sent.count("BEGIN IMMEDIATE") == 1, sent
        marks = [s for s in sent if s.startswith(("SAVEPOINT", "RELEASE"))]
        assert marks == ["SAVEPOINT sp1", "RELEASE SAVEPOINT sp1"] * 6, marks  # one object's pages at a time
    finally:
        store.close()


def test_a_read_unit_cannot_write(store: Store) -> None:
    with pytest.raises(ReadOnly):
        store.read_now(lambda s: s.put(ITEM, "x", {}))
    assert store.read_now(lambda s: s.writable) is False


def test_concurrent_write_units_commit_together_and_fail_alone(store: Store) -> None:
    """Units queued together may share a commit; one that raises takes only its own changes back."""

    async def run() -> list[Any]:
        def unit(k: int) -> Callable[[Session], str]:
            def work(session: Session) -> str:
                session.put(ITEM, f"k{k}", {"name": f"n{k}"})
                if k % 5 == 0:
                    raise RuntimeError(f"unit {k}")
                return f"k{k}"

            return work

        return await asyncio.gather(*(store.write(unit(k)) for k in range(40)), return_exceptions=True)

    outcomes = asyncio.run(run())
    failed = [str(o) for o in outcomes if isinstance(o, RuntimeError)]
    assert failed == [f"unit {k}" for k in range(0, 40, 5)]
    assert sorted(names(store)) == sorted(f"n{k}" for k in range(40) if k % 5)


def test_reads_see_one_snapshot_and_run_while_writes_queue(store: Store) -> None:
    (obj,) = items(store, {"name": "v1"})
    started, release = threading.Event(), threading.Event()

    def slow_read(session: Session) -> tuple[Any, Any]:
        before = session.get(ITEM, obj)
        started.set()
        release.wait(10)
        return before, session.get(ITEM, obj)

    async def run() -> tuple[Any, Any]:
        reading = store.read(slow_read)
        await asyncio.get_running_loop().run_in_executor(None, started.wait, 10)
        await store.write(lambda s: s.put(ITEM, obj, {"name": "v2"}))  # commits while the read is open
        release.set()
        return await reading

    assert asyncio.run(run()) == ({"name": "v1"}, {"name": "v1"})
    assert names(store) == ["v2"]


def _fail_a_statement(session: Session) -> None:
    """A statement the database refuses, caught as process() catches a call's error and goes on."""
    bad = "SELECT no_such_column FROM objects"
    try:
        if isinstance(session, SqliteSession):
            session.db.execute(bad)
        else:
            assert isinstance(session, PgSession)
            session.conn.execute(bad)
    except (sqlite3.Error, psycopg.Error):
        return
    raise AssertionError("the statement ran")


def test_a_write_unit_whose_statement_failed_fails_alone_even_when_a_savepoint_follows(store: Store) -> None:
    """A call's statement fails and the unit goes on into a savepoint (the next /set call): on
    PostgreSQL that savepoint cannot even be opened in the failed transaction, and rolling back to
    it fails too. The unit's own savepoint still undoes it, and the unit next to it is kept."""

    def good(session: Session) -> str:
        name = f"kept {len(session.all(ITEM))}"
        session.put(ITEM, session.new_id(), {"name": name})
        return name

    def bad(session: Session) -> str:
        session.put(ITEM, session.new_id(), {"name": "undone"})
        _fail_a_statement(session)
        with contextlib.suppress(Exception), session.savepoint():
            session.state(ITEM, for_update=True)
            session.put(ITEM, session.new_id(), {"name": "undone too"})
        return "bad"

    async def run() -> list[Any]:
        return await asyncio.gather(store.write(good), store.write(bad), store.write(good), return_exceptions=True)

    first, second, third = asyncio.run(run())
    if isinstance(store, PgStore):  # SQLite goes on after a refused statement, as the unit did
        assert isinstance(second, StoreError), second
        assert names(store) == [first, third] == ["kept 0", "kept 1"]
    else:
        assert second == "bad" and names(store) == [first, "undone", "undone too", third] and third == "kept 3"


def test_a_commit_postgresql_turns_into_a_rollback_is_an_error(pg_database: str) -> None:
    """COMMIT of a transaction in error is answered ROLLBACK (psycopg raises nothing): the units
    of it must hear that nothing was kept, not that they succeeded."""
    dsn = fresh_schema(pg_database)
    store = PgStore(dsn, Indexer())
    try:
        with psycopg.connect(dsn, autocommit=True) as conn:
            session = PgSession(conn, store, writable=True)
            session.begin_write()
            session.put(ITEM, session.new_id(), {"name": "lost"})
            _fail_a_statement(session)
            with pytest.raises(StoreError, match="rolled back"):
                session.finish()
        assert names(store) == []
    finally:
        store.close()


def test_reads_of_one_loop_turn_fail_alone(store: Store) -> None:
    """Reads submitted together run as a batch (one snapshot); one that raises, or whose statement
    the database refused, takes nothing from the others."""
    (obj,) = items(store, {"name": "kept"})

    def unit(k: int) -> Callable[[Session], Any]:
        def work(session: Session) -> Any:
            if k % 7 == 3:
                _fail_a_statement(session)
                return "refused"
            if k % 5 == 0:
                raise RuntimeError(f"unit {k}")
            return (session.get(ITEM, obj) or {}).get("name")

        return work

    async def run() -> list[Any]:
        return await asyncio.gather(*(store.read(unit(k)) for k in range(40)), return_exceptions=True)

    outcomes = asyncio.run(run())
    for k, outcome in enumerate(outcomes):
        if k % 7 == 3:
            assert outcome == "refused"
        elif k % 5 == 0:
            assert isinstance(outcome, RuntimeError) and str(outcome) == f"unit {k}"
        else:
            assert outcome == "kept", (k, outcome)


def test_a_unit_whose_caller_gave_up_before_it_ran_is_not_run(store: Store) -> None:
    (obj,) = items(store, {"name": "v1"})
    started, release = threading.Event(), threading.Event()

    def blocking(session: Session) -> None:
        started.set()
        release.wait(10)

    async def run() -> None:
        first = store.write(blocking)  # holds the writer
        await asyncio.get_running_loop().run_in_executor(None, started.wait, 10)
        second = asyncio.ensure_future(store.write(lambda s: s.put(ITEM, obj, {"name": "v2"})))
        await asyncio.sleep(0.05)  # submitted: waiting behind the first
        second.cancel()
        release.set()
        await first
        with pytest.raises(asyncio.CancelledError):
            await second

    asyncio.run(run())
    assert names(store) == ["v1"]


def test_reads_fail_rather_than_hang_while_no_connection_can_be_made(store: Store) -> None:
    """A reader that cannot open its connection (the database restarting) fails the batch's reads
    and stays alive: once the database is back, reads are served again."""
    (obj,) = items(store, {"name": "back"})
    assert isinstance(store, SqliteStore | PgStore)
    working = store._reader_session

    def unreachable() -> Any:
        raise StoreError("the database is unreachable")

    async def reads(count: int) -> list[Any]:
        submitted = [store.read(lambda s: (s.get(ITEM, obj) or {}).get("name")) for _ in range(count)]
        return await asyncio.wait_for(asyncio.gather(*submitted, return_exceptions=True), 20)

    store._reader_session = unreachable  # type: ignore[method-assign]
    try:
        failed = asyncio.run(reads(3 * store.readers))
    finally:
        store._reader_session = working  # type: ignore[method-assign]
    assert all(isinstance(outcome, StoreError) for outcome in failed), failed
    assert asyncio.run(reads(3)) == ["back"] * 3


def test_reads_submitted_alone_spread_over_every_reader(store: Store) -> None:
    """Reads submitted `alone` (queries) in one loop turn run on as many reader threads at once,
    not one after another on one: here every reader must hold one at the same moment for any to
    finish. Others share a batch: one thread runs them all."""
    assert isinstance(store, SqliteStore | PgStore)
    together = threading.Barrier(store.readers, timeout=20)

    def unit(session: Session) -> str:
        together.wait()
        return threading.current_thread().name

    def name(session: Session) -> str:
        return threading.current_thread().name

    async def run(alone: bool) -> list[str]:
        work = unit if alone else name
        return await asyncio.gather(*(store.read(work, alone=alone) for _ in range(2 * store.readers)))

    assert len(set(asyncio.run(run(True)))) == store.readers
    assert len(set(asyncio.run(run(False)))) == 1


def test_a_unit_raising_stop_iteration_fails_alone(store: Store) -> None:
    def stop(session: Session) -> None:
        raise StopIteration("from a generator gone wrong")

    async def run() -> list[Any]:
        units = [store.read(lambda s: "a"), store.read(stop), store.read(lambda s: "b")]
        units += [store.write(lambda s: "c"), store.write(stop), store.write(lambda s: "d")]
        return await asyncio.wait_for(asyncio.gather(*units, return_exceptions=True), 20)

    a, stopped, b, c, stopped_write, d = asyncio.run(run())
    assert (a, b, c, d) == ("a", "b", "c", "d")
    assert isinstance(stopped, RuntimeError) and isinstance(stopped_write, RuntimeError)


def test_units_submitted_as_the_store_closes_still_run(open_store: Opener) -> None:
    store = open_store()

    async def run() -> Any:
        written = store.write(lambda s: s.put(ITEM, "late", {"name": "late"}))
        store.close()  # in the same event-loop turn, as a lifespan shutdown may
        return await asyncio.wait_for(written, 20)

    asyncio.run(run())
    assert names(open_store()) == ["late"]


def test_objects_an_older_server_left_in_the_shared_table_are_found(tmp_path: Path) -> None:
    """SQLite: a row of an indexed type written to the shared table after its own table existed (by
    an older server) moves into that table at the next start, replacing the copy there."""
    location = str(tmp_path / "store.sqlite3")
    store = SqliteStore(location, Indexer())
    first, second = items(store, {"name": "a"}, {"name": "b"})
    store.close()
    with contextlib.closing(sqlite3.connect(location)) as db, db:
        db.execute("INSERT INTO objects VALUES (?, 'stray', 99, ?)", (ITEM, to_text({"name": "stray"})))
        db.execute("INSERT INTO objects VALUES (?, ?, 98, ?)", (ITEM, second, to_text({"name": "b2"})))
    store = SqliteStore(location, Indexer())
    try:
        assert store.read_now(lambda s: [i for i, _ in s.all(ITEM)]) == [first, second, "stray"]
        assert names(store, Equals("name", "stray")) == ["stray"]
        assert store.read_now(lambda s: s.get(ITEM, second)) == {"name": "b2"}
    finally:
        store.close()


# -- states -------------------------------------------------------------------------------------------


def test_states_are_per_type_and_shared_by_every_instance(open_store: Opener) -> None:
    one, two = open_store(), open_store()
    assert one.read_now(lambda s: s.state(ITEM)) == "0"
    new = one.write_now(lambda s: s.bump_state(ITEM))
    assert new != "0"
    assert two.read_now(lambda s: (s.state(ITEM), s.state(OTHER))) == (new, "0")
    newer = two.write_now(lambda s: (s.state(ITEM, for_update=True), s.bump_state(ITEM))[1])
    assert newer not in ("0", new) and one.read_now(lambda s: s.state(ITEM)) == newer


def test_for_update_serialises_read_modify_write_across_instances(open_store: Opener) -> None:
    """Two instances (as two processes) increment one counter under the type's state lock: with
    ifInState-style checks holding, no increment is lost."""
    one, two = open_store(), open_store()
    obj = create(one, ITEM, {"name": "counter", "n": 0})
    rounds = 25

    def increment(session: Session) -> None:
        session.state(ITEM, for_update=True)
        doc = session.get(ITEM, obj)
        assert doc is not None
        doc["n"] += 1
        session.put(ITEM, obj, doc)
        session.bump_state(ITEM)

    def hammer(store: Store) -> None:
        for _ in range(rounds):
            store.write_now(increment)

    threads = [threading.Thread(target=hammer, args=(s,)) for s in (one, two)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert one.read_now(lambda s: s.get(ITEM, obj)) == {"name": "counter", "n": 2 * rounds}
    assert int(two.read_now(lambda s: s.state(ITEM))) >= 2 * rounds


def test_units_locking_two_types_in_opposite_orders_on_two_instances_both_complete(open_store: Opener) -> None:
    """Two instances each lock one type's state and then the other's: on PostgreSQL that is a
    deadlock, which the database breaks by aborting one unit; the store runs that one again."""
    one, two = open_store(), open_store()
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def unit(first: str, second: str) -> Callable[[Session], None]:
        def work(session: Session) -> None:
            session.state(first, for_update=True)
            with contextlib.suppress(threading.BrokenBarrierError):  # SQLite: one writer at a time
                barrier.wait(2)
            session.state(second, for_update=True)
            session.bump_state(first)
            session.bump_state(second)

        return work

    def run(store: Store, first: str, second: str) -> None:
        try:
            store.write_now(unit(first, second))
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=args) for args in ((one, ITEM, OTHER), (two, OTHER, ITEM))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert one.read_now(lambda s: (s.state(ITEM), s.state(OTHER))) == ("2", "2")


# -- queries ------------------------------------------------------------------------------------------


def test_equals_matches_json_values_as_python_compares_them(store: Store) -> None:
    items(
        store,
        {"name": "int", "v": 1},
        {"name": "float", "v": 1.0},
        {"name": "true", "v": True},
        {"name": "string", "v": "1"},
        {"name": "null", "v": None},
        {"name": "absent"},
        {"name": "object", "v": {"a": 1, "b": [1, 2]}},
    )
    assert names(store, Equals("v", 1)) == ["int", "float", "true"]
    assert names(store, Equals("v", True)) == ["int", "float", "true"]
    assert names(store, Equals("v", "1")) == ["string"]
    assert names(store, Equals("v", None)) == ["null"]
    assert names(store, Equals("v", {"b": [1, 2], "a": 1})) == ["object"]
    assert names(store, Equals("v", {"a": 1, "b": [2, 1]})) == []
    assert names(store, Equals("name", "INT")) == []  # strings exactly, no collation


def test_equals_matches_strings_holding_a_nul(store: Store) -> None:
    """SQLite's json_extract cuts a string at U+0000: such a value is compared as JSON text."""
    items(store, {"name": "nul", "v": "a\x00b"}, {"name": "cut", "v": "a"}, {"name": "other", "v": "a\x00c"})
    items(store, {"name": "quoted", "v": 'a\x00"\\\u00e9'}, {"name": "listed", "v": ["a\x00b"]})
    assert names(store, Equals("v", "a\x00b")) == ["nul"]
    assert names(store, Equals("v", 'a\x00"\\\u00e9')) == ["quoted"]
    assert names(store, Equals("v", "a")) == ["cut"]
    items(store, {"name": "escaped", "v": "a\\u0000b"})  # a backslash, not U+0000
    assert names(store, Equals("v", "a\\u0000b")) == ["escaped"]
    assert names(store, Equals("v", "a\x00b")) == ["nul"]


def test_compare_orders_strings_by_code_point_and_numbers_by_value(store: Store) -> None:
    items(
        store,
        {"name": "a", "s": "apple", "n": 10},
        {"name": "B", "s": "Banana", "n": 2.5},
        {"name": "é", "s": "éclair", "n": True},
        {"name": "mixed", "s": 5, "n": "7"},
        {"name": "none", "s": None},
    )
    assert names(store, Compare("s", ">", "Z")) == ["a", "é"]  # "Banana" < "Z" < "apple" < "éclair"
    assert names(store, Compare("s", "<=", "apple")) == ["a", "B"]
    assert names(store, Compare("n", ">=", 2.5)) == ["a", "B"]
    assert names(store, Compare("n", "<", 3)) == ["B", "é"]  # true counts as 1
    assert names(store, Compare("n", ">", "0")) == ["mixed"]  # a string bound matches strings only
    assert names(store, Compare("s", "<", 100)) == ["mixed"]


def test_has_member_text_match_and_all(store: Store) -> None:
    items(
        store,
        {"name": "Office uplink", "tags": {"x": True, "y": True}},
        {"name": "Home", "note": "office printer", "tags": {"y": True}},
        {"name": "Backup", "tags": ["x"]},  # an array holds no members
    )
    assert names(store, HasMember("tags", "x")) == ["Office uplink"]
    assert names(store, HasMember("id", "x")) == []
    assert names(store, TextMatch("text", ("off",))) == ["Office uplink", "Home"]
    assert names(store, TextMatch("text", ("off", "print"))) == ["Home"]
    assert names(store, TextMatch("text", ())) == ["Office uplink", "Home", "Backup"]
    assert names(store, All((HasMember("tags", "y"), All((TextMatch("text", ("uplink",)),))))) == ["Office uplink"]
    assert names(store, All(())) == ["Office uplink", "Home", "Backup"]


def test_conditions_on_the_id(store: Store) -> None:
    _, second, _ = items(store, {"name": "a"}, {"name": "b"}, {"name": "c"})
    assert names(store, Equals("id", second)) == ["b"]
    assert names(store, Equals("id", 1)) == []
    assert names(store, Compare("id", ">=", second)) == ["b", "c"]
    assert names(store, None, SortKey("id", ascending=False)) == ["c", "b", "a"]


def test_sorts_put_absent_values_last_and_keep_creation_order_on_ties(store: Store) -> None:
    items(
        store,
        {"name": "n-null", "rank": None},
        {"name": "b2", "rank": 2, "group": "b"},
        {"name": "absent"},
        {"name": "a2", "rank": 2, "group": "a"},
        {"name": "b1", "rank": 1.5, "group": "b"},
        {"name": "bool", "rank": True, "group": "a"},
    )
    assert names(store, None, SortKey("rank")) == ["bool", "b1", "b2", "a2", "n-null", "absent"]
    assert names(store, None, SortKey("rank", ascending=False)) == ["n-null", "absent", "b2", "a2", "b1", "bool"]
    assert names(store, None, SortKey("group"), SortKey("rank", ascending=False)) == [
        "a2",
        "bool",
        "b2",
        "b1",
        "n-null",
        "absent",
    ]


def test_sort_collations(store: Store) -> None:
    items(store, {"name": "b"}, {"name": "Straße"}, {"name": "é"}, {"name": "É"}, {"name": "B"}, {"name": "strasse"})
    assert names(store, None, SortKey("name")) == ["B", "Straße", "b", "strasse", "É", "é"]
    # i;ascii-casemap folds A-Z only: É and é stay apart (U+00C9 < U+00E9)
    assert names(store, None, SortKey("name", collation="ascii-casemap")) == ["b", "B", "strasse", "Straße", "É", "é"]
    # i;unicode-casemap folds as str.casefold: ß is ss, É is é; ties keep creation order
    assert names(store, None, SortKey("name", collation="unicode-casemap")) == ["b", "B", "Straße", "strasse", "é", "É"]


def test_paging_by_position_anchor_and_limit(store: Store) -> None:
    ids = items(store, *({"name": f"n{k:02}", "size": k % 3} for k in range(12)))
    order = SortKey("size"), SortKey("name", ascending=False)
    everything = names(store, None, *order)
    assert everything == ["n09", "n06", "n03", "n00", "n10", "n07", "n04", "n01", "n11", "n08", "n05", "n02"]

    def run(**paging: Any) -> tuple[list[str], int, int | None]:
        result = store.read_now(lambda s: s.query(Query(ITEM, None, order, **paging)))
        return result.ids, result.position, result.total

    by_name = dict(zip((f"n{k:02}" for k in range(12)), ids, strict=True))
    window = [by_name[n] for n in everything]
    assert run(position=3, limit=4) == (window[3:7], 3, None)
    assert run(position=-2, limit=5) == (window[-2:], 10, 12)
    assert run(anchor=window[5], anchor_offset=-2, limit=3, calculate_total=True) == (window[3:6], 3, 12)
    assert run(anchor=window[1], anchor_offset=-5, limit=2) == (window[:2], 0, None)
    assert run(position=20, limit=5, calculate_total=True) == ([], 20, 12)
    filtered = store.read_now(lambda s: s.query(Query(ITEM, Equals("size", 1), order, calculate_total=True)))
    assert filtered.total == 4 and filtered.ids == [by_name[n] for n in ("n10", "n07", "n04", "n01")]
    with pytest.raises(AnchorNotFound):
        store.read_now(lambda s: s.query(Query(ITEM, Equals("size", 1), order, anchor=window[0])))


# -- unique keys --------------------------------------------------------------------------------------


def test_a_taken_key_names_its_holder_and_leaves_nothing_written(store: Store) -> None:
    (holder,) = items(store, {"name": "x", "code": "C1"})

    def clash(session: Session) -> None:
        session.put(ITEM, "new", {"name": "y", "code": "C1"})

    with pytest.raises(KeyTaken) as taken:
        store.write_now(clash)
    assert (taken.value.owner_type, taken.value.owner_id, taken.value.key.properties) == (ITEM, holder, ("code",))
    unheld = UniqueKey(f"{ITEM}:name", to_text(["y"]), ("name",))
    assert store.read_now(lambda s: (s.exists(ITEM, "new"), s.key_owner(unheld))) == (False, None)
    # the shared namespace spans types; the per-type one does not
    with pytest.raises(KeyTaken):
        store.write_now(lambda s: s.put(OTHER, "o1", {"code": "C1"}))
    store.write_now(lambda s: s.put(OTHER, "o2", {"name": "x"}))


def test_a_put_refused_for_a_taken_key_keeps_nothing_of_itself(store: Store) -> None:
    """Put is all or nothing on its own, for a new object (an id just minted) as for a replaced
    one: the caller may catch KeyTaken and go on, and the unit commits without a trace of it."""
    (holder,) = items(store, {"name": "x", "code": "C1"})
    (other,) = items(store, {"name": "z"})

    def clashes(session: Session) -> tuple[str, int]:
        fresh = session.new_id()
        refused = 0
        for obj_id in (fresh, other):  # name "y" would be claimed before code "C1" is found taken
            try:
                session.put(ITEM, obj_id, {"name": "y", "code": "C1"})
            except KeyTaken:
                refused += 1
        return fresh, refused

    fresh, refused = store.write_now(clashes)
    assert refused == 2
    unheld = UniqueKey(f"{ITEM}:name", to_text(["y"]), ("name",))
    assert store.read_now(lambda s: (s.exists(ITEM, fresh), s.key_owner(unheld))) == (False, None)
    assert store.read_now(lambda s: s.get(ITEM, other)) == {"name": "z"}
    assert sorted(names(store)) == ["x", "z"]
    owner = store.read_now(lambda s: s.key_owner(UniqueKey("code", to_text(["C1"]), ("code",))))
    assert owner == (ITEM, holder)


def test_keys_follow_updates_and_deletes(store: Store) -> None:
    first, second = items(store, {"name": "a", "code": "K"}, {"name": "b"})
    store.write_now(lambda s: s.put(ITEM, first, {"name": "a", "code": "K", "more": 1}))  # keeps its own keys
    store.write_now(lambda s: s.put(ITEM, first, {"name": "a2"}))  # gives up "a" and "K"
    store.write_now(lambda s: s.put(ITEM, second, {"name": "a", "code": "K"}))
    with pytest.raises(KeyTaken) as taken:
        store.write_now(lambda s: s.put(ITEM, first, {"name": "a"}))
    assert taken.value.owner_id == second
    store.write_now(lambda s: s.put(OTHER, "o", {"name": "b"}))  # "b", given up by `second`, is free
    store.write_now(lambda s: s.delete(ITEM, second))
    store.write_now(lambda s: s.put(ITEM, first, {"name": "a", "code": "K"}))
    owner = store.read_now(lambda s: s.key_owner(UniqueKey("code", to_text(["K"]), ("code",))))
    assert owner == (ITEM, first)


def test_one_key_claimed_by_two_instances_at_once_goes_to_one(open_store: Opener) -> None:
    stores = [open_store(), open_store()]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def claim(k: int) -> None:
        def work(session: Session) -> None:
            new = session.new_id()
            # both units open at once where the database lets them (not SQLite: one writer at a time)
            with contextlib.suppress(threading.BrokenBarrierError):
                barrier.wait(2)
            session.put(ITEM, new, {"name": f"claimant {k}", "code": "ONE"})

        try:
            stores[k].write_now(work)
            outcomes.append("stored")
        except KeyTaken:
            outcomes.append("taken")

    threads = [threading.Thread(target=claim, args=(k,)) for k in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["stored", "taken"]
    assert len(stores[0].read_now(lambda s: s.all(ITEM))) == 1


# -- references and words -----------------------------------------------------------------------------


def test_referrers_count_per_type_and_follow_changes(store: Store) -> None:
    (target,) = items(store, {"name": "target"})
    link = {f"{ITEM}/{target}": True}
    sources = items(store, *({"name": f"s{k}", "links": link} for k in range(4)))
    itself = store.write_now(lambda s: s.put(ITEM, target, {"name": "target", "links": link}))
    assert itself is None
    store.write_now(lambda s: s.put(OTHER, "o1", {"links": link}))
    assert store.read_now(lambda s: s.referrers(ITEM, target)) == {ITEM: 4, OTHER: 1}  # itself not counted
    assert store.read_now(lambda s: s.referring_ids(ITEM, target, ITEM, 3)) == sorted(sources)[:3]
    store.write_now(lambda s: s.put(ITEM, sources[0], {"name": "s0"}))  # no longer refers
    store.write_now(lambda s: s.delete(OTHER, "o1"))
    assert store.read_now(lambda s: s.referrers(ITEM, target)) == {ITEM: 3}
    assert store.read_now(lambda s: s.referrers(ITEM, sources[1])) == {}


def test_words_follow_updates(store: Store) -> None:
    (obj,) = items(store, {"name": "alpha", "note": "beta"})
    store.write_now(lambda s: s.put(ITEM, obj, {"name": "gamma"}))
    assert names(store, TextMatch("text", ("alp",))) == []
    assert names(store, TextMatch("text", ("bet",))) == []
    assert names(store, TextMatch("text", ("gam",))) == ["gamma"]


def test_side_tables_are_rebuilt_when_the_indexer_changes(open_store: Opener) -> None:
    old = open_store(Indexer("1"))
    (target,) = items(old, {"name": "t"})
    items(old, {"name": "s", "note": "searchable", "links": {f"{ITEM}/{target}": True}})
    others = [create(old, OTHER, {"name": f"o{k}"}) for k in range(3)]
    old.close()
    new = open_store(Indexer("2", {ITEM: ("note",), OTHER: ("name",)}))  # OTHER's fields now indexed too
    assert new.read_now(lambda s: s.referrers(ITEM, target)) == {}
    assert names(new, TextMatch("text", ("search",))) == []
    assert names(new, TextMatch("text", ("s",))) == ["s"]
    assert new.read_now(lambda s: [i for i, _ in s.all(OTHER)]) == others
    assert new.read_now(lambda s: s.query(Query(OTHER, Equals("name", "o1"))).ids) == [others[1]]


def test_objects_follow_their_type_when_its_indexed_fields_come_and_go(open_store: Opener) -> None:
    """A type gains and loses indexed fields across schema versions (so, on SQLite, a table of its
    own): every object stays, in creation order, found by queries and keys alike."""
    first = open_store(Indexer("1", {ITEM: ("name",)}))
    made = items(first, *({"name": f"n{k}", "size": k} for k in range(5)))
    first.close()
    for indexed in ({}, {ITEM: ("size",)}, {ITEM: ("name", "size")}):
        store = open_store(Indexer("1", indexed))
        assert store.read_now(lambda s: [i for i, _ in s.all(ITEM)]) == made
        assert names(store, Compare("size", ">=", 3)) == ["n3", "n4"]
        with pytest.raises(KeyTaken):
            store.write_now(lambda s: s.put(ITEM, s.new_id(), {"name": "n1"}))
        store.close()


def test_opening_a_database_that_cannot_be_used_is_a_store_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match=r"database postgresql://nobody@127.0.0.1:1/none cannot be opened") as refused:
        PgStore("postgresql://nobody:hunter2@127.0.0.1:1/none", Indexer())
    assert "hunter2" not in str(refused.value)
    (tmp_path / "dir").mkdir()
    with pytest.raises(StoreError, match="is a directory"):
        SqliteStore(tmp_path / "dir", Indexer())


# -- PostgreSQL: the database does the work ---------------------------------------------------------


def test_postgresql_queries_on_indexed_fields_use_the_expression_indexes(pg_database: str) -> None:
    dsn = fresh_schema(pg_database)
    store = PgStore(dsn, Indexer())
    try:

        def fill(session: Session) -> None:
            for k in range(2000):
                session.put(ITEM, f"i{k}", {"name": f"n{k}", "size": k % 100, "other": k})
            for k in range(500):  # another type's rows: the indexes are per type
                session.put(OTHER, f"o{k}", {"name": f"n{k}", "size": k})

        store.write_now(fill)
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute("ANALYZE")
        queries = {
            "equals": Query(ITEM, Equals("name", "n42")),
            "compare": Query(ITEM, Compare("size", ">=", 99)),
            "sorted": Query(ITEM, None, (SortKey("size"),), limit=10),
            "sorted down": Query(ITEM, Compare("other", ">", 5), (SortKey("name", ascending=False),), limit=10),
        }
        plans = {label: store.read_now(lambda s, q=query: _explain(s, q)) for label, query in queries.items()}
        assert all("px_" in plan for plan in plans.values()), plans
        assert all("Sort" not in plan for label, plan in plans.items() if label.startswith("sorted")), plans
        assert (
            store.read_now(lambda s: s.query(Query(ITEM, Compare("size", ">=", 99), calculate_total=True))).total == 20
        )
    finally:
        store.close()


def test_postgresql_analyzes_a_type_once_it_grew_by_half_of_what_its_statistics_hold(pg_database: str) -> None:
    """A new process learns the table's size from its statistics: it does not ANALYZE a large table
    again for every few hundred new rows (each ANALYZE holds up every write behind it)."""
    dsn = fresh_schema(pg_database)

    def analyzed() -> int:
        with psycopg.connect(dsn, autocommit=True) as conn:
            return analyze_count(conn)

    def run(count: int) -> None:  # in a new process, as it were; close() waits for the ANALYZE it started
        store = PgStore(dsn, Indexer())
        try:
            store.write_now(creates(count))
        finally:
            store.close()

    run(3000)  # a bulk load: analyzed after its commit
    assert analyzed() == 1
    run(ANALYZE_AFTER + 100)  # 600 new rows on 3,000: not yet half (counted from zero: analyzed)
    assert analyzed() == 1
    run(1600)  # more than half
    assert analyzed() == 2


def test_postgresql_statistics_outlive_a_connection_the_server_closed(pg_database: str) -> None:
    """The ANALYZE connection sits idle between ANALYZEs; one the server closed meanwhile (a restart,
    an idle timeout) is replaced, and the ANALYZE it was due for still runs."""
    dsn = fresh_schema(pg_database)

    store = PgStore(dsn, Indexer())
    try:
        with psycopg.connect(dsn, autocommit=True) as watcher:
            store.write_now(creates(ANALYZE_AFTER))
            for _ in range(300):  # its ANALYZE, on the statistics connection
                if analyze_count(watcher) == 1:
                    break
                time.sleep(0.05)
            assert analyze_count(watcher) == 1
            idle = "SELECT pid FROM pg_stat_activity WHERE state = 'idle' AND query LIKE '%%reltuples%%'"
            pids = [r[0] for r in watcher.execute(idle)]  # the statistics connection (and the writer's,
            assert pids  # which read the size first): both replaced by the store
            watcher.execute("SELECT pg_terminate_backend(pid) FROM unnest(%s::int[]) AS pid", (pids,))
            store.write_now(creates(4 * ANALYZE_AFTER))
            store.close()  # waits for the ANALYZE now due
            assert analyze_count(watcher) == 2
    finally:
        store.close()


def test_postgresql_reads_a_table_size_again_after_each_analyze(pg_database: str) -> None:
    """A table whose statistics were never gathered reads as empty: after its first ANALYZE the size
    it found counts, not this process's inserts (which made it ANALYZE again every few hundred)."""
    dsn = fresh_schema(pg_database)
    store = PgStore(dsn, Indexer())
    try:
        with psycopg.connect(dsn, autocommit=True) as conn:  # rows no ANALYZE has seen (a restore, say)
            conn.execute(
                "INSERT INTO objects (type, id, body, doc) SELECT %s, 'r' || n, '{}', '{}' FROM generate_series(1, 20000) AS n",
                (ITEM,),
            )
        for count in (ANALYZE_AFTER + 100, *[1000] * 5):
            store.write_now(creates(count))
        store.close()  # waits for any ANALYZE due
        with psycopg.connect(dsn, autocommit=True) as conn:
            assert analyze_count(conn) == 1  # 5,600 new on 20,600
    finally:
        store.close()


def test_postgresql_writes_go_on_while_statistics_are_gathered(
    pg_database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ANALYZE runs on a connection of its own: writes commit while it waits or works."""
    dsn = fresh_schema(pg_database)
    store = PgStore(dsn, Indexer())
    blocker = psycopg.connect(dsn, autocommit=True)
    pool = concurrent.futures.ThreadPoolExecutor(1)
    try:  # holds a lock ANALYZE waits for, and inserts do not: the ANALYZE cannot finish meanwhile
        blocker.execute("BEGIN")
        blocker.execute(f"LOCK TABLE {partition_name(ITEM)} IN SHARE UPDATE EXCLUSIVE MODE")
        # each write with a deadline: one that waited for the ANALYZE would wait for the lock
        bulk = pool.submit(store.write_now, creates(ANALYZE_AFTER))
        bulk.result(timeout=30)
        waiting = "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'ANALYZE%%' AND wait_event_type = 'Lock'"
        with psycopg.connect(dsn, autocommit=True) as watcher:  # outside the blocker's transaction and its snapshot
            for _ in range(300):  # the bulk load's ANALYZE has started, and waits for the lock
                if watcher.execute(waiting).fetchone() == (1,):
                    break
                time.sleep(0.05)
            else:
                raise AssertionError("no ANALYZE started after the bulk load")
        later = pool.submit(store.write_now, lambda s: s.put(ITEM, s.new_id(), {"size": -1}))
        later.result(timeout=30)  # a write commits all the same
        total = store.read_now(lambda s: s.query(Query(ITEM, None, calculate_total=True)).total)
        assert total == ANALYZE_AFTER + 1
        # closing does not wait for the lock either: past CLOSE_WAIT the ANALYZE is cancelled
        monkeypatch.setattr(pg_statistics, "CLOSE_WAIT", 0.2)
        pool.submit(store.close).result(timeout=30)
    finally:
        blocker.execute("ROLLBACK")  # lets the ANALYZE finish (or the writer, had it waited)
        blocker.close()
        pool.shutdown()
        store.close()


def test_a_text_matching_few_objects_is_found_from_its_words_whatever_the_sort(store: Store) -> None:
    """Text matching few objects (the newest, say): found from the words index and sorted, not by
    walking every object in the sort's order and testing each (on PostgreSQL, a plan chosen on
    statistics could do that, and it costs a walk of them all when the matches sort last).
    Text matching many: either way, the same answers."""
    many = FEW_WORDS + 100

    def fill(session: Session) -> None:
        for k in range(many):
            session.put(ITEM, session.new_id(), {"name": f"common {k:05d}"})
        for k in range(20):
            session.put(ITEM, session.new_id(), {"name": f"rare {k:05d}"})

    store.write_now(fill)
    rare, common = Query(ITEM, TextMatch("text", ("rare",))), Query(ITEM, TextMatch("text", ("comm",)))
    count = {"rare": 20, "comm": FEW_WORDS}  # the common word counted to FEW_WORDS only

    def decide(session: Session) -> frozenset[tuple[str, str]]:
        counter = session._count_words  # type: ignore[attr-defined]
        assert {w: counter(ITEM, "text", w) for w in count} == count
        both = Query(ITEM, All((rare.where, common.where)))  # type: ignore[arg-type]
        return rare_words(both, partial(counter, ITEM))

    assert store.read_now(decide) == {("text", "rare")}  # the common word keeps its own plan
    assert names(store, rare.where, limit=3) == ["rare 00000", "rare 00001", "rare 00002"]
    assert names(store, rare.where, SortKey("name", ascending=False), limit=2) == ["rare 00019", "rare 00018"]
    assert names(store, common.where, SortKey("name", ascending=False), limit=2) == [
        f"common {many - 1:05d}",
        f"common {many - 2:05d}",
    ]
    assert names(store, All((common.where, TextMatch("text", ("rare",)))), limit=2) == []
    if isinstance(store, PgStore):  # the ids come first (an InitPlan), then the objects by id
        plan = store.read_now(lambda s: _explain(s, Query(ITEM, rare.where, limit=3), frozenset({("text", "rare")})))
        assert "InitPlan" in plan and "Semi Join" not in plan, plan


def _explain(session: Session, query: Query, rare: frozenset[tuple[str, str]] = frozenset()) -> str:
    from schemagen_runtime.server.pg_sql import matching_sql, order_sql

    params: list[Any] = []
    statement = psycopg.sql.SQL("EXPLAIN SELECT id FROM ({}) AS m ORDER BY {} LIMIT {}").format(
        matching_sql(query, params, "id, seq, doc", rare),
        order_sql(query.sort, icu=True),
        psycopg.sql.Literal(query.limit),
    )
    conn: psycopg.Connection[Any] = session.conn  # type: ignore[attr-defined]
    return "\n".join(r[0] for r in conn.execute(statement, params))


def test_the_server_api_suite_passes_on_postgresql(postgres: PgService) -> None:
    """tests/test_server_api.py and test_get_as_stored.py once more, with every server they start
    storing in PostgreSQL."""
    dsn = postgres.create_database("server_api")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "tests/test_server_api.py",
            "tests/test_get_as_stored.py",
            "-q",
            "-p",
            "no:cacheprovider",
        ],
        cwd=REPO_ROOT,
        env={**os.environ, POSTGRESQL_ENV: dsn},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-5000:] + done.stderr[-2000:]
    with psycopg.connect(dsn) as conn:  # the servers really stored there
        schemas = [r[0] for r in conn.execute("SELECT nspname FROM pg_namespace WHERE nspname ~ '^s[0-9a-f]{20}$'")]
        assert schemas
        stored = sum(int(conn.execute(f"SELECT count(*) FROM {name}.objects").fetchone()[0]) for name in schemas)  # type: ignore[index]
    assert stored > 0


def test_postgresql_connections_dropped_by_the_server_are_replaced(pg_database: str) -> None:
    """After the server ends every connection (as a restart does), reads and writes go on: what
    was not committed is run again on a new connection."""
    store = PgStore(fresh_schema(pg_database), Indexer())
    try:
        (obj,) = items(store, {"name": "before"})
        assert names(store) == ["before"]
        with psycopg.connect(pg_database, autocommit=True) as conn:
            ended = conn.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            ).fetchone()
        assert ended is not None and ended[0] >= 2  # the writer's and the reader's
        assert names(store) == ["before"]
        store.write_now(lambda s: s.put(ITEM, obj, {"name": "after"}))
        assert names(store) == ["after"]
    finally:
        store.close()
