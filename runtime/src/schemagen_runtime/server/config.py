"""Server settings from the environment (HOST, PORT, DB, ADMIN_TOKEN, CREDENTIALS, PUBLIC_URL,
BODY_TIMEOUT, LOG_LEVEL; for sign-in: ADMIN_USER, ADMIN_PASSWORD, ACCOUNTS, ACCESS_TOKEN_TTL,
REFRESH_TOKEN_TTL; WEBUI_DIR); `serving.serve()` runs the server with them."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit


@dataclass(frozen=True)
class Limits:
    """The `urn:ietf:params:jmap:core` capability limits and two of our own, advertised and enforced."""

    max_size_upload: int = 50_000_000
    max_concurrent_upload: int = 4
    max_size_request: int = 10_000_000
    max_concurrent_requests: int = 64
    max_calls_in_request: int = 16
    max_objects_in_get: int = 500
    max_objects_in_set: int = 500
    # not in RFC 8620: advertised in the project's own capability (`extension()`)
    max_depth_in_request: int = 64  # arrays/objects nested in a request body; deeper is a `limit` error
    max_filter_depth: int = 16  # FilterOperators nested in a query filter; deeper is invalidArguments

    def extension(self) -> dict[str, Any]:
        return {"maxDepthInRequest": self.max_depth_in_request, "maxFilterDepth": self.max_filter_depth}

    def capability(self) -> dict[str, Any]:
        return {
            "maxSizeUpload": self.max_size_upload,
            "maxConcurrentUpload": self.max_concurrent_upload,
            "maxSizeRequest": self.max_size_request,
            "maxConcurrentRequests": self.max_concurrent_requests,
            "maxCallsInRequest": self.max_calls_in_request,
            "maxObjectsInGet": self.max_objects_in_get,
            "maxObjectsInSet": self.max_objects_in_set,
            "collationAlgorithms": ["i;ascii-numeric", "i;ascii-casemap", "i;unicode-casemap"],
        }


@dataclass(frozen=True)
class Config:
    db: str
    host: str = "127.0.0.1"
    port: int = 8080
    admin_token: str | None = None
    credentials_file: str | None = None
    public_url: str | None = None  # the session's URLs start with it; else the address the client reached
    body_timeout: float = 60.0  # seconds for a whole request body to arrive; then 408 and the connection closed
    log_level: str = "warning"
    limits: Limits = field(default_factory=Limits)
    admin_user: str | None = None  # with admin_password: an account holding every permission
    admin_password: str | None = field(default=None, repr=False)
    accounts_file: str | None = None  # ACCOUNTS: more password accounts (accounts.py)
    webui_dir: str | None = None  # a built single-page admin UI, served under /admin/
    access_token_ttl: float = 3600.0  # seconds an OAuth access token is valid
    refresh_token_ttl: float = 30 * 86400.0  # seconds a refresh token is valid (each use rotates it)

    @classmethod
    def from_env(cls, env: Mapping[str, str], default_db: str) -> Config:
        port = env.get("PORT", "8080")
        if not (port.isascii() and port.isdigit() and len(port) <= 5 and 0 < int(port) < 65536):
            raise ValueError(f"PORT must be a TCP port number, not {port!r}")
        return cls(
            db=env.get("DB") or default_db,
            host=env.get("HOST") or "127.0.0.1",
            port=int(port),
            admin_token=env.get("ADMIN_TOKEN") or None,
            credentials_file=env.get("CREDENTIALS") or None,
            public_url=_public_url(env.get("PUBLIC_URL") or None),
            body_timeout=_seconds("BODY_TIMEOUT", env.get("BODY_TIMEOUT") or None, 60.0),
            log_level=_log_level(env.get("LOG_LEVEL") or "warning"),
            admin_user=env.get("ADMIN_USER") or None,
            admin_password=env.get("ADMIN_PASSWORD") or None,
            accounts_file=env.get("ACCOUNTS") or None,
            webui_dir=env.get("WEBUI_DIR") or None,
            access_token_ttl=_seconds("ACCESS_TOKEN_TTL", env.get("ACCESS_TOKEN_TTL") or None, 3600.0),
            refresh_token_ttl=_seconds("REFRESH_TOKEN_TTL", env.get("REFRESH_TOKEN_TTL") or None, 30 * 86400.0),
        )


def _seconds(name: str, raw: str | None, default: float) -> float:
    if raw is None:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"{name} must be a positive number of seconds, not {raw!r}")
    return value


def _log_level(raw: str) -> str:
    levels = ("critical", "error", "warning", "info", "debug", "trace")  # uvicorn's
    if raw.lower() not in levels:
        raise ValueError(f"LOG_LEVEL must be one of {', '.join(levels)}, not {raw!r}")
    return raw.lower()


def _public_url(raw: str | None) -> str | None:
    """`http(s)://host[:port][/prefix]`, without a trailing slash: it is printed into URLs as it is."""
    if raw is None:
        return None
    try:
        url = urlsplit(raw)
        url.port  # noqa: B018 (raises ValueError for a bad port)
    except ValueError:
        url = None
    if (
        url is None
        or url.scheme not in ("http", "https")
        or not url.hostname
        or url.username is not None
        or any(c in "?#" or c.isspace() or not c.isprintable() for c in raw)
    ):
        raise ValueError(f"PUBLIC_URL must be an http(s)://host[:port][/path] URL, not {raw!r}")
    return raw.rstrip("/")
