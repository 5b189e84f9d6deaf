"""One side of a comparison: a schema directory, a git revision of one, or a published schema.json.

A revision is extracted with `git archive` into a temporary directory; a schema.json (or its
`.json.gz`) is imported on the fly with the importer `import-stalwart` uses. Either is loaded by
the same loader as `generate`, so both sides are IRs with positions. Locations name the files as
the loader names them: `schema/objects/x.yaml` for a directory or a revision, and for a schema.json
the YAML the importer writes from it, under the JSON file's name (`schema-v0.16.2.json.gz/...`).
"""

from __future__ import annotations

import gzip
import io
import json
import re
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..diagnostics import SchemaError
from ..ir import Registry
from ..schema_loader import load_registry

JSON_SUFFIXES = (".json", ".json.gz")


class SideError(Exception):
    """A side that cannot be read: the message says which and why (exit 2)."""

    def __init__(self, message: str, details: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.details = details


@dataclass
class Side:
    label: str  # as given on the command line
    registry: Registry
    notes: list[str] = field(default_factory=list)
    published: dict[str, Any] | None = None  # the schema.json a side was imported from


def load_side(spec: str, repo: Path, default_path: str) -> Side:
    """`spec` is a directory, a schema.json, or a git revision (`REV` or `REV:path`) of `repo`;
    a revision without `:path` means `default_path`, the schema directory inside the repository."""
    path = Path(spec)
    if path.is_dir():
        return _from_dir(spec, path)
    if path.is_file():
        if not spec.endswith(JSON_SUFFIXES):
            raise SideError(f"{spec}: expected a schema directory, a schema.json or a git revision")
        return _from_json(spec, path)
    return _from_git(spec, repo, default_path)


def _load(label: str, schema_dir: Path, display_root: Path | None = None) -> tuple[Registry, list[str]]:
    try:
        return load_registry(schema_dir, display_root)
    except SchemaError as exc:
        count = len(exc.diagnostics)
        raise SideError(
            f"{count} problem{'s' if count != 1 else ''} in {label}", tuple(str(d) for d in exc.diagnostics)
        ) from None


def _from_dir(label: str, path: Path) -> Side:
    registry, notes = _load(label, path)
    return Side(label, registry, notes)


def read_published(path: Path) -> dict[str, Any]:
    try:
        data = path.read_bytes()
        text = gzip.decompress(data) if path.name.endswith(".gz") else data
        doc = json.loads(text)
    except (OSError, EOFError, gzip.BadGzipFile, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SideError(f"{path}: not a readable schema.json ({exc})") from None
    if not isinstance(doc, dict):
        raise SideError(f"{path}: expected a JSON object with objects/schemas/fields/enums")
    return doc


def version_of(path: Path) -> str | None:
    """The release a history file names (`schema-v0.16.2.json.gz` → `0.16.2`), if any."""
    found = re.search(r"v(\d+(?:\.\d+)+)", path.name)
    return found.group(1) if found else None


# A schema.json with Stalwart's registry crate beside it (../shared/stalwart/) is imported with it,
# as `import-stalwart --crate` imported schema/: the two then compare like with like.
CRATE_BESIDE = "registry-crate"


def import_published(
    doc: dict[str, Any], label: str, version: str | None = None, crate_dir: Path | None = None
) -> Registry:
    """A published schema as our IR, through the importer and the loader."""
    from ..stalwart.crate.items import CrateShapeError
    from ..stalwart.crate.parse import read_crate
    from ..stalwart.importer import PROJECT, import_schema, write_tree
    from ..stalwart.source import ImportFailure

    try:
        crate = read_crate(crate_dir) if crate_dir is not None else None
        result = import_schema(doc, version or PROJECT["version"], crate)
    except CrateShapeError as exc:
        raise SideError(
            f"{label}: cannot read the registry crate beside it", (f"{exc.where}: {exc.message}",)
        ) from None
    except ImportFailure as exc:
        raise SideError(f"{label}: cannot import it", tuple(str(p) for p in exc.problems)) from None
    with tempfile.TemporaryDirectory(prefix="schemagen-diff-") as tmp:
        root = Path(tmp) / Path(label).name
        write_tree(result.files, root)
        registry, _ = _load(label, root, display_root=Path(tmp))
    return registry


def _from_json(label: str, path: Path) -> Side:
    doc = read_published(path)
    crate = path.parent / CRATE_BESIDE
    return Side(label, import_published(doc, label, version_of(path), crate if crate.is_dir() else None), published=doc)


def _git(repo: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, check=False)
    except OSError as exc:
        raise SideError(f"cannot run git: {exc}") from None


def _from_git(spec: str, repo: Path, default_path: str) -> Side:
    rev, _, inner = spec.partition(":")
    inner = inner.strip("/") or default_path
    found = _git(repo, "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}")
    if not rev or found.returncode != 0:
        raise SideError(f"{spec}: not a schema directory, a schema.json or a git revision of {repo}")
    commit = found.stdout.decode().strip()
    archive = _git(repo, "archive", "--format=tar", commit, "--", inner)
    if archive.returncode != 0:
        raise SideError(f"{spec}: {rev} has no {inner}/ ({archive.stderr.decode().strip()})")
    with tempfile.TemporaryDirectory(prefix="schemagen-diff-") as tmp:
        with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
            tar.extractall(tmp, filter="data")
        registry, notes = _load(spec, Path(tmp) / inner, display_root=Path(tmp))
    return Side(spec, registry, notes)
