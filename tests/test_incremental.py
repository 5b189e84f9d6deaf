"""Incremental `generate` (generator/incremental.py): what a run redoes is asserted through its
report, never through timings; whatever it skips, the tree must be byte-identical to a cold run."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from generator import incremental, manifest, pipeline, schema_loader
from generator.incremental import Report
from generator.output_tree import MANIFEST

REPO_ROOT = Path(__file__).resolve().parents[1]
OBJECT_FILE = "objects/spam-dnsbl-settings.yaml"
PAGE = "docs/ref/object/spam-dnsbl-settings.md"


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new), encoding="utf-8")


@pytest.fixture(scope="module")
def cold(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One cold generation of the seed schema, copied by each test that changes it."""
    out = tmp_path_factory.mktemp("cold") / "generated"
    report = incremental.generate(REPO_ROOT / "schema", out)
    assert not report.skipped and len(report.finished) == report.total == len(report.written)
    return out


@pytest.fixture
def work(cold: Path, tmp_path: Path) -> tuple[Path, Path]:
    """(schema dir, output dir): private copies, generated from each other."""
    schema = Path(shutil.copytree(REPO_ROOT / "schema", tmp_path / "schema"))
    out = Path(shutil.copytree(cold, tmp_path / "generated"))
    return schema, out


def cold_run(schema: Path, tmp_path: Path) -> dict[str, bytes]:
    out = tmp_path / "cold-reference"
    shutil.rmtree(out, ignore_errors=True)
    incremental.generate(schema, out)
    return tree(out)


def changed_between(before: dict[str, bytes], after: dict[str, bytes]) -> set[str]:
    return {p for p in before.keys() | after.keys() if before.get(p) != after.get(p) and p != MANIFEST}


def test_a_no_op_run_loads_renders_and_writes_nothing(work: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    schema, out = work
    mtimes = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}

    def no_rendering(*args: object) -> None:
        raise AssertionError("a no-op run rendered")

    monkeypatch.setattr(pipeline, "render_outputs", no_rendering)
    monkeypatch.setattr(schema_loader, "load_registry", no_rendering)

    report = incremental.generate(schema, out)

    assert report.skipped
    assert (report.finished, report.written, report.removed) == ([], [], [])
    assert report.total == len(mtimes) - 1  # every file but the manifest is an output
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()} == mtimes


def test_one_object_change_reformats_and_writes_only_its_dependents(work: tuple[Path, Path], tmp_path: Path) -> None:
    schema, out = work
    before = tree(out)
    edit(schema / OBJECT_FILE, "default: 50\n", "default: 60\n")  # domainLimit's default

    report = incremental.generate(schema, out)
    after = tree(out)

    assert not report.skipped
    assert report.changed == [f"schema/{OBJECT_FILE}"]
    dependents = changed_between(before, after)
    assert PAGE in dependents and "python/stalwart_registry/models/spam_dnsbl_settings.py" in dependents
    assert "docs/ref/object/action.md" not in dependents
    assert set(report.finished) == set(report.written) == dependents
    assert len(dependents) < report.total / 4
    assert after == cold_run(schema, tmp_path)  # the manifest included: same records as a cold run


def test_a_project_change_reaches_outputs_whose_headers_do_not_name_it(work: tuple[Path, Path], tmp_path: Path) -> None:
    """Pages print the CLI's name although project.yaml is not among their header's sources: the
    rendered text, not the declared sources, decides what is redone."""
    schema, out = work
    edit(schema / "project.yaml", "cli: stalwart-cli", "cli: mail-cli")

    report = incremental.generate(schema, out)

    assert PAGE in report.written and "mail-cli" in (out / PAGE).read_text(encoding="utf-8")
    assert "schema/project.yaml" not in (out / PAGE).read_text(encoding="utf-8").splitlines()[1]
    assert tree(out) == cold_run(schema, tmp_path)


def test_a_hand_edited_output_is_restored_and_only_it(work: tuple[Path, Path], cold: Path) -> None:
    schema, out = work
    edit(out / PAGE, "Maximum number of DNSBL checks for URLs", "Edited by hand")

    report = incremental.generate(schema, out)

    assert report.changed == []
    assert report.finished == report.written == [PAGE]
    assert tree(out) == tree(cold)


def test_missing_outputs_come_back_and_orphans_go(work: tuple[Path, Path], cold: Path) -> None:
    schema, out = work
    (out / PAGE).unlink()
    orphan = out / "docs" / "ref" / "object" / "retired-object.md"
    orphan.write_text("# Retired\n", encoding="utf-8")

    report = incremental.generate(schema, out)

    assert report.written == [PAGE] and report.removed == ["docs/ref/object/retired-object.md"]
    assert tree(out) == tree(cold)


def test_an_edited_or_missing_manifest_means_a_full_run(work: tuple[Path, Path], cold: Path) -> None:
    schema, out = work
    edit(out / MANIFEST, "\noutput\t", "\noutput\t0")  # its header hash no longer matches

    report = incremental.generate(schema, out)
    assert not report.skipped and len(report.finished) == report.total and report.written == []
    assert tree(out) == tree(cold)

    (out / MANIFEST).unlink()
    assert len(incremental.generate(schema, out).finished) == report.total
    assert tree(out) == tree(cold)


def test_a_changed_finish_stage_reformats_everything(
    work: tuple[Path, Path], cold: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Outputs are reused only under the formatter and header code they were made with."""
    schema, out = work
    real = manifest.fingerprint

    def other_finish(schema_dir: Path) -> manifest.Inputs:
        inputs = real(schema_dir)
        return manifest.Inputs(inputs.schema, inputs.code, inputs.tools, "0" * 32)

    monkeypatch.setattr(manifest, "fingerprint", other_finish)
    report: Report = incremental.generate(schema, out)

    assert len(report.finished) == report.total and report.written == []
    assert tree(out) == {**tree(cold), MANIFEST: (out / MANIFEST).read_bytes()}


def test_the_manifest_is_a_generated_file_that_check_ignores(cold: Path) -> None:
    from generator.cli import main

    text = (cold / MANIFEST).read_text(encoding="utf-8")
    assert text.startswith("# Generated by schemagen from ") and "DO NOT EDIT" in text.splitlines()[0]
    assert main(["check", "--schema", str(REPO_ROOT / "schema"), "--out", str(cold)]) == 0
