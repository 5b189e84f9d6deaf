"""A small JMAP-over-HTTP client: one request, its method responses, typed exceptions.

Standard library only (urllib), so `stalwart-cli --help` and one `get` import almost nothing.
"""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Any

CORE = "urn:ietf:params:jmap:core"


class JmapError(Exception):
    """Base of every error this client raises; `str()` is a one-line message for a human."""


class TransportError(JmapError):
    """The server could not be reached, or answered something that is not JMAP."""


@dataclass
class RequestError(JmapError):
    """A request-level problem (RFC 7807 body): notJSON, notRequest, limit, unknownCapability, 401..."""

    status: int
    type: str
    detail: str

    def __str__(self) -> str:
        return (
            f"{self.type} (HTTP {self.status}): {self.detail}" if self.detail else f"{self.type} (HTTP {self.status})"
        )


@dataclass
class MethodError(JmapError):
    """`["error", {...}, callId]`: the whole call failed (forbidden, invalidArguments, ...)."""

    type: str
    description: str = ""
    properties: tuple[str, ...] = ()
    raw: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        text = self.type + (f": {self.description}" if self.description else "")
        return text + (f" (properties: {', '.join(self.properties)})" if self.properties else "")


@dataclass
class SetError(JmapError):
    """One object of a /set was refused: invalidPatch, validationFailed, notFound, singleton, ..."""

    id: str
    type: str
    description: str = ""
    properties: tuple[str, ...] = ()
    raw: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_wire(cls, object_id: str, body: dict[str, Any]) -> SetError:
        return cls(
            object_id,
            str(body.get("type", "unknown")),
            str(body.get("description") or ""),
            tuple(str(p) for p in body.get("properties") or ()),
            body,
        )

    def __str__(self) -> str:
        text = f"{self.type}" + (f": {self.description}" if self.description else "")
        if self.properties:
            text += f" (properties: {', '.join(self.properties)})"
        problems = [
            f"{p.get('property')}: {p.get('type')}" + (f" {p['required']}" if "required" in p else "")
            for p in self.raw.get("validationErrors") or ()
        ]
        return text + (f" [{'; '.join(problems)}]" if problems else "")


class JmapClient:
    def __init__(
        self,
        url: str,
        token: str | None = None,
        *,
        user: str | None = None,
        password: str | None = None,
        capability: str,
        api_path: str = "/api",
        timeout: float = 30.0,
    ) -> None:
        base = url.rstrip("/")
        self.api_url = base if base.endswith(api_path) else base + api_path
        self.capability = capability
        self.timeout = timeout
        self.headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if token:
            self.headers["Authorization"] = f"Bearer {token}"
        elif user is not None:
            pair = base64.b64encode(f"{user}:{password or ''}".encode()).decode()
            self.headers["Authorization"] = f"Basic {pair}"

    def request(self, calls: list[list[Any]]) -> list[list[Any]]:
        """Send method calls; returns the method responses (errors included, in order)."""
        body = json.dumps({"using": [CORE, self.capability], "methodCalls": calls}).encode()
        req = urllib.request.Request(self.api_url, data=body, headers=self.headers, method="POST")
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                payload = resp.read()
        except urllib.error.HTTPError as exc:
            raise self._request_error(exc) from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise TransportError(f"cannot reach {self.api_url}: {reason}") from None
        try:
            data = json.loads(payload)
            return list(data["methodResponses"])
        except (ValueError, KeyError, TypeError):
            raise TransportError(f"{self.api_url} did not answer with a JMAP response") from None

    @staticmethod
    def _request_error(exc: urllib.error.HTTPError) -> RequestError:
        try:
            problem = json.loads(exc.read() or b"{}")
        except ValueError:
            problem = {}
        if not isinstance(problem, dict):
            problem = {}
        kind = str(problem.get("type") or "")
        if kind.startswith("urn:ietf:params:jmap:error:"):
            kind = kind.rsplit(":", 1)[-1]  # notJSON, notRequest, limit, unknownCapability
        else:  # about:blank and friends say nothing more than the status does
            kind = "unauthorized" if exc.code == 401 else str(problem.get("title") or "HTTP error")
        return RequestError(exc.code, kind, str(problem.get("detail") or exc.reason or ""))

    def call(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        """One method call; a method-level error is raised as MethodError."""
        name, result, _ = self.request([[method, args, "c1"]])[0]
        if name == "error":
            raise MethodError(
                str(result.get("type", "serverFail")),
                str(result.get("description") or ""),
                tuple(result.get("properties") or ()),
                result,
            )
        return dict(result)
