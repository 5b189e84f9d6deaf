"""Declared migrations of stored data: read from the schema and checked against the resolved IR.

The language (docs/schema-format.md, "Migrations of stored data") says how a value written under
an older schema becomes valid under this one, with no code: a field's `renamedFrom` (its former
names), its `migrate` steps (`replace` a value, `wrap` a plain value into a union variant, `clamp`
a number to a bound), and an enum's `formerValues` (removed value → current value). The generated
server applies them on start (the runtime's server/migrations.py); `diff` reads them to tell which
stored data a change no longer breaks (generator/compat/compare.py).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping
from typing import Any

from .defaults import DefaultNormalizer
from .diagnostics import Diagnostic, Pos
from .ir import Field, Migration, Schema

FIELD_NAME = re.compile(r"[a-z][A-Za-z0-9]*\Z")
OPS = ("replace", "wrap", "clamp")
PARTNERS = {"replace": "with", "wrap": "field"}  # the key each op needs beside it

PosAt = Callable[..., Pos]  # path below the key being read → its position


def read_renames(raw: str | list[str] | None) -> tuple[str, ...]:
    if raw is None:
        return ()
    return (raw,) if isinstance(raw, str) else tuple(raw)


def read_steps(raw: list[dict[str, Any]] | None, at: PosAt) -> tuple[tuple[Migration, ...], list[Diagnostic]]:
    """A field's `migrate` list; the meta-schema has checked each key's type, this checks that a
    step is exactly one operation with the key it needs."""
    steps: list[Migration] = []
    errors: list[Diagnostic] = []
    for i, body in enumerate(raw or ()):
        ops = [op for op in OPS if op in body]
        if len(ops) != 1:
            errors.append(Diagnostic(at(i), "a migration step is exactly one of replace, wrap, clamp"))
            continue
        op = ops[0]
        pos = at(i, op)
        extra = sorted(set(body) - {op, *([PARTNERS[op]] if op in PARTNERS else [])})
        if extra:
            errors.append(Diagnostic(at(i, extra[0]), f"'{extra[0]}' does not belong to a {op} step"))
        elif op in PARTNERS and PARTNERS[op] not in body:
            errors.append(Diagnostic(pos, f"a {op} step needs '{PARTNERS[op]}'"))
        elif op == "replace":
            steps.append(Migration("replace", value=body["replace"], replacement=body["with"], pos=pos))
        elif op == "wrap":
            steps.append(Migration("wrap", variant=body["wrap"], into=body["field"], pos=pos))
        else:
            steps.append(Migration("clamp", bound=body["clamp"], pos=pos))
    return tuple(steps), errors


def read_former(
    enum: str, raw: Mapping[str, str] | None, values: set[str], at: PosAt
) -> tuple[tuple[tuple[str, str], ...], list[Diagnostic]]:
    """An enum's `formerValues`: each a value the enum no longer has, mapped to one it has."""
    out: list[tuple[str, str]] = []
    errors: list[Diagnostic] = []
    for old, new in (raw or {}).items():
        if old in values:
            errors.append(Diagnostic(at(old), f"'{old}' is a value of {enum}: formerValues maps removed values"))
        elif new not in values:
            errors.append(Diagnostic(at(old), f"'{new}' is not a value of {enum} ({', '.join(sorted(values))})"))
        else:
            out.append((old, new))
    return tuple(out), errors


def check_migrations(
    schemas: Mapping[str, Schema], normalizer: DefaultNormalizer
) -> tuple[dict[str, Schema], list[Diagnostic]]:
    """Every schema with its migrations checked against the resolved types; `replace` values
    normalised to wire form as defaults are."""
    errors: list[Diagnostic] = []
    out: dict[str, Schema] = {}
    for name, schema in schemas.items():
        claimed: dict[str, str] = {}  # former name → the field claiming it
        fields = []
        current = {f.name for f in schema.fields}
        for f in schema.fields:
            for old in f.renamed_from:
                errors += _rename_problems(schema, f, old, current, claimed)
            steps = []
            for step in f.migrations:
                problem, step = _step(schemas, normalizer, f, step)
                if problem:
                    errors.append(Diagnostic(step.pos, f"migrate of '{f.name}': {problem}"))
                steps.append(step)
            fields.append(dataclasses.replace(f, migrations=tuple(steps)) if steps else f)
        out[name] = dataclasses.replace(schema, fields=tuple(fields))
    return out, errors


def _rename_problems(
    schema: Schema, f: Field, old: str, current: set[str], claimed: dict[str, str]
) -> list[Diagnostic]:
    at = f.pos_of("renamedFrom")
    if not FIELD_NAME.match(old):
        return [Diagnostic(at, f"renamedFrom of '{f.name}': '{old}' is not a field name")]
    if old in current:
        return [Diagnostic(at, f"renamedFrom of '{f.name}': '{old}' is still a field of {schema.name}")]
    first = claimed.setdefault(old, f.name)
    if first != f.name:
        return [Diagnostic(at, f"renamedFrom of '{f.name}': '{old}' is already claimed by '{first}'")]
    return []


def _step(
    schemas: Mapping[str, Schema], normalizer: DefaultNormalizer, f: Field, step: Migration
) -> tuple[str, Migration]:
    """(the problem, or "") and the step with its replacement in wire form."""
    t = f.type
    if step.op == "replace":
        if step.value is None and t.nullable:
            return f"replacing null does nothing: {f.name} is nullable, so null is not refused", step
        wire, problems = normalizer.normalize(step.replacement, t)
        return (f"'with' {problems[0]}" if problems else ""), dataclasses.replace(step, replacement=wire)
    if step.op == "clamp":
        if t.kind != "number":
            return f"clamp applies to numbers, and '{f.name}' is {t.kind}", step
        if getattr(f, step.bound) is None:
            return f"clamp: {step.bound}, but '{f.name}' has no {step.bound}", step
        return "", step
    union = schemas.get(t.target or "") if t.kind == "object" else None
    if union is None or not union.is_union:
        return f"wrap applies to a field whose type is a union, and '{f.name}' is not one", step
    variant = next((v for v in union.variants if v.name == step.variant), None)
    if variant is None:
        names = ", ".join(v.name for v in union.variants)
        return f"'{step.variant}' is not a variant of {union.name} ({names})", step
    holder = schemas.get(variant.type or "")
    if holder is None or step.into not in {x.name for x in holder.fields}:
        return f"variant {step.variant} of {union.name} has no field '{step.into}'", step
    return "", step
