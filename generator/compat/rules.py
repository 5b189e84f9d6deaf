"""The classification table: one rule per change kind, with its severity, the audiences it
breaks (for a safe change: who sees it at all) and its message. docs/compat.md explains each row;
tests/test_compat.py holds the two to the same table.

The JMAP reading behind it: readers (clients that get) must tolerate what they did not know
about only as far as RFC 8620 asks them to ignore unknown properties, so a new property is safe
but a new enum value or union variant in a value they decode is risky; writers (clients that
create or update) break when something they send is refused or means something else; stored data
breaks when a value an upgraded server already holds is no longer valid.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Severity = Literal["breaking", "risky", "safe"]
SEVERITIES: tuple[Severity, ...] = ("breaking", "risky", "safe")
AUDIENCES = ("readers", "writers", "stored-data", "cli", "docs")

R, W, S, C, D = AUDIENCES


@dataclass(frozen=True)
class Rule:
    severity: Severity
    audiences: tuple[str, ...]
    message: str  # str.format template over the details compare.py gives


def _rule(severity: Severity, audiences: tuple[str, ...], message: str) -> Rule:
    unknown = [a for a in audiences if a not in AUDIENCES]
    if unknown:
        raise ValueError(f"unknown audience {unknown[0]!r}")
    return Rule(severity, audiences, message)


RULES: dict[str, Rule] = {
    # -- objects --------------------------------------------------------------------------------
    "object-added": _rule("safe", (C, D), "new {what} {name}"),
    "object-removed": _rule("breaking", (R, W, S, C, D), "{what} {name} removed"),
    "singleton-to-object": _rule("breaking", (R, W, S, C), "singleton became a collection of objects"),
    "object-to-singleton": _rule("breaking", (R, W, S, C), "collection of objects became a singleton"),
    "object-kind-changed": _rule("breaking", (R, W, S, C, D), "kind {old} became {new}"),
    "jmap-name-changed": _rule("breaking", (R, W, C), "JMAP name {old} became {new}"),
    "permission-prefix-changed": _rule("breaking", (R, W, C), "permissions {old}* became {new}*"),
    "object-enterprise-added": _rule("risky", (R, W), "now an enterprise feature"),
    "object-enterprise-removed": _rule("safe", (D,), "no longer an enterprise feature"),
    "object-now-external": _rule("breaking", (R, W, C, D), "now served by another capability, not here"),
    "object-now-served": _rule("safe", (C, D), "now served here (was external)"),
    "view-added": _rule("safe", (D,), "new WebUI view of {of}"),
    "view-removed": _rule("safe", (D,), "WebUI view of {of} removed"),
    "view-target-changed": _rule("safe", (D,), "WebUI view shows {new} instead of {old}"),
    "webui-place-changed": _rule("safe", (D,), "WebUI place {old} became {new}"),
    "webui-changed": _rule("safe", (D,), "WebUI {section} {how}"),
    "examples-changed": _rule("safe", (D,), "documented examples changed"),
    # -- types and schemas ----------------------------------------------------------------------
    "type-added": _rule("safe", (D,), "new type {name}"),
    "type-removed": _rule("safe", (D,), "type {name} removed (fields that used it are reported on their own)"),
    "schema-became-union": _rule("breaking", (R, W, S, C), "fields became a union of variants"),
    "union-became-schema": _rule("breaking", (R, W, S, C), "union of variants became plain fields"),
    "description-changed": _rule("safe", (D,), "description changed"),
    # -- variants (by tag) ----------------------------------------------------------------------
    "variant-added": _rule("risky", (R,), "new variant {name}: readers that match every @type meet an unknown one"),
    "variant-removed": _rule(
        "breaking", (W, S, C), "variant {name} removed: stored values tagged with it no longer decode"
    ),
    "variant-label-changed": _rule("safe", (C, D), "label {old!r} became {new!r}"),
    "union-default-changed": _rule("risky", (W,), "default variant {old} became {new} (creates that omit it)"),
    # -- fields (by name) -----------------------------------------------------------------------
    "field-added-server-set": _rule("safe", (D,), "new server-set field ({type})"),
    "field-added-optional": _rule("safe", (C, D), "new optional field ({type}{default})"),
    "field-added-required": _rule(
        "breaking", (W, S, C), "new field creates must send ({type}, no default, not nullable)"
    ),
    "field-removed": _rule("breaking", (R, W, C), "field removed ({type})"),
    "field-renamed": _rule("breaking", (R, W, C), "renamed from {old}: stored values move to the new name on start"),
    "field-type-changed": _rule("breaking", (R, W, S, C), "type {old} became {new}"),
    "field-type-changed-migrated": _rule(
        "breaking", (R, W, C), "type {old} became {new}; stored values are migrated on start ({how})"
    ),
    "foreign-key-changed": _rule("breaking", (W, S), "refers to {new} instead of {old}"),
    "nullable-removed": _rule("breaking", (W, S), "no longer nullable ({new}): null is refused"),
    "nullable-removed-migrated": _rule(
        "breaking", (W,), "no longer nullable ({new}): null is refused; stored nulls become {to} on start"
    ),
    "nullable-added": _rule("risky", (R,), "now nullable ({new}): readers may get null"),
    "update-mutable-to-immutable": _rule("breaking", (W, C), "mutable became immutable: updates are refused"),
    "update-mutable-to-server-set": _rule(
        "breaking", (W, C), "mutable became server-set: creates and updates that set it are refused"
    ),
    "update-immutable-to-mutable": _rule("safe", (D,), "immutable became mutable"),
    "update-immutable-to-server-set": _rule(
        "breaking", (W, C), "immutable became server-set: creates that set it are refused"
    ),
    "update-server-set-to-mutable": _rule("safe", (C, D), "server-set became mutable"),
    "update-server-set-to-immutable": _rule("safe", (C, D), "server-set became immutable (settable on create)"),
    "field-now-required": _rule("breaking", (W, C), "creates must now send it"),
    "field-no-longer-required": _rule("safe", (C, D), "creates may now leave it out"),
    "default-added": _rule("risky", (W,), "default {new}: creates that leave it out no longer get the empty value"),
    "default-removed": _rule("risky", (W,), "default {old} removed: creates that leave it out get the empty value"),
    "default-changed": _rule("risky", (W,), "default {old} became {new}"),
    "min-raised": _rule("breaking", (W, S), "min {old} became {new}: smaller values are refused"),
    "min-raised-clamped": _rule(
        "breaking", (W,), "min {old} became {new}: smaller values are refused; stored ones are raised to it on start"
    ),
    "min-lowered": _rule("risky", (R,), "min {old} became {new}: readers may get smaller values"),
    "max-lowered": _rule("breaking", (W, S), "max {old} became {new}: larger values are refused"),
    "max-lowered-clamped": _rule(
        "breaking", (W,), "max {old} became {new}: larger values are refused; stored ones are lowered to it on start"
    ),
    "max-raised": _rule("risky", (R,), "max {old} became {new}: readers may get larger values"),
    "min-items-raised": _rule("breaking", (W, S), "minItems {old} became {new}: shorter collections are refused"),
    "min-items-lowered": _rule("risky", (R,), "minItems {old} became {new}: readers may get shorter collections"),
    "max-length-lowered": _rule("breaking", (W, S), "maxLength {old} became {new}: longer strings are refused"),
    "max-length-raised": _rule("risky", (R,), "maxLength {old} became {new}: readers may get longer strings"),
    "unique-added": _rule("breaking", (W, S), "now unique: duplicates are refused, and stored ones conflict"),
    "unique-removed": _rule("risky", (R,), "no longer unique: readers that look objects up by it may find several"),
    "unique-key-added": _rule("breaking", (W, S), "new unique key over {fields}: duplicates are refused"),
    "unique-key-removed": _rule("risky", (R,), "unique key over {fields} removed: lookups by it may find several"),
    "unique-key-changed": _rule("breaking", (W, S), "unique key over {old} became one over {new}"),
    "validator-added": _rule("breaking", (W, S), "new validator {name}: values it refuses are refused"),
    "validator-removed": _rule("risky", (R,), "validator {name} removed: readers may get values it refused"),
    "secret-added": _rule("breaking", (R, C), 'now secret: get returns "****" instead of the value'),
    "secret-removed": _rule("risky", (R,), "no longer secret: get returns the stored value in clear"),
    "expression-name-removed": _rule("breaking", (W, S), "expressions may no longer use {names}"),
    "expression-name-added": _rule("safe", (D,), "expressions may now use {names}"),
    "field-enterprise-added": _rule("risky", (W,), "now an enterprise feature"),
    "field-enterprise-removed": _rule("safe", (D,), "no longer an enterprise feature"),
    "query-capability-removed": _rule("breaking", (R, C), "no longer {what}: queries using it are refused"),
    "query-capability-added": _rule("safe", (C, D), "now {what}"),
    "example-changed": _rule("safe", (D,), "documented example changed"),
    # -- enums (values by id) -------------------------------------------------------------------
    "enum-added": _rule("safe", (D,), "new enum {name}"),
    "enum-removed": _rule("safe", (D,), "enum {name} removed (fields that used it are reported on their own)"),
    "enum-value-added": _rule("risky", (R,), "new value {name!r}: strict readers meet an unknown value"),
    "enum-value-removed": _rule("breaking", (W, S, C), "value {name!r} removed: stored values holding it are refused"),
    "enum-value-removed-migrated": _rule(
        "breaking",
        (W, C),
        "value {name!r} removed: writers sending it are refused; stored ones become {new!r} on start",
    ),
    "enum-value-label-changed": _rule("safe", (C, D), "label of {name!r} changed"),
    # -- project --------------------------------------------------------------------------------
    "project-version-changed": _rule("safe", (D,), "version {old} became {new}"),
    "project-api-changed": _rule("breaking", (R, W, C), "{key} {old!r} became {new!r}"),
    "project-api-narrowed": _rule("breaking", (R, W, C), "{what} removed: {gone}"),
    "project-api-extended": _rule("safe", (D,), "{what} added: {added}"),
    "project-package-changed": _rule("breaking", (R, W, C), "{key} {old!r} became {new!r}"),
    "project-text-changed": _rule("safe", (D,), "{key} changed"),
}

SEVERITY_RANK = {"safe": 0, "risky": 1, "breaking": 2}


def reaches(severity: str, threshold: str) -> bool:
    """Whether a change of this severity fails a run with `--fail-on threshold`."""
    return SEVERITY_RANK[severity] >= SEVERITY_RANK[threshold]
