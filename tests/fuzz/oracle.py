"""What every reply of the server under fuzz must be, whatever was sent (issue 7's oracles):
never HTTP 500, never serverFail, never a traceback in the server's log, strict JSON (no NaN or
Infinity), request problems and method errors from RFC 8620's lists, SetErrors from RFC 8620's
list and SPEC §3's additions, one response per call with its call id."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from jmap_server import ADMIN_TOKEN, Reply
from test_full_registry import SET_ERROR_TYPES

from . import figures
from .logged_server import LoggedServer

URN = "urn:ietf:params:jmap:error:"
REQUEST_PROBLEMS = frozenset({"unknownCapability", "notJSON", "notRequest", "limit"})  # RFC 8620 §3.6.1
METHOD_ERRORS = frozenset(  # RFC 8620 §3.6.2 and the method sections (§5.x); serverFail deliberately absent
    {
        "serverUnavailable",
        "unknownMethod",
        "invalidArguments",
        "invalidResultReference",
        "forbidden",
        "accountNotFound",
        "accountNotSupportedByMethod",
        "accountReadOnly",
        "requestTooLarge",
        "stateMismatch",
        "cannotCalculateChanges",
        "anchorNotFound",
        "unsupportedSort",
        "unsupportedFilter",
        "tooManyChanges",
    }
)
SET_RESULT_KEYS = ("notCreated", "notUpdated", "notDestroyed")


class OracleFailure(AssertionError):
    def __init__(self, kind: str, detail: str) -> None:
        super().__init__(f"[{kind}] {detail}")
        self.kind = kind


def fail(kind: str, detail: str) -> OracleFailure:
    figures.failed(kind)
    return OracleFailure(kind, detail)


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def strict_json(text: str) -> Any:
    return json.loads(text, parse_constant=_no_constants)


@dataclass
class Exchange:
    """One request and what came back, checked."""

    sent: bytes
    reply: Reply
    body: Any  # the parsed reply

    @property
    def responses(self) -> list[list[Any]]:
        return self.body.get("methodResponses", []) if isinstance(self.body, dict) else []


def post(
    server: LoggedServer, body: bytes, token: str | None = ADMIN_TOKEN, headers: dict[str, str] | None = None
) -> Exchange:
    """POST /api and check the oracles every reply must pass; the checked exchange."""
    figures.count("JMAP requests sent")
    reply = server.request("POST", "/api", body, token=token, headers=headers)
    shown = body[:300]
    log = server.new_log()
    if "Traceback" in log:
        raise fail("traceback in the server log", f"{shown!r} logged:\n{log[-3000:]}")
    if reply.status >= 500:
        raise fail(f"HTTP {reply.status}", f"{shown!r} answered {reply.text[:500]}")
    try:
        parsed = strict_json(reply.text)
    except ValueError as exc:
        raise fail("reply is not strict JSON", f"{shown!r} answered {reply.text[:500]!r}: {exc}") from None
    if reply.status != 200:
        _check_problem(reply, parsed, shown)
    else:
        _check_envelope(body, parsed, shown)
    return Exchange(body, reply, parsed)


def _check_problem(reply: Reply, problem: Any, shown: bytes) -> None:
    if reply.status == 401:
        return
    kind = problem.get("type", "") if isinstance(problem, dict) else ""
    if reply.status != 400 or not kind.startswith(URN) or kind[len(URN) :] not in REQUEST_PROBLEMS:
        raise fail("request problem outside RFC 8620", f"{shown!r} answered HTTP {reply.status} {problem!r}")


def _check_envelope(body: bytes, parsed: Any, shown: bytes) -> None:
    if not isinstance(parsed, dict) or not isinstance(parsed.get("methodResponses"), list):
        raise fail("not a JMAP Response", f"{shown!r} answered {parsed!r:.500}")
    sent = json.loads(body)["methodCalls"]
    got = parsed["methodResponses"]
    if [r[2] for r in got] != [c[2] for c in sent]:
        raise fail("responses do not match the calls", f"{shown!r}: call ids {[r[2] for r in got]}")
    for name, args, _ in got:
        if name == "error":
            if args.get("type") not in METHOD_ERRORS:
                raise fail(f"method error {args.get('type')}", f"{shown!r} answered {args!r:.1500}")
            continue
        for key in SET_RESULT_KEYS:
            for error in (args.get(key) or {}).values():
                if error.get("type") not in SET_ERROR_TYPES:
                    raise fail(f"SetError {error.get('type')}", f"{shown!r} answered {error!r:.1500}")
