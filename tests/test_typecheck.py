"""The generated package as a type checker and an editor see it: `mypy --strict` accepts every
module generated for a schema using every wire kind; a class imported from `models` is its own
type (not Any from the lazy loader), while at run time `models` still loads nothing eagerly; and
the client's create and update take the schema's payloads (payloads.py), so a misspelt key, a
value of the wrong type or a change to an immutable field is a type error."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from demo_package import PACKAGE, generate

# A user's script: each `reveal_type` line prints what mypy infers; the last line must be an error.
USER_CODE = f"""
from {PACKAGE}.client import Client
from {PACKAGE}.models import Domain, DomainKind, Mode


def show(domain: Domain, client: Client) -> None:
    reveal_type(domain)
    reveal_type(domain.timeout)
    reveal_type(domain.kind)
    reveal_type(client.domain.get_one("d1"))
    reveal_type(Mode.from_wire({{}}))
    domain.no_such_field


def payloads(client: Client) -> None:
    client.domain.create(
        {{
            "name": "example.org",
            "timeout": "30s",
            "quota": 1024,
            "kind": "alias",
            "routes": [{{"host": "mx.example.org"}}],
            "mode": {{"@type": "Auto", "interval": "2h"}},
            "aliases": ["a@example.org"],
        }}
    )
    client.domain.update("d1", {{"kind": "primary", "labels": {{"team": "mail"}}, "ports": [25]}})
    client.domain.create({{"timeout": "30s"}})  # ERROR 1: `name` is needed on create
    client.domain.create({{"name": "x", "timeout": [30]}})  # ERROR 2: not a duration
    client.domain.create({{"name": "x", "kind": "secondary"}})  # ERROR 3: not a DomainKind
    client.domain.update("d1", {{"name": "y"}})  # ERROR 4: immutable, so not a change
    client.domain.update("d1", {{"mode": {{"@type": "Manual", "interval": "1h"}}}})  # ERROR 5: not Manual's
    client.domain.update("d1", {{"timout": 5}})  # ERROR 6: misspelt
"""


@pytest.fixture(scope="module")
def demo_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate(tmp_path_factory.mktemp("demo-typecheck"))


def _mypy(root: Path, *targets: str) -> subprocess.CompletedProcess[str]:
    work = root.parent
    return subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--cache-dir", str(work / "mypy-cache"), *targets],
        cwd=work,
        env={**os.environ, "MYPYPATH": str(root)},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def test_generated_package_passes_mypy_strict(demo_root: Path) -> None:
    done = _mypy(demo_root, "-p", PACKAGE)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Success: no issues found" in done.stdout


def test_models_imported_from_the_lazy_package_are_their_classes(demo_root: Path) -> None:
    user = demo_root.parent / "user_code.py"
    user.write_text(USER_CODE, encoding="utf-8")
    done = _mypy(demo_root, str(user))
    revealed = [line.split("Revealed type is ", 1)[1] for line in done.stdout.splitlines() if "Revealed type" in line]
    assert revealed == [
        f'"{PACKAGE}.models.domain.Domain"',
        '"int"',
        f'"{PACKAGE}.models.enums.DomainKind"',
        f'"{PACKAGE}.models.domain.Domain"',
        f'"{PACKAGE}.models.mode.Mode"',
    ], done.stdout
    assert '"Domain" has no attribute "no_such_field"' in done.stdout
    assert "Any" not in "".join(revealed)


def test_create_and_update_take_the_schemas_payloads(demo_root: Path) -> None:
    user = demo_root.parent / "user_payloads.py"
    user.write_text(USER_CODE, encoding="utf-8")
    done = _mypy(demo_root, str(user))
    lines = USER_CODE.splitlines()
    expected = {i + 1 for i, line in enumerate(lines) if "# ERROR" in line}
    flagged = {int(line.split(":")[1]) for line in done.stdout.splitlines() if ": error:" in line}
    assert expected <= flagged, done.stdout
    assert not {n for n in flagged - expected if "no_such_field" not in lines[n - 1]}, done.stdout


def test_models_package_still_loads_each_class_on_first_use(demo_root: Path) -> None:
    probe = (
        f"import sys, {PACKAGE}.models as m\n"
        f"print(sorted(n for n in sys.modules if n.startswith('{PACKAGE}.models.')))\n"
        "m.Domain\n"
        f"print('{PACKAGE}.models.domain' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=demo_root,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [f"['{PACKAGE}.models.enums']", "True"]
