"""Read units under load, on both stores: a unit reads one snapshot (its documents and its state
agree, whatever commits meanwhile), a read begun after a write returned sees it even when reads
queue up (on PostgreSQL a read's COMMIT may travel with the next one: it must still end the old
snapshot), and once reads stop no reader connection is left inside a transaction."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import psycopg
import pytest
from pg_service import PgService
from schemagen_runtime.server.pgstore import PgStore
from schemagen_runtime.server.sqlite_store import SqliteStore
from schemagen_runtime.server.store_api import Session, Store
from test_store_backends import ITEM, Indexer, Opener, create

T = TypeVar("T")
WRITES = 20
QUEUED = 64  # reads submitted at once: more than a store has reader threads
_schemas = itertools.count()


@pytest.fixture(scope="module")
def pg_database(request: pytest.FixtureRequest) -> str:
    service: PgService = request.getfixturevalue("postgres")
    return service.create_database("reads")


@pytest.fixture(params=["sqlite", "postgresql"])
def open_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Opener]:
    """Opens stores on one fresh database (an SQLite file; a PostgreSQL schema of its own)."""
    if request.param == "sqlite":
        location = str(tmp_path / "store.sqlite3")
        make: Callable[[], Store] = lambda: SqliteStore(location, Indexer())  # noqa: E731
    else:
        base = request.getfixturevalue("pg_database")
        schema = f"t{next(_schemas)}"
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(f"CREATE SCHEMA {schema}")
        make = lambda: PgStore(f"{base}?options=-csearch_path%3D{schema}", Indexer())  # noqa: E731
    opened: list[Store] = []

    def opener() -> Store:
        opened.append(make())
        return opened[-1]

    yield opener
    for store in opened:
        store.close()


def _at_once(store: Store, work: Callable[[Session], T]) -> list[T]:
    async def run() -> list[T]:
        return list(await asyncio.gather(*(store.read(work) for _ in range(QUEUED))))

    return asyncio.run(run())


def _rename(store: Store, obj_id: str, name: str) -> None:
    def work(session: Session) -> None:
        session.state(ITEM, for_update=True)
        session.put(ITEM, obj_id, {"name": name})
        session.bump_state(ITEM)

    store.write_now(work)


def test_a_read_unit_sees_one_snapshot_of_documents_and_state(open_store: Opener) -> None:
    reader, writer = open_store(), open_store()  # two instances, as two processes
    obj_id = create(writer, ITEM, {"name": "old"})

    def work(session: Session) -> tuple[object, str, str]:
        before = session.get_many(ITEM, [obj_id])[obj_id]["name"]
        state = session.state(ITEM)
        _rename(writer, obj_id, "new")  # committed while this unit is open
        return before, state, session.state(ITEM)

    name, state, state_after = reader.read_now(work)
    assert (name, state_after) == ("old", state)
    fresh_name, fresh_state = reader.read_now(lambda s: (s.get(ITEM, obj_id), s.state(ITEM)))
    assert fresh_name == {"name": "new"} and fresh_state != state


def test_a_read_after_a_write_sees_it_while_reads_queue_up(open_store: Opener) -> None:
    reader, writer = open_store(), open_store()
    obj_id = create(writer, ITEM, {"name": "n0"})
    for n in range(1, WRITES + 1):
        _rename(writer, obj_id, f"n{n}")
        names = _at_once(reader, lambda s: s.get_many(ITEM, [obj_id])[obj_id]["name"])
        assert set(names) == {f"n{n}"}


def test_no_reader_is_left_inside_a_transaction_once_reads_stop(pg_database: str) -> None:
    name = f"reads-{time.monotonic_ns()}"
    store = PgStore(f"{pg_database}?application_name={name}", Indexer())
    try:
        obj_id = store.write_now(lambda s: (i := s.new_id(), s.put(ITEM, i, {"name": "x"}))[0])
        assert _at_once(store, lambda s: s.get(ITEM, obj_id)) == [{"name": "x"}] * QUEUED
        sessions = "SELECT state FROM pg_stat_activity WHERE application_name = %s"
        with psycopg.connect(pg_database, autocommit=True) as conn:
            deadline = time.monotonic() + 30  # the readers finish their last unit on their own threads
            while True:
                states = [row[0] for row in conn.execute(sessions, (name,))]
                if "idle in transaction" not in states or time.monotonic() > deadline:
                    break
                time.sleep(0.05)
        assert states and "idle in transaction" not in states, states
    finally:
        store.close()
