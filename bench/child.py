"""One fresh child process, timed: wall-clock seconds and peak resident memory (ru_maxrss).

os.wait4 gives the rusage of that one child (its own peak, or a waited-for grandchild's if higher,
such as the formatter ruff under the generator), not a maximum over every child this process had.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class ChildRun:
    seconds: float
    cpu: float  # user + system seconds, its own and its waited-for children's
    peak_mb: float  # ru_maxrss, KiB on Linux
    returncode: int
    stdout: str
    stderr: str

    def check(self, what: str) -> ChildRun:
        if self.returncode != 0:
            raise RuntimeError(f"{what} failed ({self.returncode}):\n{self.stdout}\n{self.stderr}")
        return self


def child_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """This environment plus `extra`, with bytecode caching on: an installed package has its .pyc
    files (pip compiles them), so a measured run should not compile every module it imports."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return {**env, **(extra or {})}


def run_child(args: Sequence[str], env: Mapping[str, str] | None = None, cwd: Path | None = None) -> ChildRun:
    os.sync()  # the previous run's writes reach the disk now, not during (and charged to) this run
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:  # no pipe to drain while waiting
        start = time.perf_counter()
        proc = subprocess.Popen(list(args), stdout=out, stderr=err, env=child_env(env), cwd=cwd)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here: Popen must not wait again
        out.seek(0)
        err.seek(0)
        return ChildRun(
            seconds,
            usage.ru_utime + usage.ru_stime,
            usage.ru_maxrss / 1024,
            proc.returncode,
            out.read().decode("utf-8", "replace"),
            err.read().decode("utf-8", "replace"),
        )
