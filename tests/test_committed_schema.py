"""schema/ is Stalwart's registry as `import-stalwart` writes it from ../shared (read at run time):
the drift check of the import, the re-import rules (hand-written files kept, overrides merged) and
what the committed schema declares. The importer runs as a real command, as a maintainer runs it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO_ROOT, SHARED_DIR, RunGenerator

from generator.schema_loader import load_registry
from generator.stalwart.importer import MARKER

SCHEMA = REPO_ROOT / "schema"
STALWART = SHARED_DIR / "stalwart"
IMPORT = ("import-stalwart", STALWART / "schema.json", "--crate", STALWART / "registry-crate")
HAND_WRITTEN = "Hand-written in overrides/"


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def imported(path: Path) -> bool:
    return path.suffix == ".yaml" and path.read_text(encoding="utf-8").startswith(f"# {MARKER}")


@pytest.fixture(scope="module", autouse=True)
def sources() -> None:
    if not (STALWART / "schema.json").is_file() or not (STALWART / "registry-crate").is_dir():
        pytest.fail(f"{STALWART} lacks schema.json or registry-crate/: schema/ is imported from them")


# -- schema/ is exactly the import ----------------------------------------------------------------


def test_importing_the_shared_sources_gives_exactly_schema(tmp_path: Path, run_generator: RunGenerator) -> None:
    """Only the hand-written files are copied; the importer must write every other byte of schema/."""
    out = tmp_path / "schema"
    for rel, data in tree(SCHEMA).items():
        if not imported(SCHEMA / rel):
            (out / rel).parent.mkdir(parents=True, exist_ok=True)
            (out / rel).write_bytes(data)
    done = run_generator(*IMPORT, "--out", out)
    assert done.returncode == 0, done.stderr
    kept = "changes.yaml, icons.yaml, objects/server-state.yaml, project.yaml"
    assert f"kept 4 files it did not write ({kept})" in done.stdout
    ours, theirs = tree(out), tree(SCHEMA)
    assert sorted(ours) == sorted(theirs), "files differ: re-import schema/ (see schema/README.md)"
    differing = [rel for rel in theirs if ours[rel] != theirs[rel]]
    assert not differing, f"schema/ differs from the import in {differing[:5]}: re-import it (schema/README.md)"


def test_reimporting_into_schema_rewrites_nothing(tmp_path: Path, run_generator: RunGenerator) -> None:
    copy = Path(shutil.copytree(SCHEMA, tmp_path / "schema"))
    done = run_generator(*IMPORT, "--out", copy)
    assert done.returncode == 0, done.stderr
    assert ": 0 written, 0 removed, kept 4 files it did not write" in done.stdout
    assert tree(copy) == tree(SCHEMA)


def test_schema_declares_the_whole_registry_and_the_seed_facts() -> None:
    registry, _ = load_registry(SCHEMA)
    assert len(registry.objects) == 151  # Stalwart's 150 and the hand-written, unpublished ServerState
    assert len(registry.managed) == 118  # one page each; the rest are views or external JMAP objects
    assert {"Action", "SpamDnsblSettings"} <= {o.name for o in registry.objects}
    assert registry.object("Action").operation  # from overrides/: neither source says it
    assert [o.name for o in registry.objects if not o.published] == ["ServerState"]
    assert registry.schemas["DmarcTroubleshoot"].description  # from overrides/: neither source has it
    pages = REPO_ROOT / "generated" / "docs" / "ref" / "object"
    assert len(list(pages.glob("*.md"))) == 118
    readme = (SCHEMA / "README.md").read_text(encoding="utf-8")
    assert "v0.16.0" in readme and "AGPL-3.0" in readme and "import-stalwart" in readme


def test_export_of_schema_is_the_published_file(tmp_path: Path, run_generator: RunGenerator) -> None:
    """Overrides add documentation only: the export still equals schema.json on every section."""
    done = run_generator("export-stalwart", SCHEMA, "--out", tmp_path / "schema.json")
    assert done.returncode == 0, done.stderr
    exported = json.loads((tmp_path / "schema.json").read_text(encoding="utf-8"))
    published = json.loads((STALWART / "schema.json").read_text(encoding="utf-8"))
    assert list(exported) == list(published)
    for section in published:
        assert exported[section] == published[section], section


def test_check_compat_base_is_the_release_imported_the_same_way(run_generator: RunGenerator) -> None:
    """COMPAT_BASE names the published file; with the crate beside it, only hand-written facts differ."""
    base = (REPO_ROOT / "COMPAT_BASE").read_text(encoding="utf-8").strip()
    assert (REPO_ROOT / base).resolve() == (STALWART / "schema.json").resolve()
    done = run_generator("diff", "--against", base, "schema", "--fail-on", "risky")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "→ schema: 0 breaking, 0 risky," in done.stdout
    assert "validator-added" not in done.stdout  # the crate's facts are on both sides


# -- re-import rules, on a small inline registry --------------------------------------------------

SMALL: dict[str, Any] = {
    "objects": {"x:Thing": {"type": "singleton", "description": "A thing.", "permissionPrefix": "sysThing"}},
    "schemas": {
        "x:Thing": {"type": "single", "schemaName": "x:Thing"},
        "x:Part": {"type": "single", "schemaName": "x:Part"},
    },
    "fields": {
        "x:Thing": {
            "properties": {
                "count": {
                    "description": "A count.",
                    "type": {"type": "number", "format": "unsignedInteger"},
                    "update": "mutable",
                },
                "part": {
                    "description": "A part.",
                    "type": {"type": "object", "objectName": "x:Part"},
                    "update": "mutable",
                },
            },
            "defaults": {"count": 5},
        },
        "x:Part": {
            "properties": {
                "size": {"description": "How big.", "type": {"type": "number", "format": "size"}, "update": "mutable"}
            },
            "defaults": {"size": 0},
        },
    },
    "enums": {"Colour": [{"name": "red", "label": "Red"}]},
}
PROJECT = """project:
  name: Mine
  version: "9.9"
  namespace: "x:"
  capability: urn:example:jmap
  apiPath: /api
  cli: mine-cli
  package: mine
