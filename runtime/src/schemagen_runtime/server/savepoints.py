"""Nested savepoints of one transaction, opened only where they separate changes.

A write unit nests three deep (the unit, the set call, the object), and each level was a
SAVEPOINT and a RELEASE: six statements around a create's one or two. A savepoint entered with
nothing written since the one around it was opened marks the same point of the transaction:
rolling back to either undoes the same changes. So it shares that savepoint: a create now costs
one SAVEPOINT and one RELEASE.

The store tells `Savepoints` of every change (`wrote`) before it makes it; a change it did not
announce could be kept by a rollback to a shared savepoint. Both stores announce at their one
funnel for changes (SQLite: `_writing`; PostgreSQL: every statement of a write session).
"""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType


class Savepoints:
    """`enter()` is the context manager of `Session.savepoint`. `run(command, rollback)` sends a
    command (`rollback`: a ROLLBACK TO, which PostgreSQL must run at once; the others may wait)."""

    __slots__ = ("_clean", "_open", "_run")

    def __init__(self, run: Callable[[str, bool], None]) -> None:
        self._run = run
        self._open: list[str] = []  # names of the savepoints opened, innermost last
        self._clean = False  # nothing written since the innermost one was opened (or rolled back to)

    def reset(self) -> None:
        """A new transaction: none open."""
        self._open.clear()
        self._clean = False

    def wrote(self) -> None:
        self._clean = False

    def enter(self) -> _Savepoint:
        return _Savepoint(self)


class _Savepoint:
    __slots__ = ("_name", "_owner", "_points")

    def __init__(self, points: Savepoints) -> None:
        self._points = points
        self._owner = False  # opened a savepoint of its own (else shares the innermost one)
        self._name = ""  # the savepoint it rolls back to, fixed when entered

    def __enter__(self) -> None:
        points = self._points
        if points._open and points._clean:
            self._name = points._open[-1]
            return
        name = f"sp{len(points._open) + 1}"
        points._run(f"SAVEPOINT {name}", False)
        points._open.append(name)
        points._clean = True
        self._name, self._owner = name, True

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        points = self._points
        if self._name not in points._open:  # the transaction ended inside (a store error): nothing to undo
            return
        try:
            if kind is not None:
                points._run(f"ROLLBACK TO SAVEPOINT {self._name}", True)
                points._clean = True
            if self._owner:
                points._run(f"RELEASE SAVEPOINT {self._name}", False)
        finally:
            # an owner leaves the stack even when its ROLLBACK TO failed (its SAVEPOINT may never
            # have run, in a transaction already in error): the one around it then rolls back to
            # its own savepoint, which did
            if self._owner:
                del points._open[points._open.index(self._name) :]
                # what was written inside is now the outer savepoint's (and if it was clean, this
                # one would have shared it)
                points._clean = False
