"""The ASGI application: routing, authentication, body limits, JSON in and out.

Routes: `GET /jmap/session` and `GET /.well-known/jmap` (the session resource), `POST /api`,
`POST /jmap/` (the API); OAuth sign-in (oauth_routes.py); what an admin UI reads and the UI itself
(admin_routes.py). Anything unexpected while handling a request is logged to stderr and
answered with a JSON problem: no traceback ever reaches a client, and the server keeps serving.

A slow client holds nothing: an API request is processed only once its whole body has arrived, and
the body must arrive within `Config.body_timeout` seconds (BODY_TIMEOUT), else the client gets 408
and its connection is closed. A request is then run by the store in its worker threads (one read
or write unit, store_api.py), never on the event loop: reads proceed while a write commits, and
a request beyond what the threads can take waits its turn in their queue rather than failing, so
no number of slow senders or slow queries locks out the clients that send their request at once.
"""

from __future__ import annotations

import asyncio
import sys
import traceback
from collections.abc import Awaitable, Callable
from typing import Any

from ..descriptors import Registry
from . import admin_routes, oauth_routes
from .accounts import Accounts, LoginThrottle
from .api import ApiRequest, process, unavailable
from .auth import CHALLENGE, Credentials, Principal
from .config import Config
from .indexer import RegistryIndexer
from .jsonio import to_bytes
from .oauth import OAuthServer
from .operations import Operations
from .protocol import RequestProblem
from .published import PublishedSchema
from .session import session_resource
from .static import StaticSite
from .store import open_store

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]

SESSION_PATHS = ("/jmap/session", "/.well-known/jmap")
JSON = b"application/json; charset=utf-8"
PROBLEM = b"application/problem+json"
NO_STORE = [(b"cache-control", b"no-store")]  # the session resource: per credential, not for shared caches
CLOSE = [(b"connection", b"close")]  # uvicorn closes the connection after a response carrying this


class Disconnected(Exception):
    pass


def dumps(value: Any) -> bytes:
    return to_bytes(value)


