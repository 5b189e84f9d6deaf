"""Descriptions and labels are data: whatever they contain must come out of every target inert.

One small schema puts quotes, backslashes, Jinja delimiters, triple quotes, a script tag, Markdown
syntax, a table pipe and line breaks (some followed by block syntax) into every place the reference
page prints text. The generated page must render none of it as markup, and the fact parser must read
each text back exactly as written.
"""

from __future__ import annotations

import json
import re

import pytest
from conftest import RunGenerator
from factparse import Page, parse_page, table_cells

from generator.headers import strip_header

DESCRIPTION = (
    "Quotes \"double\" and 'single', a back\\slash and C:\\path\\n, {{ jinja }} and {% if x %}{% endif %}, "
    '"""triple""", <script>alert(1)</script> <b>bold</b> &amp; &lt;, *x* _y_ **z** [a](b) ![i](j) a|b '
    "`code` ``two`` ~~del~~ #hash {#id} $x\n"
    "# not a heading\n"
    "- not a list\n"
    "+ nor this\n"
    "1. not ordered\n"
    "> not a quote\n"
    ":::danger not a notice\n"
    "=== not a heading underline\n"
    "~~~ not a fence\n"
    "| not | a table |"
)
LABEL = 'Label "q" \\ {{ x }} {% y %} """ <script>alert(1)</script> *x* [a](b) | `t`\n- second line'
CRUMB = ("Set*tings*", "A|B {{ c }}; d", "<script>x</script>")  # ";" separates WebUI places


def _q(text: str) -> str:
    """A YAML double-quoted scalar (JSON strings are valid YAML 1.2)."""
    return json.dumps(text, ensure_ascii=False)


SCHEMA = f"""
project:
  name: Escape
  version: "1.0.0"
  namespace: "x:"
  capability: urn:escape:jmap
  apiPath: /api
  cli: escape-cli
  package: escape_registry
objects:
  Widget:
    description: {_q(DESCRIPTION)}
    permissionPrefix: sysWidget
    webui: [{", ".join(_q(p) for p in CRUMB)}]
    fields:
      note:
        type: string?
        description: {_q(DESCRIPTION)}
      mode:
        type: Mode
        default: plain
        description: {_q(DESCRIPTION)}
      shape:
        type: Shape?
        description: {_q(DESCRIPTION)}
  Job:
    description: {_q(DESCRIPTION)}
    permissionPrefix: sysJob
    variants:
      Run: {{label: {_q(LABEL)}, type: RunDetails}}
      Stop: {_q(LABEL)}
types:
  RunDetails:
    description: {_q(DESCRIPTION)}
    fields:
      command:
        type: text
        description: {_q(DESCRIPTION)}
  Shape:
    description: {_q(DESCRIPTION)}
    variants:
      Circle: {{label: {_q(LABEL)}, type: RunDetails}}
      Square: {_q(LABEL)}
enums:
  Mode:
    description: {_q(DESCRIPTION)}
    values:
      plain: {_q(LABEL)}
      "a|b": {_q(LABEL)}
"""


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory, run_generator: RunGenerator) -> dict[str, str]:
    root = tmp_path_factory.mktemp("escaping")
    (root / "schema").mkdir()
    (root / "schema" / "escape.yaml").write_text(SCHEMA, encoding="utf-8")
    result = run_generator("generate", "--schema", root / "schema", "--out", root / "out")
    assert result.returncode == 0, result.stderr  # every target survived the text, not just the docs
    docs = root / "out" / "docs" / "ref" / "object"
    return {p.stem: p.read_text(encoding="utf-8") for p in sorted(docs.glob("*.md"))}


def markdown_lines(text: str) -> list[str]:
    """The body lines a Markdown renderer reads as Markdown: front matter and fenced code removed."""
    body = strip_header(text)[1]
    body = body.split("\n---\n", 1)[1] if body.startswith("---\n") else body
    out, fenced = [], False
    for line in body.split("\n"):
        if line.startswith("```"):
            fenced = not fenced
        elif not fenced:
            out.append(line)
    return out


def without_code_spans(line: str) -> str:
    return re.sub(r"(`+)(?!`).*?(?<!`)\1(?!`)", "", re.sub(r"\\.", "", line))


def test_both_pages_were_generated(pages: dict[str, str]) -> None:
    assert sorted(pages) == ["job", "widget"]


def test_no_html_but_our_own(pages: dict[str, str]) -> None:
    """Front matter is YAML data (a JSON-quoted string, read back below); the body is what renders."""
    for name, text in pages.items():
        assert "<script" not in "\n".join(markdown_lines(text)).lower(), name
        for line in markdown_lines(text):
            tags = re.findall(r"<[^>]*>", without_code_spans(line))
            assert set(tags) <= {"<code>", "</code>", "<br />"}, (name, line)


def test_no_unescaped_braces_or_jinja(pages: dict[str, str]) -> None:
    """MDX evaluates `{...}`; a brace must be escaped unless it is a heading's `{#anchor}`."""
    for name, text in pages.items():
        assert "{{" not in "\n".join(markdown_lines(text)), name
        for line in markdown_lines(text):
            bare = without_code_spans(re.sub(r" \{#[a-z0-9-]+\}\Z", "", line) if line.startswith("#") else line)
            assert "{" not in bare and "}" not in bare, (name, line)


