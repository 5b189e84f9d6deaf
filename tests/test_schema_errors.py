"""The error corpus: each directory under bad_schemas/ is a schema whose exact diagnostics are snapshotted.

A case holds the YAML files of one schema directory plus `expected.txt`, the diagnostics the loader must
report, one `file:LINE:COL: message` per line, sorted as the tool prints them. The shared valid
`bad_schemas/project.yaml` is added unless the case has its own. A case that loads cleanly lists its
notes instead (`note: ...`). Set UPDATE_SNAPSHOTS=1 to rewrite the expected files, then read the diff.
"""

from __future__ import annotations

import keyword
import os
import re
import shutil
from pathlib import Path

import pytest
from conftest import REPO_ROOT, RunGenerator

from generator.build import FIELD_NAME
from generator.diagnostics import SchemaError
from generator.names import python_attr
from generator.schema_loader import load_registry

BAD = Path(__file__).with_name("bad_schemas")
LANGUAGE_DOC = REPO_ROOT / "docs" / "schema-format.md"
SHARED_PROJECT = BAD / "project.yaml"
CASES = sorted(p.name for p in BAD.iterdir() if p.is_dir())
UPDATE = os.environ.get("UPDATE_SNAPSHOTS") == "1"


def assemble(case: str, dest: Path) -> Path:
    """The case as a directory named `schema`, so files show as `schema/...` wherever the test runs."""
    schema = dest / "schema"
    shutil.copytree(BAD / case, schema, ignore=shutil.ignore_patterns("expected.txt"))
    if not (schema / "project.yaml").exists():
        shutil.copy(SHARED_PROJECT, schema / "project.yaml")
    return schema


def report(schema: Path) -> list[str]:
    """What a run says: every diagnostic, or the suppression notes of a clean load."""
    try:
        _, notes = load_registry(schema)
    except SchemaError as exc:
        return [str(d) for d in exc.diagnostics]
    return [f"note: {note}" for note in notes]


def expected(case: str) -> list[str]:
    return (BAD / case / "expected.txt").read_text(encoding="utf-8").splitlines()


def test_corpus_is_not_empty() -> None:
    assert len(CASES) >= 25
    missing = [case for case in CASES if not (BAD / case / "expected.txt").is_file()]
    assert not missing, f"cases without expected.txt: {missing}"


@pytest.mark.parametrize("case", CASES)
def test_diagnostics_match_snapshot(case: str, tmp_path: Path) -> None:
    got = report(assemble(case, tmp_path))
    if UPDATE:
        (BAD / case / "expected.txt").write_text("".join(f"{line}\n" for line in got), encoding="utf-8")
    assert got == expected(case)


@pytest.mark.parametrize("case", CASES)
def test_every_line_is_located_and_sorted(case: str) -> None:
    lines = expected(case)
    assert lines, "a case must say something"
    errors = [line for line in lines if not line.startswith("note: ")]
    for line in lines:
        file, row, col, message = line.removeprefix("note: ").split(":", 3)
        assert file.startswith("schema/") and file.endswith(".yaml"), line
        assert int(row) >= 1 and int(col) >= 1 and message.startswith(" "), line
    keys = [(f, int(r), int(c)) for f, r, c, _ in (e.split(":", 3) for e in errors)]
    assert keys == sorted(keys), "diagnostics come sorted by file, line and column"


def test_several_files_are_reported_in_one_run(tmp_path: Path) -> None:
    lines = report(assemble("many_errors_many_files", tmp_path))
    files = [line.split(":", 1)[0] for line in lines]
    assert files == sorted(files)
    assert set(files) == {"schema/objects/alpha.yaml", "schema/objects/zeta.yaml", "schema/types/middle.yaml"}


def test_default_below_min_points_at_the_default_line(tmp_path: Path) -> None:
    schema = assemble("default_below_min", tmp_path)
    source = (schema / "objects.yaml").read_text(encoding="utf-8").splitlines()
    for line in report(schema):
        _, row, col, _ = line.split(":", 3)
        assert source[int(row) - 1][int(col) - 1 :].startswith("default:"), line


def test_a_working_suppression_loads_and_is_reported(tmp_path: Path) -> None:
    registry, notes = load_registry(assemble("suppression_works", tmp_path))
    field = registry.schemas["Limits"].fields[0]
    assert (field.default, field.min) == (0, 1)
    assert len(notes) == 1 and "[suppressed default-below-min: 0 means" in notes[0]


