"""One classified difference between two schema versions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..diagnostics import Pos
from .rules import RULES, SEVERITY_RANK, Rule


@dataclass(frozen=True)
class Change:
    kind: str  # a key of rules.RULES
    subject: str  # "S3Store.accessKey", "DnsServer.Sig0", "EventType.acme.auth-start"
    location: Pos  # on the new side; on the old side for a removal
    message: str
    waiver: str | None = None  # the reason a `compat` waiver of the new side gives

    @property
    def rule(self) -> Rule:
        return RULES[self.kind]

    @property
    def severity(self) -> str:
        return self.rule.severity

    @property
    def audiences(self) -> tuple[str, ...]:
        return self.rule.audiences

    def as_json(self) -> dict[str, Any]:
        """The NDJSON record of `--format json`: exactly these six keys."""
        return {
            "severity": self.severity,
            "audiences": list(self.audiences),
            "subject": self.subject,
            "change": self.kind,
            "message": self.message,
            "location": str(self.location),
        }

    def sort_key(self) -> tuple[int, str, str, str]:
        return (-SEVERITY_RANK[self.severity], self.subject, self.kind, self.message)


def make(kind: str, subject: str, location: Pos, **details: Any) -> Change:
    return Change(kind, subject, location, RULES[kind].message.format(**details))
