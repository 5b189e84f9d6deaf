"""Formatting stage: generated Python goes through ruff's formatter, black-compatible and pinned.

black itself needs ~25 s for one 850 KB module on this class of machine and ruff ~0.05 s, so ruff
formats and black verifies (tests run `black --check` on the output). All files are formatted in
one ruff process: one start-up, however many files.
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

from ruff.__main__ import find_ruff_bin

LINE_LENGTH = 100
_SETTINGS = ("--isolated", "--line-length", str(LINE_LENGTH), "--target-version", "py311")


def format_python_files(sources: dict[str, str]) -> dict[str, str]:
    """Format many Python sources at once; keys are relative paths, used in error messages."""
    if not sources:
        return {}
    with tempfile.TemporaryDirectory(prefix="schemagen-fmt-") as tmp:
        root = Path(tmp)
        for rel, text in sources.items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        done = subprocess.run(
            [find_ruff_bin(), "format", *_SETTINGS, "--no-cache", "."],
            cwd=root,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:  # a template bug: name the output, not just ruff's line
            raise RuntimeError(f"generated Python does not parse:\n{done.stderr.strip()}")
        return {rel: (root / rel).read_text(encoding="utf-8") for rel in sources}
