"""Incremental `generate` (generator/incremental.py): what a run redoes is asserted through its
report, never through timings; whatever it skips, the tree must be byte-identical to a cold run."""

from __future__ import annotations

import shutil
import sys
from importlib import metadata
from pathlib import Path

import pytest
import schemagen_runtime

import generator
from generator import incremental, manifest, pipeline, render, schema_loader
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


@pytest.mark.parametrize("tree_name", ["GENERATOR_DIR", "RUNTIME_DIR", "TEMPLATES_DIR"])
def test_an_edit_in_any_code_tree_that_shapes_output_changes_the_inputs(
    tree_name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The generator, the runtime it imports and the templates (a private copy of each, edited)."""
    copy = Path(shutil.copytree(getattr(manifest, tree_name), tmp_path / "tree"))
    monkeypatch.setattr(manifest, tree_name, copy)
    before = manifest.fingerprint(REPO_ROOT / "schema")
    module = next(p for p in sorted(copy.rglob("*")) if p.is_file() and p.suffix in (".py", ".jinja"))
    module.write_text(module.read_text(encoding="utf-8") + "\n", encoding="utf-8")

    after = manifest.fingerprint(REPO_ROOT / "schema")

    assert after.code != before.code
    assert after.changed_since(before) == ["generator/, runtime/, templates/"]


def test_the_code_trees_are_the_ones_generation_reads() -> None:
    assert Path(generator.__file__).resolve().parent == manifest.GENERATOR_DIR
    assert Path(schemagen_runtime.__file__).resolve().parent == manifest.RUNTIME_DIR
    assert manifest.TEMPLATES_DIR == render.TEMPLATES_DIR and (manifest.TEMPLATES_DIR / "python").is_dir()


def test_the_manifest_records_python_and_every_tool_that_shapes_output(cold: Path) -> None:
    tools = next(
        line for line in (cold / MANIFEST).read_text(encoding="utf-8").splitlines() if line.startswith("tools\t")
    )
    recorded = dict(item.split("=", 1) for item in tools.split("\t", 1)[1].split())
    assert recorded["python"] == sys.version.split()[0]
    for name in ("ruff", "jinja2", "markupsafe", "pyyaml", "jsonschema"):
        assert recorded[name] == metadata.version(name)
    assert "black" not in recorded  # never runs at generation time: a test-time judge only


def test_another_ruff_version_reformats_everything(work: tuple[Path, Path], cold: Path) -> None:
    """A manifest left by another ruff: every output is formatted again, none is rewritten."""
    schema, out = work
    recorded = manifest.load(out)
    assert recorded is not None
    old_ruff = manifest.tool_versions() | {"ruff": "0.0.1"}
    inputs = manifest.Inputs(
        recorded.inputs.schema,
        recorded.inputs.code,
        " ".join(f"{k}={v}" for k, v in old_ruff.items()),
        manifest.finish_digest(old_ruff["ruff"]),
    )
    manifest.save(manifest.Manifest(inputs, recorded.notes, recorded.outputs), (), out)

    report = incremental.generate(schema, out)

    assert report.changed == ["tool versions"]
    assert len(report.finished) == report.total and report.written == []
    assert tree(out) == tree(cold)
