"""The fuzz suite's shared pieces: the full imported registry generated once per session, its
descriptors, one server on it, and the figures printed at the end of the run."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from conftest import RunGenerator
from test_full_registry import PACKAGE, SCHEMA_JSON, Generated

from generator.schema_loader import load_registry
from generator.targets.examples import examples_for

from . import budget, figures
from .loaded_registry import Target, runtime_registry
from .logged_server import LoggedServer
from .world import World


@pytest.fixture(scope="session")
def full_registry(tmp_path_factory: pytest.TempPathFactory, run_generator: RunGenerator) -> Target:
    if not SCHEMA_JSON.is_file():
        pytest.fail(f"{SCHEMA_JSON} is missing: the real registry is read from ../shared beside the repository")
    root = tmp_path_factory.mktemp("fuzz-full-registry")
    schema, out = root / "schema", root / "out"
    imported = run_generator("import-stalwart", SCHEMA_JSON, "--out", schema)
    assert imported.returncode == 0, imported.stderr
    generated = run_generator("generate", "--schema", schema, "--out", out)
    assert generated.returncode == 0, generated.stderr
    ir, _ = load_registry(schema)
    full = Generated(schema, out, ir)
    registry, codec = runtime_registry(full.package)
    return Target(full, registry, codec)


@pytest.fixture(scope="session")
def fuzz_server(full_registry: Target, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LoggedServer]:
    python = str(full_registry.generated.python)
    srv = LoggedServer(tmp_path_factory.mktemp("fuzz-server"), package=PACKAGE, pythonpath=python).start()
    yield srv
    log = srv.stop()
    assert "Traceback" not in log, log


@pytest.fixture(scope="session")
def world(full_registry: Target, fuzz_server: LoggedServer) -> Iterator[World]:
    """The server with each object's documented create example stored (twice: a second copy
    meets unique keys), so that updates, destroys and references have targets."""
    ir = full_registry.generated.registry
    calls = {o.name: examples_for(ir, o).set_ops[0].body["methodCalls"][0] for o in ir.managed if o.kind == "object"}
    w = World(
        fuzz_server, full_registry.registry, full_registry.codec, {n: c[1]["create"]["new1"] for n, c in calls.items()}
    )
    for call in calls.values():
        w.send([call, call])
    for obj in w.objects:
        w.read_all(obj)
    w.freeze()
    yield w
    assert w.send([["Core/echo", {"still": "serving"}, "e"]]).responses == [["Core/echo", {"still": "serving"}, "e"]]


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if figures.COUNTS or figures.FAILURES:
        terminalreporter.write_line(f"fuzz figures (FUZZ_SCALE={budget.SCALE}):")
        for line in figures.summary():
            terminalreporter.write_line(line)
