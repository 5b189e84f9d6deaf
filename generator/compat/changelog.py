"""`changelog`: the history of published versions → the `changes` section of the schema.

The docs target renders that section as the `changes` reference page, so generated/ stays a pure
function of schema/ and templates/: the history itself is read only when this command runs, and
what it wrote is committed (schema/changes.yaml).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .change import Change
from .compare import compare_all
from .sides import SideError, import_published, read_published, version_of

HEADER = (
    "The registry's history, written by `python -m generator changelog` from the published schema of",
    "each release (every change classified as `python -m generator diff` does; see docs/compat.md).",
    "Rendered as the `changes` reference page; regenerate it rather than editing it.",
)


def _key(path: Path) -> tuple[int, ...]:
    version = version_of(path)
    if version is None:
        raise SideError(f"{path}: the file name does not say which version it is (expected e.g. schema-v0.16.2.json)")
    return tuple(int(part) for part in version.split("."))


def history_files(directory: Path) -> list[Path]:
    """The published schemas of a history directory, oldest first (by the version in the name)."""
    files = [p for p in directory.iterdir() if p.name.endswith((".json", ".json.gz"))] if directory.is_dir() else []
    if len(files) < 2:
        raise SideError(f"{directory}: expected at least two schema-vX.Y.Z.json[.gz] files")
    return sorted(files, key=_key)


def release_changes(files: list[Path]) -> list[tuple[str, str, list[Change]]]:
    """(version, previous version, its changes) for each consecutive pair, oldest first."""
    out = []
    before = None
    for path in files:
        doc = read_published(path)
        registry = import_published(doc, path.name, version_of(path))
        if before is not None:
            old_path, old_doc, old_registry = before
            changes = compare_all(old_registry, registry, (old_doc, doc), path.name)
            changes = [c for c in changes if c.kind != "project-version-changed"]
            out.append((version_of(path) or path.name, version_of(old_path) or old_path.name, changes))
        before = (path, doc, registry)
    return out


def changes_section(releases: list[tuple[str, str, list[Change]]]) -> dict[str, Any]:
    """The YAML `changes:` section, newest release first."""
    from ..stalwart.yaml_writer import Flow

    return {
        "changes": [
            {
                "version": version,
                "previous": previous,
                "changes": [
                    {
                        "severity": c.severity,
                        "audiences": Flow(list(c.audiences)),
                        "subject": c.subject,
                        "change": c.kind,
                        "message": c.message,
                    }
                    for c in changes
                ],
            }
            for version, previous, changes in reversed(releases)
        ]
    }


def write_changelog(directory: Path, out: Path) -> int:
    from ..stalwart.yaml_writer import dump

    releases = release_changes(history_files(directory))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(dump(changes_section(releases), HEADER), encoding="utf-8", newline="\n")
    return len(releases)
