"""The SQLite store: one JSON document per object row, a counter table for ids and states.

Durability: WAL journal with `synchronous=FULL`, so every COMMIT is fsynced before it returns and
the server answers only after that. NORMAL would survive a killed process but could lose the last
commits on power loss, and the API promises that an acknowledged write is durable. Reads never
fsync, so the cost falls on `set` alone.

One connection, used from the event loop thread: writes are serialised by construction and a
method call's transaction never interleaves with another's. The store owns its file (one server
per database, enforced by an OS lock: dblock.py), so it keeps a read cache of documents (as JSON
text, so no caller can alter a cached value) and counters, written through on every change and
dropped whole on any rollback.

Reference index: the `refs` table holds one row per (target, source) pair of an object referring to
another by id, written by `put`/`delete` in the same transaction as the document, so "who refers to
this object?" is an indexed lookup instead of a scan of every type that could refer to it. What a
document refers to is the application's knowledge (`References`); the store rebuilds the index
whenever that knowledge's layout differs from the one the index was built with (a regenerated
schema, or a database written before the index existed).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol

from .dblock import DatabaseInUse, DatabaseLock
from .jsonio import to_text

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
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
"""

_ID_ALPHABET = "abcdefghijklmnopqrstuvwxyz234567"


def _encode_id(n: int) -> str:
    """Ids are opaque and short: a base-32 counter with a letter in front (RFC 8620 §1.2 charset)."""
    digits = ""
    while True:
        n, r = divmod(n, 32)
        digits = _ID_ALPHABET[r] + digits
        if n == 0:
            return "i" + digits


class StoreError(Exception):
    """The database cannot be opened: the message names it and says why."""


class References(Protocol):
    """What stored documents refer to, as the application's schema says."""

    def layout(self) -> str:
        """A fingerprint of which types refer to which, and where: a change rebuilds the index."""
        ...

    def can_refer(self, type_: str) -> bool: ...

    def targets(self, type_: str, doc: dict[str, Any]) -> Iterable[tuple[str, str]]:
        """(target type, target id) for every id the document holds."""
        ...


