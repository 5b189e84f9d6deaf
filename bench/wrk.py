"""The load generator: Debian's wrk (`make wrk` installs it) with bench/jmap.lua, closed loop: each
connection sends its next request when the previous response has arrived. Requests/s, latency
percentiles (wrk's own histogram) and the count of wrong answers."""

from __future__ import annotations

import itertools
import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

SCRIPT = Path(__file__).with_name("jmap.lua")
_runs = itertools.count(1)


@dataclass(frozen=True)
class Load:
    """What one run sends: a body template ({n}: a unique name, {id}: the next of `ids`) and a text
    every good response contains."""

    body: str
    expect: str
    ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class WrkResult:
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    bad: int  # not HTTP 200, or without the expected text
    errors: int  # socket errors and timeouts

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def wrk_path() -> str:
    found = shutil.which("wrk")
    if found is None:
        raise RuntimeError("wrk is not installed: run `make wrk` (Debian's wrk package)")
    return found


def start_wrk(
    url: str, load: Load, token: str, seconds: float, connections: int, threads: int
) -> tuple[subprocess.Popen[str], Path]:
    """A running wrk (so that two can run at once) and the body file to delete after it."""
    fd, body_file = tempfile.mkstemp(prefix="bench-body-", suffix=".json")
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(load.body)
    env = {
        **os.environ,
        "BENCH_TOKEN": token,
        "BENCH_EXPECT": load.expect,
        "BENCH_RUN": f"{os.getpid()}x{next(_runs)}",  # created names never repeat across runs
        "BENCH_BODY_FILE": body_file,
        "BENCH_IDS": ",".join(load.ids),
    }
    command = [
        wrk_path(),
        f"--threads={threads}",
        f"--connections={connections}",
        f"--duration={max(1, round(seconds))}s",
        "--timeout=30s",
        f"--script={SCRIPT}",
        url,
    ]
    proc = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return proc, Path(body_file)


def finish_wrk(proc: subprocess.Popen[str], body_file: Path) -> WrkResult:
    try:
        out, err = proc.communicate(timeout=600)
    finally:
        body_file.unlink(missing_ok=True)
    line = next((x for x in out.splitlines() if x.startswith("BENCH ")), None)
    if proc.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({proc.returncode}):\n{out}{err}")
    r = json.loads(line[len("BENCH ") :])
    return WrkResult(
        r["requests"], r["duration_us"] / 1e6, r["p50_us"] / 1000, r["p99_us"] / 1000, r["bad"], r["errors"]
    )


def run_wrk(url: str, load: Load, token: str, seconds: float, connections: int = 16, threads: int = 1) -> WrkResult:
    return finish_wrk(*start_wrk(url, load, token, seconds, connections, threads))
