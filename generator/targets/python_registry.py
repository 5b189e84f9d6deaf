"""The `<package>/_registry/` view model: the runtime descriptors of the IR, as data to print.

The descriptors come from `generator.runtime_descriptors` (the same objects the generator's checks
run the runtime codec on); here each becomes a `Call` (a constructor name, its arguments as plain
values or nested calls) that the templates print (`templates/python/_macros/call.py.jinja`). One module per
schema (loaded on first use by `runtime.descriptors.module_loader`), one module of enums, and a
package `__init__` with the project and the object table, so importing the registry costs only
that table however many objects the schema has.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from ..ir import Registry
from ..names import python_module
from ..runtime_descriptors import runtime_registry

# How many leading fields of each descriptor class are written positionally; the rest by keyword,
# and only where they differ from the class's default (except in EXPLICIT classes: every field).
EXPLICIT = frozenset({"ProjectDesc"})
POSITIONAL = {
    "TypeDesc": 1,
    "FieldDesc": 2,
    "VariantDesc": 3,
    "SchemaDesc": 1,
    "EnumDesc": 3,
    "ObjectDesc": 5,
    "ProjectDesc": 0,
}
# The short names the schema modules import the most repeated constructors as.
SCHEMA_ALIASES = {"TypeDesc": "T", "FieldDesc": "F", "VariantDesc": "V"}


@dataclass(frozen=True)
class Call:
    """`callee(args..., key=value...)`; an argument is a Call, Calls, or plain data (printed as a
    Python literal)."""

    callee: str
    args: tuple[Any, ...]
    kwargs: tuple[tuple[str, Any], ...]

    @property
    def exploded(self) -> bool:
        """One argument per line (a trailing comma): it holds a tuple of calls."""
        return any(isinstance(v, Calls) for v in (*self.args, *(v for _, v in self.kwargs)))


@dataclass(frozen=True)
class Calls:
    """A tuple of calls, one per line."""

    calls: tuple[Call, ...]


def _default_of(f: dataclasses.Field[Any]) -> Any:
    if f.default is not dataclasses.MISSING:
        return f.default
    if f.default_factory is not dataclasses.MISSING:
        return f.default_factory()
    return dataclasses.MISSING


def call_of(desc: Any, aliases: dict[str, str] | None = None) -> Call:
    """A descriptor as the constructor call that rebuilds it (fields left out of its repr, such as
    SchemaDesc's index by name, are derived, so not written)."""
    cls = type(desc).__name__
    shown = [f for f in dataclasses.fields(desc) if f.repr]
    positional = POSITIONAL[cls]

    def value(v: Any) -> Any:
        if dataclasses.is_dataclass(v) and not isinstance(v, type):
            return call_of(v, aliases)
        if isinstance(v, tuple) and v and all(dataclasses.is_dataclass(x) for x in v):
            return Calls(tuple(call_of(x, aliases) for x in v))
        return v

    args = tuple(value(getattr(desc, f.name)) for f in shown[:positional])
    kwargs = tuple(
        (f.name, value(getattr(desc, f.name)))
        for f in shown[positional:]
        if cls in EXPLICIT or getattr(desc, f.name) != _default_of(f)
    )
    return Call((aliases or {}).get(cls, cls), args, kwargs)


@dataclass(frozen=True)
class SchemaModule:
    module: str  # module name inside _registry/
    name: str
    schema: Call  # the SchemaDesc(...) call
    sources: tuple[str, ...]


@dataclass(frozen=True)
class RegistryView:
    project: Call
    objects: tuple[Call, ...]
    schema_modules: tuple[tuple[str, str], ...]  # (schema name, module), sorted
    schemas: tuple[SchemaModule, ...]
    enums: tuple[tuple[str, Call], ...]  # (enum name, EnumDesc(...) call)


def registry_view(registry: Registry) -> RegistryView:
    runtime = runtime_registry(registry)
    schemas = tuple(
        SchemaModule(python_module(s.name), s.name, call_of(runtime.schema(s.name), SCHEMA_ALIASES), (s.pos.file,))
        for s in registry.schemas.values()
    )
    modules = [m.module for m in schemas]
    if len(set(modules)) != len(modules) or "enums" in modules:
        raise ValueError(f"two schemas map to one registry module: {sorted(modules)}")
    return RegistryView(
        project=call_of(runtime.project),
        objects=tuple(call_of(o) for o in runtime.objects),
        schema_modules=tuple((m.name, m.module) for m in schemas),
        schemas=schemas,
        enums=tuple((name, call_of(runtime.enum(name))) for name in registry.enums),
    )
