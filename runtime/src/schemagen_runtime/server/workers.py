"""The threads a database store runs units of work on, off the event loop (store_api.Store's
`read`/`write` and their `_now` forms), shared by every backend:

- reader threads, each with a connection of its own (the backend's `_read_batch`), so reads never
  wait behind a writer's commit; a reader that finds no unit waiting calls the backend's
  `_reader_idle` before it sleeps (a backend may leave work for then, such as a read
  transaction's COMMIT, which otherwise travels with the thread's next unit);
- one writer thread that takes every write waiting and hands them to the backend's
  `_commit_batch` together: they share one commit (group commit), and each unit's outcome is
  given to its caller only once that commit is durable.

Units reach the threads, and their outcomes the event loop, in batches: the units an event-loop
turn submits go to a thread as one batch, and a batch's outcomes go back in one call. Each handoff
between threads costs a wake-up (a futex, the loop's self-pipe) and a turn of the GIL; paid per
request, they were over a third of a get's CPU time, now they are paid per batch.
"""

from __future__ import annotations

import asyncio
import contextlib
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

# Reader threads per process. One would let a long query hold up every read behind it; each more
# runs Python that contends for the GIL (a get of 100 objects served at half the rate with 4 as
# with 1, bench/), so two: a query and everything else make progress together.
READERS = 2
MAX_BATCH = 64  # write units committed together at most
MAX_READS = 16  # read units one reader takes at a time: more would wait behind one another


class Job(Generic[S]):
    """A unit of work and whoever waits for it: a concurrent Future (`_now` callers) or an asyncio
    future of `loop`, resolved on that loop's thread."""

    __slots__ = ("loop", "ok", "tries", "value", "waiter", "work")

    def __init__(self, work: Callable[[S], Any], waiter: Future[Any] | asyncio.Future[Any], loop: Any) -> None:
        self.work = work
        self.waiter = waiter
        self.loop: asyncio.AbstractEventLoop | None = loop
        self.tries = 0  # runs so far: a backend may run a unit again (a deadlock, a lost connection)
        self.ok: bool | None = None  # None until the unit ran (or failed for good)
        self.value: Any = None

    def succeed(self, value: Any) -> None:
        self.ok, self.value = True, value

    def fail(self, exc: BaseException) -> None:
        if isinstance(exc, StopIteration):  # an asyncio future refuses it (as a coroutine's result does)
            replaced = RuntimeError(f"a unit of work raised StopIteration: {exc}")
            replaced.__cause__ = exc
            exc = replaced
        self.ok, self.value = False, exc

    def wanted(self) -> bool:
        """False when its caller gave up on it before it ran (a cancelled task): it is not run."""
        if self.loop is None:
            return self.waiter.set_running_or_notify_cancel()  # type: ignore[union-attr]
        return not self.waiter.cancelled()  # a read of one flag: no lock needed across threads


def _settle(jobs: list[Job[Any]]) -> None:
    """On the loop's thread: the asyncio futures of units that ran (one call per batch); one that
    cannot take its outcome never keeps the others from theirs."""
    for job in jobs:
        if job.waiter.done():  # cancelled meanwhile: nobody reads it
            continue
        try:
            if job.ok:
                job.waiter.set_result(job.value)
            else:
                job.waiter.set_exception(job.value)
        except Exception as exc:  # a bug here must not strand the rest of the batch
            job.waiter.set_exception(exc)


def _fail_unsettled(jobs: list[Job[Any]], exc: BaseException) -> None:
    traceback.print_exc(file=sys.stderr)
    for job in jobs:
        if job.ok is None:
            job.fail(exc)


