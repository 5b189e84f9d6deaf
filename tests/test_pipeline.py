"""The pipeline as a user runs it (`python -m generator generate|check` in a subprocess): determinism,
drift detection in check mode, and the do-not-edit header on every file."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import RunGenerator

from generator.headers import content_hash, strip_header, with_header

PAGE = "docs/ref/object/spam-dnsbl-settings.md"
HAND_EDIT_NOTE = "(edited by hand: its content no longer matches its header hash)"


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def problems(stderr: str) -> list[str]:
    """stderr without the `note:` lines every run prints for the schema's reasoned waivers."""
    return [line for line in stderr.splitlines() if not line.startswith("note: ")]


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory, run_generator: RunGenerator) -> Path:
    out = tmp_path_factory.mktemp("fresh") / "generated"
    result = run_generator("generate", "--out", out)
    assert result.returncode == 0, result.stderr
    return out


@pytest.fixture
def out(fresh: Path, tmp_path: Path) -> Path:
    """A private copy of a fresh tree that a test may damage."""
    return Path(shutil.copytree(fresh, tmp_path / "generated"))


def test_output_is_byte_identical_across_hash_seeds(tmp_path: Path, run_generator: RunGenerator) -> None:
    trees = []
    for seed in ("0", "4242"):
        target = tmp_path / f"seed-{seed}"
        result = run_generator("generate", "--out", target, hash_seed=seed)
        assert result.returncode == 0, result.stderr
        trees.append(tree(target))
    assert trees[0] and PAGE in trees[0]
    assert trees[0] == trees[1]


def test_check_passes_on_a_fresh_tree(fresh: Path, run_generator: RunGenerator) -> None:
    result = run_generator("check", "--out", fresh)
    assert (result.returncode, problems(result.stderr)) == (0, [])
    assert result.stdout == f"{fresh} is up to date\n"


def test_generate_twice_writes_nothing_the_second_time(out: Path, run_generator: RunGenerator) -> None:
    before = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}
    result = run_generator("generate", "--out", out)
    assert result.returncode == 0 and " 0 written, 0 removed" in result.stdout
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()} == before


def test_check_shows_a_hand_edit_as_a_diff(out: Path, run_generator: RunGenerator) -> None:
    page = out / PAGE
    original = page.read_text(encoding="utf-8")
    page.write_text(original.replace("Maximum number of DNSBL checks for URLs", "Edited by hand"), encoding="utf-8")

    result = run_generator("check", "--out", out)

    assert result.returncode == 1
    assert f"--- a/{PAGE}\n+++ b/{PAGE}\n" in result.stdout
    assert "\n-> Edited by hand\n+> Maximum number of DNSBL checks for URLs\n" in result.stdout
    assert problems(result.stderr) == [
        f"stale: {page} {HAND_EDIT_NOTE}",
        "error: generated files are out of date; run `make generate` and commit the result",
    ]
    assert "Edited by hand" in page.read_text(encoding="utf-8")  # check never writes


def test_check_tells_a_stale_file_from_a_hand_edit(out: Path, run_generator: RunGenerator) -> None:
    """A file whose header hash matches its body was generated, just from an older schema."""
    page = out / PAGE
    _, body = strip_header(page.read_text(encoding="utf-8"))
    older = body.replace("Maximum number of DNSBL checks for URLs", "An older description")
    page.write_text(with_header(PAGE, older, ("schema/objects/spam-dnsbl-settings.yaml",)), encoding="utf-8")

    result = run_generator("check", "--out", out)

    assert result.returncode == 1
    assert f"stale: {page}\n" in result.stderr and HAND_EDIT_NOTE not in result.stderr


def test_check_reports_missing_and_orphan_files_and_generate_repairs_them(
    out: Path, run_generator: RunGenerator
) -> None:
    (out / PAGE).unlink()
    orphan = out / "docs" / "ref" / "object" / "retired-object.md"
    orphan.write_text("# Retired\n", encoding="utf-8")

    result = run_generator("check", "--out", out)

    assert result.returncode == 1
    assert f"--- /dev/null\n+++ b/{PAGE}\n" in result.stdout
    assert f"missing: {out / PAGE}" in result.stderr.splitlines()
    assert f"orphan: {orphan}" in result.stderr.splitlines()

    assert run_generator("generate", "--out", out).returncode == 0
    assert not orphan.exists() and (out / PAGE).is_file()
    assert run_generator("check", "--out", out).returncode == 0


def test_every_generated_file_carries_a_header_with_its_content_hash(fresh: Path) -> None:
    files = tree(fresh)
    assert files
    for rel, data in files.items():
        text = data.decode("utf-8")
        recorded, body = strip_header(text)
        assert recorded is not None, f"{rel} has no schemagen header"
        assert recorded == content_hash(body), f"{rel}: header hash does not match its content"
        first = text.split("\n", 2)[1 if rel.endswith(".md") else 0]
        assert first.startswith("# Generated by schemagen from ") and "DO NOT EDIT" in first, rel
        if rel.endswith(".md"):
            assert text.startswith("---\n"), f"{rel}: the header must stay inside the front matter"


@pytest.mark.parametrize("command", ["generate", "check"])
def test_an_output_path_that_is_a_file_is_an_error_not_a_traceback(
    tmp_path: Path, run_generator: RunGenerator, command: str
) -> None:
    target = tmp_path / "a-file"
    target.write_text("keep me", encoding="utf-8")
    result = run_generator(command, "--out", target)
    assert result.returncode == 1
    assert problems(result.stderr) == [f"error: --out {target} is not a directory"]
    assert target.read_text(encoding="utf-8") == "keep me"


def test_an_unwritable_output_directory_is_an_error_not_a_traceback(
    tmp_path: Path, run_generator: RunGenerator
) -> None:
    blocked = tmp_path / "out"
    blocked.mkdir()
    (blocked / "docs").write_text("a file where a directory must go", encoding="utf-8")
    result = run_generator("generate", "--out", blocked)
    assert result.returncode == 1
    assert problems(result.stderr)[0].startswith("error: cannot write "), result.stderr
    assert "Traceback" not in result.stderr
