"""`serve()`: the server process. Every start-up problem (a bad setting, an unreadable CREDENTIALS
file, a database that cannot be opened or is in use, an address that cannot be listened on) is one
`error: ...` line on stderr and exit status 1, never a traceback."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import sys
import traceback
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


# What the `server` extra installs and serving cannot do without (httptools and uvloop only speed
# uvicorn up): imported by serve() alone, so models, the client and the CLI install without them.
SERVER_EXTRA_MODULES = ("uvicorn", "argon2")


def require_server_extra(factory: Callable[..., Any]) -> None:
    """Exit with one `error:` line naming the `server` extra when a module it installs is missing,
    instead of an ImportError traceback; the distribution named is the one `factory` comes from."""
    from importlib import metadata, util

    missing = [name for name in SERVER_EXTRA_MODULES if util.find_spec(name) is None]
    if not missing:
        return
    top = factory.__module__.partition(".")[0]
    distribution = next(iter(metadata.packages_distributions().get(top, [])), "schemagen-runtime")
    print(
        f"error: serving needs the `server` extra ({', '.join(missing)} not installed):"
        f" pip install '{distribution}[server]'",
        file=sys.stderr,
    )
    raise SystemExit(1)


def serve(factory: Callable[[Config], Any], default_db: str) -> None:
    """Build the app from the environment and run it under uvicorn until SIGINT/SIGTERM."""
    require_server_extra(factory)
    import uvicorn  # imported here: models and clients never need the server stack

    try:
        config = Config.from_env(os.environ, default_db)
        workers = worker_count(os.environ.get("WORKERS"))
        app = factory(config)  # opens the store (and creates its tables)
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
    processes = f", {workers} processes" if workers > 1 else ""
    print(f"serving JMAP on http://{host}:{config.port}/ (store: {config.db}{processes})", file=sys.stderr, flush=True)
    if config.webui_dir:
        site = config.public_url or f"http://{host}:{config.port}"
        print(f"serving the admin UI on {site}/admin/ (from {config.webui_dir})", file=sys.stderr, flush=True)

    def run(app: Any) -> bool:
        """Serve `app` on the socket until SIGINT/SIGTERM; False if uvicorn could not start (it said why)."""
        server = uvicorn.Server(uvicorn.Config(app, log_level=config.log_level, access_log=False, server_header=False))
        server.run(sockets=[sock])
        return bool(server.started)

    if workers > 1:
        app.store.close()  # each worker opens its own: a database connection must not cross a fork
        raise SystemExit(_run_workers(lambda: factory(config), run, sock, workers))
    if not run(app):
        raise SystemExit(1)


MAX_WORKERS = 64


def worker_count(raw: str | None) -> int:
    """WORKERS: how many server processes share the listening socket and the database (default 1)."""
    if not raw:
        return 1
    if not (raw.isascii() and raw.isdigit() and 1 <= int(raw) <= MAX_WORKERS):
        raise ValueError(f"WORKERS must be a number of processes from 1 to {MAX_WORKERS}, not {raw!r}")
    return int(raw)


def _worker(make_app: Callable[[], Any], run: Callable[[Any], bool]) -> int:
    """One forked worker: its own app (and database connection) on the shared socket; its exit status."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    try:
        app = make_app()
    except (ValueError, StoreError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0 if run(app) else 1


def _run_workers(make_app: Callable[[], Any], run: Callable[[Any], bool], sock: socket.socket, workers: int) -> int:
    """Fork `workers` processes serving the one socket (the kernel spreads connections over them) and
    wait for them. SIGTERM/SIGINT stop them all; a worker failing on its own stops the others, so the
    server never runs on quietly with fewer processes than asked for. The exit status: 0 or 1."""
    children: set[int] = set()
    stopping = False

    def stop(signum: int = signal.SIGTERM, frame: object = None) -> None:
        nonlocal stopping
        stopping = True
        for pid in list(children):
            with contextlib.suppress(ProcessLookupError):  # already gone
                os.kill(pid, signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for _ in range(workers):
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:  # the worker: never returns into the parent's code
            status = 1
            try:
                status = _worker(make_app, run)
            except SystemExit as exc:
                status = exc.code if isinstance(exc.code, int) else 1
            except BaseException:
                traceback.print_exc(file=sys.stderr)
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(status)
        children.add(pid)
    sock.close()  # the workers hold it
    failed = False
    while children:
        pid, status = os.wait()
        children.discard(pid)
        code = os.waitstatus_to_exitcode(status)
        if code != 0 and not stopping:
            print(f"error: server process {pid} exited with status {code}; stopping the others", file=sys.stderr)
            failed = True
            stop()
    return 1 if failed else 0
