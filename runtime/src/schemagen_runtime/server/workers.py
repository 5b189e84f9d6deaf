"""The threads a database store runs units of work on, off the event loop (store_api.Store's
`read`/`write` and their `_now` forms), shared by every backend:

- reader threads, each with a connection of its own (the backend's `_run_read`), so reads never
  wait behind a writer's commit;
- one writer thread that takes every write waiting and hands them to the backend's
  `_commit_batch` together: they share one commit (group commit), and each future is resolved
  only once that commit is durable.
"""

from __future__ import annotations

import asyncio
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
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


class ThreadedStore(Generic[S]):
    """The read/write half of store_api.Store; a backend gives `_run_read` and `_commit_batch`."""

    thread_name = "store"

    def _start_workers(self) -> None:
        self._lock = threading.Lock()
        self._queue: queue.SimpleQueue[WriteJob[S] | None] = queue.SimpleQueue()
        self._writer: threading.Thread | None = None
        self._readers: ThreadPoolExecutor | None = None

    def _run_read(self, work: Callable[[S], T]) -> T:
        """Runs `work` in one read transaction on this reader thread's connection."""
        raise NotImplementedError

    def _commit_batch(self, batch: list[WriteJob[S]]) -> list[WriteJob[S]]:
        """Runs each unit in its own savepoint of one transaction, commits, resolves the futures
        of the units it ran; returns those to run again in the next batch."""
        raise NotImplementedError

    # -- reads --------------------------------------------------------------------------------------

    def _submit_read(self, work: Callable[[S], T]) -> Future[T]:
        with self._lock:
            if self._readers is None:
                self._readers = ThreadPoolExecutor(READERS, thread_name_prefix=f"{self.thread_name}-read")
            readers = self._readers
        return readers.submit(self._run_read, work)

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
            readers, self._readers = self._readers, None
        if writer is not None:
            self._queue.put(None)
            writer.join()
        if readers is not None:
            readers.shutdown(wait=True)