def deliver(jobs: list[Job[Any]]) -> None:
    """Hands the outcomes of units that ran to their callers: `_now` callers at once, each event
    loop's in one call_soon_threadsafe (one wake-up of that loop for the whole batch)."""
    by_loop: dict[asyncio.AbstractEventLoop, list[Job[Any]]] = {}
    for job in jobs:
        if job.ok is None:
            continue
        if job.loop is None:
            waiter: Future[Any] = job.waiter  # type: ignore[assignment]
            if job.ok:
                waiter.set_result(job.value)
            else:
                waiter.set_exception(job.value)
        else:
            by_loop.setdefault(job.loop, []).append(job)
    for loop, settled in by_loop.items():
        with contextlib.suppress(RuntimeError):  # the loop was closed: its callers are gone
            loop.call_soon_threadsafe(_settle, settled)


class _Intake(Generic[S]):
    """Units an event-loop turn submits, put on a queue together at the turn's end: one batch of
    those that may share one, and a batch of its own for each unit submitted `alone` (a query:
    many in one batch ran one after another on one thread while the others idled, and as their
    answers came back together, a closed-loop load sent the next ones together too; with
    PostgreSQL's queries, a convoy that ran at a fifteenth of the rate)."""

    def __init__(self, target: queue.SimpleQueue[list[Job[S]] | None]) -> None:
        self.target = target
        self.pending: dict[asyncio.AbstractEventLoop, list[list[Job[S]]]] = {}
        self.lock = threading.Lock()

    def add(self, loop: asyncio.AbstractEventLoop, job: Job[S], alone: bool = False) -> None:
        with self.lock:
            batches = self.pending.get(loop)
            if batches is None:
                self.pending[loop] = [[job]] if not alone else [[], [job]]
                loop.call_soon(self._flush, loop)  # after the callbacks of this turn, which may add more
            elif alone:
                batches.append([job])
            else:
                batches[0].append(job)

    def _flush(self, loop: asyncio.AbstractEventLoop) -> None:
        with self.lock:
            batches = self.pending.pop(loop, [])
        self._put(batches)

    def _put(self, batches: list[list[Job[S]]]) -> None:
        for jobs in batches:
            if jobs:
                self.target.put(jobs)

    def flush_all(self) -> None:
        """Every loop's waiting units, now (the store is closing: its threads must see them first)."""
        with self.lock:
            waiting, self.pending = list(self.pending.values()), {}
        for batches in waiting:
            self._put(batches)


