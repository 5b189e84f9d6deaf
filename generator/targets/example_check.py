"""The examples' values checked by the runtime itself, not by a second set of rules.

The IR becomes the runtime's descriptors in memory (`generator.runtime_descriptors`, the very
objects python_registry.py prints into `_registry/`), and a chosen value goes through the steps the
generated server and CLI run on it: a `--field` value is decoded and checked as the CLI checks one
(`validate.check_value`), a create or update payload is decoded, patched, write-checked and
validated as `x:Foo/set` does, and a query condition is compiled by the server's query filter. So
an example is valid exactly when the server says so.
"""

from __future__ import annotations

from typing import Any

from schemagen_runtime.codec import Ctx, decode_object, decode_value, defaults
from schemagen_runtime.descriptors import MISSING, FieldDesc
from schemagen_runtime.errors import Issue
from schemagen_runtime.patch import apply_patch, check_writes
from schemagen_runtime.server.protocol import MethodError
from schemagen_runtime.server.query import compile_filter
from schemagen_runtime.validate import check_value, member_field, validate

from ..ir import Field, Registry
from ..runtime_descriptors import field_desc, runtime_registry


def messages(issues: list[Issue]) -> list[str]:
    return [i.message for i in issues]


class ExampleCheck:
    """The runtime's verdict on example values of one registry."""

    def __init__(self, registry: Registry) -> None:
        self.registry = registry
        self.runtime = runtime_registry(registry)

    def accepts(self, f: Field, value: Any, member: bool = False) -> bool:
        """Whether the field takes `value` (as a member, for a set or a map key, when `member`),
        decoded and checked as the CLI checks a `--field` value."""
        desc = field_desc(f)
        t = desc.type
        if member and t.kind in ("set", "map"):
            t = (t.item if t.kind == "set" else t.key) or t
        ctx = Ctx()
        decoded = decode_value(self.runtime, t, value, ctx, f.name)
        if ctx.issues:
            return False
        if t is not desc.type:  # a member: held to the checks the field makes of each member
            checked = member_field(desc, t) or FieldDesc(f.name, t)
            return not check_value(self.runtime, checked, decoded)
        return not check_value(self.runtime, desc, decoded)

    def created(self, schema: str, payload: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
        """The object a create makes of `payload`, and why `x:Foo/set` would refuse it."""
        ctx = Ctx()
        doc = decode_object(self.runtime, schema, payload, ctx)
        if doc is MISSING:
            return {}, messages(ctx.issues)
        check_writes(self.runtime, schema, defaults(self.runtime, schema, doc.get("@type")), doc, ctx, creating=True)
        return doc, messages(ctx.issues or validate(self.runtime, schema, doc))

    def update_issues(self, schema: str, current: dict[str, Any] | None, patch: dict[str, Any]) -> list[Issue]:
        """What `x:Foo/set` finds wrong in updating `current` (a singleton nobody wrote: None).
        Stricter in one way: the server skips validating any update that changes nothing, while an
        example that sets a value must stay valid once a reader changes it; only restating the id
        is the no-op it is."""
        entries = {k: v for k, v in patch.items() if k != "id"}
        if not entries:
            return []
        before = defaults(self.runtime, schema) if current is None else current
        ctx = Ctx()
        doc = apply_patch(self.runtime, schema, before, entries, ctx)
        if not ctx.issues:
            check_writes(self.runtime, schema, before, doc, ctx, creating=False)
        return ctx.issues or validate(self.runtime, schema, doc)

    def filter_problem(self, schema: str, condition: dict[str, Any]) -> str | None:
        """Why the server's `x:Foo/query` refuses the filter, or None."""
        try:
            compile_filter(self.runtime, schema, condition, 1)
        except MethodError as exc:
            return f"{exc.kind}: {exc.description}"
        return None


_last: ExampleCheck | None = None


def example_check(registry: Registry) -> ExampleCheck:
    """One checker per registry: the docs ask for every object's examples in turn."""
    global _last
    if _last is None or _last.registry is not registry:
        _last = ExampleCheck(registry)
    return _last
