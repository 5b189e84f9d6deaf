"""The `<package>/payloads.py` view model: a TypedDict per schema and union variant for what the
typed client's `create` takes (`<Class>Create`), and per object for what `update` takes
(`<Class>Update`), in wire names (`@type`, camelCase).

Value types are the wire input forms: strings, ids and date-times `str`; whole numbers `int`,
durations and sizes also their human text (`"30s"`, `"10mb"`); `float`; `bool`; an enum its
`StrEnum` or the literal wire value; nested objects their `<Class>Create`; object lists and sets
lists (a set also as the wire's `{member: true}` object); maps `dict[K, V]`; nullable `T | None`.
Create marks what the server refuses to create without as `Required`; update takes only the
mutable fields, each optional. Every type is written as a string (the dict values of the
functional TypedDict syntax are evaluated), so the module needs nothing but `typing` at run time.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..ir import Field, Object, Registry, Schema, TypeRef
from .python_models import INT_FORMATS, class_name

HUMAN_FORMATS = ("duration", "size")  # the server also reads "30s", "10mb"


@dataclass(frozen=True)
class KeyView:
    key: str  # the wire name
    type: str  # a type expression, `Required[...]` around it when the key must be there


@dataclass(frozen=True)
class PayloadView:
    name: str
    description: str
    keys: tuple[KeyView, ...] = ()
    union: tuple[str, ...] = ()  # a type alias over these payloads instead of a TypedDict


@dataclass(frozen=True)
class EnumValuesView:
    name: str  # `<Enum>Value`: the Literal of its wire values, written once for every use
    enum: str
    values: str  # the Literal's arguments


@dataclass(frozen=True)
class PayloadsView:
    records: tuple[PayloadView, ...]  # the TypedDicts
    # the aliases over variants' TypedDicts, printed after every TypedDict so that they name them
    # as plain expressions (a quoted alias is one long string no formatter can wrap)
    unions: tuple[PayloadView, ...]
    enums: tuple[EnumValuesView, ...]  # the enums the types name


class _Builder:
    def __init__(self, registry: Registry) -> None:
        self.registry = registry
        self.enums: dict[str, EnumValuesView] = {}
        # a variant's class can share its name with a schema (union Asn's Dns and the type AsnDns)
        self.taken = set(registry.schemas)

    def create_name(self, schema: Schema, variant: str | None = None) -> str:
        name = class_name(schema, variant)
        if variant is not None and name in self.taken:
            name = f"{schema.name}Variant{variant}"
        return f"{name}Create"

    def value(self, ref: TypeRef) -> str:
        base = self._bare(ref)
        return f"{base} | None" if ref.nullable else base

    def _bare(self, ref: TypeRef) -> str:
        kind = ref.kind
        if kind == "number":
            if ref.format in HUMAN_FORMATS:
                return "int | str"
            return "int" if ref.format in INT_FORMATS else "float"
        if kind == "boolean":
            return "bool"
        if kind == "enum":
            enum = self.registry.enums[ref.target or ""]
            if enum.placeholder:  # its values are not all known: any string may be one
                return "str"
            if enum.name not in self.enums:
                values = ", ".join(repr(v.name) for v in enum.values)
                self.enums[enum.name] = EnumValuesView(f"{enum.name}Value", enum.name, values)
            return f"{enum.name} | {enum.name}Value" if enum.values else enum.name
        if kind == "object":
            return self.create_name(self.registry.schemas[ref.target or ""])
        if kind == "objectList":
            return f"list[{self.create_name(self.registry.schemas[ref.target or ''])}]"
        if kind == "set":
            member = self._bare(ref.member)
            return f"list[{member}] | dict[{member}, bool]"
        if kind == "map":
            return f"dict[{self._bare(ref.map_key)}, {self.value(ref.member)}]"
        return "str"

    def keys(self, fields: tuple[Field, ...], variant: str | None, *, create: bool) -> tuple[KeyView, ...]:
        out: list[KeyView] = []
        if variant is not None:  # a create must say which variant; an update may switch to it
            out.append(KeyView("@type", f"Required[Literal[{variant!r}]]" if create else f"Literal[{variant!r}]"))
        for f in fields:
            if f.update == "serverSet" or (not create and f.update != "mutable"):
                continue
            value = self.value(f.type)
            out.append(KeyView(f.name, f"Required[{value}]" if create and f.needed_on_create else value))
        return tuple(out)

    def variant_fields(self, schema: Schema, variant: str) -> tuple[Field, ...]:
        holder = next(v.type for v in schema.variants if v.name == variant)
        return self.registry.schemas[holder].fields if holder else ()

    def schema(self, schema: Schema) -> list[PayloadView]:
        if not schema.is_union:
            keys = self.keys(schema.fields, None, create=True)
            return [PayloadView(self.create_name(schema), f"`{schema.name}` as a create writes it.", keys)]
        out = [
            PayloadView(
                self.create_name(schema, v.name),
                f"`{schema.name}` of `@type` {v.name} as a create writes it.",
                self.keys(self.variant_fields(schema, v.name), v.name, create=True),
            )
            for v in schema.variants
        ]
        union = tuple(p.name for p in out)
        out.append(PayloadView(self.create_name(schema), f"`{schema.name}` of any `@type`.", union=union))
        return out

    def update(self, obj: Object) -> list[PayloadView]:
        schema = obj.schema
        assert schema is not None  # a managed object has its schema
        name = f"{obj.name}Update"
        what = f"The changes an update of `{obj.name}` makes"
        if not schema.is_union:
            return [PayloadView(name, f"{what}.", self.keys(schema.fields, None, create=False))]
        out = [
            PayloadView(
                f"{self.create_name(schema, v.name).removesuffix('Create')}Update",
                f"{what} (`@type` {v.name}).",
                self.keys(self.variant_fields(schema, v.name), v.name, create=False),
            )
            for v in schema.variants
        ]
        out.append(PayloadView(name, f"{what}, of any `@type`.", union=tuple(p.name for p in out)))
        return out


def payloads_view(registry: Registry) -> PayloadsView:
    builder = _Builder(registry)
    payloads = [p for schema in registry.schemas.values() for p in builder.schema(schema)]
    payloads += [p for obj in registry.managed for p in builder.update(obj)]
    return PayloadsView(
        tuple(p for p in payloads if not p.union),
        tuple(p for p in payloads if p.union),
        tuple(builder.enums[name] for name in sorted(builder.enums)),
    )


def payload_names(registry: Registry, obj: Object) -> tuple[str, str]:
    """What `create` and `update` of `obj`'s client group take: (create payload, update payload)."""
    assert obj.schema is not None  # a managed object has its schema
    return _Builder(registry).create_name(obj.schema), f"{obj.name}Update"
