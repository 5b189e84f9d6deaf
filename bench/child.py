"""One fresh child process, timed: wall-clock seconds and peak resident memory (ru_maxrss).

The peak is the child's alone. Linux carries the peak RSS of the process that execs over into the
new program, so a child forked from this (large) benchmark process would report this process's
peak if that is higher. A tiny launcher (`python -S`, ~10 MB, below any program measured here)
spawns the child instead and takes its rusage with os.wait4: the child's own peak, or that of a
grandchild it waited for if higher (such as the formatter ruff under the generator).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
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


# argv: RESULT_FILE PROGRAM ARGS...; writes "seconds cpu maxrss_kib exit_status" to RESULT_FILE.
_LAUNCHER = """
import os, sys, time
result, args = sys.argv[1], sys.argv[2:]
start = time.perf_counter()
pid = os.posix_spawnp(args[0], args, os.environ)
_, status, usage = os.wait4(pid, 0)
seconds = time.perf_counter() - start
with open(result, "w") as out:
    out.write(f"{seconds} {usage.ru_utime + usage.ru_stime} {usage.ru_maxrss} {os.waitstatus_to_exitcode(status)}")
"""


def run_child(args: Sequence[str], env: Mapping[str, str] | None = None, cwd: Path | None = None) -> ChildRun:
    os.sync()  # the previous run's writes reach the disk now, not during (and charged to) this run
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, tempfile.NamedTemporaryFile() as result:
        launcher = [sys.executable, "-S", "-c", _LAUNCHER, result.name, *args]
        launched = subprocess.run(launcher, stdout=out, stderr=err, env=child_env(env), cwd=cwd, check=False)
        out.seek(0)
        err.seek(0)
        if launched.returncode != 0:  # the program could not be started
            raise RuntimeError(f"cannot run {list(args)}: {err.read().decode('utf-8', 'replace')}")
        seconds, cpu, maxrss, status = Path(result.name).read_text().split()
        return ChildRun(
            float(seconds),
            float(cpu),
            int(maxrss) / 1024,
            int(status),
            out.read().decode("utf-8", "replace"),
            err.read().decode("utf-8", "replace"),
        )
