"""Compact JSON out, strict I-JSON (RFC 7493) in, with the encoder built once.

In (`from_bytes`): UTF-8 text whose strings hold no lone surrogate (a `"\\ud800"` escape), whose
objects never repeat a member name, and whose numbers are finite IEEE 754 doubles (no NaN/Infinity
literals, no `1e400`, no integer beyond ±1.8e308); anything else is `NotIJson`. Nesting deeper than
the caller's limit is `TooDeep`. So nothing that cannot be stored or sent again ever gets in.

Out: `to_text` refuses what is not I-JSON (ValueError: a non-finite number or a lone surrogate), so
the store never writes it. `to_bytes`, which answers requests, cannot fail: if a value is not I-JSON
(data stored before these checks), it is sent with U+FFFD for each lone surrogate and null for each
non-finite number, and a warning is logged, rather than answering a committed write with an error.

`json.dumps` builds a new C encoder on every call; on a small response that is a third of the
encoding time, so the C encoder is made once here (stdlib's own fallback when it is missing).

A response may carry `Raw` JSON text, put in as it is: a stored document is already this module's
compact I-JSON, so a get sends it without parsing and encoding it again. The encoder writes a
placeholder for each (a string holding a token drawn at random per process, which no client can
know or send), and one pass swaps the placeholders for the texts.
"""

from __future__ import annotations

import json
import math
import re
import secrets
import sys
import threading
from collections.abc import Callable
from typing import Any

_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False)
_make = getattr(json.encoder, "c_make_encoder", None)
_chunks: Callable[[Any, int], list[str]] | None = (
    _make(None, _ENCODER.default, json.encoder.encode_basestring, None, ":", ",", False, False, False)
    if _make
    else None
)

_LONE_SURROGATE = re.compile("[\ud800-\udfff]")  # a paired escape decodes to one code point, never to these
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")  # the only way a lone surrogate gets into parsed JSON
_MAX_INT_DIGITS = len(str(int(sys.float_info.max)))  # 309


class NotIJson(ValueError):
    """The body is not I-JSON text (RFC 7493): answered with notJSON."""


class TooDeep(ValueError):
    """The body nests arrays and objects deeper than the limit (answered with a `limit` error)."""


def to_text(value: Any) -> str:
    """Compact JSON, UTF-8 characters kept as they are (no circular-reference check: the data are trees).
    Raises ValueError for a non-finite number; a lone surrogate passes here and fails when encoded."""
    return "".join(_chunks(value, 0)) if _chunks is not None else _ENCODER.encode(value)


# What no `to_text` output holds but text stored by an older server might (issue 7 found both): a
# non-finite number, a lone surrogate's escape: the two things `to_bytes` repairs. `sendable` looks
# with substring tests (a regex over every document sent cost a get of 100 objects a fifth of its
# time); a match, even inside a string, only sends the text the slow way: parsed and repaired.


def sendable(text: str) -> bool:
    """Whether stored JSON text can go into a response as it is (as `Raw`)."""
    if "Infinity" in text or "NaN" in text:
        return False
    return "\\u" not in text or _SURROGATE_ESCAPE.search(text) is None


