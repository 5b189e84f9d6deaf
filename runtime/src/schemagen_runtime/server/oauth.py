"""OAuth 2.0 authorization server: the authorization code grant with PKCE (RFC 6749 §4.1,
RFC 7636, S256 only) for public clients, refresh tokens with rotation, revocation (RFC 7009) and
metadata (RFC 8414).

Clients are the project's `oauthClients`: an id and its redirect URIs, where a path means that
path on the server's own origin (PUBLIC_URL, else the address the connection reached; without
PUBLIC_URL also the origin the browser named in `Host`, since the user's browser, not a third
party, sends the authorization request). Codes live `CODE_TTL` seconds, are single-use and bound
to the client, the redirect URI and the PKCE challenge; a replayed code, or a refresh token used
twice, revokes every token descended from the same sign-in. Tokens are random, stored only as
SHA-256 digests, and held in memory: a restart signs everyone out.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit

from .auth import Principal, _digest

CODE_TTL = 60.0  # seconds: the client exchanges the code right after the redirect
SCOPES = ("offline_access",)  # no identity scopes (no OpenID Connect): a client asking none gets full access
_PKCE = re.compile(r"[A-Za-z0-9\-._~]{43,128}")  # RFC 7636 §4.1 (verifier) and §4.2 (S256 challenge: 43)


class OAuthError(Exception):
    """An RFC 6749 §5.2 / §4.1.2.1 error: `error` code and a description for people."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.error, self.description, self.status = error, description, status

    def body(self) -> dict[str, str]:
        return {"error": self.error, "error_description": self.description}


@dataclass(frozen=True, slots=True)
class AuthorizationRequest:
    client_id: str
    redirect_uri: str
    state: str | None
    challenge: str
    scope: str
    login_hint: str


@dataclass(slots=True)
class _Code:
    request: AuthorizationRequest
    principal: Principal
    family: str
    expires: float
    used: bool = False


@dataclass(slots=True)
class _Token:
    principal: Principal
    client_id: str
    scope: str
    family: str
    expires: float
    used: bool = False  # a rotated refresh token


@dataclass
class TokenStore:
    access: dict[bytes, _Token] = field(default_factory=dict)
    refresh: dict[bytes, _Token] = field(default_factory=dict)
    codes: dict[bytes, _Code] = field(default_factory=dict)


def s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode("ascii")).digest()).rstrip(b"=").decode()


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