"""
CHANGES = "# written by another tool\nchanges: []\n"
OVERRIDES = """overrides:
  objects:
    Thing:
      examples:
        update: {count: 7}
  types:
    Part:
      description: One part of a thing.
      fields:
        size: {default: 0kb}
  enums:
    Colour:
      description: A colour.
"""


def small(tmp_path: Path) -> Path:
    path = tmp_path / "input.json"
    path.write_text(json.dumps(SMALL), encoding="utf-8")
    return path


def schema_dir(tmp_path: Path, overrides: str | None = OVERRIDES) -> Path:
    out = tmp_path / "schema"
    out.mkdir()
    (out / "project.yaml").write_text(PROJECT, encoding="utf-8")
    (out / "changes.yaml").write_text(CHANGES, encoding="utf-8")
    if overrides is not None:
        (out / "overrides").mkdir()
        (out / "overrides" / "mine.yaml").write_text(overrides, encoding="utf-8")
    return out


def test_hand_written_files_are_kept_and_overrides_merged(tmp_path: Path, run_generator: RunGenerator) -> None:
    out = schema_dir(tmp_path)
    done = run_generator("import-stalwart", small(tmp_path), "--out", out)
    assert done.returncode == 0, done.stderr
    assert "kept 2 files it did not write (changes.yaml, project.yaml)" in done.stdout
    # The maintainers' project settings win over the importer's; a different version is pointed out.
    assert (out / "project.yaml").read_text(encoding="utf-8") == PROJECT
    assert "warning: project.yaml: kept as written (hand-written project settings): its version '9.9'" in done.stderr
    assert (out / "changes.yaml").read_text(encoding="utf-8") == CHANGES
    assert (out / "overrides" / "mine.yaml").read_text(encoding="utf-8") == OVERRIDES
    text = (out / "objects" / "thing.yaml").read_text(encoding="utf-8")
    assert "# Keys marked as hand-written are merged from overrides/" in text
    assert f"    # {HAND_WRITTEN}mine.yaml: neither schema.json nor the crate gives it.\n    examples:" in text
    assert f"    # {HAND_WRITTEN}mine.yaml" in text and "    description: One part of a thing.\n" in text
    # The merged registry: what the generator sees; overrides/ itself is not a schema file.
    registry, _ = load_registry(out)
    assert registry.schemas["Part"].description == "One part of a thing."
    assert registry.enums["Colour"].description == "A colour."
    assert registry.object("Thing").examples.update == {"count": 7}
    # A re-import writes the same bytes: the overrides survive it.
    before = tree(out)
    again = run_generator("import-stalwart", small(tmp_path), "--out", out)
    assert ": 0 written, 0 removed" in again.stdout, again.stderr
    assert tree(out) == before
    # `--overrides DIR` reads them from elsewhere: the same files come out.
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    shutil.copy(out / "project.yaml", elsewhere)
    moved = run_generator("import-stalwart", small(tmp_path), "--out", elsewhere, "--overrides", out / "overrides")
    assert moved.returncode == 0, moved.stderr
    assert tree(elsewhere) == {k: v for k, v in before.items() if not k.startswith(("overrides/", "changes"))}


def test_without_a_project_file_the_import_writes_its_own(tmp_path: Path, run_generator: RunGenerator) -> None:
    out = tmp_path / "schema"
    done = run_generator("import-stalwart", small(tmp_path), "--out", out)
    assert done.returncode == 0, done.stderr
    assert (out / "project.yaml").read_text(encoding="utf-8").startswith(f"# {MARKER}")
    assert "files it did not write" not in done.stdout


@pytest.mark.parametrize(
    ("rel", "text"),
    [
        ("mine.yaml", "objects: {}\n"),
        ("types/extra.yaml", "types:\n  Extra:\n    fields: {}\n"),
        ("menus.yaml", "webui:\n  layouts: []\n"),
    ],
)
def test_hand_written_definitions_are_refused(tmp_path: Path, run_generator: RunGenerator, rel: str, text: str) -> None:
    """A file the importer did not write that defines what an import defines would be loaded twice."""
    out = schema_dir(tmp_path)
    (out / rel).parent.mkdir(parents=True, exist_ok=True)
    (out / rel).write_text(text, encoding="utf-8")
    done = run_generator("import-stalwart", small(tmp_path), "--out", out)
    assert done.returncode == 1
    assert (
        f"import-stalwart did not write ({rel}); use an empty directory, or move hand-written facts to overrides/"
        in (done.stderr)
    )
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*.yaml")) == sorted(
        ["changes.yaml", "overrides/mine.yaml", "project.yaml", rel]
    )


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            "overrides:\n  types:\n    Nowhere: {description: x}\n",
            "error: overrides/mine.yaml:3:5: types.Nowhere: the import defines no such type",
        ),
        (
            "overrides:\n  objects:\n    Part: {description: x}\n",
            "error: overrides/mine.yaml:3:5: objects.Part: the import defines no such object",
        ),
        (
            "overrides:\n  types:\n    Part:\n      fields:\n        weight: {type: float}\n",
            "error: overrides/mine.yaml:5:9: Part.fields.weight: not in the import; an override may change a member, not add one",
        ),
        (
            "overrides:\n  widgets: {}\n",
            "error: overrides/mine.yaml:2:3: unknown section 'widgets' (expected one of: objects, types, enums)",
        ),
        ("objects: {}\n", "error: overrides/mine.yaml:1:1: an overrides file holds one mapping, `overrides:`"),
        ("overrides: [\n", "error: overrides/mine.yaml:2:1:"),
    ],
)
def test_bad_overrides_are_refused_at_their_place(
    tmp_path: Path, run_generator: RunGenerator, overrides: str, message: str
) -> None:
    out = schema_dir(tmp_path, overrides)
    done = run_generator("import-stalwart", small(tmp_path), "--out", out)
    assert done.returncode == 1
    assert message in done.stderr, done.stderr
    assert "nothing was written" in done.stderr and "Traceback" not in done.stderr
    assert not (out / "objects").exists()


def test_an_override_the_sources_now_give_is_pointed_out(tmp_path: Path, run_generator: RunGenerator) -> None:
    out = schema_dir(tmp_path, "overrides:\n  objects:\n    Thing:\n      description: A thing.\n")
    done = run_generator("import-stalwart", small(tmp_path), "--out", out)
    assert done.returncode == 0, done.stderr
    assert (
        "warning: overrides/mine.yaml:4:7: Thing.description: the import already gives this; remove the override"
        in done.stderr
    )
    assert HAND_WRITTEN not in (out / "objects" / "thing.yaml").read_text(encoding="utf-8")


def test_an_unreadable_hand_written_file_is_an_error(tmp_path: Path, run_generator: RunGenerator) -> None:
    out = schema_dir(tmp_path)
    (out / "broken.yaml").write_bytes(b"changes: [\xff\n")
    done = run_generator("import-stalwart", small(tmp_path), "--out", out)
    assert done.returncode == 1
    assert "error: broken.yaml:1:" in done.stderr and "not readable as a schema file" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr and not (out / "objects").exists()
