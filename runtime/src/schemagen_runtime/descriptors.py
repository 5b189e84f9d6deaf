"""Descriptors: the schema as plain, frozen data that the generated `_registry` package holds.

Every other runtime module (codec, validation, patching, the server, the models) is driven by
these; nothing in the runtime knows a particular object. Schemas and enums are loaded lazily, one
module per schema, so importing a registry of 150 objects costs only its object table.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final


class _Missing:
    """The absence of a value (distinct from JSON null)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "MISSING"

    def __bool__(self) -> bool:
        return False


MISSING: Final[Any] = _Missing()

SCALAR_KINDS = frozenset({"string", "number", "boolean", "enum", "objectId", "utcDateTime", "blobId"})
SECRET_FORMATS = frozenset({"secret", "secretText"})
INTEGER_FORMATS = frozenset({"unsignedInteger", "integer", "size", "duration"})


@dataclass(frozen=True, slots=True)
class TypeDesc:
    """A field type: `target` names the enum, schema or object; `item`/`key` describe the members
    of a set and the values/keys of a map. `secret`: a field's `secret: true`, a value masked as
    the secret formats are whatever its own format (is_secret is the one rule both follow)."""

    kind: str
    format: str | None = None
    target: str | None = None
    item: TypeDesc | None = None
    key: TypeDesc | None = None
    nullable: bool = False
    secret: bool = False

    @property
    def is_scalar(self) -> bool:
        return self.kind in SCALAR_KINDS

    @property
    def is_secret(self) -> bool:
        return self.secret or self.format in SECRET_FORMATS


@dataclass(frozen=True, slots=True)
class FieldDesc:
    name: str
    type: TypeDesc
    py_name: str = ""
    update: str = "mutable"  # mutable | immutable | serverSet
    default: Any = MISSING  # wire form as the IR holds it (sets and lists as JSON arrays)
    required: bool = False  # must be given on create (the IR's rule, shared with the docs)
    min: int | float | None = None
    max: int | float | None = None
    min_items: int | None = None
    max_length: int | None = None
    unique: bool = False
    filterable: bool = False
    sortable: bool = False
    validators: tuple[str, ...] = ()
    enterprise: bool = False
    text_index: str | None = None  # the query condition matching this field's words (e.g. `text`)
    # Declared migrations of stored data (server/migrations.py): former names of the field, and
    # steps ("replace", old, new), ("wrap", variant, field), ("clamp", "min" | "max").
    renamed_from: tuple[str, ...] = ()
    migrate: tuple[tuple[Any, ...], ...] = ()

    @property
    def settable(self) -> bool:
        return self.update != "serverSet"


@dataclass(frozen=True, slots=True)
class VariantDesc:
    name: str
    schema: str | None = None  # the single schema holding the variant's fields
    label: str = ""


@dataclass(frozen=True, slots=True)
class SchemaDesc:
    """A set of fields, or (with variants) a tagged union whose `@type` selects one."""

    name: str
    fields: tuple[FieldDesc, ...] = ()
    variants: tuple[VariantDesc, ...] = ()
    # Unique keys over several fields or shared between schemas: (name, fields, shared).
    keys: tuple[tuple[str, tuple[str, ...], bool], ...] = ()
    by_name: Mapping[str, FieldDesc] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_name", {f.name: f for f in self.fields})

    @property
    def is_union(self) -> bool:
        return bool(self.variants)

    def variant(self, name: object) -> VariantDesc | None:
        return next((v for v in self.variants if v.name == name), None)


@dataclass(frozen=True, slots=True)
class EnumDesc:
    name: str
    values: tuple[str, ...]
    labels: tuple[str, ...] = ()
    former: tuple[tuple[str, str], ...] = ()  # (removed value, the value stored data migrates to)


@dataclass(frozen=True, slots=True)
class ObjectDesc:
    name: str
    jmap_name: str
    kind: str  # object | singleton
    permission_prefix: str
    schema: str = ""  # the object's own schema (same name)
    operation: bool = False  # a create runs the operation its variant names (server/operations.py)

    @property
    def is_singleton(self) -> bool:
        return self.kind == "singleton"

    @property
    def methods(self) -> tuple[str, ...]:
        return ("get", "set") if self.is_singleton else ("get", "set", "query")

    def permission(self, verb: str) -> str:
        """`Get`, `Create`, `Update`, `Destroy`, `Query`; singletons use Update for every set."""
        return self.permission_prefix + verb


@dataclass(frozen=True, slots=True)
class ProjectDesc:
    name: str
    version: str
    capability: str
    namespace: str = ""
    api_path: str = "/api"
    package: str = ""
    distribution: str = ""
    capabilities: tuple[str, ...] = ()  # more capabilities accepted in `using` (no methods here)
    edition: str = ""
    oauth_clients: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (client id, redirect URIs)
    permissions_enum: str = ""  # an enum whose values are more permission names the server knows


SchemaLoader = Callable[[str], SchemaDesc]


def module_loader(package: str, modules: Mapping[str, str]) -> SchemaLoader:
    """Loads `<package>.<modules[name]>.SCHEMA` on first use."""

    def load(name: str) -> SchemaDesc:
        module = modules.get(name)
        if module is None:
            raise KeyError(f"no schema named {name!r}")
        schema = importlib.import_module(f"{package}.{module}").SCHEMA
        assert isinstance(schema, SchemaDesc)
        return schema

    return load


class Registry:
    """Objects by name and JMAP name, schemas and enums loaded on demand and cached."""

    def __init__(
        self,
        project: ProjectDesc,
        objects: tuple[ObjectDesc, ...],
        schemas: SchemaLoader,
        enums: Callable[[], Mapping[str, EnumDesc]],
    ) -> None:
        self.project = project
        self.objects = objects
        self._by_name = {o.name: o for o in objects}
        self._by_jmap = {o.jmap_name: o for o in objects}
        self._load_schema = schemas
        self._load_enums = enums
        self._schemas: dict[str, SchemaDesc] = {}
        self._enums: Mapping[str, EnumDesc] | None = None
        self.cache: dict[Any, Any] = {}  # compiled codecs and plans, keyed by their builders

    def object(self, name: str) -> ObjectDesc:
        return self._by_name[name]

    def find_object(self, name: str) -> ObjectDesc | None:
        return self._by_name.get(name)

    def by_jmap_name(self, jmap_name: str) -> ObjectDesc | None:
        return self._by_jmap.get(jmap_name)

    def schema(self, name: str) -> SchemaDesc:
        found = self._schemas.get(name)
        if found is None:
            found = self._schemas[name] = self._load_schema(name)
        return found

    def enum(self, name: str) -> EnumDesc:
        if self._enums is None:
            self._enums = self._load_enums()
        return self._enums[name]

    def variant_fields(self, schema: SchemaDesc, variant: str | None) -> tuple[FieldDesc, ...] | None:
        """The fields an instance carries: a union's come from the variant's schema (None if the
        variant is unknown)."""
        if not schema.is_union:
            return schema.fields
        found = schema.variant(variant)
        if found is None:
            return None
        return self.schema(found.schema).fields if found.schema else ()
