"""Parse a reference page (a real v0.16 page or one we generate) into facts that can be compared.

A page is first cut into Markdown blocks (headings, paragraphs, block quotes, lists, tables, code
fences, `:::` notices), then read section by section into a `Page`. `facts(page)` flattens it into
`{key: value}` pairs; two pages agree on a fact when both have the key with equal values. Text is
compared as a reader sees it: Markdown escapes and HTML entities are undone (outside code spans),
the site's inline `<svg>` icons and link markup around breadcrumb parts are dropped, and curl and CLI
examples are compared as parsed argument vectors (bodies as JSON), not as shell spelling.

Nothing here knows the project's schema: the same parser reads every real page. Blocks that fit no
known place are kept in `Page.unparsed`, so a format change shows up instead of vanishing.
"""

from __future__ import annotations

import html
import json
import re
import shlex
from dataclasses import dataclass, field
from typing import Any

import yaml

# -- inline text -----------------------------------------------------------------------------------

_PUNCT = set("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")  # CommonMark: only these can be backslash-escaped
_BR = re.compile(r"<br\s*/?>")
_LINK = re.compile(r"\[([^\]]*)\]\(([^)\s]*)\)")
_SVG = re.compile(r"<svg\b.*?</svg>", re.S)


def _code_span_end(text: str, start: int) -> tuple[int, int] | None:
    """For a backtick run at `start`: (end of the closing run, run length), or None if unclosed."""
    run = len(text[start:]) - len(text[start:].lstrip("`"))
    i = start + run
    while (j := text.find("`" * run, i)) != -1:
        k = j + run
        if k < len(text) and text[k] == "`":  # a longer run does not close this span
            i = k + len(text[k:]) - len(text[k:].lstrip("`"))
            continue
        return k, run
    return None


def inline_text(md: str, keep_ticks: bool = True) -> str:
    """What a reader sees: escapes and entities undone outside code spans. Code spans are kept as
    written, backticks included (descriptions show them), or reduced to their content."""
    out: list[str] = []
    plain: list[str] = []

    def flush() -> None:
        out.append(html.unescape("".join(plain)))
        plain.clear()

    i = 0
    while i < len(md):
        ch = md[i]
        if ch == "\\" and i + 1 < len(md) and md[i + 1] in _PUNCT:
            # An escaped '&' must not start an entity, so it bypasses html.unescape.
            flush()
            out.append(md[i + 1])
            i += 2
        elif ch == "`" and (span := _code_span_end(md, i)) is not None:
            flush()
            out.append(md[i : span[0]] if keep_ticks else code_text(md[i : span[0]]))
            i = span[0]
        else:
            plain.append(ch)
            i += 1
    flush()
    return "".join(out)


def code_text(md: str) -> str:
    """The content of a code span (`x`, `` `x` ``), as CommonMark strips it."""
    md = md.strip()
    run = len(md) - len(md.lstrip("`"))
    if run and md.endswith("`" * run) and len(md) >= 2 * run:
        inner = md[run:-run]
        if len(inner) >= 2 and inner[0] == inner[-1] == " " and inner.strip():
            inner = inner[1:-1]
        return inner
    return inline_text(md, keep_ticks=False)


def split_outside_code(text: str, sep: str) -> list[str]:
    """Split on `sep` except inside code spans (a default such as `"a · b"` stays whole)."""
    parts: list[str] = []
    start = i = 0
    while i < len(text):
        if text[i] == "`" and (span := _code_span_end(text, i)) is not None:
            i = span[0]
        elif text.startswith(sep, i):
            parts.append(text[start:i])
            i = start = i + len(sep)
        else:
            i += 1
    parts.append(text[start:])
    return parts


