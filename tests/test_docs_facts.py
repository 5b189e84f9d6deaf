"""Our reference pages against the real v0.16 pages, fact by fact (`pytest -s` prints the report).

Two differences are intended, and each is checked for what we do instead, not skipped:
(a) the real CLI Update example sets `description`, a field the object does not have; ours must set a
    property that exists and is settable, with a legal value;
(b) the real curl examples single-quote the Authorization header, so `$TOKEN` never expands; ours
    double-quote it. The parsed header text must match; the quoting must differ as intended.
"""

from __future__ import annotations

import json
import shlex
import subprocess
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO_ROOT, SHARED_DIR
from factparse import Page, compare, facts, inline_text, parse_page, table_cells, written_form

from generator.defaults import DefaultNormalizer
from generator.ir import Field, Object, Registry
from generator.names import kebab
from generator.schema_loader import load_registry

REAL_PAGES = SHARED_DIR / "stalwart" / "reference" / "object"
OUR_PAGES = REPO_ROOT / "generated" / "docs" / "ref" / "object"
# The seed objects' pages match every fact, with what neither source gives from schema/overrides/;
# tests/test_docs_real_pages.py compares all sixteen pages with the sources alone.
MATCHED = ("action", "spam-dnsbl-settings")
CLI_UPDATE = "cli Update / commands"


@pytest.fixture(scope="module")
def registry() -> Registry:
    return load_registry(REPO_ROOT / "schema")[0]


def read(path: Path) -> Page:
    return parse_page(path.read_text(encoding="utf-8"))


def page_object(registry: Registry, page: str) -> Object:
    return next(o for o in registry.managed if kebab(o.name) == page)


def properties(registry: Registry, obj: Object) -> dict[str, Field | None]:
    """What an update may name: the object's fields, and for a union `@type` plus every variant's fields."""
    assert obj.schema is not None
    props: dict[str, Field | None] = {f.name: f for f in obj.schema.fields}
    if obj.schema.is_union:
        props["@type"] = None
        for v in obj.schema.variants:
            props.update({f.name: f for f in registry.schemas[v.type].fields} if v.type else {})
    return props


def field_args(argv: tuple[str, ...]) -> list[tuple[str, str]]:
    return [tuple(argv[i + 1].split("=", 1)) for i, a in enumerate(argv) if a == "--field"]  # type: ignore[misc]


def masked(argv: tuple[str, ...]) -> tuple[str, ...]:
    return tuple("<field>" if i and argv[i - 1] == "--field" else a for i, a in enumerate(argv))


def assert_legal_update(registry: Registry, obj: Object, key: str, text: str) -> None:
    props = properties(registry, obj)
    assert key in props, f"our CLI update sets '{key}', which {obj.name} does not have"
    field = props[key]
    if field is None:  # @type: restating the variant
        assert obj.schema is not None and text in {v.name for v in obj.schema.variants}
        return
    assert field.update == "mutable", f"'{key}' cannot be updated"
    value: Any = json.loads(text) if field.type.kind in ("number", "boolean") or text[:1] in "{[" else text
    _, problems = DefaultNormalizer(registry.schemas, registry.enums).normalize(value, field.type)
    assert not problems, problems
    assert field.min is None or value >= field.min
    assert field.max is None or value <= field.max


@pytest.mark.parametrize("name", MATCHED)
def test_generated_page_states_every_fact_of_the_real_page(name: str, registry: Registry) -> None:
    real, ours = read(REAL_PAGES / f"{name}.md"), read(OUR_PAGES / f"{name}.md")
    real_facts, our_facts = facts(real), facts(ours)
    obj = page_object(registry, name)

    # (a) the Update command has the real page's form; its --field names something real.
    (real_line,) = real_facts[CLI_UPDATE]
    (our_line,) = our_facts[CLI_UPDATE]
    assert written_form(real_line) == written_form(our_line)  # quoted as the real page quotes it
    real_cmd, our_cmd = tuple(shlex.split(real_line)), tuple(shlex.split(our_line))
    assert masked(real_cmd) == masked(our_cmd)
    assert [k for k, _ in field_args(real_cmd)] == ["description"]
    assert "description" not in properties(registry, obj), "the real example became valid: compare it exactly"
    assert field_args(our_cmd), "our Update example must set something"
    for key, text in field_args(our_cmd):
        assert_legal_update(registry, obj, key, text)
    real_facts[CLI_UPDATE] = our_facts[CLI_UPDATE] = (written_form(real_line),)

    result = compare(real_facts, our_facts)
    print("\n" + result.report(f"{name}.md"))
    assert result.total >= 50 and result.rate == 1.0, result.report(f"{name}.md")


