"""The pipeline after the IR: render every target → format → add headers → write or compare."""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .formatting import format_python_files
from .headers import edited_by_hand, with_header
from .ir import Registry
from .rendered import RenderedFile
from .targets import docs, python_client, python_package

Target = Callable[[Registry], list[RenderedFile]]
TARGETS: tuple[Target, ...] = (docs.outputs, python_package.outputs, python_client.outputs)

# Produced next to generated files by tools, not by us (an editable install, caches).
IGNORED_PARTS = ("__pycache__", ".egg-info", ".pytest_cache", "build")


def render_tree(registry: Registry, targets: tuple[Target, ...] = TARGETS) -> dict[str, str]:
    """Every output file, final bytes as text, keyed by relative path, in sorted order."""
    rendered: dict[str, RenderedFile] = {}
    for target in targets:
        for item in target(registry):
            if item.path in rendered:
                raise RuntimeError(f"two targets both produce {item.path}")
            rendered[item.path] = item
    formatted = format_python_files({p: f.body for p, f in rendered.items() if p.endswith(".py") and not f.verbatim})
    files = {p: with_header(p, formatted.get(p, f.body), f.sources) for p, f in rendered.items()}
    return dict(sorted(files.items()))


def _ignored(rel: str) -> bool:
    return any(part in IGNORED_PARTS or part.endswith(".egg-info") for part in rel.split("/"))


def existing_files(out_dir: Path) -> dict[str, Path]:
    if not out_dir.is_dir():
        return {}
    found = {}
    for path in sorted(out_dir.rglob("*")):
        rel = path.relative_to(out_dir).as_posix()
        if path.is_file() and not _ignored(rel):
            found[rel] = path
    return found


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


def write(files: dict[str, str], out_dir: Path) -> tuple[list[str], list[str]]:
    """Writes only what changed (so mtimes and editable installs stay quiet); removes orphans.
    Returns (written, removed)."""
    written = []
    for rel, text in files.items():
        path = out_dir / rel
        if path.is_file() and path.read_text(encoding="utf-8", errors="replace") == text:
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="\n")
        written.append(rel)
    removed = []
    for rel, path in existing_files(out_dir).items():
        if rel not in files:
            path.unlink()
            removed.append(rel)
    for directory in sorted((p for p in out_dir.rglob("*") if p.is_dir()), reverse=True):
        if not any(directory.iterdir()):
            directory.rmdir()
    return written, removed
