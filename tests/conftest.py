"""Shared fixtures: where the repository and ../shared are, and the generator run as a real command."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DIR = REPO_ROOT.parent / "shared"

RunGenerator = Callable[..., subprocess.CompletedProcess[str]]


def _run_generator(*args: str | Path, hash_seed: str = "0") -> subprocess.CompletedProcess[str]:
    """`python -m generator ARGS` exactly as `make` runs it, from the repository root."""
    env = {**os.environ, "PYTHONHASHSEED": hash_seed}
    return subprocess.run(
        [sys.executable, "-m", "generator", *map(str, args)],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.fixture(scope="session")
def run_generator() -> RunGenerator:
    return _run_generator
