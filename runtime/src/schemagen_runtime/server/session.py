"""The session resource (RFC 8620 §2). Its URLs start with the configured PUBLIC_URL, else with the
address the connection reached (the local socket's, never the client's `Host` header, which
anyone can set to any name they want the session to point at)."""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING, Any

from .auth import Principal
from .protocol import CORE

if TYPE_CHECKING:
    from .app import JmapApp


def base_url(app: JmapApp, scope: dict[str, Any]) -> str:
    if app.config.public_url:
        return app.config.public_url
    scheme = "https" if scope.get("scheme") == "https" else "http"  # a proxy header may set any text here
    server = scope.get("server")
    host, port = server if server and server[1] is not None else (app.config.host, app.config.port)
    return f"{scheme}://{f'[{host}]' if ':' in host else host}:{port}"


def capabilities(app: JmapApp) -> dict[str, Any]:
    """Core, the project's own, then the project's other accepted capabilities (no methods here)."""
    project = app.registry.project
    out = {CORE: app.limits.capability(), project.capability: app.limits.extension()}
    out.update((urn, {}) for urn in project.capabilities if urn not in out)
    return out


def session_resource(
    app: JmapApp, principal: Principal, scope: dict[str, Any], headers: dict[bytes, bytes]
) -> dict[str, Any]:
    """`headers` are not used: no header decides what the session's URLs say."""
    base = base_url(app, scope)
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
    URLs (which follow the address the client reached), so it changes only when the capabilities
    or account do."""
    key = ("sessionState", principal.name)
    cached = app.registry.cache.get(key)
    if cached is None:
        body = {"capabilities": capabilities(app), "account": principal.account_id, "username": principal.name}
        cached = app.registry.cache[key] = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()[:16]
    return cached
