"""Problems found while decoding, patching or validating, and the JMAP SetErrors they become.

Every runtime pass appends `Issue`s to a list instead of raising on the first, so a client learns
about every failing property at once. Paths are JSON pointers relative to the object
(`rateLimit/count`, `aliases/a@example.com`), the form SetError `properties` use.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

PATCH = "patch"  # becomes SetError invalidPatch: wrong JSON type, unknown or unwritable property, too deep
VALIDATION = "validation"  # becomes SetError validationFailed: a constraint fails on the result

VALIDATION_TYPES = ("Required", "Invalid", "MinValue", "MaxValue", "MinLength", "MaxLength")


@dataclass(slots=True)
class Issue:
    kind: str  # PATCH or VALIDATION
    path: str
    type: str  # a VALIDATION_TYPES entry, or for PATCH: type, unknown, serverSet, immutable, variant, depth
    message: str
    bound: Any = None  # the limit a MinValue/MaxValue/MinLength/MaxLength broke

    def validation_error(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": self.type, "property": self.path}
        if self.bound is not None:
            out["required"] = self.bound
        return out


def escape(token: str) -> str:
    """One JSON-pointer reference token (RFC 6901)."""
    return token.replace("~", "~0").replace("/", "~1") if ("~" in token or "/" in token) else token


def unescape(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~") if "~" in token else token


def child(path: str, token: str) -> str:
    return f"{path}/{escape(token)}" if path else escape(token)


def split_pointer(path: str) -> list[str]:
    return [unescape(t) for t in path.split("/")]


# ASCII digits only: str.isdigit() also accepts "²" and other Unicode digits, which int() refuses.
# Nine digits bound a position far beyond any list while keeping int() clear of Python's limit on
# the length of integer strings.
_POSITION = re.compile(r"[0-9]{1,9}\Z")


def pointer_index(token: object) -> int | None:
    """The list position a pointer token or object-list key names (`"0"`, `"12"`), else None."""
    return int(token) if type(token) is str and _POSITION.match(token) else None


def shorten(text: str, most: int = 40) -> str:
    """`text` as a message quotes it: repr, cut to `most` characters so a huge input stays readable."""
    return repr(text) if len(text) <= most else repr(text[:most]) + f"... ({len(text)} characters)"


def describe(value: Any, *, yaml: bool = False) -> str:
    """What kind of value this is, for messages; schema files say list/mapping, JSON array/object."""
    if value is None:
        return "null"
    if type(value) is float and not value.is_integer():  # "must be a whole number, not a number" says nothing
        return f"the fraction {value!r}" if math.isfinite(value) else repr(value)
    names = {bool: "a boolean", int: "a number", float: "a number", str: "a string"}
    names.update({list: "a list", dict: "a mapping"} if yaml else {list: "an array", dict: "an object"})
    return names.get(type(value), type(value).__name__)


def _unique(paths: list[str]) -> list[str]:
    return list(dict.fromkeys(paths))


def set_error(issues: list[Issue]) -> dict[str, Any]:
    """The SetError for a rejected object: invalidPatch when the payload itself is wrong (the
    constraints of a value that could not be applied mean nothing), else validationFailed."""
    patch = [i for i in issues if i.kind == PATCH]
    if patch:
        return {
            "type": "invalidPatch",
            "description": "; ".join(i.message for i in patch),
            "properties": _unique([i.path for i in patch]),
        }
    return {
        "type": "validationFailed",
        "description": "; ".join(i.message for i in issues),
        "properties": _unique([i.path for i in issues]),
        "validationErrors": [i.validation_error() for i in issues],
    }


class ValidationFailed(ValueError):
    """Raised by the models when a payload has problems; carries all of them."""

    def __init__(self, issues: list[Issue]) -> None:
        self.issues = issues
        super().__init__("; ".join(f"{i.path or '(object)'}: {i.message}" for i in issues))

    def set_error(self) -> dict[str, Any]:
        return set_error(self.issues)