def test_text_has_no_live_markdown_characters(pages: dict[str, str]) -> None:
    """Strip the page's own markup around each text (list item, table row), then every character
    Markdown, GFM or MDX acts on must be backslash-escaped or an entity. Field descriptions (the
    `> ` block quotes) are Markdown as written: `test_field_descriptions_keep_their_markdown`."""
    own = re.compile(
        r"^(> |- \*\*`\w+`\*\*: |\| `[^`]*` \| )|( \|| Carries the fields of \[`\w+`\]\(#\w+\)\.| No additional fields\.)$"
    )
    checked = 0
    for name, text in pages.items():
        for line in markdown_lines(text):
            if not re.search(r"Quotes \"|Label \"", line) or line.startswith("> "):
                continue
            bare = re.sub(r"\\.|&\w+;|<br />", "", own.sub("", line))
            live = sorted(set(bare) & set("*_[]`~<>{}|#"))
            assert not live, (name, line, live)
            checked += 1
    assert checked >= 10


def test_field_descriptions_keep_their_markdown(pages: dict[str, str]) -> None:
    """A field description is printed as written (emphasis, links, code spans, lists), with raw HTML,
    entities and MDX braces made inert and no line able to end the field's block quote."""
    lines = [line for line in markdown_lines(pages["widget"]) if line.startswith("> ")]
    first = next(line for line in lines if line.startswith('> Quotes "'))
    assert "*x* _y_ **z** [a](b) ![i](j) a|b `code` ``two`` ~~del~~" in first
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &lt;b&gt;bold&lt;/b&gt; &amp;amp; &amp;lt;" in first
    assert "\\{\\{ jinja \\}\\}" in first
    assert "> - not a list" in lines and "> 1. not ordered" in lines
    for line in lines:
        assert not re.match(r"> (#|:::|~~~|```|\||=+$|>)", line), line


def test_tables_keep_their_columns(pages: dict[str, str]) -> None:
    rows = [line for line in markdown_lines(pages["widget"]) if line.startswith("|")]
    assert len(rows) == 4  # header, delimiter, two values
    assert all(len(table_cells(row)) == 2 for row in rows), rows


def test_text_lines_start_no_markdown_blocks(pages: dict[str, str]) -> None:
    """Every line our texts start must read as text: no list, heading, quote, fence or notice."""
    for name, text in pages.items():
        page = parse_page(text)
        assert page.unparsed == [], (name, page.unparsed)
        ours = [line for line in markdown_lines(text) if re.search(r"not a|nor this|not ordered|second line", line)]
        assert len(ours) >= 9, (name, ours)
        for line in ours:
            stripped = line.removeprefix("> ")
            # a field description (in a block quote) may hold lists: Markdown as written
            lists = "" if line.startswith("> ") else "|[-+] |[0-9]+[.)] "
            assert not re.match(rf"(:::|~~~|===|---|#|>{lists})", stripped), (name, line)


def _parsed(pages: dict[str, str], name: str) -> Page:
    return parse_page(pages[name])


def test_widget_texts_read_back_exactly(pages: dict[str, str]) -> None:
    page = _parsed(pages, "widget")
    assert page.front["title"] == "Widget"
    assert page.front["description"] == DESCRIPTION
    assert page.description == [DESCRIPTION]
    assert page.breadcrumb == (CRUMB,)
    assert [f.name for f in page.fields] == ["note", "mode", "shape", "command"]
    assert {f.description for f in page.fields} == {DESCRIPTION}
    assert [f.type for f in page.fields[:3]] == ["String?", "Mode", "Shape?"]
    assert page.fields[1].annotations == ('default: "plain"',)
    (shape,) = (n for n in page.nested if n.name == "Shape")
    assert shape.description == DESCRIPTION
    assert [(v.name, v.label, v.carries) for v in shape.variants] == [
        ("Circle", LABEL, "RunDetails"),
        ("Square", LABEL, None),
    ]
    (mode,) = page.enums
    assert mode.rows == [("plain", LABEL), ("a|b", LABEL)]


def test_job_texts_read_back_exactly(pages: dict[str, str]) -> None:
    page = _parsed(pages, "job")
    assert page.description == [DESCRIPTION]
    assert page.multi_variant is not None
    assert [(v.name, v.label) for v in page.variants] == [("Run", LABEL), ("Stop", LABEL)]
    assert [(f.where, f.name, f.description) for f in page.fields] == [('@type "Run"', "command", DESCRIPTION)]


def test_curl_and_cli_examples_survive_the_shell(pages: dict[str, str]) -> None:
    """The examples are data too (a required text field gets a sample value): they must parse back."""
    page = _parsed(pages, "job")
    create = next(m for m in page.methods if m.operation == "Create")
    assert create.curls[0].body["methodCalls"][0][1]["create"]["new1"]["@type"] == "Run"
    assert ("escape-cli", "create", "job/run", "--field", "command=Example") in next(
        c.commands for c in page.cli if c.title == "Create"
    )
