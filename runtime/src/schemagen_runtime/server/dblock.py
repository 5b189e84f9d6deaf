"""One server per database file: an exclusive OS lock on `<db>.lock`, held while the store is open.

The store caches documents and counters and serialises writes inside one process, so a second
process on the same file would read stale data and lose updates. `flock` is released by the OS when
the process dies (even on SIGKILL), so a crashed server never leaves a stale lock behind; the lock
file keeps the holder's pid only to name it in the error.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

if sys.platform != "win32":  # Windows has no flock, so there nothing stops a second server
    import fcntl


class DatabaseInUse(Exception):
    pass


class DatabaseLock:
    def __init__(self, db: Path) -> None:
        self.path = db.with_name(db.name + ".lock")
        self._fd: int | None = None

    def acquire(self) -> None:
        """Takes the lock or raises DatabaseInUse naming the server that holds it."""
        if sys.platform == "win32":
            return
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 32).decode("ascii", "replace").strip() or "unknown"
            os.close(fd)
            raise DatabaseInUse(f"is in use by another server (pid {holder})") from None
        except BaseException:
            os.close(fd)
            raise
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the descriptor drops the flock
            self._fd = None
