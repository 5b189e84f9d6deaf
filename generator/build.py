"""Turn structurally valid schema files into the IR, resolving every name.

Problems found on the way (dangling references, duplicate names, a union without variants, a type
used where it cannot be) become diagnostics; the caller reports them all at once. Range and value
checks that need the resolved IR live in `checks.py`.
"""

from __future__ import annotations

import dataclasses
import re
from types import MappingProxyType
from typing import Any

from .defaults import DefaultNormalizer
from .diagnostics import Diagnostic, Pos
from .ir import Enum, EnumValue, Examples, Field, Object, Project, Registry, Schema, TypeRef, Variant
from .loader import LoadedFile, PathKey
from .names import python_attr
from .typeexpr import NUMBER_FORMATS, SCALARS, STRING_FORMATS, TypeExpr, TypeSyntaxError, parse_type

DEF_NAME = re.compile(r"[A-Z][A-Za-z0-9]*\Z")
VIEW_NAME = re.compile(r"[A-Z][A-Za-z0-9]*/[A-Z][A-Za-z0-9]*\Z")
FIELD_NAME = re.compile(r"[a-z][A-Za-z0-9]*\Z")
RESERVED_FIELDS = {"id": "the server adds 'id' to every object", "@type": "'@type' selects a union variant"}


class _Def:
    """One definition as read: which section it came from, its data and where it lives."""

    def __init__(self, section: str, name: str, data: dict[str, Any], file: LoadedFile, path: PathKey) -> None:
        self.section, self.name, self.data, self.file, self.path = section, name, data, file, path

    def pos(self, *sub: str | int) -> Pos:
        return self.file.pos((*self.path, *sub))


