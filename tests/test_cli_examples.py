"""Every CLI example of every generated reference page, run as written by the installed
`stalwart-cli` against the generated server (issue 12, item 4).

Per object, the page's create runs first and its id stands in for the pages' `id1`. A command
holding a placeholder id (`<Domain id>`) cannot run as written: it names an object of another
page, so it is skipped here (tests/test_full_registry.py runs those creates with real ids). The
examples whose sample values the server or the CLI rightly refuse are listed in DOCS_PROBLEMS:
they belong to the docs target's example rules, and are strict xfails, so a fix shows up.
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

from generator.schema_loader import load_registry
from generator.targets.examples import examples_for

ROOT = Path(__file__).resolve().parents[1]
CLI = Path(sys.executable).with_name("stalwart-cli")
PLACEHOLDER = re.compile(r"<[A-Za-z ]+ id( \d+)?>|<blob id>")

# Object → why its examples fail, outside the CLI (the docs target's samples, a server rule).
DOCS_PROBLEMS = {
    "AccountPassword": "the update leaves the required otpAuth unset (server: validationFailed)",
    "AccountSettings": "the update leaves the required encryptionAtRest unset (server: validationFailed)",
    "AllowedIp": "the --where sample 'example' is not an IP network",
    "BlockedIp": "the --where sample 'example' is not an IP network",
    "Bootstrap": "the update writes 'updated value' into a host name",
    "DmarcExternalReport": "the list filter 'domain' names no field the server can filter on",
    "DmarcInternalReport": "the update writes 'updated value' into a domain name",
    "Enterprise": "the update leaves the required licenseKey unset (server: validationFailed)",
    "Metrics": "the update leaves the required prometheus unset (server: validationFailed)",
    "MtaMilter": "the update writes 'updated value' into a host name",
    "ReportSettings": "the update writes 'updated value' into a domain name",
    "SieveSystemInterpreter": "the update leaves the required defaultReturnPath unset (server: validationFailed)",
    "SystemSettings": "the update writes 'updated value' into a host name",
    "TlsInternalReport": "the update writes 'updated value' into a domain name",
}


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
    marks = {name: pytest.mark.xfail(reason=why, strict=True) for name, why in DOCS_PROBLEMS.items()}
    return [pytest.param(name, lines, id=name, marks=marks.get(name, ())) for name, lines in page_commands()]


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