def _expanded(curl_command: str) -> list[str]:
    """The arguments bash really passes to curl, with TOKEN set: what a reader pasting it gets."""
    script = "curl() { printf '%s\\0' \"$@\"; }\n" + curl_command
    done = subprocess.run(
        ["bash", "-c", script], env={"TOKEN": "t0ken", "PATH": "/usr/bin:/bin"}, capture_output=True, check=True
    )
    return done.stdout.decode().split("\0")[:-1]


@pytest.mark.parametrize("name", MATCHED)
def test_curl_examples_expand_the_token(name: str) -> None:
    real, ours = read(REAL_PAGES / f"{name}.md"), read(OUR_PAGES / f"{name}.md")
    real_curls = [c for m in real.methods for c in m.curls]
    our_curls = [c for m in ours.methods for c in m.curls]
    assert len(our_curls) == len(real_curls) >= 2
    for real_curl, our_curl in zip(real_curls, our_curls, strict=True):
        assert (real_curl.auth_quote, our_curl.auth_quote) == ("'", '"')
        assert our_curl.headers == real_curl.headers  # the same header text, quoted differently
        args = _expanded(our_curl.raw)
        assert "Authorization: Bearer t0ken" in args
        assert json.loads(args[args.index("-d") + 1]) == our_curl.body  # the shell quoting of the body holds
        assert "Authorization: Bearer $TOKEN" in _expanded(real_curl.raw)  # why the real pages are wrong


REAL_NAMES = sorted(p.stem for p in REAL_PAGES.glob("*.md")) if REAL_PAGES.is_dir() else []


def test_all_sixteen_real_pages_are_there() -> None:
    assert len(REAL_NAMES) == 16


@pytest.mark.parametrize("name", REAL_NAMES)
def test_parser_reads_every_real_page_completely(name: str) -> None:
    """Issue 4 compares all sixteen pages; the parser must already read each one without leftovers."""
    page = read(REAL_PAGES / f"{name}.md")
    assert page.unparsed == []
    assert page.front["title"] == page.title and kebab(page.title) == name
    assert page.sections[:3] == ["Fields", "JMAP API", "CLI"]
    assert page.fields and all(f.type and f.description for f in page.fields)
    assert bool(page.variants) == (page.multi_variant is not None)
    assert {f.where for f in page.fields} <= {"(top level)"} | {f'@type "{v.name}"' for v in page.variants} | {
        n.name for n in page.nested
    }
    for method in page.methods:
        assert method.permissions or (method.operation == "" and method.method.endswith("/set"))
        for curl in method.curls:
            assert curl.body["methodCalls"][0][0] == method.method
    assert all(cmd[0] == "stalwart-cli" for example in page.cli for cmd in example.commands)
    for enum in page.enums:
        assert enum.columns == ("Value", "Label") and all(len(row) == 2 for row in enum.rows)
    facts(page)  # flattening never fails either


@pytest.mark.parametrize("path", sorted(OUR_PAGES.glob("*.md")), ids=lambda p: p.name)
def test_parser_reads_every_generated_page_completely(path: Path) -> None:
    page = read(path)
    assert page.unparsed == []
    assert page.fields or page.variants


def test_unescaping_follows_commonmark() -> None:
    assert (
        inline_text(r"a\*b\* \\ \{x\} &lt;i&gt; \&amp; `\*kept\*` &amp;lt;") == r"a*b* \ {x} <i> &amp; `\*kept\*` &lt;"
    )
    assert table_cells(r"| `a\|b` | x\\| y |") == ["`a|b`", "x\\\\", "y"]
