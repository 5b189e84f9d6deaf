"""The three outputs of `diff`: text grouped by severity, NDJSON, GitHub workflow annotations."""

from __future__ import annotations

import json
from collections.abc import Sequence

from .change import Change
from .rules import SEVERITIES, reaches

FORMATS = ("text", "json", "github")
GITHUB_LEVEL = {"breaking": "error", "risky": "warning", "safe": "notice"}


def failing(changes: Sequence[Change], threshold: str) -> list[Change]:
    """The changes that fail the run: at or above the threshold, and not waived."""
    return [c for c in changes if c.waiver is None and reaches(c.severity, threshold)]


def _line(change: Change) -> str:
    text = f"  {change.location}: {change.subject}: {change.kind}: {change.message} [{', '.join(change.audiences)}]"
    return text + (f" [waived: {change.waiver}]" if change.waiver else "")


def summary(changes: Sequence[Change], threshold: str, old: str, new: str) -> str:
    counts = ", ".join(f"{sum(c.severity == s for c in changes)} {s}" for s in SEVERITIES)
    waived = sum(c.waiver is not None for c in changes)
    verdict = "fails" if failing(changes, threshold) else "passes"
    extra = f" ({waived} waived)" if waived else ""
    return f"{old} → {new}: {counts}{extra}; --fail-on {threshold}: {verdict}"


def text(changes: Sequence[Change], threshold: str, old: str, new: str) -> str:
    out = []
    for severity in SEVERITIES:
        group = [c for c in changes if c.severity == severity]
        if group:
            out.append(f"{severity} ({len(group)}):")
            out.extend(_line(c) for c in group)
    out.append(summary(changes, threshold, old, new))
    return "\n".join(out) + "\n"


def ndjson(changes: Sequence[Change]) -> str:
    """One object per line with exactly severity, audiences, subject, change, message, location.
    Waived changes are left out (their waivers are printed on stderr as notes)."""
    return "".join(json.dumps(c.as_json(), ensure_ascii=False) + "\n" for c in changes if c.waiver is None)


def _escape(value: str, prop: bool = False) -> str:
    value = value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return value.replace(":", "%3A").replace(",", "%2C") if prop else value


def github(changes: Sequence[Change]) -> str:
    out = []
    for c in changes:
        level = "notice" if c.waiver else GITHUB_LEVEL[c.severity]
        props = f"file={_escape(c.location.file, True)},line={c.location.line},col={c.location.col}"
        title = _escape(f"{c.severity} {c.kind}: {c.subject}", True)
        message = f"{c.message} (audiences: {', '.join(c.audiences) or 'none'})"
        if c.waiver:
            message += f" (waived: {c.waiver})"
        out.append(f"::{level} {props},title={title}::{_escape(message)}\n")
    return "".join(out)