class Builder:
    def __init__(self, files: list[LoadedFile]) -> None:
        self.files = files
        self.errors: list[Diagnostic] = []
        self.defs: dict[str, _Def] = {}
        self.project: Project | None = None

    def error(self, pos: Pos, message: str, code: str = "schema") -> None:
        self.errors.append(Diagnostic(pos, message, code))

    # -- collection -----------------------------------------------------------------------------

    def collect(self) -> None:
        project_pos: Pos | None = None
        for file in self.files:
            data = file.data or {}
            if "project" in data:
                if project_pos is not None:
                    self.error(file.pos(("project",)), f"a second 'project' section (the first is at {project_pos})")
                else:
                    project_pos = file.pos(("project",))
                    self.project = self._project(data["project"])
            for section in ("objects", "types", "enums"):
                for name, body in (data.get(section) or {}).items():
                    definition = _Def(section, name, body, file, (section, name))
                    if name in self.defs:
                        first = self.defs[name]
                        self.error(definition.pos(), f"duplicate name '{name}' (already defined at {first.pos()})")
                        continue
                    self.defs[name] = definition
        if project_pos is None:
            where = Pos(self.files[0].path, 1, 1) if self.files else Pos("<schema>", 1, 1)
            self.error(where, "no 'project' section: one schema file must say `project:` (name, version, ...)")

    @staticmethod
    def _project(data: dict[str, Any]) -> Project:
        return Project(
            name=data["name"],
            version=data["version"],
            namespace=data.get("namespace", ""),
            capability=data["capability"],
            api_path=data["apiPath"],
            example_url=data.get("exampleUrl", "https://mail.example.com"),
            cli=data["cli"],
            package=data["package"],
            distribution=data.get("distribution", data["package"].replace("_", "-")),
            description=data.get("description", ""),
        )

    # -- types ----------------------------------------------------------------------------------

    def resolve_type(self, text: str, pos: Pos) -> TypeRef | None:
        try:
            expr = parse_type(text)
        except TypeSyntaxError as exc:
            self.error(pos, str(exc))
            return None
        return self._resolve(expr, pos, top=True)

    def _resolve(self, expr: TypeExpr, pos: Pos, top: bool = False) -> TypeRef | None:
        nullable = expr.nullable
        head = expr.head
        if head in SCALARS:
            if head in STRING_FORMATS:
                return TypeRef("string", format=head, nullable=nullable)
            if head in NUMBER_FORMATS:
                return TypeRef("number", format=head, nullable=nullable)
            return TypeRef(head, nullable=nullable)  # type: ignore[arg-type]
        if head == "Id":
            target = self._ref(expr.args[0], pos, ("objects",), "Id<...> must name an object")
            return TypeRef("objectId", target=target, nullable=nullable) if target else None
        if head == "List":
            target = self._ref(expr.args[0], pos, ("types", "objects"), "List<...> must name a type")
            if target and self.defs[target].data.get("kind") == "view":
                self.error(pos, f"'{target}' is a view; a field can refer to it only as Id<{target}>")
                return None
            return TypeRef("objectList", target=target, nullable=nullable) if target else None
        if head == "Set":
            item = self._member(expr.args[0], pos, "Set")
            return TypeRef("set", item=item, nullable=nullable) if item else None
        if head == "Map":
            key = self._member(expr.args[0], pos, "Map key")
            value = self._resolve(expr.args[1], pos)
            if value is not None and value.is_collection:
                self.error(pos, "a Map value cannot itself be a collection")
                return None
            return TypeRef("map", key=key, item=value, nullable=nullable) if key and value else None
        definition = self.defs.get(head)
        if definition is None:
            hint = (
                " (built-in scalars are lower-case, e.g. 'string')"
                if head.lower() in {s.lower() for s in SCALARS}
                else ""
            )
            self.error(pos, f"unknown type '{head}'{hint}")
            return None
        if definition.section == "enums":
            return TypeRef("enum", target=head, nullable=nullable)
        if definition.section == "objects" and definition.data.get("kind") == "view":
            self.error(pos, f"'{head}' is a view; a field can refer to it only as Id<{head}>")
            return None
        return TypeRef("object", target=head, nullable=nullable)

    def _ref(self, expr: TypeExpr, pos: Pos, sections: tuple[str, ...], message: str) -> str | None:
        if expr.args or expr.head in SCALARS or expr.nullable:
            self.error(pos, f"{message}, not '{expr.head}'")
            return None
        definition = self.defs.get(expr.head)
        if definition is None:
            self.error(pos, f"unknown {'object' if sections == ('objects',) else 'type'} '{expr.head}'")
            return None
        if definition.section not in sections:
            kind = definition.section[:-1]
            self.error(pos, f"{message}; '{expr.head}' is {'an' if kind[0] in 'aeiou' else 'a'} {kind}")
            return None
        return expr.head

    def _member(self, expr: TypeExpr, pos: Pos, where: str) -> TypeRef | None:
        """Set members and map keys: scalars, enums and ids only (they must be usable as JSON keys)."""
        ref = self._resolve(expr, pos)
        if ref is not None and ref.kind not in ("string", "number", "enum", "objectId"):
            self.error(pos, f"{where} members must be strings, numbers, enums or ids, not {ref.kind}")
            return None
        return ref

    # -- schemas --------------------------------------------------------------------------------

    def field(self, owner: _Def, base: PathKey, name: str, data: dict[str, Any]) -> Field | None:
        pos = owner.pos(*base, name)
        if name in RESERVED_FIELDS:
            self.error(pos, f"field name '{name}' is reserved: {RESERVED_FIELDS[name]}")
        elif not FIELD_NAME.match(name):
            self.error(pos, f"invalid field name '{name}': use lowerCamelCase letters and digits")
        ftype = self.resolve_type(data["type"], owner.pos(*base, name, "type"))
        if ftype is None:
            return None
        has_default = "default" in data
        return Field(
            name=name,
            description=data["description"],
            type=ftype,
            update=data.get("update", "mutable"),
            has_default=has_default,
            default=data.get("default"),  # normalised to wire form once every schema is resolved
            default_source=data.get("default"),
            min=data.get("min"),
            max=data.get("max"),
            min_items=data.get("minItems"),
            max_length=data.get("maxLength"),
            enterprise=data.get("enterprise", False),
            unique=data.get("unique", False),
            filterable=data.get("filterable", False),
            sortable=data.get("sortable", False),
            validators=tuple(data.get("validators", ())),
            example=data.get("example"),
            suppressed=tuple(sorted((data.get("suppress") or {}).items())),
            py_name=python_attr(name),
            pos=pos,
            key_pos=tuple((key, owner.pos(*base, name, key)) for key in data),
        )

    def schema(self, definition: _Def) -> Schema | None:
        data = definition.data
        has_fields, has_variants = "fields" in data, "variants" in data
        if has_fields and has_variants:
            self.error(
                definition.pos(),
                f"'{definition.name}' has both 'fields' and 'variants'; a union's fields belong to its variants' types",
            )
            return None
        if not has_fields and not has_variants:
            self.error(
                definition.pos(), f"'{definition.name}' needs 'fields' (a single schema) or 'variants' (a tagged union)"
            )
            return None
        fields: list[Field] = []
        variants: list[Variant] = []
        if has_fields:
            for fname, fdata in (data["fields"] or {}).items():
                built = self.field(definition, ("fields",), fname, fdata)
                if built is not None:
                    fields.append(built)
        else:
            if not data["variants"]:
                self.error(definition.pos("variants"), f"union '{definition.name}' has no variants")
            for vname, vdata in (data["variants"] or {}).items():
                variant = self.variant(definition, vname, vdata)
                if variant is not None:
                    variants.append(variant)
        namespace = self.project.namespace if self.project else ""
        return Schema(
            name=definition.name,
            jmap_name=data.get("jmapName", namespace + definition.name),
            description=data.get("description", ""),  # optional for types (objects must have one)
            fields=tuple(fields),
            variants=tuple(variants),
            pos=definition.pos(),
        )

    def variant(self, owner: _Def, name: str, data: str | dict[str, Any]) -> Variant | None:
        pos = owner.pos("variants", name)
        if not DEF_NAME.match(name):
            self.error(pos, f"invalid variant name '{name}': use UpperCamelCase letters and digits")
        body = {"label": data} if isinstance(data, str) else data
        target = body.get("type")
        if target is not None:
            definition = self.defs.get(target)
            if definition is None:
                self.error(owner.pos("variants", name, "type"), f"variant '{name}' refers to unknown type '{target}'")
                return None
            if definition.section != "types" or "fields" not in definition.data:
                self.error(
                    owner.pos("variants", name, "type"),
                    f"variant '{name}' must refer to a type with 'fields', and '{target}' is not one",
                )
                return None
        return Variant(name=name, label=body["label"], type=target, pos=pos)

    def object(self, definition: _Def) -> Object | None:
        data = definition.data
        kind = data.get("kind", "object")
        name_ok = VIEW_NAME if kind == "view" else DEF_NAME
        if not name_ok.match(definition.name):
            shape = "Object/View" if kind == "view" else "UpperCamelCase"
            self.error(definition.pos(), f"invalid {kind} name '{definition.name}': expected {shape}")
        namespace = self.project.namespace if self.project else ""
        jmap_name = data.get("jmapName", namespace + definition.name)
        if kind == "view":
            target = data.get("of")
            if target is None or self.defs.get(target) is None or self.defs[target].section != "objects":
                self.error(
                    definition.pos("of") if target else definition.pos(),
                    f"view '{definition.name}' needs 'of: <Object>' naming an object",
                )
            for extra in ("fields", "variants", "permissionPrefix", "external"):
                if extra in data:
                    self.error(definition.pos(extra), f"a view has no '{extra}': it shows the object it is 'of'")
            return Object(
                definition.name,
                jmap_name,
                "view",
                data.get("description", ""),
                "",
                None,
                webui=tuple(data.get("webui", ())),
                view_of=target,
                pos=definition.pos(),
            )
        if "permissionPrefix" not in data:
            self.error(
                definition.pos(), f"{kind} '{definition.name}' needs a 'permissionPrefix' (e.g. sys{definition.name})"
            )
        schema = self.schema(definition)
        raw = data.get("examples") or {}
        examples = Examples(
            id=raw.get("id", "singleton" if kind == "singleton" else "id1"),
            create=raw.get("create"),
            create_variant=raw.get("createVariant"),
            update=raw.get("update"),
        )
        return Object(
            name=definition.name,
            jmap_name=jmap_name,
            kind=kind,
            description=data["description"],
            permission_prefix=data.get("permissionPrefix", ""),
            schema=schema,
            enterprise=data.get("enterprise", False),
            external=data.get("external", False),
            webui=tuple(data.get("webui", ())),
            examples=examples,
            pos=definition.pos(),
        )

    def enum(self, definition: _Def) -> Enum:
        if not DEF_NAME.match(definition.name):
            self.error(
                definition.pos(), f"invalid enum name '{definition.name}': use UpperCamelCase letters and digits"
            )
        values = tuple(
            EnumValue(name, body) if isinstance(body, str) else EnumValue(name, **body)
            for name, body in definition.data["values"].items()
        )
        return Enum(
            definition.name,
            definition.data.get("description", ""),
            values,
            docs_page=definition.data.get("docsPage"),
            placeholder=definition.data.get("placeholder"),
            pos=definition.pos(),
        )

    # -- whole registry -------------------------------------------------------------------------

    def build(self) -> Registry | None:
        self.collect()
        raw_objects: list[Object] = []
        schemas: dict[str, Schema] = {}
        enums: dict[str, Enum] = {}
        for name in sorted(self.defs):
            definition = self.defs[name]
            if definition.section == "enums":
                enums[name] = self.enum(definition)
            elif definition.section == "types":
                if not DEF_NAME.match(name):
                    self.error(definition.pos(), f"invalid type name '{name}': use UpperCamelCase letters and digits")
                built = self.schema(definition)
                if built is not None:
                    schemas[name] = built
            else:
                obj = self.object(definition)
                if obj is not None:
                    raw_objects.append(obj)
                    if obj.schema is not None:
                        schemas[name] = obj.schema
        # Defaults can name nested schemas and enum values, so they are normalised last.
        normalizer = DefaultNormalizer(schemas, enums)
        schemas = {name: self._normalized(schema, normalizer) for name, schema in schemas.items()}
        objects = [dataclasses.replace(o, schema=schemas[o.name]) if o.schema else o for o in raw_objects]
        if self.project is None:
            return None
        return Registry(
            project=self.project,
            objects=tuple(objects),
            schemas=MappingProxyType(dict(sorted(schemas.items()))),  # type: ignore[arg-type]
            enums=MappingProxyType(enums),  # type: ignore[arg-type]
            sources=tuple(sorted(f.path for f in self.files)),
        )

    def _normalized(self, schema: Schema, normalizer: DefaultNormalizer) -> Schema:
        fields = []
        for field in schema.fields:
            if field.has_default:  # null too: only a nullable type may default to null
                wire, problems = normalizer.normalize(field.default, field.type)
                for problem in problems:
                    self.error(field.pos_of("default"), f"default of '{field.name}': {problem}", "bad-default")
                field = dataclasses.replace(field, default=wire)
            fields.append(field)
        return dataclasses.replace(schema, fields=tuple(fields))