class OAuthServer:
    def __init__(self, clients: tuple[tuple[str, tuple[str, ...]], ...], access_ttl: float, refresh_ttl: float) -> None:
        self.clients = dict(clients)
        self.access_ttl, self.refresh_ttl = access_ttl, refresh_ttl
        self.tokens = TokenStore()

    # -- the authorization endpoint ----------------------------------------------------------------

    def client_redirect(self, params: dict[str, str], origins: tuple[str, ...]) -> tuple[str, str]:
        """(client id, redirect URI) when both are registered; else OAuthError, which the caller
        must show to the user rather than redirect to an unchecked URI (RFC 6749 §4.1.2.1)."""
        client_id, redirect_uri = params.get("client_id", ""), params.get("redirect_uri", "")
        if client_id not in self.clients:
            raise OAuthError("invalid_client", f"unknown client_id {client_id!r}", 401)
        if not redirect_uri or not self._registered(client_id, redirect_uri, origins):
            raise OAuthError("invalid_request", f"redirect_uri {redirect_uri!r} is not registered for {client_id}")
        return client_id, redirect_uri

    def _registered(self, client_id: str, uri: str, origins: tuple[str, ...]) -> bool:
        parts = urlsplit(uri)
        if parts.fragment or parts.username is not None:
            return False
        for registered in self.clients[client_id]:
            if registered.startswith("/"):
                if origin(uri) in origins and parts.path == registered and not parts.query:
                    return True
            elif uri == registered:
                return True
        return False

    def authorization_request(self, params: dict[str, str], origins: tuple[str, ...]) -> AuthorizationRequest:
        """Checks an authorization request; errors after the redirect URI is known are the ones the
        client gets back on its redirect URI."""
        client_id, redirect_uri = self.client_redirect(params, origins)
        if params.get("response_type") != "code":
            raise OAuthError("unsupported_response_type", "response_type must be 'code'")
        challenge = params.get("code_challenge", "")
        if not challenge:
            raise OAuthError("invalid_request", "code_challenge is required (PKCE, RFC 7636)")
        if params.get("code_challenge_method", "plain") != "S256":
            raise OAuthError("invalid_request", "code_challenge_method must be S256")
        if len(challenge) != 43 or not _PKCE.fullmatch(challenge):
            raise OAuthError("invalid_request", "code_challenge must be a base64url SHA-256 (43 characters)")
        scope = params.get("scope", "")
        unknown = [s for s in scope.split() if s not in SCOPES]
        if unknown:
            raise OAuthError("invalid_scope", f"unknown scope: {' '.join(unknown)}")
        return AuthorizationRequest(
            client_id, redirect_uri, params.get("state"), challenge, scope, params.get("login_hint", "")
        )

    def issue_code(self, request: AuthorizationRequest, principal: Principal) -> str:
        self._expire()
        code = secrets.token_urlsafe(32)
        family = secrets.token_hex(8)
        self.tokens.codes[_digest(code)] = _Code(request, principal, family, time.monotonic() + CODE_TTL)
        return code

    @staticmethod
    def redirect_with(request: AuthorizationRequest, **values: str) -> str:
        if request.state is not None:
            values["state"] = request.state
        separator = "&" if "?" in request.redirect_uri else "?"
        return request.redirect_uri + separator + urlencode(values)

    # -- the token endpoint ------------------------------------------------------------------------

    def token(self, form: dict[str, str]) -> dict[str, object]:
        grant = form.get("grant_type")
        client_id = form.get("client_id", "")
        if client_id not in self.clients:
            raise OAuthError("invalid_client", f"unknown client_id {client_id!r}", 401)
        if grant == "authorization_code":
            return self._exchange_code(form, client_id)
        if grant == "refresh_token":
            return self._refresh(form, client_id)
        if not grant:
            raise OAuthError("invalid_request", "grant_type is required")
        raise OAuthError("unsupported_grant_type", f"grant_type {grant!r} is not supported")

    def _exchange_code(self, form: dict[str, str], client_id: str) -> dict[str, object]:
        for name in ("code", "redirect_uri", "code_verifier"):
            if not form.get(name):
                raise OAuthError("invalid_request", f"{name} is required")
        self._expire()
        code = self.tokens.codes.get(_digest(form["code"]))
        if code is None:
            raise OAuthError("invalid_grant", "the authorization code is unknown or expired")
        if code.used:  # RFC 6749 §4.1.2: revoke what the first use issued
            self._revoke_family(code.family)
            raise OAuthError("invalid_grant", "the authorization code was already used; its tokens are revoked")
        request = code.request
        if client_id != request.client_id:
            raise OAuthError("invalid_grant", "the authorization code was issued to another client")
        if form["redirect_uri"] != request.redirect_uri:
            raise OAuthError("invalid_grant", "redirect_uri differs from the authorization request's")
        verifier = form["code_verifier"]
        if not _PKCE.fullmatch(verifier) or not secrets.compare_digest(s256(verifier), request.challenge):
            raise OAuthError("invalid_grant", "code_verifier does not match the code_challenge")
        code.used = True
        return self._issue(code.principal, client_id, request.scope, code.family)

    def _refresh(self, form: dict[str, str], client_id: str) -> dict[str, object]:
        raw = form.get("refresh_token")
        if not raw:
            raise OAuthError("invalid_request", "refresh_token is required")
        self._expire()
        token = self.tokens.refresh.get(_digest(raw))
        if token is None:
            raise OAuthError("invalid_grant", "the refresh token is unknown, expired or revoked")
        if token.client_id != client_id:
            raise OAuthError("invalid_grant", "the refresh token was issued to another client")
        if token.used:  # a rotated token came back: someone holds a copy (OAuth 2.0 Security BCP §4.14)
            self._revoke_family(token.family)
            raise OAuthError("invalid_grant", "the refresh token was already used; its sign-in is revoked")
        scope = form.get("scope", token.scope)
        if not set(scope.split()) <= set(token.scope.split()):
            raise OAuthError("invalid_scope", "a refresh cannot widen the scope")
        token.used = True
        return self._issue(token.principal, client_id, scope, token.family)

    def _issue(self, principal: Principal, client_id: str, scope: str, family: str) -> dict[str, object]:
        now = time.monotonic()
        access, refresh = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        self.tokens.access[_digest(access)] = _Token(principal, client_id, scope, family, now + self.access_ttl)
        self.tokens.refresh[_digest(refresh)] = _Token(principal, client_id, scope, family, now + self.refresh_ttl)
        out: dict[str, object] = {
            "access_token": access,
            "token_type": "Bearer",
            "expires_in": int(self.access_ttl),
            "refresh_token": refresh,
        }
        if scope:
            out["scope"] = scope
        return out

    # -- use, revocation, expiry -------------------------------------------------------------------

    def authenticate(self, bearer: str) -> Principal | None:
        token = self.tokens.access.get(_digest(bearer))
        if token is None or token.expires <= time.monotonic():
            return None
        return token.principal

    def revoke(self, raw: str) -> None:
        """RFC 7009: revoking a refresh token ends its sign-in (every token of it); an access token
        only itself. Unknown tokens are no error."""
        digest = _digest(raw)
        refresh = self.tokens.refresh.get(digest)
        if refresh is not None:
            self._revoke_family(refresh.family)
        self.tokens.access.pop(digest, None)

    def _revoke_family(self, family: str) -> None:
        for table in (self.tokens.access, self.tokens.refresh):
            for key in [k for k, t in table.items() if t.family == family]:
                del table[key]

    def _expire(self) -> None:
        now = time.monotonic()
        for table in (self.tokens.access, self.tokens.refresh, self.tokens.codes):
            for key in [k for k, t in table.items() if t.expires <= now]:
                del table[key]
