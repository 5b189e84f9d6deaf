"""The counts `make fuzz` prints: what was sent and run, and oracle failures by class."""

from __future__ import annotations

from collections import Counter

COUNTS: Counter[str] = Counter()  # requests, schemas mutated, CLI runs, ...
FAILURES: Counter[str] = Counter()  # oracle failures by class (a shrinking run counts each attempt)


def count(what: str, n: int = 1) -> None:
    COUNTS[what] += n


def failed(kind: str) -> None:
    FAILURES[kind] += 1


def summary() -> list[str]:
    lines = [f"  {what}: {n:,}" for what, n in sorted(COUNTS.items())]
    if FAILURES:
        lines.append("  failures by class (each failing example, those tried while shrinking included):")
        lines += [f"    {kind}: {n:,}" for kind, n in FAILURES.most_common()]
    else:
        lines.append("  failures by class: none")
    return lines