def table_cells(line: str) -> list[str]:
    """GFM row splitting as micromark (the docs site's parser) does it: `\\|` is a pipe inside the
    cell, `\\\\` an escaped backslash, any other `|` a cell boundary. Cell text is still Markdown."""
    row = line.strip()
    row = row[1:] if row.startswith("|") else row
    cells: list[str] = []
    current: list[str] = []
    i = 0
    while i < len(row):
        ch = row[i]
        if ch == "\\" and i + 1 < len(row) and row[i + 1] == "|":
            current.append("|")
            i += 2
        elif ch == "\\" and i + 1 < len(row) and row[i + 1] == "\\":
            current.append("\\\\")
            i += 2
        elif ch == "|":
            cells.append("".join(current).strip())
            current = []
            i += 1
        else:
            current.append(ch)
            i += 1
    if "".join(current).strip():
        cells.append("".join(current).strip())
    return cells


def cell_text(cell: str) -> str:
    return "\n".join(inline_text(part) for part in _BR.split(cell))


# -- blocks ----------------------------------------------------------------------------------------


@dataclass
class Block:
    kind: str  # heading, paragraph, quote, list, table, code, notice
    lines: list[str]
    level: int = 0  # heading level
    info: str = ""  # code fence info string, notice header


_HEADING = re.compile(r"(#{1,6})\s+(.*?)\s*\Z")
_FENCE = re.compile(r"(`{3,}|~{3,})(.*)\Z")
_BULLET = re.compile(r"[-*+]\s+")


def _starts_block(line: str) -> bool:
    return bool(_HEADING.match(line) or _FENCE.match(line) or line.startswith((">", "|", ":::")) or _BULLET.match(line))


def split_front_matter(text: str) -> tuple[dict[str, Any], str]:
    if not text.startswith("---\n"):
        return {}, text
    end = text.find("\n---\n", 4)
    if end == -1:
        return {}, text
    return yaml.safe_load(text[4:end]) or {}, text[end + 5 :]


def blocks(body: str) -> list[Block]:
    lines = body.split("\n")
    out: list[Block] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if not line.strip():
            i += 1
        elif fence := _FENCE.match(line):
            mark = fence.group(1)
            j = i + 1
            while j < len(lines) and not (lines[j].startswith(mark[0] * len(mark)) and not lines[j].strip(mark[0])):
                j += 1
            out.append(Block("code", lines[i + 1 : j], info=fence.group(2).strip()))
            i = j + 1
        elif line.startswith(":::") and line.strip() != ":::":
            j = i + 1
            while j < len(lines) and lines[j].strip() != ":::":
                j += 1
            out.append(Block("notice", lines[i + 1 : j], info=line[3:].strip()))
            i = j + 1
        elif heading := _HEADING.match(line):
            out.append(Block("heading", [heading.group(2)], level=len(heading.group(1))))
            i += 1
        else:
            kind = "quote" if line.startswith(">") else "table" if line.startswith("|") else None
            if kind:
                j = i
                while j < len(lines) and lines[j].startswith(line[0]):
                    j += 1
                body_lines = lines[i:j]
                if kind == "quote":
                    body_lines = [re.sub(r"^> ?", "", q) for q in body_lines]
                out.append(Block(kind, body_lines))
                i = j
            elif _BULLET.match(line):
                items: list[str] = []
                while i < len(lines) and lines[i].strip():
                    if _BULLET.match(lines[i]):
                        items.append(_BULLET.sub("", lines[i], count=1))
                    elif _starts_block(lines[i]):
                        break
                    else:  # a lazy continuation line belongs to the item above
                        items[-1] += "\n" + lines[i].strip()
                    i += 1
                out.append(Block("list", items))
            else:
                j = i + 1
                while j < len(lines) and lines[j].strip() and not _starts_block(lines[j]):
                    j += 1
                out.append(Block("paragraph", lines[i:j]))
                i = j
    return out


# -- the page model --------------------------------------------------------------------------------


