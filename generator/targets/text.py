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
