"""The SQLite store: one JSON document per object row, a counter table for ids and states.

Durability: WAL journal with `synchronous=FULL`, so every COMMIT is fsynced before it returns and
the server answers only after that. NORMAL would survive a killed process but could lose the last
commits on power loss, and the API promises that an acknowledged write is durable. Reads never
fsync, so the cost falls on `set` alone.

One connection, used from the event loop thread: writes are serialised by construction and a
method call's transaction never interleaves with another's. The store owns its file (one server
per database), so it keeps a read cache of documents (as JSON text, so no caller can alter a
cached value) and counters, written through on every change and dropped whole on any rollback.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

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


class Store:
    def __init__(self, path: str | Path) -> None:
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.executescript(_SCHEMA)
        self._depth = 0
        self._docs: dict[tuple[str, str], str | None] = {}  # None: known not to exist
        self._counters: dict[str, int] = {}

    def _forget(self) -> None:
        self._docs.clear()
        self._counters.clear()

    def close(self) -> None:
        self.db.close()

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
        return None if text is None else json.loads(text)  # type: ignore[no-any-return]

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

    def delete(self, type_: str, obj_id: str) -> bool:
        self._docs[(type_, obj_id)] = None
        return self.db.execute("DELETE FROM objects WHERE type = ? AND id = ?", (type_, obj_id)).rowcount > 0

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
