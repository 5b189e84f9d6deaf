"""Every curl example of the reference pages of the seed schema (tests/fixtures/seed_schema,
generated here), run with the real `curl` through bash against its generated server: each must
succeed (no method error, nothing in notCreated, notUpdated, notDestroyed or notFound). Examples
that name `id1` use the id the page's own create example returned. The full registry's documented
creates, some of which name placeholder ids, are run by tests/test_full_registry.py."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import RunGenerator
from jmap_server import ADMIN_TOKEN, Server

from generator.names import kebab
from generator.schema_loader import load_registry

SEED_SCHEMA = Path(__file__).resolve().parent / "fixtures" / "seed_schema"
PAGE_NAMES = sorted(kebab(o.name) for o in load_registry(SEED_SCHEMA)[0].managed)
EXAMPLE_HOST = "https://mail.example.com"
CURL_BLOCK = re.compile(r"```bash\n(curl .*?)\n```", re.S)


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory, run_generator: RunGenerator) -> Path:
    out = tmp_path_factory.mktemp("seed") / "generated"
    done = run_generator("generate", "--schema", SEED_SCHEMA, "--out", out)
    assert done.returncode == 0, done.stderr
    return out


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, generated: Path) -> Iterator[Server]:
    srv = Server(tmp_path_factory.mktemp("examples"), pythonpath=str(generated / "python")).start()
    yield srv
    srv.stop()


def examples(page: Path) -> list[str]:
    return CURL_BLOCK.findall(page.read_text(encoding="utf-8"))


def run_curl(server: Server, command: str) -> dict:
    command = command.replace(EXAMPLE_HOST, server.url)
    done = subprocess.run(
        ["bash", "-c", command + " --silent --show-error --fail-with-body"],
        env={**os.environ, "TOKEN": ADMIN_TOKEN},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, f"{command}\n{done.stdout}\n{done.stderr}"
    return json.loads(done.stdout)


def assert_succeeded(response: dict, command: str) -> None:
    for name, args, _ in response["methodResponses"]:
        assert name != "error", f"{command}\n→ {args}"
        for key in ("notCreated", "notUpdated", "notDestroyed"):
            assert not args.get(key), f"{command}\n→ {key}: {args[key]}"
        assert not args.get("notFound"), f"{command}\n→ notFound: {args['notFound']}"


def method_of(command: str) -> str:
    return re.search(r'"(x:[A-Za-z]+/[a-z]+)"', command).group(1)  # type: ignore[union-attr]


@pytest.mark.skipif(shutil.which("curl") is None, reason="the examples are curl commands")
@pytest.mark.parametrize("name", PAGE_NAMES)
def test_page_examples_run(server: Server, generated: Path, name: str) -> None:
    page = generated / "docs" / "ref" / "object" / f"{name}.md"
    commands = examples(page)
    assert commands, f"{page.name} has no curl examples"
    creates = [c for c in commands if '"create"' in c]
    others = [c for c in commands if c not in creates]
    created_id = None
    for command in creates:  # first, so that the id1 examples have an object to work on
        response = run_curl(server, command)
        assert_succeeded(response, command)
        created = response["methodResponses"][0][1]["created"]
        created_id = next(iter(created.values()))["id"]
    # destroy last: it removes the object the others use
    others.sort(key=lambda c: '"destroy"' in c)
    for command in others:
        if created_id is not None:
            command = command.replace('"id1"', json.dumps(created_id))
        response = run_curl(server, command)
        assert_succeeded(response, command)
        assert response["methodResponses"][0][0] == method_of(command)
    if created_id is not None:  # the destroy example really destroyed it
        after = server.call(f"{method_of(creates[0]).rsplit('/', 1)[0]}/get", {"ids": [created_id]})
        assert after[1]["notFound"] == [created_id]
