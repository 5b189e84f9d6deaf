"""Formatting stage: generated Python goes through ruff's formatter, black-compatible and pinned.

black itself needs ~25 s for one 850 KB module on this class of machine and ruff ~0.05 s, so ruff
formats, in one process for all files (one start-up, however many files). The output must still
be black-clean (tests/test_black_clean.py runs `black --check` on it), and ruff deviates from black
where a line cannot be made to fit: it does not count pragma comments (`# noqa`) in a line's width,
and does not parenthesize a string assigned or returned that is too long for the line. So a file
in which ruff leaves such a line over the limit, and only such a file (a handful in the full
registry), is formatted again by black; the test keeps this list of known deviations honest.
"""

from __future__ import annotations

import os
import re
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
            formatted = {rel: (root / rel).read_text(encoding="utf-8") for rel in self.sources}
        finally:
            self.close()
        overlong = [rel for rel, text in formatted.items() if _black_may_differ(text)]
        if overlong:
            formatted.update(_black(formatted, overlong))
        return formatted

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


_PRAGMA = re.compile(r"#\s*(?:noqa|type:|pyright:|pylint:|mypy:|nosec|isort:)")
# `name = "..."`, `name: T = "..."` or `return "..."`; formatted keyword arguments have no spaces around "="
_STRING_VALUE = re.compile(r"\s*(?:return\s+|[A-Za-z_][\w.]*(?::[^=]*)? = )[rRbBuUfF]{0,2}[\"']")


def _black_may_differ(text: str) -> bool:
    """A line over the limit of a kind where ruff's output is known not to be black's."""
    return len(text) > LINE_LENGTH and any(
        len(line) > LINE_LENGTH and (_PRAGMA.search(line) or _STRING_VALUE.match(line)) for line in text.splitlines()
    )


def _black(sources: dict[str, str], paths: list[str]) -> dict[str, str]:
    import black  # ~0.1 s to import: only when some file needs it
    from black.mode import TargetVersion

    mode = black.Mode(line_length=LINE_LENGTH, target_versions={TargetVersion.PY311})
    return {rel: black.format_str(sources[rel], mode=mode) for rel in paths}