class Raw:
    """JSON text that goes into a response as it is: `to_text` output (a stored document)."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def parsed(self) -> Any:
        return json.loads(self.text)


_TOKEN = "\ue000" + secrets.token_hex(16) + "#"  # in no stored or sent text: drawn at start, never sent
_PLACEHOLDER = re.compile('"' + re.escape(_TOKEN) + r'(\d+)"')
_raws = threading.local()  # the texts of the response being encoded on this thread


def _placeholder(value: Any) -> str:
    if type(value) is not Raw:
        raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")
    found: list[str] = _raws.texts
    found.append(value.text)
    return f"{_TOKEN}{len(found) - 1}"


_RESPONSE_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False, default=_placeholder)
_response_chunks: Callable[[Any, int], list[str]] | None = (
    _make(None, _placeholder, json.encoder.encode_basestring, None, ":", ",", False, False, False) if _make else None
)


def _response_text(value: Any) -> str:
    _raws.texts = []
    text = "".join(_response_chunks(value, 0)) if _response_chunks is not None else _RESPONSE_ENCODER.encode(value)
    found: list[str] = _raws.texts
    return _PLACEHOLDER.sub(lambda m: found[int(m[1])], text) if found else text


def to_bytes(value: Any) -> bytes:
    """UTF-8 I-JSON for a response (`Raw` texts put in as they are); never raises for data that
    came through `from_bytes` or the store."""
    try:
        return _response_text(value).encode("utf-8")
    except ValueError:  # UnicodeEncodeError is one too
        print("warning: a response held a lone surrogate or a non-finite number; sent as U+FFFD/null", file=sys.stderr)
        return _response_text(_repaired(value)).encode("utf-8")


def _repaired(value: Any) -> Any:
    if type(value) is Raw:
        return _repaired(value.parsed())
    if isinstance(value, str):
        return _LONE_SURROGATE.sub("\ufffd", value)
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {_repaired(k): _repaired(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_repaired(v) for v in value]
    return value


# -- parsing ---------------------------------------------------------------------------------------


def _no_constants(name: str) -> Any:
    raise NotIJson(f"{name} is not a JSON number")


def _finite_float(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise NotIJson(f"the number {_short(text)} is beyond the range of an IEEE 754 double")
    return value


def _finite_int(text: str) -> int:
    digits = len(text) - text.startswith("-")
    # JSON has no leading zeros, so more digits than the largest double always means larger;
    # checked before int() also keeps clear of Python's integer-string length limit
    if digits > _MAX_INT_DIGITS or (digits == _MAX_INT_DIGITS and abs(int(text)) > sys.float_info.max):
        raise NotIJson(f"the number {_short(text)} is beyond the range of an IEEE 754 double")
    return int(text)


def _unique_members(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):
        seen: set[str] = set()
        name = next(k for k, _ in pairs if k in seen or seen.add(k))  # type: ignore[func-returns-value]
        raise NotIJson(f"the member name {_short(name)!r} appears twice in one object (I-JSON: names are unique)")
    return out


def _short(text: str) -> str:
    return text if len(text) <= 24 else f"{text[:20]}...({len(text)} characters)"


_DECODER = json.JSONDecoder(  # one instance: json.loads(**kw) builds one per call
    parse_constant=_no_constants,
    parse_float=_finite_float,
    parse_int=_finite_int,
    object_pairs_hook=_unique_members,
)


def from_bytes(body: bytes, max_depth: int) -> Any:
    """The parsed body; NotIJson (a ValueError) when it is not I-JSON, TooDeep when it nests arrays
    and objects more than `max_depth` levels (the top-level value is level 1)."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise NotIJson(f"not UTF-8 text (byte {exc.start})") from None
    try:
        data = _DECODER.decode(text)
    except RecursionError:
        raise TooDeep(f"nests arrays and objects more than {max_depth} levels deep") from None
    except json.JSONDecodeError as exc:
        raise NotIJson(str(exc)) from None
    # the walks below run only when a cheap scan of the text says they might find something
    # (nesting deeper than max_depth takes more than 2 * max_depth brackets)
    if len(text) > 2 * max_depth and text.count("{") + text.count("[") > max_depth:
        _check_depth(data, max_depth)
    if _SURROGATE_ESCAPE.search(text):
        _check_strings(data)
    return data


def _check_depth(data: Any, max_depth: int) -> None:
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > max_depth:
            raise TooDeep(f"nests arrays and objects more than {max_depth} levels deep")
        children = value.values() if type(value) is dict else value if type(value) is list else ()
        stack.extend((child, depth + 1) for child in children if type(child) in (dict, list))


def _check_strings(data: Any) -> None:
    stack = [data]
    while stack:
        value = stack.pop()
        if type(value) is str:
            if _LONE_SURROGATE.search(value):
                raise NotIJson(f"the string {_short(ascii(value))} holds a lone UTF-16 surrogate (not Unicode text)")
        elif type(value) is dict:
            stack.extend(value)
            stack.extend(value.values())
        elif type(value) is list:
            stack.extend(value)
