"""Generated Python is black-clean (black pinned in pyproject.toml), although ruff formats it.

ruff's formatter is black-compatible but not identical (generator/formatting.py says where); this
is what holds the difference to zero: `black --check` on the committed seed output, and on every
Python file generated from the full Stalwart registry (~700 files; a few seconds, since black is
slow only on single huge modules, which we do not generate).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from conftest import REPO_ROOT, SHARED_DIR, RunGenerator

from generator.formatting import LINE_LENGTH

SCHEMA_JSON = SHARED_DIR / "stalwart" / "schema.json"
REPO_LINE_LENGTH = int(
    tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["ruff"]["line-length"]
)


def black_check(paths: list[Path], line_length: int, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    config = tmp_path / "black.toml"
    config.write_text("", encoding="utf-8")  # no project settings picked up from where the files are
    settings = ["--config", str(config), "--line-length", str(line_length), "--target-version", "py311"]
    return subprocess.run(
        [sys.executable, "-m", "black", "--check", *settings, *map(str, paths)],
        env={**os.environ, "BLACK_CACHE_DIR": str(tmp_path / "black-cache")},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def assert_black_clean(python_root: Path, tmp_path: Path) -> int:
    files = sorted(python_root.rglob("*.py"))
    assert files
    result = black_check(files, LINE_LENGTH, tmp_path)
    assert result.returncode == 0, f"black would reformat:\n{result.stderr}"
    return len(files)


def test_the_runtime_is_black_clean(tmp_path: Path) -> None:
    """The hand-written runtime, with the repository's own line length (ruff formats it)."""
    files = sorted((REPO_ROOT / "runtime").rglob("*.py"))
    assert len(files) > 30
    result = black_check(files, REPO_LINE_LENGTH, tmp_path)
    assert result.returncode == 0, f"black would reformat:\n{result.stderr}"


def test_the_committed_seed_output_is_black_clean(tmp_path: Path) -> None:
    assert_black_clean(REPO_ROOT / "generated" / "python", tmp_path)


def test_the_full_registry_output_is_black_clean(tmp_path: Path, run_generator: RunGenerator) -> None:
    if not SCHEMA_JSON.is_file():
        pytest.fail(f"{SCHEMA_JSON} is missing: the real registry is read from ../shared beside the repository")
    schema, out = tmp_path / "schema", tmp_path / "out"
    imported = run_generator("import-stalwart", SCHEMA_JSON, "--out", schema)
    assert imported.returncode == 0, imported.stderr
    generated = run_generator("generate", "--schema", schema, "--out", out)
    assert generated.returncode == 0, generated.stderr
    assert assert_black_clean(out / "python", tmp_path) > 600
