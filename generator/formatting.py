"""Formatting stage: generated Python goes through ruff's formatter, pinned, and nothing else.

ruff formats all files of a target in one process (one start-up, however many files): black
needs ~25 s for one 850 KB module on this class of machine, ruff ~0.05 s. black is only the judge
(tests/test_black_clean.py runs `black --check` on the output): where the two differ (a line too
long only through a pragma comment; a string too long for its line in an annotated assignment,
which black parenthesizes), the view models write a form both print the same way
(targets/python_models.py), so no output needs a second formatter.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path

from ruff.__main__ import find_ruff_bin

LINE_LENGTH = 100
_SETTINGS = ("--isolated", "--line-length", str(LINE_LENGTH), "--target-version", "py311")
# ruff reads and rewrites files, so the sources go through a scratch directory. On a disk each
# file creation can cost a millisecond (0.3 s for the full registry's ~700 modules, several times
# ruff's own run); in memory (tmpfs) it is negligible.
_MEMORY_SCRATCH = Path("/dev/shm")


def _scratch_root() -> str | None:
    if _MEMORY_SCRATCH.is_dir() and os.access(_MEMORY_SCRATCH, os.W_OK | os.X_OK):
        return str(_MEMORY_SCRATCH)
    return None  # the platform's temporary directory


class PendingFormat:
    """One ruff run over many sources, started at once and collected by `result()`, so the caller
    can render other outputs on the other core meanwhile. `close()` cleans up if never collected."""

    def __init__(self, sources: dict[str, str]) -> None:
        self.sources = sources
        self._scratch: tempfile.TemporaryDirectory[str] | None = None
        self._ruff: subprocess.Popen[str] | None = None
        if not sources:
            return
        self._scratch = tempfile.TemporaryDirectory(prefix="schemagen-fmt-", dir=_scratch_root())
        root = Path(self._scratch.name)
        for rel, text in sources.items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        self._ruff = subprocess.Popen(
            [find_ruff_bin(), "format", *_SETTINGS, "--no-cache", "."],
            cwd=root,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )

    def result(self) -> dict[str, str]:
        """The formatted sources (keys as given); raises if ruff could not parse one."""
        if self._ruff is None or self._scratch is None:
            return {}
        try:
            _, errors = self._ruff.communicate()
            if self._ruff.returncode != 0:  # a template bug: name the output, not just ruff's line
                raise RuntimeError(f"generated Python does not parse:\n{errors.strip()}")
            root = Path(self._scratch.name)
            return {rel: (root / rel).read_text(encoding="utf-8") for rel in self.sources}
        finally:
            self.close()

    def close(self) -> None:
        if self._ruff is not None and self._ruff.poll() is None:
            self._ruff.kill()
            self._ruff.wait()
        if self._scratch is not None:
            self._scratch.cleanup()
            self._scratch = None


def format_python_files(sources: dict[str, str]) -> dict[str, str]:
    """Format many Python sources at once; keys are relative paths, used in error messages."""
    return PendingFormat(sources).result()