class Store:
    def __init__(self, path: str | Path, references: References | None = None) -> None:
        self._lock: DatabaseLock | None = None
        self._depth = 0
        self._docs: dict[tuple[str, str], str | None] = {}  # None: known not to exist
        self._counters: dict[str, int] = {}
        self._references = references
        try:
            self.db = self._open(str(path))
        except DatabaseInUse as exc:
            raise StoreError(f"database {path} {exc}") from None
        except (OSError, sqlite3.Error) as exc:
            self._release()
            raise StoreError(f"database {path} cannot be opened: {getattr(exc, 'strerror', None) or exc}") from None
        try:
            if references is not None:
                self._sync_references(references)
        except sqlite3.Error as exc:  # e.g. a read-only file
            self.close()
            raise StoreError(f"database {path} cannot be used: {exc}") from None

    def _open(self, path: str) -> sqlite3.Connection:
        if path != ":memory:":
            file = Path(path)
            if file.is_dir():
                raise StoreError(f"database {path} is a directory, not a database file")
            file.parent.mkdir(parents=True, exist_ok=True)
            self._lock = DatabaseLock(file.resolve())  # one lock per file, whatever path names it
            self._lock.acquire()  # before SQLite touches the file: a second server must not
        db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=FULL")
            db.executescript(_SCHEMA)
        except BaseException:
            db.close()
            raise
        return db

    def _forget(self) -> None:
        self._docs.clear()
        self._counters.clear()

    def _release(self) -> None:
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    def close(self) -> None:
        self.db.close()
        self._release()

    # -- transactions ------------------------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """BEGIN IMMEDIATE … COMMIT around a method call (rolled back if it raises)."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.db.execute("ROLLBACK")
            self._forget()
            raise
        self.db.execute("COMMIT")

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """One object's changes inside a method call: all of them or none."""
        self._depth += 1
        name = f"obj{self._depth}"
        self.db.execute(f"SAVEPOINT {name}")
        try:
            yield
        except BaseException:
            self.db.execute(f"ROLLBACK TO {name}")
            self.db.execute(f"RELEASE {name}")
            self._forget()
            raise
        finally:
            self._depth -= 1
        self.db.execute(f"RELEASE {name}")

    # -- objects -----------------------------------------------------------------------------------

    def _text(self, type_: str, obj_id: str) -> str | None:
        key = (type_, obj_id)
        if key in self._docs:
            return self._docs[key]
        row = self.db.execute("SELECT doc FROM objects WHERE type = ? AND id = ?", key).fetchone()
        text = self._docs[key] = None if row is None else row[0]
        return text

    def get(self, type_: str, obj_id: str) -> dict[str, Any] | None:
        text = self._text(type_, obj_id)
        return None if text is None else json.loads(text)

    def exists(self, type_: str, obj_id: str) -> bool:
        return self._text(type_, obj_id) is not None

    def all(self, type_: str) -> list[tuple[str, dict[str, Any]]]:
        """Every object of a type in creation order."""
        rows = self.db.execute("SELECT id, doc FROM objects WHERE type = ? ORDER BY seq", (type_,)).fetchall()
        return [(row[0], json.loads(row[1])) for row in rows]

    def ids(self, type_: str) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT id FROM objects WHERE type = ? ORDER BY seq", (type_,))]

    def put(self, type_: str, obj_id: str, doc: dict[str, Any]) -> None:
        text = to_text(doc)
        updated = self.db.execute("UPDATE objects SET doc = ? WHERE type = ? AND id = ?", (text, type_, obj_id))
        if updated.rowcount == 0:
            seq = self._bump("seq")
            self.db.execute("INSERT INTO objects (type, id, seq, doc) VALUES (?, ?, ?, ?)", (type_, obj_id, seq, text))
        self._docs[(type_, obj_id)] = text
        if self._references is not None and self._references.can_refer(type_):
            self._index(self._references, type_, obj_id, doc)

    def delete(self, type_: str, obj_id: str) -> bool:
        self._docs[(type_, obj_id)] = None
        self.db.execute("DELETE FROM refs WHERE source_type = ? AND source_id = ?", (type_, obj_id))
        return self.db.execute("DELETE FROM objects WHERE type = ? AND id = ?", (type_, obj_id)).rowcount > 0

    # -- the reference index -----------------------------------------------------------------------

    def _index(self, references: References, type_: str, obj_id: str, doc: dict[str, Any]) -> None:
        self.db.execute("DELETE FROM refs WHERE source_type = ? AND source_id = ?", (type_, obj_id))
        rows = {(target, target_id, type_, obj_id) for target, target_id in references.targets(type_, doc)}
        if rows:
            self.db.executemany("INSERT INTO refs VALUES (?, ?, ?, ?)", sorted(rows))

    def _sync_references(self, references: References) -> None:
        layout = references.layout()
        row = self.db.execute("SELECT value FROM meta WHERE name = 'refs_layout'").fetchone()
        if row is not None and row[0] == layout:
            return
        with self.transaction():
            self.db.execute("DELETE FROM refs")
            for (type_,) in self.db.execute("SELECT DISTINCT type FROM objects").fetchall():
                if references.can_refer(type_):
                    for obj_id, doc in self.all(type_):
                        self._index(references, type_, obj_id, doc)
            self.db.execute("INSERT OR REPLACE INTO meta (name, value) VALUES ('refs_layout', ?)", (layout,))

    def referrers(self, target_type: str, target_id: str) -> dict[str, int]:
        """How many objects of each type refer to this one (one referring to itself not counted)."""
        rows = self.db.execute(
            "SELECT source_type, COUNT(*) FROM refs WHERE target_type = ? AND target_id = ? "
            "AND NOT (source_type = ? AND source_id = ?) GROUP BY source_type ORDER BY source_type",
            (target_type, target_id, target_type, target_id),
        )
        return {source_type: int(count) for source_type, count in rows}

    def referring_ids(self, target_type: str, target_id: str, source_type: str, limit: int) -> list[str]:
        """The first `limit` ids (by id) of objects of `source_type` that refer to this one."""
        rows = self.db.execute(
            "SELECT source_id FROM refs WHERE target_type = ? AND target_id = ? AND source_type = ? "
            "AND NOT (source_type = ? AND source_id = ?) ORDER BY source_id LIMIT ?",
            (target_type, target_id, source_type, target_type, target_id, limit),
        )
        return [r[0] for r in rows]

    # -- ids and states ----------------------------------------------------------------------------

    def _bump(self, name: str) -> int:
        row = self.db.execute(
            "INSERT INTO counters (name, value) VALUES (?, 1) ON CONFLICT (name) DO UPDATE SET value = value + 1 "
            "RETURNING value",
            (name,),
        ).fetchone()
        value = self._counters[name] = int(row[0])
        return value

    def new_id(self) -> str:
        return _encode_id(self._bump("id"))

    def state(self, type_: str) -> str:
        name = "state:" + type_
        value = self._counters.get(name)
        if value is None:
            row = self.db.execute("SELECT value FROM counters WHERE name = ?", (name,)).fetchone()
            value = self._counters[name] = int(row[0]) if row else 0
        return str(value)

    def bump_state(self, type_: str) -> str:
        return str(self._bump(f"state:{type_}"))
