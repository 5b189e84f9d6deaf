"""What a target hands to the pipeline: a path under the output root, its text, its sources."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RenderedFile:
    path: str  # relative, with forward slashes
    body: str
    sources: tuple[str, ...]
    verbatim: bool = False  # copied hand-written code (the runtime): the formatter leaves it alone
