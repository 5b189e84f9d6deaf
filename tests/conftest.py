"""Shared fixtures: where the repository and ../shared are, and the generator run as a real command."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pg_service import PgService, PgServiceError, find_bindir

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


@pytest.fixture(scope="session")
def postgres() -> Iterator[PgService]:
    """A real PostgreSQL cluster for the session (tests/pg_service.py); `postgres.create_database(name)`
    gives a fresh database's DSN. Skipped only outside CI when PostgreSQL is not installed; in CI
    (CI=true, where `make test` installs it) or once installed, failing to start fails the test."""
    if find_bindir() is None and os.environ.get("CI", "").lower() not in ("true", "1"):
        pytest.skip("PostgreSQL is not installed (`make postgres` installs Debian's package)")
    try:
        with PgService.start(fsync=False) as service:
            yield service
    except PgServiceError as exc:
        pytest.fail(f"cannot start PostgreSQL: {exc}", pytrace=False)
