"""What the CLI prints: aligned tables for people, JSON for machines."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Sequence
from typing import Any


def cell(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def table(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    cells = [[cell(c) if not isinstance(c, str) else c for c in row] for row in rows]
    widths = [max([len(h), *(len(r[i]) for r in cells)]) for i, h in enumerate(header)]
    lines = ["  ".join(h.upper().ljust(w) for h, w in zip(header, widths, strict=True)).rstrip()]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in cells]
    return "\n".join(lines)


def record(obj: dict[str, Any]) -> str:
    """One object as FIELD/VALUE rows, in the order the server sent them (declaration order)."""
    return table(("field", "value"), ((k, cell(v)) for k, v in obj.items()))


def emit(text: str) -> None:
    line = text if text.endswith("\n") else text + "\n"
    try:
        sys.stdout.write(line)
    except UnicodeEncodeError:  # a lone surrogate from the server, or a terminal that is not UTF-8
        encoding = sys.stdout.encoding or "utf-8"
        sys.stdout.write(line.encode(encoding, "backslashreplace").decode(encoding))


def emit_json(value: Any) -> None:
    emit(json.dumps(value, indent=2, ensure_ascii=False))
