"""Every CLI example of every generated reference page, run as written by the installed
`stalwart-cli` against the generated server (issue 12, item 4).

Per object, the page's create runs first and its id stands in for the pages' `id1`. A command
holding a placeholder id (`<Domain id>`) cannot run as written: it names an object of another
page, so it is skipped here (tests/test_full_registry.py runs those creates with real ids). Every
page's examples must run; the docs target picks each value with the runtime's own checks, and
what those checks refuse is asserted empty first, without a server.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from jmap_server import ADMIN_TOKEN, Server
from stalwart_registry._registry import REGISTRY

from generator.ir import Registry
from generator.schema_loader import load_registry
from generator.targets.example_check import example_check
from generator.targets.examples import examples_for, update_payload

ROOT = Path(__file__).resolve().parents[1]
CLI = Path(sys.executable).with_name("stalwart-cli")
PLACEHOLDER = re.compile(r"<[A-Za-z ]+ id( \d+)?>|<blob id>")


def page_commands() -> list[tuple[str, list[list[str]]]]:
    """Per object, its pages' commands (a query's `--where` line is a command of its own)."""
    registry, _ = load_registry(ROOT / "schema")
    out = []
    for obj in registry.managed:
        lines = [
            shlex.split(line)[1:]
            for example in examples_for(registry, obj).cli
            for line in example.command.replace("\\\n", " ").splitlines()
        ]
        out.append((obj.name, lines))
    return out


def params() -> list[pytest.param]:  # type: ignore[valid-type]
    return [pytest.param(name, lines, id=name) for name, lines in page_commands()]


@pytest.fixture(scope="module")
def registry() -> Registry:
    return load_registry(ROOT / "schema")[0]


def test_the_runtime_accepts_every_example_value(registry: Registry) -> None:
    """Creates, updates (a singleton's as its first write), CLI updates and query filters of all
    objects, checked by the codec, patch and validators the server runs: nothing refused."""
    refused = {obj.name: examples_for(registry, obj).problems for obj in registry.managed}
    assert not {name: problems for name, problems in refused.items() if problems}


def test_the_check_holds_the_generated_descriptors(registry: Registry) -> None:
    """The checker's descriptors, made from the IR in memory, equal the generated package's."""
    runtime = example_check(registry).runtime
    assert [REGISTRY.schema(name) for name in registry.schemas] == [runtime.schema(n) for n in registry.schemas]
    assert all(REGISTRY.enum(name) == runtime.enum(name) for name in registry.enums)


def test_the_check_refuses_what_the_runtime_refuses(registry: Registry) -> None:
    """The docs target's checker is the runtime's: free text in a host name, a word where an IP
    network belongs and a filter on nothing the server indexes are refused; valid values pass."""
    check = example_check(registry)
    fields = [f for schema in registry.schemas.values() for f in schema.fields]
    hostname = next(f for f in fields if "hostname" in f.validators)
    assert not check.accepts(hostname, "updated value")
    assert check.accepts(hostname, "mail.example.com")
    network = next(f for f in fields if f.type.format == "ipNetwork")
    assert not check.accepts(network, "example", member=True)
    assert check.accepts(network, "192.0.2.0/24", member=True)
    queried = next(o for o in registry.managed if o.kind == "object")
    assert check.filter_problem(queried.name, {"noSuchProperty": "example"})
    assert check.filter_problem(queried.name, {"id": "id1"}) is None


def test_a_singleton_update_sets_its_required_fields(registry: Registry) -> None:
    """A singleton nobody has written holds only defaults, so its update example gives every
    required field (the server validates the whole object on its first write)."""
    singletons = [o for o in registry.managed if o.is_singleton and o.schema and not o.schema.is_union]
    needing = [o for o in singletons if any(f.required for f in o.schema.fields)]  # type: ignore[union-attr]
    assert needing
    for obj in needing:
        update = update_payload(registry, obj)
        required = {f.name for f in obj.schema.fields if f.required}  # type: ignore[union-attr]
        assert required <= set(update), (obj.name, update)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    srv = Server(tmp_path_factory.mktemp("cli-examples")).start()
    yield srv
    srv.stop()


def cli(server: Server, argv: list[str]) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "STALWART_URL": server.url, "STALWART_TOKEN": ADMIN_TOKEN, "NO_COLOR": "1"}
    return subprocess.run([str(CLI), *argv], env=env, capture_output=True, text=True, timeout=60, check=False)


@pytest.mark.parametrize(("obj", "commands"), params())
def test_every_page_example_runs_as_written(server: Server, obj: str, commands: list[list[str]]) -> None:
    runnable = [argv for argv in commands if not any(PLACEHOLDER.search(a) for a in argv)]
    creates = [argv for argv in runnable if argv[0] == "create"]
    made = None
    for argv in creates:
        done = cli(server, ["--json", *argv])
        assert done.returncode == 0, f"{shlex.join(argv)}\n{done.stderr}"
        made = json.loads(done.stdout)["id"]
    ran = len(creates)
    for argv in runnable:
        if argv[0] == "create" or ("id1" in argv and made is None):
            continue  # a page whose create needs another page's object: its id1 commands need one too
        argv = [made if a == "id1" and made else a for a in argv]
        done = cli(server, argv)
        assert done.returncode == 0, f"{shlex.join(argv)}\n{done.stderr}"
        assert not done.stderr, done.stderr
        ran += 1
    if not ran:
        pytest.skip(f"every example of {obj} needs another object's id")
