"""Source positions and the errors the pipeline reports against them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Pos:
    """A place in a schema file; lines and columns count from 1, as editors show them."""

    file: str
    line: int
    col: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"


@dataclass(frozen=True, order=True)
class Diagnostic:
    pos: Pos
    message: str
    code: str = "schema"

    def __str__(self) -> str:
        return f"{self.pos}: {self.message}"


class SchemaError(Exception):
    """Raised with every diagnostic of a run, sorted by position, never just the first."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        self.diagnostics = sorted(set(diagnostics))
        super().__init__("\n".join(str(d) for d in self.diagnostics))
