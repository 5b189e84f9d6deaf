"""`serve()`: the server process. Every start-up problem (a bad setting, an unreadable CREDENTIALS
file, a database that cannot be opened or is in use, an address that cannot be listened on) is one
`error: ...` line on stderr and exit status 1, never a traceback."""

from __future__ import annotations

import os
import socket
import sys
from collections.abc import Callable
from typing import Any

from .config import Config
from .store import StoreError
from .upgrade import report_stored


class StartupError(Exception):
    pass


def listen(host: str, port: int) -> socket.socket:
    """A listening socket, bound before uvicorn starts so a failure is ours to report."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
        sock = socket.socket(family, kind, proto)
    except OSError as exc:
        raise StartupError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(2048)
    except OSError as exc:
        sock.close()
        raise StartupError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    sock.set_inheritable(True)
    return sock


def serve(factory: Callable[[Config], Any], default_db: str) -> None:
    """Build the app from the environment and run it under uvicorn until SIGINT/SIGTERM."""
    import uvicorn  # imported here: models and clients never need the server stack

    try:
        config = Config.from_env(os.environ, default_db)
        app = factory(config)  # opens (and locks) the store
        report_stored(app.registry, app.store)  # values the current schema refuses (upgrade.py)
        sock = listen(config.host, config.port)
    except (ValueError, StoreError, StartupError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(1) from None
    if not (config.admin_token or config.credentials_file or config.admin_user or config.accounts_file):
        print(
            "warning: none of ADMIN_TOKEN, CREDENTIALS, ADMIN_USER, ACCOUNTS is set: every API request will get 401",
            file=sys.stderr,
        )
    host = f"[{config.host}]" if ":" in config.host else config.host  # an IPv6 address
    print(f"serving JMAP on http://{host}:{config.port}/ (store: {config.db})", file=sys.stderr, flush=True)
    if config.webui_dir:
        site = config.public_url or f"http://{host}:{config.port}"
        print(f"serving the admin UI on {site}/admin/ (from {config.webui_dir})", file=sys.stderr, flush=True)
    server = uvicorn.Server(uvicorn.Config(app, log_level=config.log_level, access_log=False, server_header=False))
    server.run(sockets=[sock])
    if not server.started:
        raise SystemExit(1)
