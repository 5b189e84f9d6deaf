"""The new side's `compat` waivers: a reviewed, reasoned pass for one change of one subject.

A waived change is still printed, with its reason, on every run (as `suppress:` waivers of schema
checks are), and does not count toward `--fail-on`. A waiver of a kind that does not exist is an
input error; one that matches no change is reported, so stale waivers are noticed and removed.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from ..ir import CompatWaiver, Registry
from .change import Change
from .rules import RULES


@dataclass(frozen=True)
class Waived:
    changes: list[Change]  # every change, waived ones with their reason
    stale: list[CompatWaiver]  # waivers that matched nothing


def unknown_kinds(registry: Registry) -> list[str]:
    """`file:line:col: message` for each waiver whose change kind is not a rule."""
    return [
        f"{w.pos}: waiver of unknown change '{w.change}' on {w.subject} (see docs/compat.md for the kinds)"
        for w in registry.compat_waivers
        if w.change not in RULES
    ]


def apply_waivers(changes: list[Change], registry: Registry) -> Waived:
    by_key = {(w.subject, w.change): w for w in registry.compat_waivers}
    used: set[tuple[str, str]] = set()
    out = []
    for change in changes:
        waiver = by_key.get((change.subject, change.kind))
        if waiver is not None:
            used.add((change.subject, change.kind))
            change = dataclasses.replace(change, waiver=waiver.reason)
        out.append(change)
    stale = [w for key, w in sorted(by_key.items()) if key not in used]
    return Waived(out, stale)
