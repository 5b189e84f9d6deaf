"""What is in an output directory: the generated files, without what tools leave next to them.

Kept free of heavy imports (no Jinja, YAML or jsonschema): a no-op `generate` reads the tree
through this module before deciding whether it needs the rest of the generator at all.
"""

from __future__ import annotations

from pathlib import Path

# Produced next to generated files by tools, not by us (an editable install, caches).
IGNORED_PARTS = ("__pycache__", ".pytest_cache", "build")
# The record of the last `generate` (generator/manifest.py): a cache, not an output, so `check`
# neither compares it nor calls it an orphan.
MANIFEST = ".schemagen-manifest"


def ignored(rel: str) -> bool:
    return rel == MANIFEST or any(part in IGNORED_PARTS or part.endswith(".egg-info") for part in rel.split("/"))


def existing_files(out_dir: Path) -> dict[str, Path]:
    """Generated files under `out_dir` (relative path with forward slashes → path), sorted."""
    if not out_dir.is_dir():
        return {}
    found = {}
    for path in sorted(out_dir.rglob("*")):
        rel = path.relative_to(out_dir).as_posix()
        if not ignored(rel) and path.is_file():
            found[rel] = path
    return found
