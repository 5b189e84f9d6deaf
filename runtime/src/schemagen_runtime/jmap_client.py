"""A small JMAP-over-HTTP client: one request, its method responses, typed exceptions.

Standard library only (urllib), so `<cli> --help` and one `get` import almost nothing.
Whatever the caller passes and whatever the server answers, it raises only JmapError subclasses:
a URL or credential it cannot send is a ConfigurationError before anything is sent, and a reply
of the wrong shape (not JSON, no response to the call, arguments that are not an object, a
member of the wrong type) is a TransportError, never a KeyError or TypeError further on.
"""

from __future__ import annotations

import base64
import http.client
import json
import ssl
import sys
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

CORE = "urn:ietf:params:jmap:core"
MAX_RESPONSE_BYTES = 256 * 1024 * 1024  # a reply is held in memory whole: bound it
SCHEMES = ("http", "https")  # urllib would also open file:// and ftp:// URLs


class JmapError(Exception):
    """Base of every error this client raises; `str()` is a one-line message for a human."""


class ConfigurationError(JmapError, ValueError):
    """The URL, credentials or request text given cannot be used: a URL that is not http(s) or is
    malformed, a token with a line break or a character outside printable ASCII, or text that is
    not valid UTF-8 (lone surrogates, e.g. from command-line bytes that were not UTF-8)."""


class TransportError(JmapError):
    """The server could not be reached, or answered something that is not the JMAP response the
    request expects (not JSON, no response to the call, members of the wrong type)."""


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
    def from_wire(cls, object_id: str, body: Any) -> SetError:
        if not isinstance(body, dict):
            raise TransportError(f"the server's SetError for {object_id!r} is not an object")
        return cls(object_id, str(body.get("type", "unknown")), str(body.get("description") or ""), _names(body), body)

    def __str__(self) -> str:
        text = f"{self.type}" + (f": {self.description}" if self.description else "")
        if self.properties:
            text += f" (properties: {', '.join(self.properties)})"
        listed = self.raw.get("validationErrors")
        problems = [
            f"{p.get('property')}: {p.get('type')}" + (f" {p['required']}" if "required" in p else "")
            for p in (listed if isinstance(listed, list) else ())
            if isinstance(p, dict)
        ]
        return text + (f" [{'; '.join(problems)}]" if problems else "")


def _not_json(constant: str) -> Any:
    """NaN and Infinity: Python's json reads them, but they are not JSON (RFC 8259)."""
    raise ValueError(f"{constant} is not JSON")


def _names(body: Mapping[str, Any]) -> tuple[str, ...]:
    """An error's `properties`, if the server sent a list of them."""
    listed = body.get("properties")
    return tuple(str(p) for p in listed) if isinstance(listed, list) else ()


_KINDS: dict[type, str] = {dict: "an object", list: "a list", str: "a string"}


def member(result: Mapping[str, Any], name: str, kind: type, method: str, default: Any = ...) -> Any:
    """`result[name]` as a `kind`; absent or null gives `default` if there is one. Anything else
    is a TransportError naming the method, so callers never index into an unchecked reply."""
    value = result.get(name)
    if value is None and default is not ...:
        return default
    if not isinstance(value, kind):
        raise TransportError(f"malformed {method} response: {name!r} is not {_KINDS.get(kind, kind.__name__)}")
    return value


def items(values: list[Any], kind: type, method: str, name: str) -> list[Any]:
    """Every item of a list member checked to be a `kind`."""
    for value in values:
        if not isinstance(value, kind):
            raise TransportError(
                f"malformed {method} response: an item of {name!r} is not {_KINDS.get(kind, kind.__name__)}"
            )
    return values


def _by_call_id(responses: list[list[Any]]) -> dict[str, list[Any]]:
    """Responses by call id; the first answer to an id counts."""
    out: dict[str, list[Any]] = {}
    for response in responses:
        out.setdefault(response[2], response)
    return out


