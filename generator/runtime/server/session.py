"""The session resource (RFC 8620 §2), with absolute URLs built from the request's own host."""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING, Any

from .auth import Principal
from .protocol import CORE

if TYPE_CHECKING:
    from .app import JmapApp


def base_url(scope: dict[str, Any], headers: dict[bytes, bytes]) -> str:
    host = headers.get(b"host", b"").decode("latin-1")
    if not host:
        server = scope.get("server") or ("127.0.0.1", 80)
        host = f"{server[0]}:{server[1]}"
    return f"{scope.get('scheme', 'http')}://{host}"


def capabilities(app: JmapApp) -> dict[str, Any]:
    return {CORE: app.limits.capability(), app.registry.project.capability: {}}


def session_resource(
    app: JmapApp, principal: Principal, scope: dict[str, Any], headers: dict[bytes, bytes]
) -> dict[str, Any]:
    base = base_url(scope, headers)
    account = principal.account_id
    project = app.registry.project
    body: dict[str, Any] = {
        "capabilities": capabilities(app),
        "accounts": {
            account: {
                "name": principal.name,
                "isPersonal": False,
                "isReadOnly": False,
                "accountCapabilities": {project.capability: {}},
            }
        },
        "primaryAccounts": {CORE: account, project.capability: account},
        "username": principal.name,
        "apiUrl": f"{base}/jmap/",
        "downloadUrl": f"{base}/jmap/download/{{accountId}}/{{blobId}}/{{name}}?accept={{type}}",
        "uploadUrl": f"{base}/jmap/upload/{{accountId}}/",
        "eventSourceUrl": f"{base}/jmap/eventsource/?types={{types}}&closeafter={{closeafter}}&ping={{ping}}",
    }
    body["state"] = session_state(app, principal)
    return body


def session_state(app: JmapApp, principal: Principal) -> str:
    """Also each API response's `sessionState`: a hash of what the session holds apart from the
    URLs (which follow the Host header), so it changes only when the capabilities or account do."""
    key = ("sessionState", principal.name)
    cached = app.registry.cache.get(key)
    if cached is None:
        body = {"capabilities": capabilities(app), "account": principal.account_id, "username": principal.name}
        cached = app.registry.cache[key] = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()[:16]
    return cached  # type: ignore[no-any-return]