def test_an_empty_schema_directory_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "schema").mkdir()
    with pytest.raises(SchemaError) as caught:
        load_registry(tmp_path / "schema")
    assert [d.message for d in caught.value.diagnostics] == ["no *.yaml schema files here"]


def test_python_keywords_and_builtins_get_a_trailing_underscore(tmp_path: Path) -> None:
    schema = tmp_path / "schema"
    schema.mkdir()
    shutil.copy(SHARED_PROJECT, schema / "project.yaml")
    names = ("from", "class", "match", "type", "list", "import", "plain")
    fields = "".join(f"      {n}:\n        type: string?\n        description: A field.\n" for n in names)
    (schema / "objects.yaml").write_text(
        f"objects:\n  Message:\n    description: M.\n    permissionPrefix: sysMessage\n    fields:\n{fields}",
        encoding="utf-8",
    )
    registry, _ = load_registry(schema)
    got = {f.name: f.py_name for f in registry.schemas["Message"].fields}
    assert got == {
        "from": "from_",
        "class": "class_",
        "match": "match_",
        "type": "type_",
        "list": "list_",
        "import": "import_",
        "plain": "plain",
    }


def test_no_two_valid_field_names_share_a_python_attribute() -> None:
    """Why the collision check can never fire today: only keywords and builtins change, they gain a
    trailing underscore, and a valid field name cannot contain one. If FIELD_NAME ever admits
    underscores, this fails and the collision case in the corpus must become a real collision."""
    candidates = set(keyword.kwlist) | set(keyword.softkwlist) | set(dir(__builtins__))
    for name in sorted(n for n in candidates if FIELD_NAME.match(n)):
        mapped = python_attr(name)
        assert mapped == name or FIELD_NAME.match(mapped) is None, name
        assert python_attr(mapped) in (mapped, f"{mapped}_")


@pytest.mark.parametrize("case", ["many_errors_many_files", "yaml_syntax_error", "bad_defaults", "view_errors"])
def test_generate_command_reports_everything_and_writes_nothing(
    case: str, tmp_path: Path, run_generator: RunGenerator
) -> None:
    schema = assemble(case, tmp_path)
    out = tmp_path / "out"
    (out / "docs").mkdir(parents=True)
    sentinel = out / "docs" / "keep.md"
    sentinel.write_text("not generated\n", encoding="utf-8")
    before = sorted(p.relative_to(out).as_posix() for p in out.rglob("*"))

    result = run_generator("generate", "--schema", schema, "--out", out)

    assert result.returncode == 1
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    count = len(expected(case))
    assert lines == [
        *expected(case),
        f"error: {count} problem{'s' if count != 1 else ''} in {schema}; nothing was written",
    ]
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*")) == before
    assert sentinel.read_text(encoding="utf-8") == "not generated\n"


def test_generate_command_prints_suppression_notes(tmp_path: Path, run_generator: RunGenerator) -> None:
    schema = assemble("suppression_works", tmp_path)
    result = run_generator("generate", "--schema", schema, "--out", tmp_path / "out")
    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines() == expected("suppression_works")
    assert (tmp_path / "out" / "docs" / "ref" / "object" / "limits.md").is_file()


DOC_EXAMPLES = re.findall(r"^```yaml\n(.*?)^```$", LANGUAGE_DOC.read_text(encoding="utf-8"), re.S | re.M)


def test_the_language_doc_has_examples() -> None:
    assert len(DOC_EXAMPLES) >= 10


@pytest.mark.parametrize("example", DOC_EXAMPLES, ids=[f"doc-example-{i}" for i in range(len(DOC_EXAMPLES))])
def test_documented_example_behaves_as_documented(example: str, tmp_path: Path) -> None:
    """docs/schema-format.md: a `yaml` block loads, unless it opens with `# error:` lines, which must
    be exactly its diagnostics (positions aside)."""
    schema = tmp_path / "schema"
    schema.mkdir()
    (schema / "example.yaml").write_text(example, encoding="utf-8")
    if not re.search(r"^project:", example, re.M):
        shutil.copy(SHARED_PROJECT, schema / "project.yaml")
    wanted = sorted(line.removeprefix("# error: ") for line in example.splitlines() if line.startswith("# error: "))
    got = [line for line in report(schema) if not line.startswith("note: ")]
    assert sorted(line.split(":", 3)[3].strip() for line in got) == wanted
