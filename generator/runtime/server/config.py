"""Server settings from the environment (HOST, PORT, DB, ADMIN_TOKEN, CREDENTIALS) and `serve()`."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Limits:
    """The `urn:ietf:params:jmap:core` capability limits, advertised and enforced."""

    max_size_upload: int = 50_000_000
    max_concurrent_upload: int = 4
    max_size_request: int = 10_000_000
    max_concurrent_requests: int = 64
    max_calls_in_request: int = 16
    max_objects_in_get: int = 500
    max_objects_in_set: int = 500

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
    limits: Limits = field(default_factory=Limits)

    @classmethod
    def from_env(cls, env: Mapping[str, str], default_db: str) -> Config:
        port = env.get("PORT", "8080")
        if not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError(f"PORT must be a TCP port number, not {port!r}")
        return cls(
            db=env.get("DB") or default_db,
            host=env.get("HOST") or "127.0.0.1",
            port=int(port),
            admin_token=env.get("ADMIN_TOKEN") or None,
            credentials_file=env.get("CREDENTIALS") or None,
        )


def serve(factory: Callable[[Config], Any], default_db: str) -> None:
    """Build the app from the environment and run it under uvicorn until SIGINT/SIGTERM."""
    import uvicorn  # imported here: models and clients never need the server stack

    try:
        config = Config.from_env(os.environ, default_db)
        app = factory(config)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(1) from exc
    if not config.admin_token and not config.credentials_file:
        print("warning: neither ADMIN_TOKEN nor CREDENTIALS is set: every API request will get 401", file=sys.stderr)
    print(f"serving JMAP on http://{config.host}:{config.port}/ (store: {config.db})", file=sys.stderr, flush=True)
    uvicorn.run(
        app,
        host=config.host,
        port=config.port,
        log_level=os.environ.get("LOG_LEVEL", "warning"),
        access_log=False,
        server_header=False,
    )
