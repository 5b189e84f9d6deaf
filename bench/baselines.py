"""The baselines: pydantic v2 models and JSON Schemas of the same shapes and constraints as the
generated models (wire forms: sets as {member: true}, lists keyed by position, `@type` unions)."""

from __future__ import annotations

from ipaddress import IPv4Address, IPv6Address
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

EMAIL = r"^[^@\s]+@[^@\s]+$"
Email = Annotated[str, Field(pattern=EMAIL)]
Ip = IPv4Address | IPv6Address
Limit = Annotated[int, Field(ge=1)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class Settings(Strict):
    id: str | None = None
    domainLimit: Limit = 50
    emailLimit: Limit = 50
    ipLimit: Limit = 50
    urlLimit: Limit = 50


class Simple(Strict):
    id: str | None = None
    type: Literal["ReloadSettings", "PauseMtaQueue", "ResumeMtaQueue", "InvalidateCaches"] = Field(alias="@type")


class Tag(Strict):
    score: float = 0.0
    disposition: Literal["score", "reject", "discard"]


class Classify(Strict):
    id: str | None = None
    type: Literal["ClassifySpam"] = Field(alias="@type")
    message: str
    remoteIp: Ip
    ehloDomain: str
    authenticatedAs: str | None = None
    isTls: bool = True
    envFrom: Email
    envFromParameters: Literal["bit7", "bit8Mime - 8-bit MIME message content", "binaryMime", "smtpUtf8"] | None = None
    envRcptTo: dict[Email, Literal[True]] = {}
    score: float = 0.0
    tags: dict[str, Tag] = {}
    result: Literal["spam", "ham", "reject", "discard"] | None = None


class AuthPass(Strict):
    type: Literal["Pass", "None"] = Field(alias="@type")


class AuthDetails(Strict):
    type: Literal["Fail", "SoftFail", "TempError", "PermError", "Neutral"] = Field(alias="@type")
    details: str | None = None


Auth = Annotated[AuthPass | AuthDetails, Field(union_mode="left_to_right")]


class Dmarc(Strict):
    id: str | None = None
    type: Literal["TroubleshootDmarc"] = Field(alias="@type")
    remoteIp: Ip
    ehloDomain: str
    mailFrom: Email
    message: str | None = None
    spfEhloDomain: str
    spfEhloResult: Auth
    spfMailFromDomain: str
    spfMailFromResult: Auth
    ipRevResult: Auth
    ipRevPtr: dict[str, Literal[True]] = {}
    dkimResults: dict[Annotated[str, Field(pattern=r"^[0-9]+$")], Auth] = {}
    dkimPass: bool = False
    arcResult: Auth
    dmarcResult: Auth
    dmarcPass: bool = False
    dmarcPolicy: Literal["none", "quarantine", "reject", "unspecified"] | None = None
    elapsed: Annotated[int, Field(ge=0)] = 0


ActionAdapter: TypeAdapter[Any] = TypeAdapter(Annotated[Simple | Classify | Dmarc, Field(discriminator="type")])
PYDANTIC = {
    "SpamDnsblSettings": Settings.model_validate,
    "Action (no fields)": ActionAdapter.validate_python,
    "Action ClassifySpam": ActionAdapter.validate_python,
    "Action TroubleshootDmarc": ActionAdapter.validate_python,
}

# -- JSON Schema (draft 2020-12) ------------------------------------------------------------------

_AUTH = {
    "type": "object",
    "required": ["@type"],
    "properties": {
        "@type": {"enum": ["Pass", "Fail", "SoftFail", "TempError", "PermError", "Neutral", "None"]},
        "details": {"type": ["string", "null"]},
    },
    "additionalProperties": False,
}
_SET_OF_EMAILS = {"type": "object", "propertyNames": {"format": "email"}, "additionalProperties": {"const": True}}
_LIMIT = {"type": "integer", "minimum": 1}
SETTINGS_SCHEMA = {
    "type": "object",
    "properties": {
        "id": {"type": "string"},
        **{k: _LIMIT for k in ("domainLimit", "emailLimit", "ipLimit", "urlLimit")},
    },
    "additionalProperties": False,
}
_CLASSIFY = {
    "type": "object",
    "required": ["@type", "message", "remoteIp", "ehloDomain", "envFrom"],
    "properties": {
        "id": {"type": "string"},
        "@type": {"const": "ClassifySpam"},
        "message": {"type": "string"},
        "remoteIp": {"type": "string", "format": "ipv4"},
        "ehloDomain": {"type": "string"},
        "authenticatedAs": {"type": ["string", "null"]},
        "isTls": {"type": "boolean"},
        "envFrom": {"type": "string", "format": "email"},
        "envFromParameters": {
            "enum": [None, "bit7", "bit8Mime - 8-bit MIME message content", "binaryMime", "smtpUtf8"]
        },
        "envRcptTo": _SET_OF_EMAILS,
        "score": {"type": "number"},
        "tags": {
            "type": "object",
            "additionalProperties": {
                "type": "object",
                "properties": {"score": {"type": "number"}, "disposition": {"enum": ["score", "reject", "discard"]}},
                "required": ["disposition"],
                "additionalProperties": False,
            },
        },
        "result": {"enum": [None, "spam", "ham", "reject", "discard"]},
    },
    "additionalProperties": False,
}
_DMARC = {
    "type": "object",
    "required": ["@type", "remoteIp", "ehloDomain", "mailFrom", "spfEhloDomain", "spfMailFromDomain"],
    "properties": {
        "id": {"type": "string"},
        "@type": {"const": "TroubleshootDmarc"},
        "remoteIp": {"type": "string", "format": "ipv4"},
        "ehloDomain": {"type": "string"},
        "mailFrom": {"type": "string", "format": "email"},
        "message": {"type": ["string", "null"]},
        "spfEhloDomain": {"type": "string"},
        "spfMailFromDomain": {"type": "string"},
        **{k: _AUTH for k in ("spfEhloResult", "spfMailFromResult", "ipRevResult", "arcResult", "dmarcResult")},
        "ipRevPtr": {"type": "object", "additionalProperties": {"const": True}},
        "dkimResults": {"type": "object", "propertyNames": {"pattern": "^[0-9]+$"}, "additionalProperties": _AUTH},
        "dkimPass": {"type": "boolean"},
        "dmarcPass": {"type": "boolean"},
        "dmarcPolicy": {"enum": [None, "none", "quarantine", "reject", "unspecified"]},
        "elapsed": {"type": "integer", "minimum": 0},
    },
    "additionalProperties": False,
}
_SIMPLE = {
    "type": "object",
    "required": ["@type"],
    "properties": {
        "id": {"type": "string"},
        "@type": {"enum": ["ReloadSettings", "PauseMtaQueue", "ResumeMtaQueue", "InvalidateCaches"]},
    },
    "additionalProperties": False,
}
ACTION_SCHEMA = {
    "type": "object",
    "required": ["@type"],
    "allOf": [
        {"if": {"properties": {"@type": {"const": "ClassifySpam"}}}, "then": _CLASSIFY},
        {"if": {"properties": {"@type": {"const": "TroubleshootDmarc"}}}, "then": _DMARC},
        {"if": {"properties": {"@type": {"enum": _SIMPLE["properties"]["@type"]["enum"]}}}, "then": _SIMPLE},  # type: ignore[index]
    ],
}
JSON_SCHEMAS = {
    "SpamDnsblSettings": SETTINGS_SCHEMA,
    "Action (no fields)": ACTION_SCHEMA,
    "Action ClassifySpam": ACTION_SCHEMA,
    "Action TroubleshootDmarc": ACTION_SCHEMA,
}
