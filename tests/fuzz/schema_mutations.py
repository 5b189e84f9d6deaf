"""Mutations of real schema files, as a careless editor or a hostile file makes them: lines
deleted or duplicated (duplicate keys), keys renamed (to Python keywords too), values retyped,
indentation broken, the file truncated, bytes that are not UTF-8, control characters, nesting ten
thousand deep, self-referencing aliases and an alias bomb (issue 7 item 9 for the last five)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from hypothesis import strategies as st

from . import known

VALUES = [
    "[]",
    "{}",
    "123",
    "-1",
    "null",
    "true",
    "'x'",
    "~",
    "[a, b]",
    "{a: 1}",
    ".nan",
    "0x10",
    "1e400",
    "2001-01-01",
]
KEYS = ["None", "True", "False", "class", "''", "'a b'", "ÿ", "x" * 300, "1abc", "type", "__init__", "<<"]
NAME_VALUES = ["None", "True", "False", "class", "1abc", "a-b", "Ünïcode"]
TEXTS = [  # descriptions and labels are data: each output must escape them, never run or break on them
    '"""',
    'say "hi"',
    'a backslash, then a quote: \\"',
    "'''",
    "{{ 7 * 7 }}",
    "{% raw %}",
    "</script><script>alert(1)</script>",
    "`code` | pipe | cell",
    "back\\slash\\",
    "line one\nline two",
    "# heading",
    "---",
    "${HOME} $(id)",
    "tab\tend",
    "ünïcödé ✓ 🎉",
    "\\N{BULLET} \\x00",
    "<!-- comment",
    "x" * 5000,
    " ",
]
ALIAS_BOMB = "".join(
    [
        "a: &a [x, x, x, x, x, x, x, x, x]\n",
        *(f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 9)}]\n" for i in range(10)),
        "z: *k\n",
    ]
)


@dataclass(frozen=True)
class Mutation:
    name: str
    file: int  # index into the schema's files (modulo their number)
    where: int  # a line or byte position (modulo the file's size)
    choice: int  # which replacement (modulo the list's length)

    def apply(self, files: list[Path]) -> str:
        """Mutates one of `files` in place; what was done, for the report."""
        path = files[self.file % len(files)]
        raw = path.read_bytes()
        lines = raw.decode("utf-8", "replace").splitlines(keepends=True) or ["\n"]
        i = self.where % len(lines)
        out = MUTATORS[self.name](lines, i, self.choice, raw)
        path.write_bytes(out)
        return f"{self.name} at {path.name}:{i + 1} (choice {self.choice})"


def _text(lines: list[str]) -> bytes:
    return "".join(lines).encode()


def _retype(lines: list[str], i: int, choice: int, raw: bytes) -> bytes:
    key, sep, _ = lines[i].partition(":")
    if sep:
        lines[i] = f"{key}: {VALUES[choice % len(VALUES)]}\n"
    return _text(lines)


def _rename_key(lines: list[str], i: int, choice: int, raw: bytes) -> bytes:
    key, sep, rest = lines[i].partition(":")
    if sep:
        indent = key[: len(key) - len(key.lstrip())]
        lines[i] = f"{indent}{KEYS[choice % len(KEYS)]}:{rest}"
    return _text(lines)


def _rename_value(lines: list[str], i: int, choice: int, raw: bytes) -> bytes:
    """A name-like value (a type, an enum value, a target) becomes a keyword or a non-name."""
    key, sep, rest = lines[i].partition(":")
    if sep and rest.strip():
        lines[i] = f"{key}: {NAME_VALUES[choice % len(NAME_VALUES)]}\n"
    return _text(lines)


def _text_value(lines: list[str], i: int, choice: int, raw: bytes) -> bytes:
    """The block-style description or label nearest at or after line `i` becomes an awkward text."""
    for j in [*range(i, len(lines)), *range(i)]:
        key, sep, value = lines[j].partition(":")
        if sep and key.strip().removeprefix("- ") in ("description", "label") and value.strip():
            lines[j] = f"{key}: {json.dumps(TEXTS[choice % len(TEXTS)], ensure_ascii=False)}\n"
            return _text(lines)
    return _text(lines)


def _deep(lines: list[str], i: int, choice: int, raw: bytes) -> bytes:
    key, sep, _ = lines[i].partition(":")
    flow = "[" * 10_000 + "]" * 10_000 if choice % 2 else "{a: " * 10_000 + "1" + "}" * 10_000
    lines[i] = f"{key}: {flow}\n" if sep else flow + "\n"
    return _text(lines)


MUTATORS: dict[str, Callable[[list[str], int, int, bytes], bytes]] = {
    "delete a line": lambda lines, i, c, raw: _text(lines[:i] + lines[i + 1 :]),
    "duplicate a line": lambda lines, i, c, raw: _text(lines[: i + 1] + lines[i:]),
    "retype a value": _retype,
    "rename a key": _rename_key,
    "indent a line": lambda lines, i, c, raw: _text([*lines[:i], " " * (1 + c % 3) + lines[i], *lines[i + 1 :]]),
    "tab-indent a line": lambda lines, i, c, raw: _text([*lines[:i], "\t" + lines[i].lstrip(" "), *lines[i + 1 :]]),
    "truncate": lambda lines, i, c, raw: raw[: (i * 97 + c) % (len(raw) + 1)],
    "control character": lambda lines, i, c, raw: _text([*lines[:i], "\x00\x07\x1b" + lines[i], *lines[i + 1 :]]),
    "byte order mark": lambda lines, i, c, raw: b"\xef\xbb\xbf" + raw,
    "awkward description": _text_value,
    # issue 7 item 9
    "not UTF-8": lambda lines, i, c, raw: (
        raw[: i * 7 % (len(raw) + 1)] + b"\xff\xfe\x80" + raw[i * 7 % (len(raw) + 1) :]
    ),
    "keyword as a name": _rename_value,
    "nested 10,000 deep": _deep,
    "self-referencing alias": lambda lines, i, c, raw: raw + b"\nzz: &r [*r]\n",
    "alias bomb": lambda lines, i, c, raw: raw + b"\n" + ALIAS_BOMB.encode(),
}
ITEM_9 = ("not UTF-8", "keyword as a name", "nested 10,000 deep", "self-referencing alias", "alias bomb")


def mutations(kinds: tuple[str, ...] | None = None) -> st.SearchStrategy[list[Mutation]]:
    """One to three mutations; issue 7 item 9's kinds only when it is not open (or asked for)."""
    if kinds is None:
        kinds = tuple(k for k in MUTATORS if not (known.is_open(9) and k in ITEM_9))
    one = st.builds(
        Mutation, st.sampled_from(kinds), st.integers(0, 10_000), st.integers(0, 10_000), st.integers(0, 100)
    )
    return st.lists(one, min_size=1, max_size=3)


def mutations_of_each(kinds: tuple[str, ...]) -> st.SearchStrategy[list[Mutation]]:
    """One mutation of each kind, the i-th in the i-th file (so that none hides another)."""
    places = st.tuples(st.integers(0, 10_000), st.integers(0, 100))
    return st.lists(places, min_size=len(kinds), max_size=len(kinds)).map(
        lambda drawn: [
            Mutation(kind, i, where, choice) for i, (kind, (where, choice)) in enumerate(zip(kinds, drawn, strict=True))
        ]
    )
