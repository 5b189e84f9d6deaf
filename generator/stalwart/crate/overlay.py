"""What the crate adds to a field or schema converted from schema.json, and where the two disagree.

The converter (convert.py) asks, per schema, for the declaration order of its properties and, per
field, for the keys the crate gives (validators, unique, filterable/sortable, bounds order,
expression context, set-default order, the type schema.json publishes wrongly, a secret its output
masks though schema.json publishes no secret format). Each disagreement is a warning that names
the JSON path and the crate's file:line.
"""

from __future__ import annotations

import re
from typing import Any

from ...ir import SECRET_FORMATS
from ..published import NAMESPACE, jpath
from ..source import Report
from .facts import CrateFacts, TypeFacts

# StringValidator variants → our `validators:` names (docs/schema-format.md)
VALIDATORS = {
    "Email": "email",
    "EmailLocalPart": "emailLocalPart",
    "Domain": "domain",
    "Hostname": "hostname",
    "Lowercase": "lowercase",
    "Uppercase": "uppercase",
    "Trim": "trim",
    "RemoveSpaces": "removeSpaces",
}
# Rust value types → the string or number format they are (a set member published as `string`).
RUST_FORMATS = {
    "IpAddrOrMask": "ipNetwork",
    "IpAddr": "ipAddress",
    "SocketAddr": "socketAddress",
    "u64": "unsignedInteger",
    "i64": "integer",
}
TEXT_FORMATS = ("string", "text")  # what schema.json publishes a value it has no format for as
CONTEXT_KINDS = {"ExpressionVariable": "variables", "ExpressionConstant": "constants"}


def context_name(static: str) -> str:
    """`HTTP_VARIABLE` → `HttpVariable`: the name the pages give a context."""
    return "".join(part.capitalize() for part in static.split("_"))


def _unwrap(rust: str) -> str:
    match = re.fullmatch(r"Option<(.+)>", rust)
    return match.group(1) if match else rust


