"""Semantic checks on the resolved IR: ranges, constraints that fit their type, generated names.

A field may waive a check with `suppress: {code: reason}`; the reason is printed on every run so a
reviewer sees it, and a suppression that no longer matches anything is itself an error.
"""

from __future__ import annotations

from collections.abc import Iterator

from .diagnostics import Diagnostic
from .ir import Field, Registry, Schema
from .names import GENERATED_MODULES, kebab, python_class_clash, python_module

NUMBER_ONLY = ("min", "max")
UNWAIVABLE = "schema"  # a constraint that does not fit its type is a mistake, never a judgement call
COLLECTIONS = ("set", "objectList", "map")


def _field_checks(field: Field) -> Iterator[Diagnostic]:
    kind = field.type.kind
    for key in NUMBER_ONLY:
        if getattr(field, key) is not None and kind != "number":
            yield Diagnostic(field.pos_of(key), f"'{key}' applies to numbers, but '{field.name}' is {kind}")
    if field.min_items is not None and kind not in COLLECTIONS:
        yield Diagnostic(
            field.pos_of("minItems"), f"'minItems' applies to sets, lists and maps, but '{field.name}' is {kind}"
        )
    if field.max_length is not None and kind != "string":
        yield Diagnostic(field.pos_of("maxLength"), f"'maxLength' applies to strings, but '{field.name}' is {kind}")
    if field.secret and kind != "string":
        yield Diagnostic(field.pos_of("secret"), f"'secret' applies to strings, but '{field.name}' is {kind}")
    if field.min is not None and field.max is not None and field.min > field.max:
        yield Diagnostic(
            field.pos_of("max"), f"'{field.name}' has min {field.min} above max {field.max}", "min-above-max"
        )
    value = field.default
    if not field.has_default or value is None:
        return
    if kind == "number" and isinstance(value, int | float):
        if field.min is not None and value < field.min:
            yield Diagnostic(
                field.pos_of("default"),
                f"default {value} of '{field.name}' is below its min {field.min}",
                "default-below-min",
            )
        if field.max is not None and value > field.max:
            yield Diagnostic(
                field.pos_of("default"),
                f"default {value} of '{field.name}' is above its max {field.max}",
                "default-above-max",
            )
    if field.min_items is not None and isinstance(value, list | dict) and len(value) < field.min_items:
        yield Diagnostic(
            field.pos_of("default"),
            f"default of '{field.name}' has {len(value)} item(s), fewer than minItems {field.min_items}",
            "default-below-min-items",
        )
    if field.max_length is not None and isinstance(value, str) and len(value) > field.max_length:
        yield Diagnostic(
            field.pos_of("default"),
            f"default of '{field.name}' is {len(value)} characters, over maxLength {field.max_length}",
            "default-over-max-length",
        )


def _schema_checks(schema: Schema) -> Iterator[Diagnostic]:
    seen: dict[str, Field] = {}
    for field in schema.fields:
        other = seen.get(field.py_name)
        if other is not None:
            yield Diagnostic(
                field.pos,
                f"'{field.name}' becomes the Python attribute '{field.py_name}', which '{other.name}' already is "
                f"(keywords and builtins get a trailing underscore)",
            )
        seen[field.py_name] = field


def _name_checks(registry: Registry) -> Iterator[Diagnostic]:
    """`IsTls` and `IsTLS` would share a page, a CLI name and a module: a diagnostic, not a crash."""
    seen: dict[str, Schema] = {}
    for schema in sorted(registry.schemas.values(), key=lambda s: s.pos):
        other = seen.setdefault(kebab(schema.name), schema)
        if other is not schema:
            yield Diagnostic(
                schema.pos,
                f"'{schema.name}' and '{other.name}' both become '{kebab(schema.name)}' in page, CLI and module "
                f"names; rename one",
            )


def _python_class_checks(registry: Registry) -> Iterator[Diagnostic]:
    """Schemas, enums and union variants become Python classes (`Schema` + `Variant` for a variant):
    a name Python or the generated modules already use would make code that does not parse or run."""
    for name, pos in [
        *((s.name, s.pos) for s in registry.schemas.values()),
        *((e.name, e.pos) for e in registry.enums.values()),
    ]:
        reason = python_class_clash(name)
        if reason is not None:
            yield Diagnostic(pos, f"'{name}' cannot be a name here: it becomes a Python class, and {reason}; rename it")
    variant_classes: dict[str, str] = {}  # class name → the first variant that became it
    for schema in sorted(registry.schemas.values(), key=lambda s: s.pos):
        module = python_module(schema.name)
        if module in GENERATED_MODULES:
            yield Diagnostic(
                schema.pos,
                f"'{schema.name}' cannot be a name here: its Python module would be '{module}', which the generated "
                f"package uses itself; rename it",
            )
        for variant in schema.variants:
            cls = schema.name + variant.name
            reason = python_class_clash(cls)
            # A variant may name its data type after itself (`TraceValue` + `IpAddr` holding the type
            # `TraceValueIpAddr`, as the imported registry does): tolerated, the two live in different
            # modules and the variant's class is the type's fields under its union.
            if reason is None and cls != variant.type and (cls in registry.schemas or cls in registry.enums):
                reason = f"a {'type' if cls in registry.schemas else 'enum'} is already named '{cls}'"
            if reason is None and cls in variant_classes:
                reason = f"{variant_classes[cls]} already does"
            variant_classes.setdefault(cls, f"variant '{variant.name}' of '{schema.name}'")
            if reason is not None:
                yield Diagnostic(
                    variant.pos,
                    f"variant '{variant.name}' of '{schema.name}' becomes the Python class '{cls}', but {reason}; "
                    f"rename one",
                )


def check(registry: Registry) -> tuple[list[Diagnostic], list[str]]:
    """Returns (errors, notes): notes list each suppression in force, with its reason."""
    errors: list[Diagnostic] = []
    notes: list[str] = []
    errors.extend(_name_checks(registry))
    errors.extend(_python_class_checks(registry))
    for schema in registry.schemas.values():
        errors.extend(_schema_checks(schema))
        for field in schema.fields:
            waived = dict(field.suppressed)
            fired = set()
            for diagnostic in _field_checks(field):
                if diagnostic.code in waived and diagnostic.code != UNWAIVABLE:
                    fired.add(diagnostic.code)
                    notes.append(f"{diagnostic} [suppressed {diagnostic.code}: {waived[diagnostic.code]}]")
                else:
                    errors.append(diagnostic)
            for code in sorted(set(waived) - fired):
                why = "cannot be waived: fix the field" if code == UNWAIVABLE else "matches nothing; remove it"
                errors.append(Diagnostic(field.pos_of("suppress"), f"suppression of '{code}' on '{field.name}' {why}"))
    for enum in registry.enums.values():
        if enum.placeholder:
            notes.append(f"{enum.pos}: enum '{enum.name}' is a placeholder: {enum.placeholder}")
    for obj in registry.objects:
        variant = obj.examples.create_variant
        if variant and obj.schema and variant not in {v.name for v in obj.schema.variants}:
            errors.append(Diagnostic(obj.pos, f"examples.createVariant '{variant}' is not a variant of {obj.name}"))
    return errors, notes
