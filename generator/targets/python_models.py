"""The `<package>/models/` view model: one module per schema, a dataclass per schema and per union
variant, and the enums as `StrEnum`s. Every annotation, default literal and import is decided here,
and each class's `from_wire` fast path is written beside it (python_fastpath.py).

Python types: strings, ids and date-times are `str`; whole numbers (durations in ms, sizes in
bytes) `int`; `float`; `bool`; enums their `StrEnum`; nested objects their class (a union its base
class); object lists `list[C]`; sets `set[T]`; maps `dict[K, V]`; nullable types `T | None`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..ir import Field, Registry, Schema, TypeRef
from ..names import enum_member, python_module
from ..runtime_descriptors import runtime_registry
from .python_fastpath import Attr, FastModule, FastPaths

# The longest string literal that fits on a line of its own inside parentheses at any line length
# a formatter is usually set to (88 and up, indented twice).
LONG_STRING = 80
INT_FORMATS = ("unsignedInteger", "integer", "size", "duration")


@dataclass(frozen=True)
class Default:
    """An expression giving a fresh default value; a mutable one is made per instance."""

    value: str
    mutable: bool = False

    @property
    def dataclass_default(self) -> str:
        """The text after `=` in the class body, in a form ruff and black lay out alike whatever the
        line length: a string in parentheses (both drop them where the line fits, and keep them
        where it does not), or, when it is too long to fit even on a line of its own, as
        `field(default=...)`, a call both split the same way."""
        if not self.mutable:
            if self.value[:1] not in "'\"":
                return self.value
            return f"({self.value})" if len(self.value) <= LONG_STRING else f"field(default={self.value})"
        if self.value in ("set()", "list()", "dict()"):
            return f"field(default_factory={self.value[:-2]})"
        return f"field(default_factory=lambda: {self.value})"  # a lambda: the class may be imported late


@dataclass(frozen=True)
class AttrView:
    name: str  # the Python attribute (Field.py_name)
    annotation: str
    default: str | None  # the text after `=`, None for a required attribute
    comment: str  # one line: the wire name when it differs, and the unit
    field: Field
    fresh: str | None  # an expression giving a fresh default value (the fast path's)
    mutable: bool  # that value is a new object each time


@dataclass(frozen=True)
class ClassView:
    name: str
    base: str  # "Model" or the union's base class
    docstring: str
    schema: str
    variant: str | None
    has_id: bool
    declares_schema: bool  # False for variants: they inherit __schema__ from their union base
    attrs: tuple[AttrView, ...]

    @property
    def declares_id(self) -> bool:
        """Only the class that declares the schema gets `id`; its variants inherit it."""
        return self.has_id and self.declares_schema


@dataclass(frozen=True)
class Import:
    """`from module import names`."""

    module: str
    names: tuple[str, ...]


@dataclass(frozen=True)
class ModuleView:
    module: str
    imports: tuple[tuple[Import, ...], ...]  # groups, printed with a blank line between them
    # other model modules, imported after this module's classes and fast paths exist
    late_imports: tuple[Import, ...]
    classes: tuple[ClassView, ...]
    exports: tuple[str, ...]
    sources: tuple[str, ...]
    fast: FastModule


@dataclass(frozen=True)
class EnumView:
    name: str
    docstring: str
    members: tuple[tuple[str, str], ...]  # (member name, wire value)


@dataclass
class _Imports:
    enums: set[str] = field(default_factory=set)
    classes: dict[str, set[str]] = field(default_factory=dict)  # module → class names
    uses_field: bool = False


def class_name(schema: Schema, variant: str | None = None) -> str:
    return schema.name + (variant or "")


def docstring(text: str) -> str:
    """A description as docstring text: no quote run or backslash can end or escape it, and no
    closing quote of its own can merge with the docstring's (`say "hi"`)."""
    text = " ".join(text.split()).replace("\\", "\\\\") or "(no description)"
    body = text.rstrip('"')
    return body.replace('"""', '\\"\\"\\"') + '\\"' * (len(text) - len(body))


