"""The floor under the server's create on SQLite: the statements the SQLite store sends for a create
(tests/test_bench_smoke.py keeps them the same), on a copy of its database, with its
durability, its savepoint and group commit on a writer thread, behind a bare ASGI app on the
same uvicorn stack. Nothing of JMAP runs: the new name is taken from the request, a stored document
is copied under it, the words are the name's, and the answer is fixed bytes (the server's own).

What the server costs beyond this floor is its own work: parsing the request, decoding and
validating the object, write rules, references, server-set values, index entries and the answer.

Run as `python -m bench.floor_app` with PORT, DB_FILE (a copy of the server's database), BODY_FILE
(the answer) and TYPE (the objects' type).
"""

from __future__ import annotations

import asyncio
import json
import os
import queue
import sqlite3
import threading
from pathlib import Path
from typing import Any

from schemagen_runtime.server.query import text_words
from schemagen_runtime.server.sqlite_store import encode_id, stored_table


class FloorWriter:
    """The store's statements for creates of `type_` on a database the store made (a copy of the
    server's, made with VACUUM INTO: the same tables, indexes and objects), a transaction per batch."""

    def __init__(self, path: str, type_: str) -> None:
        # the store's settings for its write connection (sqlite_store._connect)
        self.db = sqlite3.connect(path, isolation_level=None, check_same_thread=False, cached_statements=512)
        for pragma in ("busy_timeout=30000", "synchronous=FULL", "temp_store=MEMORY", "journal_mode=WAL"):
            self.db.execute(f"PRAGMA {pragma}")
        self.type, self.table = type_, stored_table(self.db, type_)
        (self.template,) = self.db.execute(f"SELECT doc FROM {self.table} ORDER BY seq LIMIT 1").fetchone()
        self.namespaces = [
            r[0] for r in self.db.execute("SELECT DISTINCT namespace FROM keys WHERE type = ?", (type_,))
        ]
        self.indexes = [r[0] for r in self.db.execute("SELECT DISTINCT idx FROM words WHERE type = ?", (type_,))]

    def commit(self, names: list[str]) -> None:
        db, counters = self.db, {}
        db.execute("BEGIN IMMEDIATE")
        for name in names:
            db.execute("SAVEPOINT sp1")
            if not counters:  # read once per transaction, as the store does
                for counter in (f"state:{self.type}", "id"):
                    row = db.execute("SELECT value FROM counters WHERE name = ?", (counter,)).fetchone()
                    counters[counter] = row[0] if row else 0
            counters["id"] += 1
            obj_id = encode_id(counters["id"])
            key = json.dumps([name], separators=(",", ":"), ensure_ascii=False)
            for namespace in self.namespaces:
                db.execute(
                    "INSERT INTO keys (namespace, value, type, id) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                    (namespace, key, self.type, obj_id),
                )
            if "seq" not in counters:
                row = db.execute("SELECT value FROM counters WHERE name = ?", ("seq",)).fetchone()
                counters["seq"] = row[0] if row else 0
            counters["seq"] += 1
            doc = json.loads(self.template)
            doc["name"] = name
            text = json.dumps(doc, separators=(",", ":"), ensure_ascii=False)
            sql = f"INSERT INTO {self.table} (type, id, seq, doc) VALUES (?, ?, ?, ?)"
            db.execute(sql, (self.type, obj_id, counters["seq"], text))
            words = sorted(set(text_words(name)))
            rows = [(self.type, index, word, obj_id) for index in self.indexes for word in words]
            db.executemany("INSERT INTO words VALUES (?, ?, ?, ?)", rows)
            db.execute(
                "INSERT INTO counters (name, value) VALUES (?, 1) ON CONFLICT (name) DO UPDATE SET value = value + 1 "
                "RETURNING value",
                (f"state:{self.type}",),
            ).fetchone()
            db.execute("RELEASE SAVEPOINT sp1")
        for counter in ("id", "seq"):
            db.execute(
                "INSERT INTO counters (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value",
                (counter, counters[counter]),
            )
        db.execute("COMMIT")


def serve() -> None:  # pragma: no cover - run as a process by bench/server_bench.py
    import uvicorn

    writer = FloorWriter(os.environ["DB_FILE"], os.environ["TYPE"])
    answer = Path(os.environ["BODY_FILE"]).read_bytes()
    headers = [(b"content-type", b"application/json; charset=utf-8"), (b"content-length", str(len(answer)).encode())]
    waiting: queue.SimpleQueue[tuple[str, asyncio.Future[None]]] = queue.SimpleQueue()

    def write_loop(loop: asyncio.AbstractEventLoop) -> None:
        while True:
            batch = [waiting.get()]
            while True:
                try:
                    batch.append(waiting.get_nowait())
                except queue.Empty:
                    break
            writer.commit([name for name, _ in batch])
            loop.call_soon_threadsafe(lambda done=batch: [future.set_result(None) for _, future in done])

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            message = await receive()
            loop = asyncio.get_running_loop()
            threading.Thread(target=write_loop, args=(loop,), daemon=True).start()
            await send({"type": "lifespan.startup.complete"})
            await receive()  # shutdown
            await send({"type": "lifespan.shutdown.complete"})
            return
        chunks, more = [], True
        while more:
            message = await receive()
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        (_, arguments, _), *_ = json.loads(b"".join(chunks))["methodCalls"]
        (created,) = arguments["create"].values()
        future = asyncio.get_running_loop().create_future()
        waiting.put((created["name"], future))
        await future
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": answer})

    port = int(os.environ["PORT"])
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False, server_header=False)


if __name__ == "__main__":
    serve()
