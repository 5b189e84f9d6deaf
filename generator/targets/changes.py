"""The `changes` reference page: what changed in each version, from the schema's `changes` section
(written by `python -m generator changelog`, see generator/compat/changelog.py). No section, no page."""

from __future__ import annotations

from dataclasses import dataclass

from ..compat.rules import SEVERITIES
from ..ir import Registry, Release
from ..render import render
from ..rendered import RenderedFile
from .text import md_table_code, md_table_text

PAGE = "docs/ref/changes.md"


@dataclass(frozen=True)
class Row:
    subject: str  # Markdown, table-safe
    change: str
    message: str
    audiences: str


@dataclass(frozen=True)
class ReleaseDoc:
    version: str
    previous: str
    counts: str  # "2 breaking, 1 risky, 7 safe"
    groups: tuple[tuple[str, tuple[Row, ...]], ...]  # (severity, its rows), breaking first


@dataclass(frozen=True)
class ChangesPage:
    project: str
    releases: tuple[ReleaseDoc, ...]


def _release(release: Release) -> ReleaseDoc:
    groups = []
    for severity in SEVERITIES:
        rows = tuple(
            Row(
                md_table_code(e.subject),
                md_table_code(e.change),
                md_table_text(e.message),
                ", ".join(e.audiences) or "none",
            )
            for e in release.entries
            if e.severity == severity
        )
        if rows:
            groups.append((severity, rows))
    counts = ", ".join(f"{len(rows)} {severity}" for severity, rows in groups) or "no changes"
    return ReleaseDoc(release.version, release.previous, counts, tuple(groups))


def outputs(registry: Registry) -> list[RenderedFile]:
    if not registry.changes:
        return []
    page = ChangesPage(registry.project.name, tuple(_release(r) for r in registry.changes))
    sources = tuple(sorted({r.pos.file for r in registry.changes}))
    return [RenderedFile(PAGE, render("docs/changes.md.jinja", page=page), sources)]
