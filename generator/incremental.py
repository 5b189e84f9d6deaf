"""`generate` that redoes only what changed, with output byte-identical to a cold run.

1. Nothing changed: the manifest's input fingerprint (schema files, generator code, templates, tool
   versions) matches, and every output is on disk with its recorded hash and nothing else is.
   Then nothing is loaded, rendered or written (no Jinja, YAML or jsonschema is even imported).
2. Otherwise the IR is rebuilt and every target rendered through its templates (a fraction of a
   second for the full registry), and only outputs whose rendered text, sources or file on disk
   differ from the manifest's record go through the finish stage (ruff, headers) and are written.

Why rendered text and not declared sources decides: an output depends on more than the files its
header names (a reference page shows the project's CLI name and its views' WebUI places, and links
large enums by their size), so skipping by sources could leave a page that a cold run would write
differently. Templates are pure functions of the IR, so equal rendered text means equal output;
what is skipped is formatting, headers and writing. (Rendering every template costs ~0.2 s for the
full registry; declared dependencies complete enough to skip that safely are not worth the risk.)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from . import manifest
from .manifest import Manifest, Record
from .rendered import RenderedFile


@dataclass
class Report:
    total: int  # outputs of the schema
    skipped: bool = False  # nothing changed: nothing was loaded, rendered or written
    changed: list[str] = field(default_factory=list)  # inputs that differ from the manifest's (Inputs.changed_since)
    finished: list[str] = field(default_factory=list)  # formatted and headed this run; the rest was reused
    written: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def generate(schema_dir: Path, out_dir: Path) -> Report:
    """Brings `out_dir` up to date with `schema_dir`; raises SchemaError (nothing written) on a bad schema."""
    inputs = manifest.fingerprint(schema_dir)
    previous = manifest.load(out_dir)
    if previous is not None and previous.inputs == inputs and previous.intact(out_dir):
        return Report(len(previous.outputs), skipped=True, notes=list(previous.notes))

    from .pipeline import render_outputs, write  # Jinja and the targets: only when there is work
    from .schema_loader import load_registry  # YAML and jsonschema, likewise

    registry, notes = load_registry(schema_dir)
    reusable = previous.outputs if previous is not None and previous.inputs.finish == inputs.finish else {}
    keys: dict[str, str] = {}

    def reuse(item: RenderedFile) -> bool:
        """Made from the same rendered text, sources and finish stage, and still on disk as made."""
        keys[item.path] = key = manifest.finish_key(item)
        record = reusable.get(item.path)
        return record is not None and record.key == key and manifest.file_digest(out_dir / item.path) == record.digest

    outputs = render_outputs(registry, reuse)
    texts = outputs.texts
    written, removed = write(texts, out_dir, kept=outputs.rendered.keys() - texts.keys())
    records = {
        path: Record(manifest.digest(texts[path].encode("utf-8")), keys[path]) if path in texts else reusable[path]
        for path in outputs.rendered
    }
    manifest.save(Manifest(inputs, tuple(notes), records), registry.sources, out_dir)
    return Report(
        len(outputs.rendered),
        changed=inputs.changed_since(previous.inputs) if previous else [],
        finished=list(texts),
        written=written,
        removed=removed,
        notes=notes,
    )
