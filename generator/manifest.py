"""`OUT/.schemagen-manifest`: what the last `generate` read and wrote, so the next one knows what
it may skip (generator/incremental.py).

- inputs: a hash of each schema file; of the code that shapes the output: the generator
  (generator/), the runtime it imports (schemagen_runtime, whose units and codec shape defaults
  and examples) and templates/ (wherever generator/resources.py finds them); and the versions of
  Python and of the distributions that shape the output (TOOLS);
- finish: a hash of the stage after the templates (formatter settings, headers) and ruff's version,
  the one formatter (generator/formatting.py);
- per output: the hash of its final text, and a key of what the finish stage was given for it.

A cache, not an output: not committed (.gitignore), not compared by `check`. It carries the
do-not-edit header like every generated file, and one whose header hash fails is ignored.
Imports stay light (no Jinja, YAML or jsonschema): a no-op `generate` needs only this module.
"""

from __future__ import annotations

import hashlib
import json
import sys
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import schemagen_runtime

from .headers import content_hash, strip_header, with_header
from .output_tree import MANIFEST, existing_files
from .rendered import RenderedFile
from .resources import PACKAGE_DIR, TEMPLATES_DIR

FORMAT = "1"
GENERATOR_DIR = PACKAGE_DIR
RUNTIME_DIR = Path(schemagen_runtime.__file__).resolve().parent
# Whatever turns rendered text into the final file: a change here invalidates every reusable output.
FINISH_CODE = ("formatting.py", "headers.py", "pipeline.py", "rendered.py")
# Distributions whose behaviour shows in the output: templates, YAML scalars, error paths, the
# formatter. black is not one: it never runs at generation time, it only judges in the tests.
TOOLS = ("jinja2", "markupsafe", "pyyaml", "jsonschema", "ruff")


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:32]


def file_digest(path: Path) -> str | None:
    try:
        return digest(path.read_bytes())
    except OSError:
        return None


def _tree_digest(root: Path) -> str:
    h = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        h.update(f"{path.relative_to(root).as_posix()}\0".encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:32]


@dataclass(frozen=True)
class Inputs:
    schema: tuple[tuple[str, str], ...]  # (path as the loader names it, digest), sorted
    code: str  # generator/, the runtime and templates/
    tools: str  # Python and TOOLS versions
    finish: str  # FINISH_CODE and ruff's version

    def changed_since(self, before: Inputs) -> list[str]:
        """Schema files added, removed or edited, then "generator/, runtime/, templates/" and "tool versions"."""
        old = dict(before.schema)
        new = dict(self.schema)
        changed = sorted(p for p in old.keys() | new.keys() if old.get(p) != new.get(p))
        if self.code != before.code:
            changed.append("generator/, runtime/, templates/")
        if (self.tools, self.finish) != (before.tools, before.finish):
            changed.append("tool versions")
        return changed


def fingerprint(schema_dir: Path) -> Inputs:
    """Every file under the schema directory (a superset of what the loader reads, so no input is
    missed), named as the loader names it: relative to the directory's parent."""
    root = schema_dir.resolve()
    schema = tuple(
        (path.relative_to(root.parent).as_posix(), digest(path.read_bytes()))
        for path in sorted(root.rglob("*"))
        if path.is_file()
    )
    versions = tool_versions()
    tools = " ".join(f"{k}={v}" for k, v in versions.items())
    trees = (GENERATOR_DIR, RUNTIME_DIR, TEMPLATES_DIR)
    code = hashlib.sha256(" ".join(_tree_digest(t) for t in trees).encode()).hexdigest()[:32]
    return Inputs(schema, code, tools, finish_digest(versions["ruff"]))


def tool_versions() -> dict[str, str]:
    """Python's version and each of TOOLS', as installed."""
    return {"python": sys.version.split()[0], **{name: metadata.version(name) for name in TOOLS}}


def finish_digest(ruff_version: str) -> str:
    """The finish stage: its code and the formatter's version (a new ruff may format differently)."""
    finish = hashlib.sha256(ruff_version.encode())
    for name in FINISH_CODE:
        finish.update((GENERATOR_DIR / name).read_bytes())
    return finish.hexdigest()[:32]


def finish_key(item: RenderedFile) -> str:
    """Everything the finish stage (format, header: pipeline.render_outputs) reads of an output:
    equal keys give equal final text."""
    head = json.dumps([item.path, item.sources, item.verbatim])
    return digest(f"{head}\n{item.body}".encode())


@dataclass(frozen=True)
class Record:
    digest: str  # of the final text, as written
    key: str  # finish_key of what it was made from


@dataclass(frozen=True)
class Manifest:
    inputs: Inputs
    notes: tuple[str, ...]  # the loader's notes, printed again by a run that skips loading
    outputs: dict[str, Record]  # relative path → record, sorted

    def intact(self, out_dir: Path) -> bool:
        """Every recorded output is on disk with its recorded hash, and nothing else is."""
        on_disk = existing_files(out_dir)
        if on_disk.keys() != self.outputs.keys():
            return False
        return all(file_digest(on_disk[rel]) == record.digest for rel, record in self.outputs.items())


def dump(manifest: Manifest, sources: tuple[str, ...]) -> str:
    i = manifest.inputs
    lines = [
        "# What the last `generate` read and wrote (generator/manifest.py): a cache, not committed.",
        f"format\t{FORMAT}",
        *(f"schema\t{d}\t{p}" for p, d in i.schema),
        f"code\t{i.code}",
        f"tools\t{i.tools}",
        f"finish\t{i.finish}",
        *(f"note\t{json.dumps(n, ensure_ascii=False)}" for n in manifest.notes),
        *(f"output\t{r.digest}\t{r.key}\t{p}" for p, r in manifest.outputs.items()),
    ]
    return with_header(MANIFEST, "\n".join(lines) + "\n", sources)


def load(out_dir: Path) -> Manifest | None:
    """The manifest in `out_dir`, or None when there is none, it is of another format, or its
    header hash says it was edited."""
    try:
        text = (out_dir / MANIFEST).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    recorded, body = strip_header(text)
    if recorded is None or recorded != content_hash(body):
        return None
    fields: dict[str, str] = {}
    schema: list[tuple[str, str]] = []
    notes: list[str] = []
    outputs: dict[str, Record] = {}
    try:
        for line in body.splitlines():
            kind, _, rest = line.partition("\t")
            if kind == "schema":
                d, p = rest.split("\t", 1)
                schema.append((p, d))
            elif kind == "note":
                notes.append(json.loads(rest))
            elif kind == "output":
                d, key, p = rest.split("\t", 2)
                outputs[p] = Record(d, key)
            elif kind and not kind.startswith("#"):
                fields[kind] = rest
        if fields.get("format") != FORMAT:
            return None
        inputs = Inputs(tuple(schema), fields["code"], fields["tools"], fields["finish"])
    except (KeyError, ValueError):
        return None
    return Manifest(inputs, tuple(notes), outputs)


def save(manifest: Manifest, sources: tuple[str, ...], out_dir: Path) -> bool:
    """Writes the manifest unless it is already there as is; True when written."""
    text = dump(manifest, sources)
    path = out_dir / MANIFEST
    if path.is_file() and path.read_text(encoding="utf-8", errors="replace") == text:
        return False
    out_dir.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8", newline="\n")
    return True
