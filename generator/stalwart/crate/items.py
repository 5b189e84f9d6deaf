"""The crate's files as the generated code they are: top-level items and the functions inside them.

The generator that writes the crate puts every item at column 0 and closes it with `}` (or `};`)
at column 0, and indents the members of an `impl` by four spaces, closing each at four spaces.
We rely on that layout, and say so with file:line when a file breaks it, rather than guess.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path


class CrateShapeError(Exception):
    """The crate is not shaped as this importer expects; names the file and line."""

    def __init__(self, where: str, message: str) -> None:
        self.where, self.message = where, message
        super().__init__(f"{where}: {message}")


@dataclass(frozen=True)
class Lines:
    """A run of lines of one file, with the number of its first line (1-based)."""

    file: str  # relative to the crate, for messages
    first: int
    lines: tuple[str, ...]

    def at(self, index: int) -> str:
        """`file:line` of the index-th line of the run."""
        return f"{self.file}:{self.first + index}"

    @property
    def where(self) -> str:
        return self.at(0)

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


@dataclass(frozen=True)
class Item(Lines):
    header: str  # the opening line, e.g. "impl Default for Domain {"


@dataclass(frozen=True)
class Function(Lines):
    name: str


IMPL = re.compile(r"impl(?:<[^>]*>)? (?:(?P<trait>[\w:]+(?:<[^>]*>)?) for )?(?P<type>\w+)(?:<[^>]*>)? \{$")
FUNCTION = re.compile(r"    (?:pub )?(?:const )?fn (?P<name>\w+)")


def read_lines(root: Path, rel: str) -> list[str]:
    path = root / rel
    try:
        return path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise CrateShapeError(rel, f"cannot read: {exc.strerror or exc}") from None


def items(root: Path, rel: str) -> list[Item]:
    """Every top-level item of a file: a one-line item ending in `;`, or one opened at the end of
    its first line and closed at column 0. Attributes, comments and blank lines between are skipped."""
    lines = read_lines(root, rel)
    out: list[Item] = []
    i = 0
    while i < len(lines):
        line = lines[i].rstrip()
        if not line or line.startswith(("//", "/*", " *", "#[", "#![")):
            i += 1
            continue
        if line[0] == " ":
            raise CrateShapeError(f"{rel}:{i + 1}", f"indented line outside any item: {line.strip()[:60]!r}")
        if line.endswith(";"):
            out.append(Item(rel, i + 1, (line,), line))
            i += 1
            continue
        if not line.endswith(("{", "[", "(")):
            raise CrateShapeError(f"{rel}:{i + 1}", f"an item that neither ends nor opens on its line: {line[:60]!r}")
        end = i + 1
        while end < len(lines) and lines[end][:1] not in ("}", "]", ")"):
            if lines[end][:1] not in ("", " ", "#", "/"):
                raise CrateShapeError(
                    f"{rel}:{end + 1}", f"a new item starts before the item of line {i + 1} is closed at column 0"
                )
            end += 1
        if end == len(lines):
            raise CrateShapeError(f"{rel}:{i + 1}", "this item is never closed at column 0")
        out.append(Item(rel, i + 1, tuple(lines[i : end + 1]), line))
        i = end + 1
    return out


def impl_target(item: Item) -> tuple[str | None, str] | None:
    """(trait or None, type) of an `impl` item; None for other items."""
    if not item.header.startswith("impl"):
        return None
    match = IMPL.match(item.header)
    if match is None:
        raise CrateShapeError(item.where, f"cannot read this impl header: {item.header!r}")
    trait = match.group("trait")
    return (trait.split("<")[0].split("::")[-1] if trait else None), match.group("type")


def _closes_function(line: str) -> bool:
    """`    }`, or a signature line (indented by four) ending in an empty body `{}`."""
    return line.startswith("    }") or (line.startswith("    ") and line[4:5] != " " and line.rstrip().endswith("{}"))


def functions(item: Item) -> list[Function]:
    """The functions of an impl: each from its `    fn` line to the `    }` that closes it."""
    out: list[Function] = []
    lines = item.lines
    i = 1
    while i < len(lines) - 1:
        match = FUNCTION.match(lines[i])
        if match is None:
            i += 1
            continue
        end = i
        while end < len(lines) - 1 and not _closes_function(lines[end]):
            end += 1
        if end == len(lines) - 1:
            raise CrateShapeError(item.at(i), f"fn {match.group('name')} is not closed by '    }}'")
        out.append(Function(item.file, item.first + i, lines[i : end + 1], match.group("name")))
        i = end + 1
    return out
