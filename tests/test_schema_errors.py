"""The error corpus: each directory under bad_schemas/ is a schema whose exact diagnostics are snapshotted.

A case holds the YAML files of one schema directory plus `expected.txt`, the diagnostics the loader must
report, one `file:LINE:COL: message` per line, sorted as the tool prints them. The shared valid
`bad_schemas/project.yaml` is added unless the case has its own. A case that loads cleanly lists its
notes instead (`note: ...`). Set UPDATE_SNAPSHOTS=1 to rewrite the expected files, then read the diff.
"""

from __future__ import annotations

import ast
import keyword
import os
import re
import resource
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO_ROOT, RunGenerator
from schemagen_runtime.models import Model

from generator.build import DEF_NAME, FIELD_NAME
from generator.diagnostics import SchemaError
from generator.loader import MAX_FILE_BYTES, MAX_VALUES
from generator.names import GENERATED_MODULES, GENERATED_NAMES, MODEL_NAMES, python_attr, python_module
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
    names = ("from", "class", "match", "type", "list", "import", "field", "validate", "plain")
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
        "field": "field_",
        "validate": "validate_",
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


@pytest.mark.parametrize(
    "case", ["many_errors_many_files", "yaml_syntax_error", "bad_defaults", "view_errors", "hostile_files_together"]
)
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


def test_an_oversized_file_is_refused_unread(tmp_path: Path) -> None:
    schema = tmp_path / "schema"
    schema.mkdir()
    shutil.copy(SHARED_PROJECT, schema / "project.yaml")
    (schema / "huge.yaml").write_bytes(b"# padding\n" * (MAX_FILE_BYTES // 10 + 1))
    assert report(schema) == ["schema/huge.yaml:1:1: file is larger than 4 MiB, the limit for a schema file"]


def test_a_file_name_that_is_not_utf8_is_refused(tmp_path: Path, run_generator: RunGenerator) -> None:
    """Names go into diagnostics and generated headers: one that is not UTF-8 is refused, escaped."""
    schema = assemble("suppression_works", tmp_path)
    os.rename(schema / "objects.yaml", os.fsencode(schema) + b"/objects\xff.yaml")
    assert report(schema) == ["schema/objects\\xff.yaml:1:1: the file name is not valid UTF-8; rename the file"]
    result = run_generator("generate", "--schema", schema, "--out", tmp_path / "out")
    assert (result.returncode, result.stderr.splitlines()[0]) == (1, report(schema)[0])
    assert not (tmp_path / "out").exists()


def test_a_file_of_too_many_values_is_refused_where_it_crosses_the_limit(tmp_path: Path) -> None:
    """A flow list of tiny items is the most values per byte: stopped at the limit, not at the end."""
    schema = tmp_path / "schema"
    schema.mkdir()
    shutil.copy(SHARED_PROJECT, schema / "project.yaml")
    (schema / "many.yaml").write_text("x: [" + "a," * (2 * MAX_VALUES) + "a]\n", encoding="utf-8")
    column = len("x: [") + 2 * (MAX_VALUES - 2) + 1  # the root and `x` are values too
    assert report(schema) == [
        f"schema/many.yaml:1:{column}: more than {MAX_VALUES} values, the limit for a schema file"
    ]


def _limit_memory() -> None:
    limit = 1024 * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def test_alias_bomb_is_refused_in_bounded_memory(tmp_path: Path) -> None:
    """9^9 values once expanded: under a 1 GiB address-space limit the generator must still answer
    with the diagnostic (expanding even a fraction of it would raise MemoryError first)."""
    schema = assemble("alias_bomb", tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "generator", "generate", "--schema", str(schema), "--out", str(tmp_path / "out")],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        preexec_fn=_limit_memory,
    )
    assert result.returncode == 1, result.stderr
    assert result.stderr.splitlines() == [*expected("alias_bomb"), f"error: 1 problem in {schema}; nothing was written"]
    assert not (tmp_path / "out").exists()


def test_fields_named_like_model_helpers_still_work(tmp_path: Path, run_generator: RunGenerator) -> None:
    """A field `field` followed by one whose default calls `field(default_factory=...)`, and one
    named `validate`: the model imports, builds and still validates (they become `field_` and
    `validate_`)."""
    schema = tmp_path / "schema"
    schema.mkdir()
    shutil.copy(SHARED_PROJECT, schema / "project.yaml")
    (schema / "objects.yaml").write_text(
        "objects:\n  Message:\n    description: M.\n    permissionPrefix: sysMessage\n    fields:\n"
        "      field:\n        type: string?\n        description: F.\n"
        "      validate:\n        type: string?\n        description: V.\n"
        "      tags:\n        type: Set<string>\n        description: T.\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    assert run_generator("generate", "--schema", schema, "--out", out).returncode == 0
    code = (
        "from test_registry.models.message import Message; m = Message(field_='x', validate_=None); "
        "print(m.field_, m.tags, m.validate())"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=out / "python", capture_output=True, text=True, timeout=60, check=False
    )
    assert (result.returncode, result.stdout, result.stderr) == (0, "x set() []\n", "")


def test_no_field_attribute_can_shadow_a_model_method() -> None:
    assert {name for name in dir(Model) if FIELD_NAME.match(name)} <= MODEL_NAMES


def _schema_class_names(package: Path) -> set[str]:
    """Classes the generated models define (one per schema, enum and union variant)."""
    names = set()
    for module in (package / "models").glob("*.py"):
        names |= {n.name for n in ast.parse(module.read_text(encoding="utf-8")).body if isinstance(n, ast.ClassDef)}
    return names


def test_reserved_class_names_cover_every_name_the_generated_modules_bind() -> None:
    """names.GENERATED_NAMES must hold every class-shaped name a generated module imports or
    defines at its top level, or a schema of that name would shadow it unnoticed."""
    package = REPO_ROOT / "generated" / "python" / "stalwart_registry"
    schema_classes = _schema_class_names(package)
    bound: set[str] = set()
    for module in package.rglob("*.py"):
        tree = ast.parse(module.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom):
                bound |= {(alias.asname or alias.name).split(".")[0] for alias in node.names}
        if module.name == "payloads.py":  # defines only names derived from schemas (`DomainCreate`)
            continue
        for node in tree.body:
            if isinstance(node, ast.ClassDef | ast.FunctionDef):
                bound.add(node.name)
            elif isinstance(node, ast.Assign):
                bound |= {t.id for t in node.targets if isinstance(t, ast.Name)}
    class_shaped = {name for name in bound - schema_classes if DEF_NAME.match(name)}
    assert class_shaped, "the walk found nothing: the package layout changed"
    assert class_shaped <= GENERATED_NAMES, sorted(class_shaped - GENERATED_NAMES)


def test_reserved_module_names_cover_the_package_own_modules() -> None:
    """A schema's module sits next to these in models/ and _registry/: names.GENERATED_MODULES
    must hold every module there that no schema of the seed registry owns."""
    registry, _ = load_registry(REPO_ROOT / "schema")
    owned = {python_module(name) for name in registry.schemas}
    package = REPO_ROOT / "generated" / "python" / "stalwart_registry"
    own = {p.stem for folder in ("models", "_registry") for p in (package / folder).glob("*.py")} - owned
    assert own - {"__init__"} <= GENERATED_MODULES, sorted(own - {"__init__"} - GENERATED_MODULES)
