"""Small HTTP helpers for the non-JMAP routes (OAuth, account, schema, static files): reading a
bounded form body, answering JSON, HTML, redirects and bytes, and the request's client address."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qsl

from .jsonio import to_bytes

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
Headers = list[tuple[bytes, bytes]]

JSON = b"application/json; charset=utf-8"
HTML = b"text/html; charset=utf-8"
PROBLEM = b"application/problem+json"
FORM = b"application/x-www-form-urlencoded"
NO_STORE = [(b"cache-control", b"no-store"), (b"pragma", b"no-cache")]
FORM_LIMIT = 64 * 1024  # a login or token request is a few hundred bytes


class BadForm(Exception):
    """The body is not a form this server reads (wrong type, too large, not UTF-8, repeated keys)."""


async def send_bytes(
    send: Send, status: int, body: bytes, content_type: bytes | None, extra: Headers | None = None, head: bool = False
) -> None:
    headers: Headers = [(b"content-length", str(len(body)).encode())]
    if content_type is not None:
        headers.append((b"content-type", content_type))
    headers += extra or []
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": b"" if head else body})


async def send_json(send: Send, status: int, value: Any, extra: Headers | None = None) -> None:
    await send_bytes(send, status, to_bytes(value), JSON, extra)


async def send_problem(send: Send, status: int, detail: str, extra: Headers | None = None) -> None:
    body = to_bytes({"type": "about:blank", "status": status, "detail": detail})
    await send_bytes(send, status, body, PROBLEM, extra)


async def redirect(send: Send, location: str, status: int = 302, extra: Headers | None = None) -> None:
    await send_bytes(send, status, b"", None, [(b"location", location.encode()), *(extra or [])])


async def read_form(headers: dict[bytes, bytes], receive: Receive, timeout: float) -> dict[str, str]:
    """An `application/x-www-form-urlencoded` body as a dict; a key given twice is refused (RFC 6749
    §3.1: request parameters must not be included more than once)."""
    if headers.get(b"content-type", b"").split(b";")[0].strip().lower() != FORM:
        raise BadForm("the body must be application/x-www-form-urlencoded")
    chunks: list[bytes] = []
    size = 0
    async with asyncio.timeout(timeout):
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                raise BadForm("the client went away")
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > FORM_LIMIT:
                raise BadForm(f"the body is larger than {FORM_LIMIT} bytes")
            chunks.append(chunk)
            if not message.get("more_body"):
                break
    try:
        text = b"".join(chunks).decode("utf-8")
        pairs = parse_qsl(text, keep_blank_values=True, encoding="utf-8", errors="strict")  # %FF is no text
    except (UnicodeDecodeError, ValueError) as exc:
        raise BadForm(f"the body is not a UTF-8 form: {exc}") from None
    form: dict[str, str] = {}
    for key, value in pairs:
        if key in form:
            raise BadForm(f"the parameter {key!r} is given more than once")
        form[key] = value
    return form


def query_params(scope: Scope) -> dict[str, str]:
    """The query string's parameters; a repeated one keeps its first value and is reported by
    `repeated_params` where the protocol forbids it."""
    raw = scope.get("query_string", b"").decode("latin-1")
    out: dict[str, str] = {}
    for key, value in parse_qsl(raw, keep_blank_values=True):
        out.setdefault(key, value)
    return out


def repeated_params(scope: Scope) -> list[str]:
    raw = scope.get("query_string", b"").decode("latin-1")
    seen: set[str] = set()
    repeated = []
    for key, _ in parse_qsl(raw, keep_blank_values=True):
        if key in seen:
            repeated.append(key)
        seen.add(key)
    return repeated


def client_address(scope: Scope) -> str:
    client = scope.get("client")
    return str(client[0]) if client else "unknown"