@dataclass
class FieldFact:
    where: str  # "(top level)", '@type "Variant"' or the nested type's name
    name: str
    type: str  # plain text: "Map<String, SpamClassifyTag>", "Id<Domain>?"
    type_links: tuple[str, ...]
    annotations: tuple[str, ...]  # in page order, code spans and links reduced to their text
    annotation_links: tuple[str, ...]
    description: str  # as a reader sees it (escapes and entities undone)
    description_md: str = ""  # as the page writes it: the strict comparison compares this


@dataclass
class VariantFact:
    name: str
    label: str


@dataclass
class NestedVariantFact:
    name: str
    label: str
    carries: str | None
    carries_link: str | None


@dataclass
class NestedTypeFact:
    name: str
    anchor: str
    level: int
    description: str = ""
    variants: list[NestedVariantFact] = field(default_factory=list)


@dataclass
class EnumFact:
    name: str
    anchor: str
    level: int
    description: str = ""
    columns: tuple[str, ...] = ()
    rows: list[tuple[str, ...]] = field(default_factory=list)


@dataclass
class CurlFact:
    url: str
    http_method: str
    headers: tuple[str, ...]
    body: Any  # the JSON request
    auth_quote: str  # the quote character around the Authorization header, as written
    raw: str


@dataclass
class MethodFact:
    method: str  # "x:Action/set"
    operation: str  # "" for the method itself, "Create"/"Update"/"Destroy" for a set operation
    permission_scope: str = ""  # "method" or "operation", as the sentence says
    permissions: tuple[str, ...] = ()
    permission_links: tuple[str, ...] = ()
    notes: list[str] = field(default_factory=list)
    curls: list[CurlFact] = field(default_factory=list)
    tables: list[tuple[tuple[str, ...], ...]] = field(default_factory=list)

    @property
    def key(self) -> str:
        return f"{self.method} {self.operation}".strip()


@dataclass
class CliFact:
    title: str
    commands: list[tuple[str, ...]] = field(default_factory=list)  # shlex-parsed argv per command
    raw: list[str] = field(default_factory=list)


@dataclass
class Page:
    front: dict[str, Any] = field(default_factory=dict)
    title: str = ""
    description: list[str] = field(default_factory=list)
    notices: list[tuple[str, str]] = field(default_factory=list)
    webui_link: str | None = None
    breadcrumb: tuple[tuple[str, ...], ...] = ()  # one trail per WebUI place
    sections: list[str] = field(default_factory=list)
    multi_variant: str | None = None  # the sentence, when the page says it
    variants: list[VariantFact] = field(default_factory=list)
    fields: list[FieldFact] = field(default_factory=list)
    nested: list[NestedTypeFact] = field(default_factory=list)
    enums: list[EnumFact] = field(default_factory=list)
    jmap_intro: list[str] = field(default_factory=list)
    methods: list[MethodFact] = field(default_factory=list)
    cli_intro: list[str] = field(default_factory=list)
    cli: list[CliFact] = field(default_factory=list)
    other: dict[str, list[str]] = field(default_factory=dict)  # sections this parser has no model for
    unparsed: list[str] = field(default_factory=list)

    def fields_of(self, where: str) -> list[FieldFact]:
        return [f for f in self.fields if f.where == where]


TOP_LEVEL = "(top level)"
_TYPE_TOKEN = re.compile(r"\[<code>(.*?)</code>\]\(([^)]*)\)|<code>(.*?)</code>")
_FIELD_HEADING = re.compile(r"`([^`]+)`\Z")
_VARIANT_HEADING = re.compile(r'`@type: "([^"]+)"`\Z')
_ANCHORED = re.compile(r"(.+?) \{#([^}]+)\}\Z")
_TRAIL_ICON = re.compile(r"(?<=[^\s›;>])(?=<svg\b)")  # an icon right after a label starts another trail
_TRAIL_TOKEN = re.compile(r"\\.|&[#A-Za-z0-9]+;|;|[^\\&;]+|.", re.S)  # escapes and entities keep their ";"
# "the [WebUI](link)", or "the WebUI" unlinked when the project names no WebUI docs page
_BREADCRUMB = re.compile(r"This object can be configured from the (?:\[WebUI\]\(([^)]*)\)|WebUI) under (.*)\Z", re.S)
_MULTI = re.compile(r".* is a \*\*multi-variant\*\* object", re.S)
_PERMISSION = re.compile(r"This (method|operation) requires the (.+) \[permission\]\(([^)]*)\)\.\Z", re.S)
_NESTED_VARIANT = re.compile(
    r"\*\*`(?P<name>[^`]+)`\*\*: (?P<label>.*)\. "
    r"(?:Carries the fields of \[`(?P<carries>[^`]+)`\]\((?P<link>[^)]*)\)\.|No additional fields\.)\Z",
    re.S,
)


