"""RFC 8620 error shapes: request-level problems (RFC 7807 JSON) and method-level errors."""

from __future__ import annotations

import re
from typing import Any

ERROR_URN = "urn:ietf:params:jmap:error:"
CORE = "urn:ietf:params:jmap:core"


class RequestProblem(Exception):
    """A request-level error: the whole request is rejected with an HTTP status."""

    def __init__(self, kind: str, detail: str, status: int = 400, **extra: Any) -> None:
        super().__init__(detail)
        self.kind, self.detail, self.status, self.extra = kind, detail, status, extra

    def body(self) -> dict[str, Any]:
        return {"type": ERROR_URN + self.kind, "status": self.status, "detail": self.detail, **self.extra}


class MethodError(Exception):
    """A method-level error: `["error", {"type": ..., "description": ...}, callId]`."""

    def __init__(self, kind: str, description: str = "", **extra: Any) -> None:
        super().__init__(description or kind)
        self.kind, self.description, self.extra = kind, description, extra

    def args_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": self.kind}
        if self.description:
            out["description"] = self.description
        out.update(self.extra)
        return out


def invalid_arguments(description: str) -> MethodError:
    return MethodError("invalidArguments", description)


_ID = re.compile(r"[A-Za-z0-9_-]{1,255}\Z")


def is_id(text: Any) -> bool:
    """RFC 8620 §1.2's Id: 1 to 255 characters of the URL-safe base64 alphabet (A-Z a-z 0-9 - _)."""
    return type(text) is str and _ID.match(text) is not None