class JmapApp:
    def __init__(self, registry: Registry, config: Config, operations: Operations | None = None) -> None:
        self.registry = registry
        self.config = config
        self.limits = config.limits
        self.credentials = Credentials.load(config.admin_token, config.credentials_file)
        self.accounts = Accounts.load(config.admin_user, config.admin_password, config.accounts_file)
        # 5 failures in a row are free, then 30 s, 60 s, ... up to an hour between tries
        self.throttle = LoginThrottle(free=5, first_wait=30.0, max_wait=3600.0)
        clients = registry.project.oauth_clients
        self.oauth = OAuthServer(clients, config.access_token_ttl, config.refresh_token_ttl)
        self.site = StaticSite(config.webui_dir) if config.webui_dir else None
        self._published: PublishedSchema | None = None
        self.store = open_store(config.db, RegistryIndexer(registry))
        # handlers come from extensions (server/extensions.py); without them every variant is refused
        self.operations = operations if operations is not None else Operations(registry)
        self.api_paths = {"/jmap/", "/jmap", registry.project.api_path}

    # -- ASGI --------------------------------------------------------------------------------------

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        try:
            await self._http(scope, receive, send)
        except Disconnected:
            return
        except Exception:  # a bug: log it, answer without internals, keep serving
            traceback.print_exc(file=sys.stderr)
            problem = {"type": "about:blank", "status": 500, "detail": "internal server error (logged on the server)"}
            await self._send(send, 500, dumps(problem), content_type=PROBLEM)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                self.store.close()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        path, method = scope["path"], scope["method"]
        headers = dict(scope["headers"])
        if path in SESSION_PATHS or path in self.api_paths:
            allowed = "GET" if path in SESSION_PATHS else "POST"
            if method != allowed:
                body = dumps({"type": "about:blank", "status": 405, "detail": f"use {allowed} on {path}"})
                await self._send(send, 405, body, [(b"allow", allowed.encode())], PROBLEM)
                return
            principal = self._authenticate(headers)
            if principal is None:
                body = dumps({"type": "about:blank", "status": 401, "detail": "missing or invalid credentials"})
                await self._send(send, 401, body, [(b"www-authenticate", CHALLENGE.encode())], PROBLEM)
                return
            if path in SESSION_PATHS:
                await self._send(send, 200, dumps(session_resource(self, principal, scope, headers)), NO_STORE)
            else:
                await self._api(principal, headers, receive, send)
            return
        if oauth_routes.handles(path):
            await oauth_routes.handle(self, scope, receive, send, headers)
            return
        if admin_routes.handles(path):
            await admin_routes.handle(self, scope, receive, send, headers)
            return
        body = dumps({"type": "about:blank", "status": 404, "detail": f"{path} is not served here"})
        await self._send(send, 404, body, content_type=PROBLEM)

    def published_schema(self) -> PublishedSchema | None:
        if self._published is None:
            self._published = PublishedSchema.load(self.registry)
        return self._published

    def authenticate(self, headers: dict[bytes, bytes]) -> Principal | None:
        return self._authenticate(headers)

    def _authenticate(self, headers: dict[bytes, bytes]) -> Principal | None:
        raw = headers.get(b"authorization")
        if not raw:
            return None
        try:  # clients send a non-ASCII token as UTF-8; else Latin-1, as HTTP/1.1 once defined header text
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            text = raw.decode("latin-1")
        principal = self.credentials.authenticate(text)
        if principal is None:
            scheme, _, token = text.strip().partition(" ")
            if scheme.lower() == "bearer" and token.strip():
                principal = self.oauth.authenticate(token.strip())
        return principal

    async def _api(self, principal: Principal, headers: dict[bytes, bytes], receive: Receive, send: Send) -> None:
        try:
            async with asyncio.timeout(self.config.body_timeout):
                body = await self._read_body(headers, receive)
        except TimeoutError:
            detail = f"the request body did not arrive within {self.config.body_timeout:g} s"
            problem = {"type": "about:blank", "status": 408, "detail": detail}
            await self._send(send, 408, dumps(problem), CLOSE, PROBLEM)
            return
        except RequestProblem as problem:
            await self._send(send, problem.status, dumps(problem.body()), content_type=PROBLEM)
            return
        try:
            request = ApiRequest.parse(body, headers.get(b"content-type"), self)
        except RequestProblem as problem:
            await self._send(send, problem.status, dumps(problem.body()), content_type=PROBLEM)
            return
        try:  # in the store's threads: the event loop goes on serving while the database works
            if request.writes:
                response = await self.store.write(lambda session: process(self, principal, request, session))
            else:
                response = await self.store.read(
                    lambda session: process(self, principal, request, session), alone=request.searches
                )
        except Exception:  # process() answers every call's own errors: this is the database failing
            traceback.print_exc(file=sys.stderr)
            response = unavailable(self, principal, request)
        await self._send(send, 200, dumps(response))

    async def _read_body(self, headers: dict[bytes, bytes], receive: Receive) -> bytes:
        limit = self.limits.max_size_request
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and (len(declared) > 18 or int(declared) > limit):
            raise RequestProblem("limit", f"the request is larger than {limit} bytes", limit="maxSizeRequest")
        message = await receive()
        if message["type"] == "http.request" and not message.get("more_body"):  # the usual case: one chunk
            body: bytes = message.get("body", b"")
            if len(body) > limit:
                raise RequestProblem("limit", f"the request is larger than {limit} bytes", limit="maxSizeRequest")
            return body
        return await self._read_chunks(message, limit, receive)

    @staticmethod
    async def _read_chunks(message: dict[str, Any], limit: int, receive: Receive) -> bytes:
        chunks: list[bytes] = []
        size = 0
        while True:
            if message["type"] == "http.disconnect":
                raise Disconnected
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                raise RequestProblem("limit", f"the request is larger than {limit} bytes", limit="maxSizeRequest")
            chunks.append(chunk)
            if not message.get("more_body"):
                return b"".join(chunks)
            message = await receive()

    @staticmethod
    async def _send(
        send: Send,
        status: int,
        body: bytes,
        extra: list[tuple[bytes, bytes]] | None = None,
        content_type: bytes | None = None,
    ) -> None:
        headers = [(b"content-type", content_type or JSON), (b"content-length", str(len(body)).encode())]
        if extra:
            headers += extra
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})
