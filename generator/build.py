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
from .icons import read_icons, undrawn
from .ir import (
    NO_POS,
    ChangeEntry,
    CompatWaiver,
    Enum,
    EnumValue,
    Examples,
    ExpressionContext,
    Field,
    IconSet,
    Object,
    Project,
    Registry,
    Release,
    Schema,
    TypeRef,
    UniqueKey,
    Variant,
)
from .loader import LoadedFile, PathKey
from .migrations import check_migrations, read_former, read_renames, read_steps
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
        self.waivers: dict[tuple[str, str], CompatWaiver] = {}  # the `compat` sections
        self.releases: list[Release] = []  # the `changes` sections
        self.contexts: dict[str, ExpressionContext] = {}  # the `contexts` sections
        self.webui_file: LoadedFile | None = None  # the one file with the `webui` section
        self.icons: IconSet | None = None  # the one `icons` section
        self.permissions_enum_pos = NO_POS  # where `project.permissionsEnum` is written

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
                    self.project = dataclasses.replace(self._project(data["project"]), pos=project_pos)
                    if "permissionsEnum" in data["project"]:
                        self.permissions_enum_pos = file.pos(("project", "permissionsEnum"))
            for section in ("objects", "types", "enums"):
                for name, body in (data.get(section) or {}).items():
                    definition = _Def(section, name, body, file, (section, name))
                    if name in self.defs:
                        first = self.defs[name]
                        self.error(definition.pos(), f"duplicate name '{name}' (already defined at {first.pos()})")
                        continue
                    self.defs[name] = definition
            self._history(file, data)
            self._contexts(file, data)
            if "webui" in data:
                if self.webui_file is not None:
                    self.error(
                        file.pos(("webui",)), f"a second 'webui' section (the first is in {self.webui_file.path})"
                    )
                else:
                    self.webui_file = file
            if "icons" in data:
                if self.icons is not None:
                    self.error(file.pos(("icons",)), f"a second 'icons' section (the first is at {self.icons.pos})")
                else:
                    self.icons, problems = read_icons(file)
                    self.errors += problems
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
            capabilities=tuple(data.get("capabilities", ())),
            edition=data.get("edition", ""),
            oauth_clients=tuple(
                (client, tuple(body["redirectUris"]))
                for client, body in sorted((data.get("oauthClients") or {}).items())
            ),
            env_prefix=data.get("envPrefix", data["cli"].upper().replace("-", "_")),
            permissions_enum=data.get("permissionsEnum", ""),
            published_format=data.get("publishedFormat", ""),
            docs_links=tuple(sorted((data.get("docsLinks") or {}).items())),
        )

    def _contexts(self, file: LoadedFile, data: dict[str, Any]) -> None:
        """The `contexts` section: expression contexts, in a namespace of their own."""
        for name, body in (data.get("contexts") or {}).items():
            pos = file.pos(("contexts", name))
            if not DEF_NAME.match(name):
                self.error(pos, f"invalid context name '{name}': use UpperCamelCase letters and digits")
            if name in self.contexts:
                self.error(pos, f"duplicate context '{name}' (already defined at {self.contexts[name].pos})")
                continue
            self.contexts[name] = ExpressionContext(name, body["kind"], tuple(body["values"]), pos)

    def _history(self, file: LoadedFile, data: dict[str, Any]) -> None:
        """`compat` waivers (for `python -m generator diff`) and `changes` (the history page)."""
        for subject, kinds in (data.get("compat") or {}).items():
            for change, reason in kinds.items():
                waiver = CompatWaiver(subject, change, reason, file.pos(("compat", subject, change)))
                first = self.waivers.setdefault((subject, change), waiver)
                if first is not waiver:
                    self.error(waiver.pos, f"a second waiver of {change} on {subject} (the first is at {first.pos})")
        for index, release in enumerate(data.get("changes") or ()):
            entries = tuple(
                ChangeEntry(e["severity"], tuple(e["audiences"]), e["subject"], e["change"], e["message"])
                for e in release["changes"]
            )
            where = file.pos(("changes", index))
            self.releases.append(Release(str(release["version"]), str(release["previous"]), entries, where))

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
        published = None
        if "publishedType" in data:
            published = self.resolve_type(data["publishedType"], owner.pos(*base, name, "publishedType"))
        for context in data.get("context", ()):
            if context not in self.contexts:
                self.error(owner.pos(*base, name, "context"), f"unknown expression context '{context}'")
        steps, problems = read_steps(data.get("migrate"), lambda *sub: owner.pos(*base, name, "migrate", *sub))
        self.errors += problems
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
            secret=data.get("secret", False),
            unique=data.get("unique", False),
            filterable=data.get("filterable", False),
            sortable=data.get("sortable", False),
            validators=tuple(data.get("validators", ())),
            bounds_order=tuple(k for k in data if k in ("min", "max")) or ("min", "max"),
            text_index=data.get("textIndex"),
            context=tuple(data.get("context", ())),
            published_type=published,
            example=data.get("example"),
            suppressed=tuple(sorted((data.get("suppress") or {}).items())),
            py_name=python_attr(name),
            renamed_from=read_renames(data.get("renamedFrom")),
            migrations=steps,
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
            keys=self.keys(definition, {f.name for f in fields}),
            form=data.get("form") if definition.section == "types" else None,
            pos=definition.pos(),
        )

    def keys(self, definition: _Def, fields: set[str]) -> tuple[UniqueKey, ...]:
        out = []
        for name, body in (definition.data.get("keys") or {}).items():
            for fname in body["fields"]:
                if fname not in fields:
                    self.error(definition.pos("keys", name, "fields"), f"key '{name}' names unknown field '{fname}'")
            out.append(UniqueKey(name, tuple(body["fields"]), body.get("shared", False)))
        return tuple(out)

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
            for extra in ("fields", "variants", "permissionPrefix", "external", "operation", "published"):
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
                form=data.get("form"),
                webui_list=self.webui_list(definition),
                pos=definition.pos(),
            )
        if "permissionPrefix" not in data:
            self.error(
                definition.pos(), f"{kind} '{definition.name}' needs a 'permissionPrefix' (e.g. sys{definition.name})"
            )
        schema = self.schema(definition)
        if data.get("operation") and (kind != "object" or "variants" not in data or data.get("external")):
            self.error(
                definition.pos("operation"),
                f"operation object '{definition.name}' must be a served object (kind: object) with 'variants': "
                "each variant is an operation its create runs",
            )
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
            operation=data.get("operation", False),
            published=data.get("published", True),
            webui=tuple(data.get("webui", ())),
            examples=examples,
            form=data.get("form"),
            webui_list=self.webui_list(definition),
            pos=definition.pos(),
        )

    def webui_list(self, definition: _Def) -> Any:
        """`list:` with the objects its filters and actions name checked."""
        body = definition.data.get("list")
        for key in ("filters", "itemActions", "massActions"):
            for i, item in enumerate((body or {}).get(key, ())):
                name = item.get("objectName")
                if name is not None and (name not in self.defs or self.defs[name].section != "objects"):
                    self.error(definition.pos("list", key, i, "objectName"), f"'{name}' is not an object")
        return body

    def menus(self, objects: list[Object]) -> list[Object]:
        """Each object's WebUI places from the `webui` menus: the names from the menu down to the
        first link showing it. An object that also lists its own `webui` places is an error."""
        file = self.webui_file
        if file is None:
            return objects
        places: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {}  # object → (names, icons)

        def walk(items: list[dict[str, Any]], path: PathKey, trail: tuple[tuple[str, str], ...]) -> None:
            for i, item in enumerate(items):
                where = (*path, i)
                if "container" in item:
                    if "items" not in item or {"view", "component"} & set(item):
                        self.error(file.pos(where), "a container has 'items' and no 'view' or 'component'")
                    walk(item.get("items", []), (*where, "items"), (*trail, (item["container"], item.get("icon", ""))))
                elif "link" in item:
                    targets = [k for k in ("view", "component") if k in item]
                    if len(targets) != 1 or "items" in item:
                        self.error(file.pos(where), "a link has exactly one of 'view' and 'component', and no 'items'")
                    view = item.get("view")
                    if view is not None and (view not in self.defs or self.defs[view].section != "objects"):
                        self.error(file.pos((*where, "view")), f"'{view}' is not an object or view")
                    elif view is not None:
                        parts = (*trail, (item["link"], item.get("icon", "")))
                        places.setdefault(view, (tuple(n for n, _ in parts), tuple(i for _, i in parts)))
                else:
                    self.error(file.pos(where), "a menu item is a 'link' or a 'container'")

        for i, layout in enumerate(file.data["webui"].get("layouts", ())):
            walk(layout["items"], ("webui", "layouts", i, "items"), ((layout["name"], layout.get("icon", "")),))
        out = []
        for obj in objects:
            if obj.name in places:
                if obj.webui:
                    self.error(obj.pos, f"'{obj.name}' lists its own 'webui' places and is also in the 'webui' menus")
                names, icons = places[obj.name]
                obj = dataclasses.replace(obj, webui=names, webui_icons=icons)
            out.append(obj)
        return out

    def check_webui_fields(self, objects: list[Object], schemas: dict[str, Schema]) -> None:
        """A form's fields and a list's columns name fields of the schema they show (a union's
        variants' too; a view shows its object's). Filters may name virtual properties, such
        as a full-text `text`, that only the server knows, so they are not checked."""

        def names(schema: Schema) -> set[str]:
            out = {f.name for f in schema.fields} | {"id", "@type"}
            for v in schema.variants:
                out |= names(schemas[v.type]) if v.type in schemas else set()
            return out

        shown: list[tuple[_Def, Schema, Any, Any]] = []
        by_name = {o.name: o for o in objects}
        for obj in objects:
            owner = by_name.get(obj.view_of or "") if obj.view_of else obj
            if owner is not None and owner.schema is not None:
                shown.append((self.defs[obj.name], owner.schema, obj.form, obj.webui_list))
        for schema in schemas.values():
            if schema.form is not None:
                shown.append((self.defs[schema.name], schema, schema.form, None))
        for definition, schema, form, listing in shown:
            known = names(schema)
            for i, section in enumerate((form or {}).get("sections", ())):
                for j, item in enumerate(section["fields"]):
                    if item["name"] not in known:
                        pos = definition.pos("form", "sections", i, "fields", j, "name")
                        self.error(pos, f"form field '{item['name']}' is not a field of {schema.name}")
            for i, column in enumerate((listing or {}).get("columns", ())):
                if column["name"] not in known:
                    pos = definition.pos("list", "columns", i, "name")
                    self.error(pos, f"list column '{column['name']}' is not a field of {schema.name}")

    def enum(self, definition: _Def) -> Enum:
        if not DEF_NAME.match(definition.name):
            self.error(
                definition.pos(), f"invalid enum name '{definition.name}': use UpperCamelCase letters and digits"
            )
        values = tuple(
            EnumValue(name, body, pos=definition.pos("values", name))
            if isinstance(body, str)
            else EnumValue(name, **body, pos=definition.pos("values", name))
            for name, body in definition.data["values"].items()
        )
        former, problems = read_former(
            definition.name,
            definition.data.get("formerValues"),
            {v.name for v in values},
            lambda *sub: definition.pos("formerValues", *sub),
        )
        self.errors += problems
        return Enum(
            definition.name,
            definition.data.get("description", ""),
            values,
            docs_page=definition.data.get("docsPage"),
            placeholder=definition.data.get("placeholder"),
            former_values=former,
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
        schemas, problems = check_migrations(schemas, normalizer)
        self.errors += problems
        objects = [dataclasses.replace(o, schema=schemas[o.name]) if o.schema else o for o in raw_objects]
        objects = self.menus(objects)
        self.check_webui_fields(objects, schemas)
        webui = self.webui_file.data["webui"] if self.webui_file else {}
        if self.icons is not None and self.webui_file is not None:
            self.errors += undrawn(self.icons, self.webui_file)
        if self.project is None:
            return None
        if self.project.permissions_enum and self.project.permissions_enum not in enums:
            name = self.project.permissions_enum
            self.error(self.permissions_enum_pos, f"permissionsEnum names '{name}', which is not an enum")
        return Registry(
            project=self.project,
            objects=tuple(objects),
            schemas=MappingProxyType(dict(sorted(schemas.items()))),
            enums=MappingProxyType(enums),
            sources=tuple(sorted(f.path for f in self.files)),
            compat_waivers=tuple(self.waivers[key] for key in sorted(self.waivers)),
            changes=tuple(self.releases),
            contexts=MappingProxyType(dict(sorted(self.contexts.items()))),
            layouts=tuple(webui.get("layouts", ())),
            dashboards=tuple(webui.get("dashboards", ())),
            icons=self.icons,
        )

    def _normalized(self, schema: Schema, normalizer: DefaultNormalizer) -> Schema:
        fields = []
        for field in schema.fields:
            if field.has_default:  # null too: only a nullable type may default to null
                wire, problems = normalizer.normalize(field.default, field.type, field=field)
                for problem in problems:
                    self.error(field.pos_of("default"), f"default of '{field.name}': {problem}", "bad-default")
                field = dataclasses.replace(field, default=wire)
            fields.append(field)
        return dataclasses.replace(schema, fields=tuple(fields))
