"""What the fuzzers found beyond issue 7's list, kept as executable repros: a strict xfail until
the owner of the code fixes it; then its mark goes and it stays as a regression test."""

from __future__ import annotations

import os
import subprocess

import pytest
from jmap_server import ADMIN_TOKEN

from .test_fuzz_cli import INSTALLED_CLI
from .world import World


def test_set_answers_ids_for_creation_references(world: World) -> None:
    """Found answering '#a' in updated/destroyed; RFC 8620 §5.3 names objects by id."""
    action = world.registry.find_object("Action")
    jmap = action.jmap_name
    created, updated, destroyed = world.send(
        [
            [f"{jmap}/set", {"create": {"a": {"@type": "ReloadSettings"}}}, "1"],
            [f"{jmap}/set", {"update": {"#a": {"id": "#a"}}}, "2"],
            [f"{jmap}/set", {"destroy": ["#a"]}, "3"],
        ]
    ).responses
    new_id = created[1]["created"]["a"]["id"]
    assert updated[1]["updated"] == {new_id: None}
    assert destroyed[1]["destroyed"] == [new_id]


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("STALWART_")}
    return subprocess.run([str(INSTALLED_CLI), *args], env=env, capture_output=True, text=True, timeout=60)


def test_global_flags_anywhere(world: World) -> None:
    """Found refused (exit 1, unrecognized arguments); SPEC §5: global flags anywhere."""
    url = world.server.url
    done = cli("describe", "spam-dnsbl-settings", "--json", "--url", url, "--api-key", ADMIN_TOKEN)
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize(
    "args", [["bogus"], ["--bogus", "describe"], ["get"], ["query", "action", "--limit", "x"]], ids=" ".join
)
def test_usage_errors_exit_2(args: list[str]) -> None:
    """Found exiting 1; SPEC §5: exit 2 on a usage error."""
    done = cli(*args)
    assert done.returncode == 2 and "error:" in done.stderr, (done.returncode, done.stderr)
