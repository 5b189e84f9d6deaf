"""The OAuth endpoints over HTTP: metadata (RFC 8414) and the per-account discovery document a
sign-in page asks first, the authorization endpoint with its login page, the token and revocation
endpoints, and the end-session endpoint (a redirect back to the server's own origin)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from .httpio import (
    HTML,
    NO_STORE,
    BadForm,
    Receive,
    Scope,
    Send,
    client_address,
    query_params,
    read_form,
    redirect,
    repeated_params,
    send_bytes,
    send_json,
    send_problem,
)
from .loginpage import HEADERS as LOGIN_HEADERS
from .loginpage import login_page, message_page
from .oauth import SCOPES, AuthorizationRequest, OAuthError, origin
from .session import base_url

if TYPE_CHECKING:
    from .app import JmapApp

AUTHORIZE = "/oauth/authorize"
TOKEN = "/oauth/token"
REVOKE = "/oauth/revoke"
LOGOUT = "/oauth/logout"
METADATA = "/.well-known/oauth-authorization-server"
DISCOVER = "/api/discover/"
PATHS = (AUTHORIZE, TOKEN, REVOKE, LOGOUT, METADATA)


def handles(path: str) -> bool:
    return path in PATHS or path.startswith(DISCOVER)


def metadata(app: JmapApp, scope: Scope) -> dict[str, object]:
    base = base_url(app, scope)
    return {
        "issuer": base,
        "authorization_endpoint": base + AUTHORIZE,
        "token_endpoint": base + TOKEN,
        "revocation_endpoint": base + REVOKE,
        "end_session_endpoint": base + LOGOUT,
        "response_types_supported": ["code"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": ["none"],
        "revocation_endpoint_auth_methods_supported": ["none"],
        "scopes_supported": list(SCOPES),
    }


async def handle(app: JmapApp, scope: Scope, receive: Receive, send: Send, headers: dict[bytes, bytes]) -> None:
    path, method = scope["path"], scope["method"]
    allowed = ("GET", "POST") if path == AUTHORIZE else ("POST",) if path in (TOKEN, REVOKE) else ("GET",)
    if method not in allowed:
        await send_problem(
            send, 405, f"use {' or '.join(allowed)} on {path}", [(b"allow", ", ".join(allowed).encode())]
        )
        return
    if path == METADATA or path.startswith(DISCOVER):  # the account is not looked up: no account probing
        await send_json(send, 200, metadata(app, scope))
    elif path == AUTHORIZE:
        await _authorize(app, scope, receive, send, headers)
    elif path == TOKEN:
        await _token(app, receive, send, headers)
    elif path == REVOKE:
        await _revoke(app, receive, send, headers)
    else:
        await _logout(app, scope, send)


def _origins(app: JmapApp, scope: Scope) -> tuple[str, ...]:
    return (origin(base_url(app, scope)),)


async def _authorize(app: JmapApp, scope: Scope, receive: Receive, send: Send, headers: dict[bytes, bytes]) -> None:
    title = app.registry.project.name
    if scope["method"] == "GET":
        params, repeated = query_params(scope), repeated_params(scope)
    else:
        try:
            params, repeated = await read_form(headers, receive, app.config.body_timeout), []
        except (BadForm, TimeoutError) as exc:
            await send_bytes(send, 400, message_page(title, "Bad sign-in request", str(exc)), HTML)
            return
    oauth = app.oauth
    try:
        oauth.client_redirect(params, _origins(app, scope))
    except OAuthError as error:  # never redirect to an unchecked URI: tell the user instead
        await send_bytes(send, 400, message_page(title, "Bad sign-in request", error.description), HTML)
        return
    try:
        if repeated:
            raise OAuthError("invalid_request", f"parameters given more than once: {', '.join(repeated)}")
        request = oauth.authorization_request(params, _origins(app, scope))
    except OAuthError as error:
        request = AuthorizationRequest(params["client_id"], params["redirect_uri"], params.get("state"), "", "", "")
        target = oauth.redirect_with(request, error=error.error, error_description=error.description)
        await redirect(send, target)
        return
    form = {k: v for k, v in params.items() if k not in ("username", "password")}
    if scope["method"] == "GET":
        page = login_page(title, base_url(app, scope) + AUTHORIZE, form, request.login_hint)
        await send_bytes(send, 200, page, None, LOGIN_HEADERS)
        return
    await _sign_in(app, scope, send, request, form, params)


async def _sign_in(
    app: JmapApp,
    scope: Scope,
    send: Send,
    request: AuthorizationRequest,
    form: dict[str, str],
    params: dict[str, str],
) -> None:
    title = app.registry.project.name
    action = base_url(app, scope) + AUTHORIZE  # the form posts back here (PUBLIC_URL may add a path)
    username, password = params.get("username", ""), params.get("password", "")
    keys = (f"account:{username}", f"address:{client_address(scope)}")
    wait = app.throttle.wait(*keys)
    if wait > 0:
        seconds = math.ceil(wait)
        page = login_page(title, action, form, username, f"Too many failed sign-ins: try again in {seconds} s.")
        await send_bytes(send, 429, page, None, [*LOGIN_HEADERS, (b"retry-after", str(seconds).encode())])
        return
    principal = app.accounts.verify(username, password) if username and password else None
    if principal is None:
        app.throttle.failed(*keys)
        page = login_page(title, action, form, username, "Wrong account name or password.")
        await send_bytes(send, 401, page, None, LOGIN_HEADERS)
        return
    app.throttle.succeeded(keys[0])
    code = app.oauth.issue_code(request, principal)
    await redirect(send, app.oauth.redirect_with(request, code=code), extra=[(b"cache-control", b"no-store")])


async def _token(app: JmapApp, receive: Receive, send: Send, headers: dict[bytes, bytes]) -> None:
    try:
        form = await read_form(headers, receive, app.config.body_timeout)
        await send_json(send, 200, app.oauth.token(form), NO_STORE)
    except (BadForm, TimeoutError) as exc:
        await send_json(send, 400, OAuthError("invalid_request", str(exc) or "timeout").body(), NO_STORE)
    except OAuthError as error:
        await send_json(send, error.status, error.body(), NO_STORE)


async def _revoke(app: JmapApp, receive: Receive, send: Send, headers: dict[bytes, bytes]) -> None:
    try:
        form = await read_form(headers, receive, app.config.body_timeout)
    except (BadForm, TimeoutError) as exc:
        await send_json(send, 400, OAuthError("invalid_request", str(exc) or "timeout").body(), NO_STORE)
        return
    if form.get("client_id", "") not in app.oauth.clients:
        await send_json(send, 401, OAuthError("invalid_client", "unknown client_id", 401).body(), NO_STORE)
        return
    if not form.get("token"):
        await send_json(send, 400, OAuthError("invalid_request", "token is required").body(), NO_STORE)
        return
    app.oauth.revoke(form["token"])
    await send_bytes(send, 200, b"", None, NO_STORE)


async def _logout(app: JmapApp, scope: Scope, send: Send) -> None:
    """Tokens live in the client; the server keeps no sign-in session to end. Back to where the
    client asked, if that is on this server's own origin (no open redirect)."""
    target = query_params(scope).get("post_logout_redirect_uri", "")
    if target and origin(target) in _origins(app, scope):
        await redirect(send, target)
        return
    page = message_page(app.registry.project.name, "Signed out", "You can close this page.")
    await send_bytes(send, 200, page, HTML)
