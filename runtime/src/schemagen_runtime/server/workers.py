"""The threads a database store runs units of work on, off the event loop (store_api.Store's
`read`/`write` and their `_now` forms), shared by every backend:

- reader threads, each with a connection of its own (the backend's `_run_read`), so reads never
  wait behind a writer's commit; a reader that finds no unit waiting calls the backend's
  `_reader_idle` before it sleeps (a backend may leave work for then, such as a read
  transaction's COMMIT, which otherwise travels with the thread's next unit);
- one writer thread that takes every write waiting and hands them to the backend's
  `_commit_batch` together: they share one commit (group commit), and each future is resolved
  only once that commit is durable.
"""

from __future__ import annotations

import asyncio
import queue
import sys
import threading
import traceback
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, Generic, TypeVar

from .store_api import StoreError

S = TypeVar("S")  # the backend's session
T = TypeVar("T")

READERS = 4
MAX_BATCH = 64  # write units committed together at most


class WriteJob(Generic[S]):
    __slots__ = ("future", "tries", "work")

    def __init__(self, work: Callable[[S], Any]) -> None:
        self.work = work
        self.future: Future[Any] = Future()
        self.tries = 0  # runs so far: a backend may run a unit again (a deadlock, a lost connection)


class ReadJob(Generic[T]):
    __slots__ = ("future", "work")

    def __init__(self, work: Callable[[Any], T]) -> None:
        self.work = work
        self.future: Future[T] = Future()


class ThreadedStore(Generic[S]):
    """The read/write half of store_api.Store; a backend gives `_run_read` and `_commit_batch`."""

    thread_name = "store"
    readers = READERS  # reader threads (and connections) per process

    def _start_workers(self) -> None:
        self._lock = threading.Lock()
        self._queue: queue.SimpleQueue[WriteJob[S] | None] = queue.SimpleQueue()
        self._writer: threading.Thread | None = None
        self._reads: queue.SimpleQueue[ReadJob[Any] | None] = queue.SimpleQueue()
        self._readers: list[threading.Thread] = []

    def _run_read(self, work: Callable[[S], T]) -> T:
        """Runs `work` in one read transaction on this reader thread's connection."""
        raise NotImplementedError

    def _reader_idle(self) -> None:
        """Called on a reader thread when no read is waiting, before it sleeps."""

    def _commit_batch(self, batch: list[WriteJob[S]]) -> list[WriteJob[S]]:
        """Runs each unit in its own savepoint of one transaction, commits, resolves the futures
        of the units it ran; returns those to run again in the next batch."""
        raise NotImplementedError

    # -- reads --------------------------------------------------------------------------------------

    def _submit_read(self, work: Callable[[S], T]) -> Future[T]:
        job: ReadJob[T] = ReadJob(work)
        with self._lock:
            while len(self._readers) < self.readers:
                name = f"{self.thread_name}-read-{len(self._readers)}"
                self._readers.append(threading.Thread(target=self._read_loop, name=name, daemon=True))
                self._readers[-1].start()
        self._reads.put(job)
        return job.future

    def _read_loop(self) -> None:
        while True:
            try:
                job = self._reads.get_nowait()
            except queue.Empty:
                self._idle()
                job = self._reads.get()
            if job is None:
                self._idle()
                return
            if not job.future.set_running_or_notify_cancel():  # its caller gave up on it
                continue
            try:
                job.future.set_result(self._run_read(job.work))
            except BaseException as exc:  # the caller's to handle, as a pool's worker does
                job.future.set_exception(exc)

    def _idle(self) -> None:
        try:
            self._reader_idle()
        except Exception:  # a bug there must not end the thread: the reads queued behind would hang
            traceback.print_exc(file=sys.stderr)

    def read(self, work: Callable[[S], T]) -> asyncio.Future[T]:
        return asyncio.wrap_future(self._submit_read(work))

    def read_now(self, work: Callable[[S], T]) -> T:
        return self._submit_read(work).result()

    # -- writes -------------------------------------------------------------------------------------

    def _submit_write(self, work: Callable[[S], T]) -> Future[T]:
        job: WriteJob[S] = WriteJob(work)
        with self._lock:
            if self._writer is None:
                self._writer = threading.Thread(target=self._write_loop, name=f"{self.thread_name}-write", daemon=True)
                self._writer.start()
        self._queue.put(job)
        return job.future

    def write(self, work: Callable[[S], T]) -> asyncio.Future[T]:
        return asyncio.wrap_future(self._submit_write(work))

    def write_now(self, work: Callable[[S], T]) -> T:
        return self._submit_write(work).result()

    def _write_loop(self) -> None:
        retry: list[WriteJob[S]] = []
        while True:
            batch, retry = retry, []
            stop = False
            if not batch:
                first = self._queue.get()
                if first is None:
                    return
                batch = [first] if first.future.set_running_or_notify_cancel() else []
            while len(batch) < MAX_BATCH:  # everything already waiting shares this commit
                try:
                    job = self._queue.get_nowait()
                except queue.Empty:
                    break
                if job is None:
                    stop = True
                    break
                if job.future.set_running_or_notify_cancel():  # not one its caller abandoned
                    batch.append(job)
            if batch:
                retry = self._commit_batch(batch)
            if stop:
                for job in retry:
                    job.future.set_exception(StoreError("the store was closed before the write could be retried"))
                return

    # -- shutdown -----------------------------------------------------------------------------------

    def _stop_workers(self) -> None:
        """Lets the writer finish what is queued, then stops it and the readers."""
        with self._lock:
            writer, self._writer = self._writer, None
            readers, self._readers = self._readers, []
        if writer is not None:
            self._queue.put(None)
            writer.join()
        for _ in readers:  # each takes one and stops, after the reads queued before it
            self._reads.put(None)
        for reader in readers:
            reader.join()
