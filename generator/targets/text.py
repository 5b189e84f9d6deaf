"""Escaping for text that is data (descriptions, labels): it must come out inert in every output."""

from __future__ import annotations

import json
import re

_MD_SPECIAL = re.compile(r"([\\`*_\[\]{}<>|#~])")  # ~: GFM strikethrough
_HTML = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
# What makes a line a list item, ordered item, setext underline, thematic break, ~~~ fence or
# ::: notice when it starts a line of a multi-line text; backslashing that character keeps it text.
_BLOCK_START = re.compile(r"^([ \t]*(?:[0-9]+(?=[.)]))?)([-+=~:.)])", re.M)
_PLAIN_YAML = re.compile(r"[A-Za-z0-9(][^\n:#'\"{}\[\]&*!|>%@`]*\Z")


def md_text(text: str) -> str:
    """Markdown/MDX-inert text: HTML is entity-escaped, Markdown and MDX punctuation backslashed."""
    out = []
    for ch in text.strip():
        if ch in _HTML:
            out.append(_HTML[ch])
        elif _MD_SPECIAL.match(ch):
            out.append("\\" + ch)
        else:
            out.append(ch)
    return _BLOCK_START.sub(r"\1\\\2", "".join(out))


_CODE_SPAN = re.compile(r"(`+)(?!`).*?(?<!`)\1(?!`)", re.S)
_PROSE_INERT = {"&": "&amp;", "<": "&lt;", ">": "&gt;", "{": "\\{", "}": "\\}"}


# A line that would end the section the description is printed in, or start a structure of the
# page's own: an ATX heading, a fence, a ::: notice, a table row, a setext underline or break.
_STRUCTURE_LINE = re.compile(r"^([ \t]*)(#|:::|```|~~~|\||=|([-*_])(?:[ \t]*\3){2,}[ \t]*$)", re.M)


def md_prose(text: str) -> str:
    """A description: Markdown as its author wrote it (emphasis, links, lists, `code spans`), with
    what is not the author's to write made inert: raw HTML and entities (`<`, `>`, `&`), MDX
    expressions (`{`, `}`) outside code spans, and lines that would break the page's structure
    (headings, fences, notices, table rows, setext underlines, thematic breaks). Code spans are
    copied as written: their content is literal."""
    return _STRUCTURE_LINE.sub(lambda m: m.group(1) + "\\" + m.group(2), _inline_prose(text.strip()))


def _inline_prose(text: str) -> str:
    out: list[str] = []
    pos = 0
    for span in _CODE_SPAN.finditer(text):
        out.append("".join(_PROSE_INERT.get(ch, ch) for ch in text[pos : span.start()]))
        out.append(span.group(0))
        pos = span.end()
    out.append("".join(_PROSE_INERT.get(ch, ch) for ch in text[pos:]))
    return "".join(out)


_ENTITY_OR_SEMICOLON = re.compile(r"(&[#A-Za-z0-9]+;)|;")


def md_crumb(text: str) -> str:
    """One part of a breadcrumb line: places are separated by ";", so a ";" of the label is escaped
    (the ones ending the entities `md_text` writes stay as they are)."""
    return _ENTITY_OR_SEMICOLON.sub(lambda m: m.group(1) or "\\;", md_text(text))


def md_table_text(text: str) -> str:
    """Text for a table cell: `md_text` already backslashes `|`; a line break would end the row."""
    return md_text(text).replace("\n", "<br />")


def md_code(text: str) -> str:
    """An inline code span that holds any text, backticks included (CommonMark: longer fences)."""
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def md_table_code(text: str) -> str:
    return md_code(text).replace("|", "\\|")


def yaml_scalar(text: str) -> str:
    """Front-matter values: plain when that is unambiguous, else a JSON string (valid YAML)."""
    if _PLAIN_YAML.match(text) and text == text.strip() and text.lower() not in {"null", "true", "false", "~"}:
        return text
    return json.dumps(text, ensure_ascii=False)
