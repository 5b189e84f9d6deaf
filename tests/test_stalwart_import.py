"""import-stalwart / export-stalwart on the real published registry (../shared/stalwart/schema.json, read
at run time, never copied), plus small inline inputs for the error paths. The commands run as real
subprocesses, as a user would run them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from generator.loader import load_file, load_text
from generator.schema_loader import load_registry, structural_errors
from generator.stalwart.yaml_writer import Commented, Flow, dump

REPO_ROOT = Path(__file__).resolve().parents[1]
SCHEMA_JSON = REPO_ROOT.parent / "shared" / "stalwart" / "schema.json"
SECTIONS = ("objects", "schemas", "fields", "forms", "lists", "enums", "dashboards", "layouts")  # published order
PRINCIPAL_TYPE_PATH = "$.fields.Principal.properties.type.type.enumName"
RATE_PATHS = ("$.fields['x:Rate'].defaults.count", "$.fields['x:Rate'].defaults.period")


def run(*args: str | Path, hash_seed: str = "0") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "generator", *map(str, args)],
        cwd=REPO_ROOT,
        env={**os.environ, "PYTHONHASHSEED": hash_seed},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def source() -> dict[str, Any]:
    if not SCHEMA_JSON.is_file():
        pytest.fail(f"{SCHEMA_JSON} is missing: the real registry schema is read from ../shared")
    return json.loads(SCHEMA_JSON.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory, source: dict[str, Any]) -> tuple[Path, str, str]:
    out = tmp_path_factory.mktemp("stalwart") / "schema"
    result = run("import-stalwart", SCHEMA_JSON, "--out", out)
    assert result.returncode == 0, result.stderr
    return out, result.stdout, result.stderr


def test_import_reports_counts_and_the_two_flaws_of_the_source(imported: tuple[Path, str, str]) -> None:
    _, stdout, stderr = imported
    assert "150 objects (64 object, 59 singleton, 27 view), 337 schemas (63 unions), 148 enums" in stdout
    assert f"warning: {PRINCIPAL_TYPE_PATH}: enum 'PrincipalType' is referenced but not defined" in stderr
    for path in RATE_PATHS:
        assert f"warning: {path}: the published default is 0 below its own min" in stderr
    assert "Traceback" not in stderr


def test_import_is_deterministic(imported: tuple[Path, str, str], tmp_path: Path) -> None:
    first, _, _ = imported
    again = run("import-stalwart", SCHEMA_JSON, "--out", tmp_path / "again", hash_seed="12345")
    assert again.returncode == 0, again.stderr
    assert tree(tmp_path / "again") == tree(first)
    # Importing over an earlier import rewrites nothing.
    same = run("import-stalwart", SCHEMA_JSON, "--out", tmp_path / "again")
    assert ": 0 written, 0 removed" in same.stdout


def test_every_file_loads_and_the_registry_passes_every_check(imported: tuple[Path, str, str]) -> None:
    out, _, _ = imported
    for path in sorted(out.rglob("*.yaml")):
        loaded, problems = load_file(path, str(path))
        assert problems == [] and structural_errors(loaded) == [], path
    registry, notes = load_registry(out)
    kinds = [o.kind for o in registry.objects]
    assert (kinds.count("object"), kinds.count("singleton"), kinds.count("view")) == (64, 59, 27)
    assert len(registry.schemas) == 337
    assert sum(s.is_union for s in registry.schemas.values()) == 63
    assert len([e for e in registry.enums.values() if not e.placeholder]) == 148
    # Both flaws are waived in the YAML with their reason, so every run shows them.
    assert registry.enums["PrincipalType"].placeholder
    assert [v.name for v in registry.enums["PrincipalType"].values] == ["individual"]
    rate = {f.name: f for f in registry.schemas["Rate"].fields}
    for name, path in zip(("count", "period"), RATE_PATHS, strict=True):
        code, reason = rate[name].suppressed[0]
        assert code == "default-below-min" and path in reason
        assert any(f"of '{name}' is below its min" in n and "[suppressed default-below-min" in n for n in notes)
    assert any("enum 'PrincipalType' is a placeholder" in n and PRINCIPAL_TYPE_PATH in n for n in notes)


def test_yaml_says_what_the_source_lacks(imported: tuple[Path, str, str]) -> None:
    out, _, _ = imported
    http = (out / "objects" / "http.yaml").read_text(encoding="utf-8")
    assert "Fields are in alphabetical order: schema.json sorts properties" in http
    # WebUI data: the form with its object, the menus (with icons) in webui.yaml; places derive from them.
    assert "    form:\n      title: HTTP Server\n" in http
    menus = yaml.safe_load((out / "webui.yaml").read_text(encoding="utf-8"))["webui"]
    assert (menus["layouts"][0]["name"], menus["layouts"][0]["icon"]) == ("Management", "monitor")
    assert {"link": "Accounts", "view": "Account/User"} in menus["layouts"][0]["items"][1]["items"]
    # A set-of-enum default follows the enum's declared order (schema.json publishes its members sorted).
    domain = (out / "objects" / "domain.yaml").read_text(encoding="utf-8")
    assert (
        "default: [dkim, spf, mx, dmarc, srv, mtaSts, tlsRpt, caa, autoConfig, autoConfigLegacy, autoDiscover]"
        in domain
    )
    # Published human forms are normalised: the Expression shorthand {"default": X} becomes {"else": X}.
    assert 'default: {else: "200"}' in http
    assert "default: {count: 100, period: 1m}" in http
    principal = (out / "objects" / "principal.yaml").read_text(encoding="utf-8")
    assert "MISSING FROM schema.json" in principal and "placeholder:" in principal
    # The standard JMAP AddressBook keeps its published name beside x:AddressBook.
    registry, _ = load_registry(out)
    assert registry.object("JmapAddressBook").jmap_name == "AddressBook"
    assert registry.object("AddressBook").jmap_name == "x:AddressBook"
    assert registry.object("Account/User").view_of == "Account"
    assert registry.object("Http").webui == ("Settings", "Network", "HTTP", "General")


def test_export_reproduces_the_published_sections(
    imported: tuple[Path, str, str], source: dict[str, Any], tmp_path: Path
) -> None:
    out, _, _ = imported
    result = run("export-stalwart", out, "--out", tmp_path / "schema.json")
    assert result.returncode == 0, result.stderr
    exported = json.loads((tmp_path / "schema.json").read_text(encoding="utf-8"))
    assert list(exported) == list(SECTIONS)
    for section in SECTIONS:
        assert exported[section] == source[section], section
        # Also key order and 1 versus 1.0: the same bytes as the server writes.
        assert json.dumps(exported[section], ensure_ascii=False) == json.dumps(source[section], ensure_ascii=False)


def test_the_full_registry_generates(imported: tuple[Path, str, str], tmp_path: Path) -> None:
    out, _, _ = imported
    result = run("generate", "--schema", out, "--out", tmp_path / "generated")
    assert result.returncode == 0, result.stderr
    pages = sorted(p.name for p in (tmp_path / "generated" / "docs" / "ref" / "object").glob("*.md"))
    # one per object and singleton, none for views or the 6 standard JMAP objects (external: served elsewhere)
    assert len(pages) == 64 + 59 - 6
    assert {"spam-dnsbl-settings.md", "address-book.md"} <= set(pages)  # address-book: x:AddressBook
    assert not {"jmap-address-book.md", "principal.md", "mailbox.md"} & set(pages)
    page = (tmp_path / "generated" / "docs" / "ref" / "object" / "spam-dnsbl-settings.md").read_text(encoding="utf-8")
    # the WebUI place; its icons are drawn only from an `icons` section (schema/icons.yaml, tests/test_icons.py)
    assert "under Settings › Spam Filter › DNSBL › Settings\n" in page


# -- bad input ----------------------------------------------------------------------------------------

MINIMAL: dict[str, Any] = {
    "objects": {"x:Thing": {"type": "object", "description": "A thing.", "permissionPrefix": "sysThing"}},
    "schemas": {"x:Thing": {"type": "single", "schemaName": "x:Thing"}},
    "fields": {
        "x:Thing": {
            "properties": {
                "count": {
                    "description": "A count.",
                    "type": {"type": "number", "format": "unsignedInteger"},
                    "update": "mutable",
                },
            }
        }
    },
    "enums": {},
}


def _write(tmp_path: Path, doc: dict[str, Any]) -> Path:
    path = tmp_path / "input.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def test_bad_input_is_reported_with_json_paths_and_nothing_is_written(tmp_path: Path) -> None:
    doc = json.loads(json.dumps(MINIMAL))
    props = doc["fields"]["x:Thing"]["properties"]
    props["count"]["type"]["type"] = "decimal"
    props["owner"] = {
        "description": "Who.",
        "type": {"type": "objectId", "objectName": "x:Nobody"},
        "update": "mutable",
    }
    result = run("import-stalwart", _write(tmp_path, doc), "--out", tmp_path / "out")
    assert result.returncode == 1
    assert "error: $.fields['x:Thing'].properties.count.type.type: unknown type kind \"decimal\"" in result.stderr
    assert "error: $.fields['x:Thing'].properties.owner.type.objectName: 'x:Nobody' is not defined in $.objects" in (
        result.stderr
    )
    assert "error: 2 problems in" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()


def test_a_missing_enum_without_any_known_value_is_an_error(tmp_path: Path) -> None:
    """A placeholder can hold only values the published defaults show; with none, there is nothing to stand in."""
    doc = json.loads(json.dumps(MINIMAL))
    doc["fields"]["x:Thing"]["properties"]["kind"] = {
        "description": "What.",
        "type": {"type": "enum", "enumName": "ThingKind"},
        "update": "mutable",
    }
    result = run("import-stalwart", _write(tmp_path, doc), "--out", tmp_path / "out")
    assert result.returncode == 1
    assert "error: $.fields['x:Thing'].properties.kind.type.enumName: enum 'ThingKind' is not defined" in result.stderr
    assert not (tmp_path / "out").exists()
    # With a default, the same input imports, generates and round-trips (the placeholder is not exported).
    doc["fields"]["x:Thing"]["defaults"] = {"kind": "gadget"}
    imported = run("import-stalwart", _write(tmp_path, doc), "--out", tmp_path / "out")
    assert imported.returncode == 0, imported.stderr
    assert "warning: $.fields['x:Thing'].properties.kind.type.enumName: enum 'ThingKind'" in imported.stderr
    exported = run("export-stalwart", tmp_path / "out", "--out", tmp_path / "back.json")
    assert exported.returncode == 0, exported.stderr
    assert "enum 'ThingKind' is a placeholder" in exported.stderr
    assert json.loads((tmp_path / "back.json").read_text(encoding="utf-8")) == doc


def test_input_that_is_not_json_is_an_error_not_a_traceback(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{"objects": {', encoding="utf-8")
    result = run("import-stalwart", path, "--out", tmp_path / "out")
    assert result.returncode == 1
    assert "error: $: not JSON (line 1, column 14)" in result.stderr
    assert "Traceback" not in result.stderr


def test_import_refuses_to_mix_with_hand_written_schema_files(tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "mine.yaml").write_text("objects: {}\n", encoding="utf-8")
    result = run("import-stalwart", _write(tmp_path, MINIMAL), "--out", tmp_path / "out")
    assert result.returncode == 1
    assert "import-stalwart did not write (mine.yaml)" in result.stderr
    assert (tmp_path / "out" / "mine.yaml").read_text(encoding="utf-8") == "objects: {}\n"


# -- the YAML writer ----------------------------------------------------------------------------------

TRICKY = [
    "yes",
    "no",
    "on",
    "null",
    "~",
    "18",
    "1e3",
    "0x1F",
    "1:30",
    "2026-01-01",
    ".inf",
    "@type",
    "- item",
    "a: b",
    "a #b",
    "ends:",
    "'quoted'",
    '"double"',
    "[1, 1d]",
    "{x}",
    "!is_empty(authenticated_as)",
    "local_port != 25",
    "system('domain')",
    "tab\there",
    "line\u2028separator",
    "two\nlines",
    " leading",
    "",
    "ünïcödé › ok",
]


def test_yaml_writer_output_reads_back_the_same_in_our_loader_and_in_yaml_1_1() -> None:
    data = {
        "plain": {text: text for text in TRICKY},
        "flow": Flow({text: [text] for text in TRICKY if text}),
        "numbers": Commented(
            {"int": 1, "float": 1.0, "small": 0.0001, "tiny": 1e-05, "big": 7776000000, "bool": False, "none": None},
            ("c",),
        ),
    }
    expected = {
        "plain": {t: t for t in TRICKY},
        "flow": {t: [t] for t in TRICKY if t},
        "numbers": {
            "int": 1,
            "float": 1.0,
            "small": 0.0001,
            "tiny": 1e-05,
            "big": 7776000000,
            "bool": False,
            "none": None,
        },
    }
    text = dump(data, ("a header",))
    loaded, problems = load_text(text, "<test>")
    assert problems == []
    assert loaded.data == expected
    assert yaml.safe_load(text) == expected
    assert isinstance(loaded.data["numbers"]["float"], float)


@pytest.mark.parametrize("with_permissions", [False, True])
def test_an_imported_project_serves_the_published_format_and_names_its_permission_list(
    tmp_path: Path, with_permissions: bool
) -> None:
    """The project file an import writes: /api/schema in the format it came from, and the registry's
    `Permission` enum as the permission list only where the registry has one."""
    from test_committed_schema import SMALL

    from generator.stalwart.importer import import_schema

    doc = json.loads(json.dumps(SMALL))
    if with_permissions:
        doc["enums"]["Permission"] = [{"name": "emailSend", "label": "Send emails"}]
    out = tmp_path / "schema"
    out.mkdir()
    for rel, text in import_schema(doc).files.items():
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        (out / rel).write_text(text, encoding="utf-8")
    registry, _ = load_registry(out)
    assert registry.project.published_format == "stalwart"
    assert registry.project.permissions_enum == ("Permission" if with_permissions else "")