class CrateOverlay:
    def __init__(self, facts: CrateFacts, report: Report) -> None:
        self.facts, self.report = facts, report
        self.used_contexts: set[str] = set()
        # object name → (schemas it is made of, its indexes): a union object's variants share them
        self.keys_by_schema: dict[str, dict[str, Any]] = {}

    def type_of(self, schema: str) -> TypeFacts | None:
        """The crate's type of a published schema: the crate declares the `x:` ones only (a name
        without the namespace is a standard JMAP object, served elsewhere)."""
        return self.facts.types.get(schema.removeprefix(NAMESPACE)) if schema.startswith(NAMESPACE) else None

    # -- schemas ----------------------------------------------------------------------------------

    def order(self, schema: str, published: list[str]) -> list[str]:
        """schema.json's properties in the crate's declaration order: struct fields, with the
        server-set properties only the patch code names placed after the property matched before
        them. Properties the crate does not know keep their place at the end, with a warning."""
        facts = self.type_of(schema)
        if facts is None:
            return published
        order = list(facts.fields)
        for prop in facts.patch_only:
            seen = facts.patch_order[: facts.patch_order.index(prop)]
            before = next((p for p in reversed(seen) if p in order), None)
            order.insert(order.index(before) + 1 if before else len(order), prop)
        for prop in published:
            if prop not in order:
                self.report.warn(
                    ("fields", schema, "properties", prop),
                    f"not a field of {facts.name} in the crate ({facts.where}); kept after the declared fields",
                )
        for prop in order:
            if prop not in published:
                self.report.warn(
                    ("fields", schema, "properties"),
                    f"the crate declares '{prop}' ({facts.where}) but schema.json does not publish it; not imported",
                )
        return [p for p in order if p in published] + [p for p in published if p not in order]

    def schema_keys(self, schema: str) -> dict[str, Any]:
        """`keys:` of a schema: its unique keys over several fields or shared between objects."""
        facts = self.type_of(schema)
        out: dict[str, Any] = {}
        for key in facts.unique if facts else ():
            if key.shared or len(key.fields) > 1:
                body: dict[str, Any] = {"fields": list(key.fields)}
                if key.shared:
                    body["shared"] = True
                out[key.name] = body
        return out

    # -- fields -----------------------------------------------------------------------------------

    def field(self, schema: str, prop: str, spec: dict[str, Any], object_name: str | None) -> dict[str, Any]:
        """The keys the crate adds to one converted field (in our language's spelling)."""
        facts = self.type_of(schema)
        out: dict[str, Any] = {}
        if facts is None:
            return out
        path = ("fields", schema, "properties", prop)
        if prop in facts.validators:
            names, _ = facts.validators[prop]
            out["validators"] = [VALIDATORS[n] for n in names if n in VALIDATORS]
            for n in names:
                if n not in VALIDATORS:
                    self.report.warn(path, f"unknown string validator {n} ({facts.validators[prop][1]}); not imported")
        if any(k.fields == (prop,) and not k.shared for k in facts.unique):
            out["unique"] = True
        if prop in facts.text:
            out["textIndex"] = facts.text[prop][0]
        indexes = (
            self.facts.indexes.get(object_name.removeprefix(NAMESPACE), [])
            if object_name and self.type_of(object_name)
            else []
        )
        for index in indexes:
            if index.property == prop:
                out["filterable"] = True
                if index.sortable:
                    out["sortable"] = True
        bounds = facts.bounds.get(prop, [])
        if [b.kind for b in bounds] == ["max", "min"]:
            out["boundsOrder"] = True  # the converter writes max before min
        for b in bounds:
            published = spec["type"].get(b.kind)
            if published != b.value:
                self.report.warn(
                    (*path, "type", b.kind),
                    f"schema.json publishes {published}, the crate validates {b.value} ({b.where}); schema.json's kept",
                )
        if prop in facts.contexts:
            variables, constants, where = facts.contexts[prop]
            context_names = [context_name(s) for s in (variables, constants) if s]
            for static in (s for s in (variables, constants) if s):
                if static not in self.facts.contexts:
                    self.report.warn(path, f"the context {static} ({where}) is not defined in enums.rs")
            if context_names:
                out["context"] = context_names
                self.used_contexts.update(s for s in (variables, constants) if s)
        if prop in facts.foreign:
            self.check_foreign(facts, prop, spec["type"])
        if (corrected := self.corrected_type(facts, prop, spec["type"])) is not None:
            out["correctedType"] = corrected
        if self.secret(facts, prop, spec["type"], (*path, "type")):
            out["secret"] = True
        return out

    def secret(self, facts: TypeFacts, prop: str, tspec: dict[str, Any], path: tuple[str, ...]) -> bool:
        """Whether the field needs `secret: true`: the crate's output (`into_value`) masks it as
        MASKED_PASSWORD while schema.json publishes a string format that is no secret. The other
        disagreement, a published secret the output returns as stored, is reported; the published
        format is kept (the stricter of the two)."""
        published = (tspec.get("format") or "string") if tspec["type"] == "string" else tspec["type"]
        if prop in facts.masked:
            where = facts.masked[prop]
            if published in SECRET_FORMATS:
                return False
            if tspec["type"] != "string":
                self.report.warn(
                    path,
                    f"the crate's output masks it as MASKED_PASSWORD ({where}) but schema.json publishes a "
                    f"{published}, which cannot hold the mask; not imported as a secret",
                )
                return False
            self.report.warn(
                path,
                f"published as {published}, not a secret; the crate's output masks it as MASKED_PASSWORD "
                f"({where}): imported with `secret: true`",
            )
            return True
        if prop in facts.shown and published in SECRET_FORMATS:
            self.report.warn(
                path,
                f"published as {published}; the crate's output returns it unmasked ({facts.shown[prop]}); "
                "schema.json's secret kept",
            )
        return False

    def check_foreign(self, facts: TypeFacts, prop: str, tspec: dict[str, Any]) -> None:
        """A foreign key of the crate must be published as an id (or a set of ids) of its object."""
        target, where = facts.foreign[prop]
        member = tspec.get("class", tspec) if tspec["type"] == "set" else tspec
        if member.get("type") != "objectId" or member.get("objectName") not in (NAMESPACE + target, target):
            self.report.warn(
                ("fields", NAMESPACE + facts.name, "properties", prop, "type"),
                f"the crate indexes this field as a foreign key to {target} ({where}); schema.json publishes "
                f"{member.get('type')} {member.get('objectName', '')}".rstrip(),
            )

    def corrected_type(self, facts: TypeFacts, prop: str, tspec: dict[str, Any]) -> str | None:
        """The format the crate gives a member published as a plain string (a set of IP masks
        published as `Set<string>`), else None; reported with both places."""
        rust = _unwrap(facts.rust_types.get(prop, ""))
        member = re.fullmatch(r"Map<(\w+)>", rust)
        published = tspec.get("class") if tspec["type"] == "set" else tspec
        rust_member = member.group(1) if member and tspec["type"] == "set" else rust
        if not isinstance(published, dict) or published.get("format") not in TEXT_FORMATS:
            return None
        fmt = RUST_FORMATS.get(rust_member)
        if fmt is None:
            if rust_member == "Id":
                self.report.warn(
                    ("fields", NAMESPACE + facts.name, "properties", prop, "type"),
                    f"published as a string; the crate's field is an Id ({facts.where}) that no foreign key "
                    "ties to an object, so there is no Id<Object> to import; published type kept",
                )
            return None
        self.report.warn(
            ("fields", NAMESPACE + facts.name, "properties", prop, "type"),
            f"published as a string; the crate's field is {rust} ({facts.where}): imported as {fmt}, "
            "the published type kept in `publishedType`",
        )
        return fmt

    def set_default_order(self, schema: str, prop: str, members: list[Any]) -> list[Any] | None:
        """A set default's members in the order the crate's Default writes them; None when the
        crate does not say."""
        facts = self.type_of(schema)
        if facts is None or prop not in facts.defaults or len(members) < 2:
            return None
        expr, where = facts.defaults[prop]
        tokens: list[str] = []
        for literal, enum, variant in re.findall(r'"((?:[^"\\]|\\.)*)"|(\w+)::(\w+)', expr):
            tokens.append(literal if enum == "" else self.facts.enum_names.get(enum, {}).get(variant, variant))
        rank = {t: i for i, t in reversed(list(enumerate(tokens)))}
        if not all(str(m) in rank for m in members):
            self.report.warn(
                ("fields", schema, "defaults", prop),
                f"the crate's default ({where}) does not list every published member; its order is not used",
            )
            return None
        return sorted(members, key=lambda m: rank[str(m)])

    def contexts(self) -> dict[str, Any]:
        """`contexts:` for the expression contexts the imported fields use."""
        out: dict[str, Any] = {}
        for static in sorted(self.used_contexts, key=context_name):
            if static in self.facts.contexts:
                enum, members, _ = self.facts.contexts[static]
                out[context_name(static)] = {"kind": CONTEXT_KINDS.get(enum, "variables"), "values": list(members)}
        return out


def where_published(schema: str, prop: str) -> str:
    return jpath("fields", schema, "properties", prop)
