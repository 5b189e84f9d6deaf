"""The IR as the runtime's descriptors: the one function from IR to `schemagen_runtime.descriptors`.

The generated `_registry/` modules print these descriptors (targets/python_registry.py), and the
generator's own checks (defaults, examples) run the runtime's codec on them in memory, so what
the generator accepts and what the generated server accepts come from the same objects.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any

from schemagen_runtime.descriptors import (
    MISSING,
    EnumDesc,
    FieldDesc,
    ObjectDesc,
    ProjectDesc,
    SchemaDesc,
    TypeDesc,
    VariantDesc,
)
from schemagen_runtime.descriptors import Registry as RuntimeRegistry

from .ir import Enum, Field, Migration, Object, Project, Registry, Schema, TypeRef


def type_desc(ref: TypeRef) -> TypeDesc:
    return TypeDesc(
        ref.kind,
        format=ref.format,
        target=ref.target,
        item=type_desc(ref.item) if ref.item is not None else None,
        key=type_desc(ref.key) if ref.key is not None else None,
        nullable=ref.nullable,
    )


def migration_step(m: Migration) -> tuple[Any, ...]:
    """A declared migration as FieldDesc.migrate holds it (server/migrations.py)."""
    if m.op == "replace":
        return ("replace", m.value, m.replacement)
    if m.op == "wrap":
        return ("wrap", m.variant, m.into)
    return ("clamp", m.bound)


def field_desc(f: Field) -> FieldDesc:
    ftype = type_desc(f.type)
    return FieldDesc(
        f.name,
        replace(ftype, secret=True) if f.secret else ftype,  # the flag rides on the type is_secret reads
        py_name=f.py_name if f.py_name != f.name else "",
        update=f.update,
        default=f.default if f.has_default else MISSING,
        required=f.required,
        min=f.min,
        max=f.max,
        min_items=f.min_items,
        max_length=f.max_length,
        unique=f.unique,
        filterable=f.filterable,
        sortable=f.sortable,
        validators=f.validators,
        enterprise=f.enterprise,
        text_index=f.text_index or None,
        renamed_from=f.renamed_from,
        migrate=tuple(migration_step(m) for m in f.migrations),
    )


def schema_desc(schema: Schema) -> SchemaDesc:
    if schema.is_union:
        return SchemaDesc(schema.name, variants=tuple(VariantDesc(v.name, v.type, v.label) for v in schema.variants))
    keys = tuple((k.name, k.fields, k.shared) for k in schema.keys)
    return SchemaDesc(schema.name, fields=tuple(field_desc(f) for f in schema.fields), keys=keys)


def enum_desc(enum: Enum) -> EnumDesc:
    values = tuple(v.name for v in enum.values)
    labels = tuple(v.label for v in enum.values)
    return EnumDesc(enum.name, values, labels, former=enum.former_values)


def object_desc(obj: Object) -> ObjectDesc:
    return ObjectDesc(obj.name, obj.jmap_name, obj.kind, obj.permission_prefix, obj.name, operation=obj.operation)


def project_desc(p: Project) -> ProjectDesc:
    return ProjectDesc(
        name=p.name,
        version=p.version,
        capability=p.capability,
        namespace=p.namespace,
        api_path=p.api_path,
        package=p.package,
        distribution=p.distribution,
        capabilities=p.capabilities,
        edition=p.edition,
        oauth_clients=p.oauth_clients,
        permissions_enum=p.permissions_enum,
    )


_NO_PROJECT = ProjectDesc("", "", "")


def runtime_registry_of(
    schemas: Mapping[str, Schema],
    enums: Mapping[str, Enum],
    project: ProjectDesc = _NO_PROJECT,
    objects: Iterable[ObjectDesc] = (),
) -> RuntimeRegistry:
    """A runtime registry over these schemas and enums, built in memory (each schema on first use,
    as the generated package loads its modules)."""

    def schema(name: str) -> SchemaDesc:
        found = schemas.get(name)
        if found is None:
            raise KeyError(f"no schema named {name!r}")
        return schema_desc(found)

    def all_enums() -> Mapping[str, EnumDesc]:
        return {name: enum_desc(e) for name, e in enums.items()}

    return RuntimeRegistry(project, tuple(objects), schema, all_enums)


_last: tuple[Registry, RuntimeRegistry] | None = None


def runtime_registry(registry: Registry) -> RuntimeRegistry:
    """The registry the generated package builds at import, from the same descriptors; one per IR
    (the targets of a run share it, and its compiled codecs)."""
    global _last
    if _last is None or _last[0] is not registry:
        objects = (object_desc(o) for o in registry.managed)
        built = runtime_registry_of(registry.schemas, registry.enums, project_desc(registry.project), objects)
        _last = (registry, built)
    return _last[1]