def _api_url(url: str, api_path: str) -> str:
    """The API endpoint of a server URL, refusing what urllib would misuse or choke on."""
    if any(ord(c) < 0x21 or ord(c) == 0x7F for c in url):
        raise ConfigurationError(f"invalid server URL {url!r}: it contains spaces or control characters")
    try:
        parts = urllib.parse.urlsplit(url)
        port = parts.port  # a port that is not a number in 0..65535 raises here
        host = (parts.hostname or "").encode("idna").decode("ascii")
    except (ValueError, UnicodeError) as exc:
        raise ConfigurationError(f"invalid server URL {url!r}: {exc}") from None
    if not parts.path.isascii():
        raise ConfigurationError(f"invalid server URL {url!r}: percent-encode the non-ASCII characters of its path")
    if parts.scheme.lower() not in SCHEMES:
        raise ConfigurationError(f"invalid server URL {url!r}: only http:// and https:// URLs are supported")
    if not host:
        raise ConfigurationError(f"invalid server URL {url!r}: it names no host")
    if parts.username is not None or parts.password is not None:
        raise ConfigurationError(f"invalid server URL {url!r}: give credentials separately, not in the URL")
    if parts.query or parts.fragment:
        raise ConfigurationError(f"invalid server URL {url!r}: it must not have a query or fragment")
    netloc = f"[{host}]" if ":" in host else host
    base = f"{parts.scheme.lower()}://{netloc}{'' if port is None else f':{port}'}{parts.path}".rstrip("/")
    return base if base.endswith(api_path) else base + api_path


def _header_value(text: str, what: str) -> str:
    """A value HTTP can carry in a header: printable ASCII, as bearer tokens are (RFC 6750)."""
    if not text.isascii() or not text.isprintable():
        raise ConfigurationError(f"the {what} contains a line break or a character that cannot be sent in HTTP")
    return text


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is answered as the HTTP error it is: urllib would turn the POST into a GET, and
    follow it to ftp:// too."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirects)


