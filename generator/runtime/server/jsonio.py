"""Compact JSON out, strict I-JSON in, with the encoder built once.

`json.dumps` builds a new C encoder on every call; on a small response that is a third of the
encoding time, so the C encoder is made once here (stdlib's own fallback when it is missing).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
_make = getattr(json.encoder, "c_make_encoder", None)
_chunks: Callable[[Any, int], list[str]] | None = (
    _make(None, _ENCODER.default, json.encoder.encode_basestring, None, ":", ",", False, False, True) if _make else None
)


def to_text(value: Any) -> str:
    """Compact JSON, UTF-8 characters kept as they are (no circular-reference check: the data are trees)."""
    return "".join(_chunks(value, 0)) if _chunks is not None else _ENCODER.encode(value)


def to_bytes(value: Any) -> bytes:
    return to_text(value).encode("utf-8")


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")  # I-JSON: no NaN or Infinity


_DECODER = json.JSONDecoder(parse_constant=_no_constants)  # one instance: json.loads(**kw) builds one per call


def from_bytes(body: bytes) -> Any:
    """Raises ValueError (or RecursionError for absurd nesting) when the body is not JSON."""
    return _DECODER.decode(body.decode("utf-8"))