class ThreadedStore(Generic[S]):
    """The read/write half of store_api.Store; a backend gives `_read_batch` and `_commit_batch`."""

    thread_name = "store"
    readers = READERS  # reader threads (and connections) per process

    def _start_workers(self) -> None:
        self._lock = threading.Lock()
        self._queue: queue.SimpleQueue[list[Job[S]] | None] = queue.SimpleQueue()
        self._writer: threading.Thread | None = None
        self._reads: queue.SimpleQueue[list[Job[S]] | None] = queue.SimpleQueue()
        self._readers: list[threading.Thread] = []
        self._read_intake: _Intake[S] = _Intake(self._reads)
        self._write_intake: _Intake[S] = _Intake(self._queue)

    def _read_batch(self, jobs: list[Job[S]]) -> None:
        """Runs the units on this reader thread's connection and records their outcomes
        (`succeed`/`fail`), in one read transaction: they were all submitted before it began, so
        one snapshot taken then answers each as well as a snapshot of its own would (nothing any
        of them waited for is missing from it), for one BEGIN and COMMIT instead of one per unit."""
        raise NotImplementedError

    def _reader_idle(self) -> None:
        """Called on a reader thread when no read is waiting, before it sleeps."""

    def _commit_batch(self, batch: list[Job[S]]) -> list[Job[S]]:
        """Runs the units in one transaction and commits; a unit that raises is undone alone (by a
        savepoint of its own, or by a rollback of the transaction and the others run again).
        Records each outcome (`succeed`/`fail`) of the units settled; returns those to run again."""
        raise NotImplementedError

    # -- reads --------------------------------------------------------------------------------------

    def _start_readers(self) -> None:
        with self._lock:
            while len(self._readers) < self.readers:
                name = f"{self.thread_name}-read-{len(self._readers)}"
                self._readers.append(threading.Thread(target=self._read_loop, name=name, daemon=True))
                self._readers[-1].start()

    def _read_loop(self) -> None:
        while True:
            try:
                jobs = self._reads.get_nowait()
            except queue.Empty:
                self._idle()
                jobs = self._reads.get()
            if jobs is None:
                self._idle()
                return
            if len(jobs) > MAX_READS:  # the rest goes to the next free reader, not behind these
                self._reads.put(jobs[MAX_READS:])
                jobs = jobs[:MAX_READS]
            self._run_reads(jobs)

    def _run_reads(self, jobs: list[Job[S]]) -> None:
        wanted = [job for job in jobs if job.wanted()]
        try:
            if wanted:
                self._read_batch(wanted)
        except BaseException as exc:  # the backend failed outside any unit: every caller hears of it
            _fail_unsettled(wanted, exc)
        deliver(wanted)

    def _idle(self) -> None:
        try:
            self._reader_idle()
        except Exception:  # a bug there must not end the thread: the reads queued behind would hang
            traceback.print_exc(file=sys.stderr)

    def read(self, work: Callable[[S], T], alone: bool = False) -> asyncio.Future[T]:
        return self._submit(self._start_readers, self._read_intake, work, alone)

    def read_now(self, work: Callable[[S], T]) -> T:
        """`read` for code off the event loop (start-up); a unit `read` submitted in the current
        loop turn may run after it."""
        return self._submit_now(self._start_readers, self._reads, work)

    @staticmethod
    def _submit(
        start: Callable[[], None], intake: _Intake[S], work: Callable[[S], T], alone: bool = False
    ) -> asyncio.Future[T]:
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[T] = loop.create_future()
        start()
        intake.add(loop, Job(work, waiter, loop), alone)
        return waiter

    @staticmethod
    def _submit_now(
        start: Callable[[], None], target: queue.SimpleQueue[list[Job[S]] | None], work: Callable[[S], T]
    ) -> T:
        waiter: Future[T] = Future()
        start()
        target.put([Job(work, waiter, None)])
        return waiter.result()

    # -- writes -------------------------------------------------------------------------------------

    def _start_writer(self) -> None:
        with self._lock:
            if self._writer is None:
                self._writer = threading.Thread(target=self._write_loop, name=f"{self.thread_name}-write", daemon=True)
                self._writer.start()

    def write(self, work: Callable[[S], T]) -> asyncio.Future[T]:
        return self._submit(self._start_writer, self._write_intake, work)

    def write_now(self, work: Callable[[S], T]) -> T:
        """`write` for code off the event loop (start-up); a unit `write` submitted in the current
        loop turn may run after it."""
        return self._submit_now(self._start_writer, self._queue, work)

    def _write_loop(self) -> None:
        retry: list[Job[S]] = []
        waiting: list[Job[S]] = []  # taken from the queue, beyond what the last batch could hold
        stop = False
        while True:
            if not (retry or waiting or stop):
                first = self._queue.get()
                if first is None:
                    return
                waiting = first
            while not stop and len(retry) + len(waiting) < MAX_BATCH:  # all waiting shares this commit
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    stop = True
                else:
                    waiting += more
            room = MAX_BATCH - len(retry)
            batch = retry + [job for job in waiting[:room] if job.wanted()]
            waiting = waiting[room:]
            try:
                retry = self._commit_batch(batch) if batch else []
            except BaseException as exc:  # the backend failed outside any unit: nothing of it is known kept
                _fail_unsettled(batch, exc)
                retry = []
            deliver(batch)
            if stop and not waiting:
                for job in retry:
                    job.fail(StoreError("the store was closed before the write could be retried"))
                deliver(retry)
                return

    # -- shutdown -----------------------------------------------------------------------------------

    def _stop_workers(self) -> None:
        """Lets the writer finish what is queued (units submitted in the event-loop turn that closes
        the store too), then stops it and the readers."""
        for intake in (self._write_intake, self._read_intake):
            intake.flush_all()
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
