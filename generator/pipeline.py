"""The pipeline after the IR: render every target → format → add headers → write or compare.

`render_outputs` renders target by target, and hands each target's Python to ruff (another process,
so the other core) while the next target renders. `check` takes everything (`render_tree`);
`generate` (generator/incremental.py) passes which outputs it may reuse from disk as they are.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Collection
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

from .formatting import PendingFormat
from .headers import edited_by_hand, with_header
from .ir import Registry
from .output_tree import existing_files
from .rendered import RenderedFile
from .targets import changes, docs, python_client, python_package

Target = Callable[[Registry], list[RenderedFile]]
# The targets with Python outputs first: their formatting then overlaps the rendering of the rest.
TARGETS: tuple[Target, ...] = (python_package.outputs, python_client.outputs, docs.outputs, changes.outputs)

__all__ = ["TARGETS", "Drift", "Outputs", "compare", "existing_files", "render_outputs", "render_tree", "write"]


def formatted(item: RenderedFile) -> bool:
    """Whether the formatter sees this output: generated Python, not the copied runtime."""
    return item.path.endswith(".py") and not item.verbatim


@dataclass(frozen=True)
class Outputs:
    rendered: dict[str, RenderedFile]  # every output as its template rendered it, sorted by path
    texts: dict[str, str]  # final text (formatted, with header) of each output not reused, sorted


def render_outputs(
    registry: Registry, reuse: Callable[[RenderedFile], bool] | None = None, targets: tuple[Target, ...] = TARGETS
) -> Outputs:
    """Every output rendered; every one `reuse` does not claim also formatted and headed."""
    rendered: dict[str, RenderedFile] = {}
    jobs: list[tuple[dict[str, RenderedFile], PendingFormat]] = []
    texts: dict[str, str] = {}
    with ExitStack() as cleanup:
        for target in targets:
            todo: dict[str, RenderedFile] = {}
            for item in target(registry):
                if item.path in rendered:
                    raise RuntimeError(f"two targets both produce {item.path}")
                rendered[item.path] = item
                if reuse is None or not reuse(item):
                    todo[item.path] = item
            job = PendingFormat({p: f.body for p, f in todo.items() if formatted(f)})
            cleanup.callback(job.close)
            jobs.append((todo, job))
        for todo, job in jobs:
            python = job.result()
            texts.update({p: with_header(p, python.get(p, f.body), f.sources) for p, f in todo.items()})
    return Outputs(dict(sorted(rendered.items())), dict(sorted(texts.items())))


def render_tree(registry: Registry, targets: tuple[Target, ...] = TARGETS) -> dict[str, str]:
    """Every output file, final bytes as text, keyed by relative path, in sorted order."""
    return render_outputs(registry, targets=targets).texts


@dataclass
class Drift:
    changed: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    orphans: list[str] = field(default_factory=list)
    hand_edited: list[str] = field(default_factory=list)
    diff: str = ""

    @property
    def clean(self) -> bool:
        return not (self.changed or self.missing or self.orphans)


def compare(files: dict[str, str], out_dir: Path) -> Drift:
    drift = Drift()
    on_disk = existing_files(out_dir)
    chunks: list[str] = []
    for rel, text in files.items():
        path = on_disk.get(rel)
        if path is None:
            drift.missing.append(rel)
            chunks.extend(difflib.unified_diff([], text.splitlines(True), "/dev/null", f"b/{rel}"))
            continue
        current = path.read_text(encoding="utf-8", errors="replace")
        if current != text:
            drift.changed.append(rel)
            if edited_by_hand(current):
                drift.hand_edited.append(rel)
            chunks.extend(difflib.unified_diff(current.splitlines(True), text.splitlines(True), f"a/{rel}", f"b/{rel}"))
    drift.orphans = sorted(set(on_disk) - set(files))
    drift.diff = "".join(c if c.endswith("\n") else c + "\n" for c in chunks)
    return drift


def write(files: dict[str, str], out_dir: Path, kept: Collection[str] = ()) -> tuple[list[str], list[str]]:
    """Writes only what changed (so mtimes and editable installs stay quiet); removes orphans:
    files that are neither in `files` nor in `kept` (current outputs left as they are).
    Returns (written, removed)."""
    fresh = not out_dir.is_dir()  # nothing to compare with, and no orphan to look for
    written = []
    made: set[Path] = set()
    for rel, text in files.items():
        path = out_dir / rel
        if not fresh and path.is_file() and path.read_text(encoding="utf-8", errors="replace") == text:
            continue
        if path.parent not in made:
            path.parent.mkdir(parents=True, exist_ok=True)
            made.add(path.parent)
        path.write_text(text, encoding="utf-8", newline="\n")
        written.append(rel)
    if fresh:
        return written, []
    removed = []
    keep = set(kept)
    for rel, path in existing_files(out_dir).items():
        if rel not in files and rel not in keep:
            path.unlink()
            removed.append(rel)
    if removed:  # directories they leave empty go too
        for directory in sorted((p for p in out_dir.rglob("*") if p.is_dir()), reverse=True):
            if not any(directory.iterdir()):
                directory.rmdir()
    return written, removed
