"""Every curl example of the generated reference pages, run with the real `curl` through bash
against the generated server: each must succeed (no method error, nothing in notCreated,
notUpdated, notDestroyed or notFound). Examples that name `id1` use the id the page's own create
example returned."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from jmap_server import ADMIN_TOKEN, Server

PAGES = Path(__file__).resolve().parents[1] / "generated" / "docs" / "ref" / "object"
EXAMPLE_HOST = "https://mail.example.com"
CURL_BLOCK = re.compile(r"```bash\n(curl .*?)\n```", re.S)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    srv = Server(tmp_path_factory.mktemp("examples")).start()
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
@pytest.mark.parametrize("page", sorted(PAGES.glob("*.md")), ids=lambda p: p.stem)
def test_page_examples_run(server: Server, page: Path) -> None:
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
