"""The `<package>/_registry/` view model: the IR as runtime descriptor literals.

One module per schema (loaded on first use by `runtime.descriptors.module_loader`), one module of
enums, and a package `__init__` with the project and the object table, so importing the registry
costs only that table however many objects the schema has.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..ir import Enum, Field, Object, Registry, Schema, TypeRef
from ..names import python_module


@dataclass(frozen=True)
class SchemaModule:
    module: str  # module name inside _registry/
    name: str
    expr: str  # the SchemaDesc(...) expression
    sources: tuple[str, ...]


@dataclass(frozen=True)
class RegistryView:
    project_args: tuple[str, ...]  # ProjectDesc keyword arguments, as `key=literal`
    objects: tuple[str, ...]  # ObjectDesc(...) expressions
    schema_modules: tuple[tuple[str, str], ...]  # (schema name, module), sorted
    schemas: tuple[SchemaModule, ...]
    enums: tuple[tuple[str, str], ...]  # (enum name, EnumDesc(...) expression)


def type_expr(ref: TypeRef) -> str:
    args = [repr(ref.kind)]
    if ref.format is not None:
        args.append(f"format={ref.format!r}")
    if ref.target is not None:
        args.append(f"target={ref.target!r}")
    if ref.item is not None:
        args.append(f"item={type_expr(ref.item)}")
    if ref.key is not None:
        args.append(f"key={type_expr(ref.key)}")
    if ref.nullable:
        args.append("nullable=True")
    return f"T({', '.join(args)})"


def field_expr(f: Field) -> str:
    args = [repr(f.name), type_expr(f.type)]
    if f.py_name != f.name:
        args.append(f"py_name={f.py_name!r}")
    if f.update != "mutable":
        args.append(f"update={f.update!r}")
    if f.has_default:
        args.append(f"default={f.default!r}")
    if f.required:
        args.append("required=True")
    optional: list[tuple[str, Any]] = [
        ("min", f.min),
        ("max", f.max),
        ("min_items", f.min_items),
        ("max_length", f.max_length),
    ]
    args += [f"{key}={value!r}" for key, value in optional if value is not None]
    flags = [("unique", f.unique), ("filterable", f.filterable), ("sortable", f.sortable), ("enterprise", f.enterprise)]
    args += [f"{key}=True" for key, value in flags if value]
    if f.validators:
        args.append(f"validators={f.validators!r}")
    if f.text_index:
        args.append(f"text_index={f.text_index!r}")
    return f"F({', '.join(args)})"


def schema_expr(schema: Schema) -> str:
    if schema.is_union:
        variants = ", ".join(f"V({v.name!r}, {v.type!r}, {v.label!r})" for v in schema.variants)
        return f"SchemaDesc({schema.name!r}, variants=({variants},))"
    fields = "".join(f"\n        {field_expr(f)}," for f in schema.fields)
    keys = "".join(f"\n    keys={tuple((k.name, k.fields, k.shared) for k in schema.keys)!r}," if schema.keys else "")
    return f"SchemaDesc(\n    {schema.name!r},\n    fields=({fields}\n    ),{keys}\n)"


def object_expr(obj: Object) -> str:
    return f"ObjectDesc({obj.name!r}, {obj.jmap_name!r}, {obj.kind!r}, {obj.permission_prefix!r}, {obj.name!r})"


def enum_expr(enum: Enum) -> str:
    values = tuple(v.name for v in enum.values)
    labels = tuple(v.label for v in enum.values)
    return f"EnumDesc({enum.name!r}, {values!r}, {labels!r})"


def registry_view(registry: Registry) -> RegistryView:
    p = registry.project
    project = {
        "name": p.name,
        "version": p.version,
        "capability": p.capability,
        "namespace": p.namespace,
        "api_path": p.api_path,
        "package": p.package,
        "distribution": p.distribution,
        "capabilities": p.capabilities,
        "edition": p.edition,
        "oauth_clients": p.oauth_clients,
    }
    schemas = tuple(
        SchemaModule(python_module(s.name), s.name, schema_expr(s), (s.pos.file,)) for s in registry.schemas.values()
    )
    modules = [m.module for m in schemas]
    if len(set(modules)) != len(modules) or "enums" in modules:
        raise ValueError(f"two schemas map to one registry module: {sorted(modules)}")
    return RegistryView(
        project_args=tuple(f"{k}={v!r}" for k, v in project.items()),
        objects=tuple(object_expr(o) for o in registry.managed),
        schema_modules=tuple((m.name, m.module) for m in schemas),
        schemas=schemas,
        enums=tuple((e.name, enum_expr(e)) for e in registry.enums.values()),
    )
