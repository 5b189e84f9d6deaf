"""What an admin UI reads besides JMAP: `GET /api/account` (the caller's permissions, the
product's edition and locale), `GET /api/schema` (the published schema, published.py), `GET /logo`
(404 without a body: no logo of our own, the UI shows its default) and the UI itself under
`/admin/` (static.py, when WEBUI_DIR is set)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .auth import CHALLENGE
from .httpio import Receive, Scope, Send, redirect, send_bytes, send_json, send_problem
from .permissions import all_permissions
from .published import CACHE, PATH
from .static import PREFIX

if TYPE_CHECKING:
    from .app import JmapApp

ACCOUNT = "/api/account"
LOGO = "/logo"
LOCALE = "en"


def handles(path: str) -> bool:
    return path in (ACCOUNT, LOGO, PATH, PREFIX) or path.startswith((PATH + "/", PREFIX + "/"))


async def handle(app: JmapApp, scope: Scope, receive: Receive, send: Send, headers: dict[bytes, bytes]) -> None:
    path, method = scope["path"], scope["method"]
    if method not in ("GET", "HEAD"):
        await send_problem(send, 405, f"use GET on {path}", [(b"allow", b"GET, HEAD")])
        return
    head = method == "HEAD"
    if path == LOGO:
        await send_bytes(send, 404, b"", None, [(b"cache-control", b"no-cache")], head)
        return
    if path == PREFIX or path.startswith(PREFIX + "/"):
        await _static(app, path, send, head)
        return
    principal = app.authenticate(headers)
    if principal is None:
        await send_problem(send, 401, "missing or invalid credentials", [(b"www-authenticate", CHALLENGE.encode())])
        return
    if path == ACCOUNT:
        permissions = all_permissions(app) if principal.permissions is None else sorted(principal.permissions)
        body: dict[str, Any] = {"permissions": permissions, "locale": LOCALE}
        if app.registry.project.edition:
            body["edition"] = app.registry.project.edition
        await send_json(send, 200, body, [(b"cache-control", b"no-store")])
        return
    await _schema(app, path, headers, send, head)


async def _schema(app: JmapApp, path: str, headers: dict[bytes, bytes], send: Send, head: bool) -> None:
    published = app.published_schema()
    if published is None:
        await send_problem(send, 404, "this server's package carries no published schema")
        return
    if path != published.path:  # the bare path, or an address of an older schema: the current one
        await redirect(send, published.path, 302, [(b"cache-control", b"no-store")])
        return
    vary = [
        (b"vary", b"accept-encoding, authorization"),
        (b"cache-control", CACHE),
        (b"etag", f'"{published.digest}"'.encode()),
    ]
    if headers.get(b"if-none-match", b"").strip(b'" ') == published.digest.encode():
        await send_bytes(send, 304, b"", None, vary, head)
        return
    if _accepts_gzip(headers.get(b"accept-encoding", b"")):
        extra = [(b"content-encoding", b"gzip"), *vary]
        await send_bytes(send, 200, published.compressed, b"application/json; charset=utf-8", extra, head)
    else:
        await send_bytes(send, 200, published.plain, b"application/json; charset=utf-8", vary, head)


def _accepts_gzip(header: bytes) -> bool:
    for item in header.decode("latin-1").lower().split(","):
        coding, _, params = item.strip().partition(";")
        if coding.strip() in ("gzip", "*"):
            q = params.strip()
            return not (q.startswith("q=") and q[2:].strip() in ("0", "0.0", "0.00", "0.000"))
    return False


async def _static(app: JmapApp, path: str, send: Send, head: bool) -> None:
    if app.site is None:
        await send_problem(send, 404, "no admin UI is served here (set WEBUI_DIR to a built WebUI)")
        return
    if path == PREFIX:
        await redirect(send, PREFIX + "/", 301)
        return
    status, body, kind, extra = app.site.lookup(path)
    await send_bytes(send, status, body, kind, extra, head)