class ModelBuilder:
    def __init__(self, registry: Registry) -> None:
        self.registry = registry
        self.fast = FastPaths(registry, runtime_registry(registry))

    def nested_class(self, target: str, imports: _Imports, here: str) -> str:
        schema = self.registry.schemas[target]
        module = python_module(target)
        if module != here:
            imports.classes.setdefault(module, set()).add(schema.name)
        return schema.name

    def annotation(self, ref: TypeRef, imports: _Imports, here: str) -> str:
        base = self._bare(ref, imports, here)
        return f"{base} | None" if ref.nullable else base

    def _bare(self, ref: TypeRef, imports: _Imports, here: str) -> str:
        if ref.kind == "number":
            return "int" if ref.format in INT_FORMATS else "float"
        if ref.kind == "boolean":
            return "bool"
        if ref.kind == "enum":
            imports.enums.add(ref.target or "")
            return ref.target or ""
        if ref.kind == "object":
            return self.nested_class(ref.target or "", imports, here)
        if ref.kind == "objectList":
            return f"list[{self.nested_class(ref.target or '', imports, here)}]"
        if ref.kind == "set":
            return f"set[{self._bare(ref.member, imports, here)}]"
        if ref.kind == "map":
            key = self._bare(ref.map_key, imports, here)
            return f"dict[{key}, {self.annotation(ref.member, imports, here)}]"
        return "str"

    def default(self, f: Field, imports: _Imports, here: str) -> Default | None:
        """A fresh default value, matching what the runtime fills in on decode (None: required)."""
        ref = f.type
        if f.has_default:
            return self._literal(f.default, ref, imports, here)
        if f.required:
            return None
        if ref.nullable:
            return Default("None")
        if ref.kind == "boolean":
            return Default("False")
        if ref.kind == "number":
            return Default("0" if ref.format in INT_FORMATS else "0.0")
        if ref.kind in ("set", "objectList", "map"):
            return Default(f"{ {'set': 'set', 'objectList': 'list', 'map': 'dict'}[ref.kind] }()", mutable=True)
        if ref.kind == "object":
            schema = self.registry.schemas[ref.target or ""]
            cls = self.nested_class(schema.name, imports, here)
            first = class_name(schema, schema.variants[0].name) if schema.is_union else cls
            if schema.is_union and python_module(schema.name) != here:
                imports.classes[python_module(schema.name)].add(first)
            return Default(f"{first}()", mutable=True)
        return Default("None")

    def _literal(self, value: object, ref: TypeRef, imports: _Imports, here: str) -> Default:
        if value is None:
            return Default("None")
        if ref.kind == "enum":
            imports.enums.add(ref.target or "")
            return Default(f"{ref.target}.{enum_member(str(value))}")
        if ref.kind == "number" and ref.format == "float" and isinstance(value, int | float):
            return Default(repr(float(value)))
        if ref.kind in ("string", "number", "boolean", "objectId", "utcDateTime", "blobId"):
            return Default(repr(value))
        if ref.kind == "set" and ref.member.kind == "enum" and isinstance(value, list):  # as from_wire gives them
            members = ", ".join(self._literal(v, ref.member, imports, here).value for v in value)
            return Default(f"{{{members}}}" if members else "set()", mutable=True)
        if ref.kind == "set":
            return Default(f"set({value!r})", mutable=True)
        if ref.kind == "map" and ref.map_key.kind != "enum" and ref.member.kind not in ("object", "enum"):
            return Default(f"dict({value!r})", mutable=True)
        cls = self.nested_class(ref.target or "", imports, here) if ref.target else None
        if ref.kind == "object":
            return Default(f"{cls}.from_wire({value!r})", mutable=True)
        if ref.kind == "objectList":
            return Default(f"[{cls}.from_wire(item) for item in {value!r}]", mutable=True)
        # a map with enum keys, or of enums or objects: decode each through the field's model types
        key, item = self._decode(ref.map_key, "k", imports, here), self._decode(ref.member, "v", imports, here)
        return Default(f"{{{key}: {item} for k, v in {value!r}.items()}}", mutable=True)

    def _decode(self, ref: TypeRef, var: str, imports: _Imports, here: str) -> str:
        """An expression giving the model value of the wire value in `var` (a map's key or value)."""
        if ref.kind == "enum":
            imports.enums.add(ref.target or "")
            return f"{ref.target}({var})"
        if ref.kind == "object":
            return f"{self.nested_class(ref.target or '', imports, here)}.from_wire({var})"
        return var

    def attrs(self, fields: tuple[Field, ...], imports: _Imports, here: str) -> tuple[AttrView, ...]:
        out = []
        for f in fields:
            notes = []
            if f.py_name != f.name:
                notes.append(f"wire name {f.name!r}")
            unit = {"duration": "milliseconds", "size": "bytes"}.get(f.type.format or "")
            if unit:
                notes.append(unit)
            if f.update != "mutable":
                notes.append(f.update)
            annotation = self.annotation(f.type, imports, here)
            default = self.default(f, imports, here)
            if default is not None and default.value == "None" and not f.type.nullable:
                annotation += " | None"  # a server-set value nobody has set yet
            if default is not None and default.dataclass_default.startswith("field("):
                imports.uses_field = True
            text = default.dataclass_default if default is not None else None
            fresh, mutable = (default.value, default.mutable) if default is not None else (None, False)
            out.append(AttrView(f.py_name, annotation, text, "; ".join(notes), f, fresh, mutable))
        return tuple(out)

    def module(self, schema: Schema, object_names: set[str]) -> ModuleView:
        here = python_module(schema.name)
        imports = _Imports()
        has_id = schema.name in object_names
        classes: list[ClassView] = []
        sources = {schema.pos.file}
        if schema.is_union:
            classes.append(
                ClassView(schema.name, "Model", docstring(schema.description), schema.name, None, has_id, True, ())
            )
            for v in schema.variants:
                vschema = self.registry.schemas[v.type] if v.type else None
                fields = vschema.fields if vschema else ()
                if vschema:
                    sources.add(vschema.pos.file)
                attrs = self.attrs(fields, imports, here)
                label = docstring(f"{v.label}: `@type` {v.name}.")
                classes.append(
                    ClassView(class_name(schema, v.name), schema.name, label, schema.name, v.name, has_id, False, attrs)
                )
        else:
            attrs = self.attrs(schema.fields, imports, here)
            classes.append(
                ClassView(schema.name, "Model", docstring(schema.description), schema.name, None, has_id, True, attrs)
            )
        fast = self.fast.module(schema, [(c.name, c.variant, c.has_id, self._fast_attrs(c)) for c in classes])
        for module, names in fast.late.items():
            imports.classes.setdefault(module, set()).update(names)
        runtime_fast = sorted({"Fast", "set_fast_paths", *fast.helpers})
        top = (
            (Import("__future__", ("annotations",)),),
            (
                Import("dataclasses", ("dataclass", "field") if imports.uses_field else ("dataclass",)),
                Import("typing", ("Any", "ClassVar")),
            ),
            (
                Import(".._registry", ("REGISTRY",)),
                Import("schemagen_runtime.descriptors", ("MISSING", "Registry")),
                Import("schemagen_runtime.fastpath", tuple(runtime_fast)),
                Import("schemagen_runtime.models", ("Model", "register_models")),
                *((Import(".enums", tuple(sorted(imports.enums))),) if imports.enums else ()),
            ),
        )
        late = tuple(Import(f".{module}", tuple(sorted(names))) for module, names in sorted(imports.classes.items()))
        exports = tuple(c.name for c in classes)
        return ModuleView(here, top, late, tuple(classes), exports, tuple(sorted(sources)), fast)

    def _fast_attrs(self, c: ClassView) -> tuple[Attr, ...]:
        """The class's attributes with the descriptors `_registry/` holds for their fields."""
        runtime = self.fast.runtime
        descs = runtime.variant_fields(runtime.schema(c.schema), c.variant) if c.attrs else ()
        return tuple(Attr(d, a.name, a.fresh, a.mutable) for d, a in zip(descs or (), c.attrs, strict=True))


def enum_views(registry: Registry) -> tuple[EnumView, ...]:
    views = []
    for enum in registry.enums.values():
        members: list[tuple[str, str]] = []
        taken: set[str] = set()
        for v in enum.values:
            name = enum_member(v.name)
            while name in taken:
                name += "_"
            taken.add(name)
            members.append((name, v.name))
        views.append(EnumView(enum.name, docstring(enum.description or enum.name), tuple(members)))
    return tuple(views)


def model_modules(registry: Registry) -> tuple[ModuleView, ...]:
    """Every schema's module; variant-only schemas get theirs too (they are usable on their own)."""
    builder = ModelBuilder(registry)
    objects = {o.name for o in registry.managed}
    return tuple(builder.module(s, objects) for s in registry.schemas.values())