def _insecure_opener() -> urllib.request.OpenerDirector:
    """`-k`: a self-signed or mismatched certificate is accepted (a test or lab server)."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return urllib.request.build_opener(_NoRedirects, urllib.request.HTTPSHandler(context=context))


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
        insecure: bool = False,
        debug: bool = False,
    ) -> None:
        self.api_url = _api_url(url, api_path)
        self.capability = capability
        self.timeout = timeout
        self.debug = debug
        self._opener = _insecure_opener() if insecure else _OPENER
        self.headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if token:
            self.headers["Authorization"] = f"Bearer {_header_value(token, 'API token')}"
        elif user is not None:
            try:  # RFC 7617: user and password are sent as UTF-8
                pair = f"{user}:{password or ''}".encode()
            except UnicodeEncodeError:
                raise ConfigurationError("the user name or password is not valid UTF-8 text") from None
            if b"\n" in pair or b"\r" in pair:
                raise ConfigurationError("the user name or password contains a line break")
            self.headers["Authorization"] = f"Basic {base64.b64encode(pair).decode()}"

    def request(self, calls: list[list[Any]]) -> list[list[Any]]:
        """Send method calls; returns the method responses (errors included, in order), each
        checked to be `[name, arguments object, call id]`."""
        try:  # UTF-8, not \u escapes: a lone surrogate cannot be encoded, and is not sent
            body = json.dumps({"using": [CORE, self.capability], "methodCalls": calls}, ensure_ascii=False).encode()
        except UnicodeEncodeError:
            raise ConfigurationError("the request holds text that is not valid UTF-8") from None
        req = urllib.request.Request(self.api_url, data=body, headers=self.headers, method="POST")
        self._log(f"-> POST {self.api_url} ({len(body)} bytes)")
        try:
            with self._opener.open(req, timeout=self.timeout) as resp:
                self._log(
                    f"<- {self.api_url} status={resp.status} content-type={resp.headers.get('Content-Type')}"
                    f" content-length={resp.headers.get('Content-Length')}"
                    f" content-encoding={resp.headers.get('Content-Encoding')}"
                )
                payload = resp.read(MAX_RESPONSE_BYTES + 1)
                if resp.length and len(payload) <= MAX_RESPONSE_BYTES:  # read(amt) returns a short body quietly
                    raise http.client.IncompleteRead(payload, resp.length)
        except urllib.error.HTTPError as exc:
            self._log(f"<- {self.api_url} status={exc.code} content-type={exc.headers.get('Content-Type')}")
            raise self._request_error(exc) from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", None) or exc
            raise TransportError(f"cannot reach {self.api_url}: {str(reason) or type(reason).__name__}") from None
        except http.client.HTTPException as exc:  # a status line, header or body that is not HTTP
            raise TransportError(f"{self.api_url} did not answer with valid HTTP ({type(exc).__name__})") from None
        if len(payload) > MAX_RESPONSE_BYTES:
            raise TransportError(f"{self.api_url} answered more than {MAX_RESPONSE_BYTES} bytes")
        try:
            data = json.loads(payload, parse_constant=_not_json)
        except ValueError:
            raise TransportError(f"{self.api_url} did not answer with a JMAP response (not JSON)") from None
        except RecursionError:
            raise TransportError(f"{self.api_url} answered JSON nested too deeply to read") from None
        if not isinstance(data, dict) or not isinstance(data.get("methodResponses"), list):
            raise TransportError(f"{self.api_url} did not answer with a JMAP response (no methodResponses)")
        responses: list[Any] = data["methodResponses"]
        for response in responses:
            if not (
                isinstance(response, list)
                and len(response) == 3
                and isinstance(response[0], str)
                and isinstance(response[1], dict)
                and isinstance(response[2], str)
            ):
                raise TransportError(
                    f"{self.api_url} answered a malformed method response (not [name, arguments object, call id])"
                )
        return responses

    def _log(self, line: str) -> None:
        if self.debug:
            print(f"[debug] {line}", file=sys.stderr)

    @staticmethod
    def _request_error(exc: urllib.error.HTTPError) -> RequestError:
        try:
            problem = json.loads(exc.read(64 * 1024) or b"{}")  # a problem document is small
        except (ValueError, RecursionError, OSError, http.client.HTTPException):
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
        return self._answer(_by_call_id(self.request([[method, args, "c1"]])), "c1", method)

    def query_pages(
        self,
        jmap_name: str,
        filter: Mapping[str, Any] | None = None,
        sort: list[dict[str, Any]] | None = None,
        fetch: bool = False,
        properties: list[str] | None = None,
    ) -> Iterator[list[Any]]:
        """Every match, page by page (ids; or objects with `fetch`, in the same request through a
        result reference). Pages follow each other by anchor, as the server clamps each one to its
        maxObjectsInGet: nothing is cut silently. Stops at the total the first page states."""
        query, get = f"{jmap_name}/query", f"{jmap_name}/get"
        args: dict[str, Any] = {"filter": dict(filter or {}), "calculateTotal": True}
        if sort:
            args["sort"] = sort
        seen = 0
        total: int | None = None
        while True:
            calls: list[list[Any]] = [[query, args, "q"]]
            if fetch:
                ref = {"resultOf": "q", "name": query, "path": "/ids"}
                calls.append([get, {"#ids": ref, "properties": properties}, "g"])
            responses = _by_call_id(self.request(calls))
            result = self._answer(responses, "q", query)
            ids = items(member(result, "ids", list, query), str, query, "ids")
            if total is None:
                found = result.get("total")
                total = found if isinstance(found, int) and not isinstance(found, bool) else None
            if not ids:
                return
            if fetch:
                got = self._answer(responses, "g", get)
                yield items(member(got, "list", list, get), dict, get, "list")
            else:
                yield ids
            seen += len(ids)
            if total is not None and seen >= total:
                return
            args = {k: v for k, v in args.items() if k != "calculateTotal"} | {"anchor": ids[-1], "anchorOffset": 1}

    def _answer(self, responses: Mapping[str, list[Any]], call_id: str, method: str) -> dict[str, Any]:
        found = responses.get(call_id)
        if found is None:
            raise TransportError(f"{self.api_url} answered no response to {method}")
        name, result, _ = found
        if name == "error":
            raise MethodError(
                str(result.get("type", "serverFail")), str(result.get("description") or ""), _names(result), result
            )
        if name != method:
            raise TransportError(f"{self.api_url} answered {name!r} to {method}")
        return dict(result)
