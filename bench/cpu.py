"""CPU time a measurement cost, read from /proc (Linux): the server's processes (it and every
process it forked) and the whole machine (every core's busy time: wrk, PostgreSQL, the server).

Per request, these say where a rate's limit is: a server process busy all the time is bound by its
own CPU (one GIL); a machine busy on every core can go no faster, whatever the processes."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")
TICK = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class CpuUse:
    server_us: float  # per request: the server's processes
    machine_us: float  # per request: every process on the machine
    cores: int  # the machine's

    def ceiling(self) -> float:
        """Requests per second with every core as busy per request as measured."""
        return self.cores / (self.machine_us / 1e6) if self.machine_us else 0.0


def busy_seconds() -> float:
    """Every core's busy time since boot: the first line of /proc/stat's user, nice, system, irq and
    softirq (not idle, iowait, or steal, the hypervisor's; guest time is counted in user already)."""
    user, nice, system, _idle, _iowait, irq, softirq, *_ = map(int, Path("/proc/stat").read_text().split()[1:9])
    return (user + nice + system + irq + softirq) / TICK


def _stat(pid: int) -> tuple[int, float]:
    """A process's parent and its user + system time."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[1]), (int(fields[11]) + int(fields[12])) / TICK


def tree_seconds(pid: int) -> float:
    """CPU time of `pid` and of every living process descended from it."""
    children: dict[int, list[tuple[int, float]]] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                parent, used = _stat(int(entry.name))
            except (OSError, IndexError, ValueError):  # gone meanwhile
                continue
            children.setdefault(parent, []).append((int(entry.name), used))
    total, todo = _stat(pid)[1], [pid]
    while todo:
        for child, used in children.get(todo.pop(), []):
            total += used
            todo.append(child)
    return total


def measured(pid: int, requests: Callable[[T], int], run: Callable[[], T]) -> tuple[T, CpuUse]:
    """`run()`'s result, and the CPU it cost per request (`requests(result)` of them)."""
    server, machine = tree_seconds(pid), busy_seconds()
    result = run()
    count = requests(result) or 1
    server, machine = tree_seconds(pid) - server, busy_seconds() - machine
    return result, CpuUse(server / count * 1e6, machine / count * 1e6, os.cpu_count() or 1)