def breadcrumb_trails(text: str) -> tuple[tuple[str, ...], ...]:
    """Breadcrumb text → one tuple of labels per WebUI place (labels are separated by the breadcrumb
    arrow). A page with several places separates them with an unescaped ";" (ours) or, on the site,
    starts each with an icon right after the previous label (`Groups<svg ...> Management`); icons and
    links around labels are dropped."""
    trails = [""]
    for token in _TRAIL_TOKEN.findall(_SVG.sub("", _TRAIL_ICON.sub(";", text))):
        if token == ";":
            trails.append("")
        else:
            trails[-1] += token
    return tuple(tuple(inline_text(_LINK.sub(r"\1", p).strip()) for p in t.split("›")) for t in trails)


def parse_type_line(line: str) -> tuple[str, tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """`Type: <display> · a · b` → (type text, type links, annotations, annotation links)."""
    rest = line.removeprefix("Type:").strip()
    text: list[str] = []
    links: list[str] = []
    pos = 0
    while match := _TYPE_TOKEN.match(rest, pos):
        linked, target, plain = match.groups()
        text.append(html.unescape(linked if linked is not None else plain))
        if target is not None:
            links.append(target)
        pos = match.end()
    head, *parts = split_outside_code(rest[pos:], " · ")
    if head.strip():  # something the display grammar does not know: keep it visible in the type
        text.append(inline_text(head.strip()))
    annotations: list[str] = []
    annotation_links: list[str] = []
    for part in parts:
        annotation_links += [m.group(2) for m in _LINK.finditer(part)]
        annotations.append(inline_text(_LINK.sub(r"\1", part.strip()), keep_ticks=False))
    return "".join(text), tuple(links), tuple(annotations), tuple(annotation_links)


def parse_curl(code: str) -> CurlFact:
    argv = shlex.split(code.replace("\\\n", " "))
    headers: list[str] = []
    url, method, body = "", "GET", None
    i = 1
    while i < len(argv):
        arg = argv[i]
        if arg in ("-X", "--request"):
            method, i = argv[i + 1], i + 2
        elif arg in ("-H", "--header"):
            headers.append(argv[i + 1])
            i += 2
        elif arg in ("-d", "--data", "--data-raw"):
            body, i = json.loads(argv[i + 1]), i + 2
        else:
            url, i = arg, i + 1
    quote = re.search(r"-H ([\"'])Authorization", code)
    return CurlFact(url, method, tuple(headers), body, quote.group(1) if quote else "", code)


_FIELD_ARG = re.compile(r"--field (?:'[^']*'|[^\s']+)(?:'(?:[^']|'\\'')*')?")


def written_form(line: str) -> str:
    """A CLI line with each `--field` argument reduced to how it is quoted (`k='v'`, `'k=v'`, k=v)."""

    def form(match: re.Match[str]) -> str:
        arg = match.group(0).removeprefix("--field ")
        return "--field " + ("'k=v'" if arg.startswith("'") else "k='v'" if arg.endswith("'") else "k=v")

    return _FIELD_ARG.sub(form, line)


def parse_commands(code: str) -> tuple[list[tuple[str, ...]], list[str]]:
    joined = code.replace("\\\n", " ")
    raw = [line.strip() for line in joined.split("\n") if line.strip()]
    return [tuple(shlex.split(line)) for line in raw], raw


class _Reader:
    def __init__(self, page: Page) -> None:
        self.page = page
        self.section = ""
        self.where = TOP_LEVEL  # whose fields come next
        self.current: Any = None  # the variant, nested type, enum, method or CLI example being read
        self.last_field: FieldFact | None = None

    def unparsed(self, block: Block) -> None:
        self.page.unparsed.append(f"[{self.section or 'head'}] {block.kind}: {' / '.join(block.lines)[:120]}")

    def read(self, block: Block) -> None:
        if block.kind == "heading" and block.level <= 2:
            if block.level == 1:
                self.page.title = inline_text(block.lines[0])
            else:
                self.section = inline_text(block.lines[0])
                self.page.sections.append(self.section)
                self.where, self.current = TOP_LEVEL, None
            return
        handler = {
            "": self.head,
            "Fields": self.fields,
            "Nested types": self.nested,
            "Enums": self.enums,
            "JMAP API": self.jmap,
            "CLI": self.cli,
        }.get(self.section, self.other)
        if not handler(block):
            self.unparsed(block)

    def paragraph(self, block: Block) -> str:
        return inline_text("\n".join(line.strip() for line in block.lines))

    def head(self, block: Block) -> bool:
        if block.kind == "notice":
            self.page.notices.append((block.info, inline_text("\n".join(block.lines))))
        elif block.kind == "paragraph" and (crumb := _BREADCRUMB.match("\n".join(block.lines))):
            self.page.webui_link = crumb.group(1)
            self.page.breadcrumb = breadcrumb_trails(crumb.group(2))
        elif block.kind == "paragraph":
            self.page.description.append(self.paragraph(block))
        else:
            return False
        return True

    def field_block(self, block: Block) -> bool:
        """`##### \\`name\\`` starts a field; the block quote after it holds its type and description."""
        if block.kind == "heading" and block.level == 5 and (name := _FIELD_HEADING.match(block.lines[0])):
            self.last_field = FieldFact(self.where, name.group(1), "", (), (), (), "")
            self.page.fields.append(self.last_field)
            return True
        if block.kind == "quote" and self.last_field is not None and block.lines[0].startswith("Type:"):
            f = self.last_field
            f.type, f.type_links, f.annotations, f.annotation_links = parse_type_line(block.lines[0])
            f.description_md = "\n".join(block.lines[1:]).strip()
            f.description = inline_text(f.description_md)
            self.last_field = None
            return True
        return False

    def fields(self, block: Block) -> bool:
        if self.field_block(block):
            return True
        if block.kind == "heading" and block.level == 3 and (variant := _VARIANT_HEADING.match(block.lines[0])):
            self.current = VariantFact(variant.group(1), "")
            self.page.variants.append(self.current)
            self.where = f'@type "{variant.group(1)}"'
        elif block.kind == "paragraph" and self.current is None and _MULTI.match(" ".join(block.lines)):
            self.page.multi_variant = self.paragraph(block)
        elif block.kind == "paragraph" and isinstance(self.current, VariantFact):
            label = self.paragraph(block)
            self.current.label = f"{self.current.label}\n\n{label}" if self.current.label else label
        else:
            return False
        return True

    def anchored(self, block: Block) -> tuple[str, str] | None:
        if block.kind == "heading" and (match := _ANCHORED.match(block.lines[0])):
            return inline_text(match.group(1)), match.group(2)
        return None

    def nested(self, block: Block) -> bool:
        if self.field_block(block):
            return True
        if heading := self.anchored(block):
            self.current = NestedTypeFact(heading[0], heading[1], block.level)
            self.page.nested.append(self.current)
            self.where = heading[0]
        elif block.kind == "paragraph" and isinstance(self.current, NestedTypeFact):
            text = self.paragraph(block)
            self.current.description = f"{self.current.description}\n\n{text}".strip("\n")
        elif block.kind == "list" and isinstance(self.current, NestedTypeFact):
            for item in block.lines:
                match = _NESTED_VARIANT.match(item)
                if match is None:
                    return False
                self.current.variants.append(
                    NestedVariantFact(
                        match.group("name"),
                        inline_text(match.group("label")),
                        match.group("carries"),
                        match.group("link"),
                    )
                )
        else:
            return False
        return True

    def enums(self, block: Block) -> bool:
        if heading := self.anchored(block):
            self.current = EnumFact(heading[0], heading[1], block.level)
            self.page.enums.append(self.current)
        elif block.kind == "paragraph" and isinstance(self.current, EnumFact):
            self.current.description = f"{self.current.description}\n\n{self.paragraph(block)}".strip("\n")
        elif block.kind == "table" and isinstance(self.current, EnumFact):
            rows = [table_cells(line) for line in block.lines]
            self.current.columns = tuple(cell_text(c) for c in rows[0])
            for cells in rows[2:]:  # rows[1] is the |---|---| delimiter
                self.current.rows.append((code_text(cells[0]), *(cell_text(c) for c in cells[1:])))
        else:
            return False
        return True

    def jmap(self, block: Block) -> bool:
        if block.kind == "heading" and block.level == 3 and (name := _FIELD_HEADING.match(block.lines[0])):
            self.current = MethodFact(name.group(1), "")
            self.page.methods.append(self.current)
        elif block.kind == "heading" and block.level == 4 and isinstance(self.current, MethodFact):
            self.current = MethodFact(self.current.method, inline_text(block.lines[0]))
            self.page.methods.append(self.current)
        elif block.kind == "paragraph" and self.current is None:
            self.page.jmap_intro.append(self.paragraph(block))
        elif self.current is None:
            return False
        elif block.kind == "paragraph" and (perm := _PERMISSION.match("\n".join(block.lines))):
            self.current.permission_scope = perm.group(1)
            self.current.permissions = tuple(re.findall(r"`([^`]+)`", perm.group(2)))
            self.current.permission_links += (perm.group(3),)
        elif block.kind == "paragraph":
            self.current.notes.append(self.paragraph(block))
        elif block.kind == "code" and block.lines and block.lines[0].startswith("curl "):
            self.current.curls.append(parse_curl("\n".join(block.lines)))
        elif block.kind == "table":
            rows = [table_cells(line) for line in block.lines]
            self.current.tables.append(tuple(tuple(cell_text(c) for c in row) for row in rows[:1] + rows[2:]))
        else:
            return False
        return True

    def cli(self, block: Block) -> bool:
        if block.kind == "heading" and block.level == 3:
            self.current = CliFact(inline_text(block.lines[0]))
            self.page.cli.append(self.current)
        elif block.kind == "paragraph" and self.current is None:
            self.page.cli_intro.append(self.paragraph(block))
        elif block.kind == "code" and isinstance(self.current, CliFact):
            commands, raw = parse_commands("\n".join(block.lines))
            self.current.commands += commands
            self.current.raw += raw
        else:
            return False
        return True

    def other(self, block: Block) -> bool:
        if block.kind in ("paragraph", "list", "notice"):
            items = [self.paragraph(block)] if block.kind != "list" else [inline_text(i) for i in block.lines]
            self.page.other.setdefault(self.section, []).extend(items)
            return True
        return False


def parse_page(text: str) -> Page:
    front, body = split_front_matter(text)
    page = Page(front=front)
    reader = _Reader(page)
    for block in blocks(body):
        reader.read(block)
    return page


# -- facts -----------------------------------------------------------------------------------------


def facts(page: Page) -> dict[str, Any]:
    """Every fact of the page as `key → value`; keys name where the fact lives on the page. Field
    descriptions are Markdown as written and CLI commands their text (continuations joined), so a
    difference of escaping or quoting is a difference."""
    out: dict[str, Any] = {f"front matter {k}": v for k, v in sorted(page.front.items())}
    out["title"] = page.title
    out["description"] = tuple(page.description)
    out["notices"] = tuple(page.notices)
    out["webui link"] = page.webui_link
    out["breadcrumb"] = page.breadcrumb
    out["sections"] = tuple(page.sections)
    out["multi-variant sentence"] = page.multi_variant
    out["variants"] = tuple(v.name for v in page.variants)
    for v in page.variants:
        out[f'variant "{v.name}" label'] = v.label
    places = list(dict.fromkeys(f.where for f in page.fields))
    for where in places:
        out[f"fields of {where}"] = tuple(f.name for f in page.fields_of(where))
    for f in page.fields:
        key = f"field {f.where} / {f.name}"
        out[f"{key} / type"] = f.type
        out[f"{key} / type links"] = f.type_links
        out[f"{key} / annotations"] = f.annotations
        out[f"{key} / annotation links"] = f.annotation_links
        out[f"{key} / description"] = f.description_md  # Markdown as written
    out["nested types"] = tuple(n.name for n in page.nested)
    for n in page.nested:
        out[f"nested {n.name} / heading"] = (n.level, n.anchor)
        out[f"nested {n.name} / description"] = n.description
        out[f"nested {n.name} / variants"] = tuple((v.name, v.label, v.carries, v.carries_link) for v in n.variants)
    out["enums"] = tuple(e.name for e in page.enums)
    for e in page.enums:
        out[f"enum {e.name} / heading"] = (e.level, e.anchor)
        out[f"enum {e.name} / description"] = e.description
        out[f"enum {e.name} / columns"] = e.columns
        out[f"enum {e.name} / rows"] = tuple(e.rows)
    out["jmap intro"] = tuple(page.jmap_intro)
    out["jmap methods"] = tuple(m.key for m in page.methods)
    for m in page.methods:
        key = f"jmap {m.key}"
        out[f"{key} / permission"] = (m.permission_scope, m.permissions, m.permission_links)
        out[f"{key} / notes"] = tuple(m.notes)
        out[f"{key} / tables"] = tuple(m.tables)
        out[f"{key} / curl count"] = len(m.curls)
        for i, c in enumerate(m.curls):
            out[f"{key} / curl {i} / request"] = (c.http_method, c.url)
            out[f"{key} / curl {i} / headers"] = c.headers
            out[f"{key} / curl {i} / body"] = c.body
    out["cli intro"] = tuple(page.cli_intro)
    out["cli examples"] = tuple(c.title for c in page.cli)
    for c in page.cli:
        out[f"cli {c.title} / commands"] = tuple(c.raw)  # as written: quoting is part of the example
    for section, items in page.other.items():
        out[f"section {section}"] = tuple(items)
    out["unparsed blocks"] = tuple(page.unparsed)
    return out


_MISSING = "<absent>"


@dataclass
class Comparison:
    total: int
    matched: int
    misses: list[tuple[str, Any, Any]]  # (key, expected, got)

    @property
    def rate(self) -> float:
        return self.matched / self.total if self.total else 1.0

    def report(self, title: str) -> str:
        lines = [f"{title}: {self.matched}/{self.total} facts match ({self.rate:.1%})"]
        for key, want, got in self.misses:
            lines += [f"  MISS {key}", f"    real: {want!r}", f"    ours: {got!r}"]
        return "\n".join(lines)


def compare(expected: dict[str, Any], got: dict[str, Any]) -> Comparison:
    keys = list(expected) + [k for k in got if k not in expected]
    misses = [
        (k, expected.get(k, _MISSING), got.get(k, _MISSING))
        for k in keys
        if expected.get(k, _MISSING) != got.get(k, _MISSING)
    ]
    return Comparison(len(keys), len(keys) - len(misses), misses)
