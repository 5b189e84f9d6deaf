"""Hypothesis strategies for JSON values at the limits, which the descriptor-driven payloads mix
into valid ones: numbers at and beyond every bound and 64 bits, non-finite and overflowing
literals, strings with control, non-ASCII and lone surrogate characters, human forms with
non-ASCII digits, wrong JSON types, deep nesting; and the JSON text a client sends."""

from __future__ import annotations

import json
import re
from typing import Any

from hypothesis import strategies as st

from . import known

INT64 = 2**63
RAW = "\x00raw:"  # a string that `dumps` replaces by the raw JSON text after it (numbers Python cannot hold)
_RAW_MARKED = re.compile(r'"\\u0000raw:([^"]*)"')

SAMPLE_STRINGS = {
    "emailAddress": ["user@example.com", "a.b+c@sub.example.org", "@", "user@", "ÜSER@exämple.com"],
    "ipAddress": ["192.0.2.1", "::1", "2001:db8::1", "256.1.1.1", "1.2.3"],
    "ipNetwork": ["192.0.2.0/24", "2001:db8::/32", "10.0.0.0/33", "1.2.3.4/"],
    "socketAddress": ["0.0.0.0:25", "[::1]:443", "1.2.3.4:99999", "1.2.3.4:", "host"],
    "uri": ["https://example.com", "http://[::1]:80/x?y#z", "mailto:a@b", "not a uri", ""],
    "color": ["#336699", "#FFF", "336699", "#GGGGGG"],
    "html": ["<p>Example</p>", "<script>x</script>", "<"],
}
TEXT_AT_LIMITS = [
    "",
    " ",
    " padded ",
    "UPPER",
    "\x00",
    "tab\there",
    "line\nbreak",
    "\u2028\u2029",
    "\u202eRTL",
    "e\u0301",
    "💥",
    "\uffff",
    "\U0010ffff",
    "****",
    "#creation",
    "../../etc/passwd",
    "' OR 1=1 --",
    "x" * 10_000,
]
SURROGATES = ["\ud800", "\udfff", "a\ud83d", "\ud83d\ude00\udc00"]
ISSUE_5_DIGITS = ["²", "١٢٣", "٣s", "²mb", "1.2.3.4:²", "²/²"]
NON_ASCII_DIGITS = [] if known.is_open(5) else ISSUE_5_DIGITS  # what the general runs use


def dumps(value: Any) -> bytes:
    """JSON as a client sends it (lone surrogates escaped, so the text stays UTF-8), with `RAW`
    markers replaced by the raw number text they carry (`1e400`)."""
    return _RAW_MARKED.sub(r"\1", json.dumps(value)).encode()


def raw(number_text: str) -> str:
    return RAW + number_text


def texts() -> st.SearchStrategy[str]:
    """Any text: printable, at the limits, and (unless issue 7 item 2 is open) lone surrogates."""
    limits = TEXT_AT_LIMITS + NON_ASCII_DIGITS + SURROGATES * (not known.is_open(2))
    return st.one_of(st.text(max_size=12), st.sampled_from(limits))


def numbers_at_limits(lo: int | float | None = None, hi: int | float | None = None) -> st.SearchStrategy[Any]:
    """Integers and floats at and beyond the field's bounds, 0, 32/53/64-bit edges, non-finite
    and overflowing literals (unless issue 7 item 4 is open), and numbers as strings."""
    edges: list[Any] = [0, 1, -1, 2**31, 2**53 + 1, INT64 - 1, INT64, 2**64, -INT64, -INT64 - 1, 10**30]
    for bound in (lo, hi):
        if bound is not None:
            edges += [bound, bound - 1, bound + 1]
    edges += [1.5, -0.0, 1e308, -1e308, 5e-324]
    if not known.is_open(4):
        edges += [raw("1e400"), raw("-1e400"), raw("1" + "0" * 401)]
    strings = ["1e3", "10mb", "-5s", "30s", "0ms", "1.5kb", " 7 ", *NON_ASCII_DIGITS]
    if not known.is_open(5):
        strings.append("9" * 4299 + "tb")
    return st.one_of(st.sampled_from(edges), st.integers(), st.floats(allow_nan=False), st.sampled_from(strings))


def nested(depth: int) -> Any:
    """A value nested `depth` arrays deep."""
    value: Any = []
    for _ in range(depth):
        value = [value]
    return value


def any_json(max_leaves: int = 6) -> st.SearchStrategy[Any]:
    scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), texts())
    return st.recursive(
        scalars,
        lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(texts(), inner, max_size=3)),
        max_leaves=max_leaves,
    )


def wrong_types() -> st.SearchStrategy[Any]:
    deep = [] if known.is_open(5) else [nested(300), {"a": nested(260)}]
    return st.one_of(any_json(4), st.sampled_from([None, True, [], {}, [[]], {"": None}, *deep]))
