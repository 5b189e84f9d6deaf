"""Durations (milliseconds) and sizes (bytes): parsing human forms and printing canonical ones."""

from __future__ import annotations

import re

from .errors import shorten

DURATION_UNITS: dict[str, int] = {"ms": 1, "s": 1000, "m": 60_000, "h": 3_600_000, "d": 86_400_000}
SIZE_UNITS: dict[str, int] = {"b": 1, "kb": 1 << 10, "mb": 1 << 20, "gb": 1 << 30, "tb": 1 << 40}

_HUMAN = re.compile(r"\s*([0-9]+)\s*([a-zA-Z]+)\s*\Z")  # [0-9], not \d: ASCII digits only
# Amounts beyond 19 significant digits are beyond any 64-bit value (and a few thousand digits
# would hit Python's limit on converting integer strings), so they are refused before int().
MAX_DIGITS = 19


def _parse(text: str, units: dict[str, int], what: str) -> int:
    match = _HUMAN.match(text)
    if match is None or match.group(2).lower() not in units:
        names = ", ".join(units)
        raise ValueError(f"{shorten(text)} is not a {what} (a whole number followed by one of {names})")
    digits = match.group(1).lstrip("0") or "0"
    if len(digits) > MAX_DIGITS:
        raise ValueError(f"{shorten(text)} is too large a {what} (at most {MAX_DIGITS} digits)")
    return int(digits) * units[match.group(2).lower()]


def parse_duration(value: object) -> int:
    """`"30s"` → 30000; integers are already milliseconds."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError(f"{value!r} is not a duration")
    return value if isinstance(value, int) else _parse(value, DURATION_UNITS, "duration")


def parse_size(value: object) -> int:
    """`"10mb"` → 10485760; integers are already bytes."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError(f"{value!r} is not a size")
    return value if isinstance(value, int) else _parse(value, SIZE_UNITS, "size")


def _largest_exact(amount: int, units: dict[str, int]) -> str:
    for name, factor in reversed(units.items()):
        if amount % factor == 0:
            return f"{amount // factor}{name}"
    return str(amount)  # unreachable: the smallest unit is 1


def format_duration(ms: int, zero_unit: str = "s") -> str:
    """The largest exact unit: 120000 → "2m". Zero has no natural unit, so the caller picks one."""
    return f"0{zero_unit}" if ms == 0 else _largest_exact(ms, DURATION_UNITS)


def format_size(size: int, zero_unit: str = "b") -> str:
    return f"0{zero_unit}" if size == 0 else _largest_exact(size, SIZE_UNITS)


def zero_unit(text: object, units: dict[str, int], fallback: str) -> str:
    """The unit an author wrote on a zero default ("0ms" → "ms"), else `fallback`."""
    if isinstance(text, str):
        match = _HUMAN.match(text)
        if match and match.group(2).lower() in units:
            return match.group(2).lower()
    return fallback
