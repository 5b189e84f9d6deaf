"""The intermediate representation: frozen, fully resolved, deterministically ordered.

Everything downstream (docs, models, server, CLI) reads only these classes. Declaration order is
kept where it means something (fields, variants, enum values); everything else is sorted by name.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from .diagnostics import Pos

TypeKind = Literal[
    "string",
    "number",
    "boolean",
    "enum",
    "object",
    "objectList",
    "objectId",
    "set",
    "map",
    "utcDateTime",
    "blobId",
]
UpdateMode = Literal["mutable", "immutable", "serverSet"]
ObjectKind = Literal["object", "singleton", "view"]

NO_POS = Pos("<builtin>", 0, 0)
SECRET_FORMATS = frozenset({"secret", "secretText"})  # string formats whose values get masks


@dataclass(frozen=True)
class TypeRef:
    """A resolved field type. `target` names the enum, type or object; `item`/`key` are the
    member type of a set or the value/key types of a map."""

    kind: TypeKind
    format: str | None = None
    target: str | None = None
    item: TypeRef | None = None
    key: TypeRef | None = None
    nullable: bool = False

    @property
    def is_collection(self) -> bool:
        return self.kind in ("set", "objectList", "map")

    @property
    def member(self) -> TypeRef:
        """`item`, for a kind that always has one (set, map): the IR builder sets it."""
        if self.item is None:
            raise ValueError(f"a {self.kind} type without a member type")
        return self.item

    @property
    def map_key(self) -> TypeRef:
        """`key` of a map: the IR builder sets it."""
        if self.key is None:
            raise ValueError(f"a {self.kind} type without a key type")
        return self.key


@dataclass(frozen=True)
class Migration:
    """One declared step turning a stored value the schema now refuses into a valid one (a
    field's `migrate` list): `replace` `value` by `replacement`, `wrap` a plain value into
    `variant` as its field `into`, or `clamp` a number to the field's `bound` (min or max)."""

    op: Literal["replace", "wrap", "clamp"]
    value: Any = None
    replacement: Any = None  # in wire form
    variant: str = ""
    into: str = ""
    bound: str = ""
    pos: Pos = field(default=NO_POS, compare=False)


@dataclass(frozen=True)
class Field:
    name: str
    description: str
    type: TypeRef
    update: UpdateMode = "mutable"
    has_default: bool = False
    default: Any = None  # in wire form: durations in ms, sizes in bytes, sets and lists as JSON arrays
    default_source: Any = None  # as the author wrote it, e.g. "0ms"
    min: int | float | None = None
    max: int | float | None = None
    min_items: int | None = None
    max_length: int | None = None
    enterprise: bool = False
    secret: bool = False  # `secret: true`: masked like a secret format, whatever its own format
    unique: bool = False
    filterable: bool = False
    sortable: bool = False
    validators: tuple[str, ...] = ()
    bounds_order: tuple[str, ...] = ("min", "max")  # the order `min` and `max` are written in
    text_index: str | None = None  # the query condition matching this field's words (`text`)
    context: tuple[str, ...] = ()  # names of the expression contexts (variables, constants) it may use
    published_type: TypeRef | None = None  # what the source publishes, where it errs (export only)
    example: Any = None
    suppressed: tuple[tuple[str, str], ...] = ()  # (check code, reason)
    py_name: str = ""  # attribute name in generated Python: keywords and builtins get a trailing "_"
    renamed_from: tuple[str, ...] = ()  # former names: stored values move to this one on start
    migrations: tuple[Migration, ...] = ()  # how stored values the schema now refuses are migrated
    pos: Pos = field(default=NO_POS, compare=False)
    key_pos: tuple[tuple[str, Pos], ...] = field(default=(), compare=False)

    def pos_of(self, key: str) -> Pos:
        """Where the field's `key` (e.g. "default", "min") is written, else the field itself."""
        return next((p for k, p in self.key_pos if k == key), self.pos)

    @property
    def is_secret(self) -> bool:
        """get masks its value ("****") and an echo of the mask keeps it: a secret format or the flag."""
        return self.secret or self.type.format in SECRET_FORMATS

    @property
    def required(self) -> bool:
        """Annotated `required` in the docs (SPEC §4), and refused when missing on create: mutable,
        not nullable, no default, and a kind with no natural empty value."""
        return (
            self.update == "mutable"
            and not self.type.nullable
            and not self.has_default
            and self.type.kind not in ("boolean", "number", "set", "objectList", "map")
        )

    @property
    def needed_on_create(self) -> bool:
        """What a create must give: the required fields, and immutable scalars with no value of
        their own (the runtime fills nested objects and empty collections, not a missing string)."""
        return self.required or (
            self.update == "immutable"
            and not self.type.nullable
            and not self.has_default
            and self.type.kind not in ("boolean", "number", "set", "objectList", "map", "object")
        )


@dataclass(frozen=True)
class Variant:
    name: str
    label: str
    type: str | None = None  # name of the single schema holding this variant's fields
    pos: Pos = field(default=NO_POS, compare=False)


@dataclass(frozen=True)
class UniqueKey:
    """Fields whose values together may not repeat; a `shared` key is one namespace across every
    schema declaring a shared key of the same name (an e-mail address of a user or a group)."""

    name: str
    fields: tuple[str, ...]
    shared: bool = False


@dataclass(frozen=True)
class ExpressionContext:
    """What an expression field may name: its variables, or its constants (the `contexts` section)."""

    name: str
    kind: Literal["variables", "constants"]
    values: tuple[str, ...]
    pos: Pos = field(default=NO_POS, compare=False)


@dataclass(frozen=True)
class Schema:
    """A set of fields, or a tagged union of variants (the `@type` property selects one)."""

    name: str
    jmap_name: str
    description: str
    fields: tuple[Field, ...] = ()
    variants: tuple[Variant, ...] = ()
    keys: tuple[UniqueKey, ...] = ()  # unique keys over several fields, or shared between schemas
    form: Any = None  # a type's WebUI form (an object's is on the Object)
    pos: Pos = field(default=NO_POS, compare=False)

    @property
    def is_union(self) -> bool:
        return bool(self.variants)


@dataclass(frozen=True)
class Examples:
    id: str = "id1"
    create: dict[str, Any] | None = None
    create_variant: str | None = None
    update: dict[str, Any] | None = None


@dataclass(frozen=True)
class Object:
    name: str
    jmap_name: str
    kind: ObjectKind
    description: str
    permission_prefix: str
    schema: Schema | None  # None for views
    enterprise: bool = False
    # Described so that fields can refer to it, but served by another JMAP capability (the standard
    # JMAP objects such as Mailbox): no page, handler or CLI command here.
    external: bool = False
    # An operation object: a create runs the operation its variant names (handlers are application
    # code, registered with the server per variant); records are immutable.
    operation: bool = False
    # False: served here (page, model, client, CLI) but left out of the published registry.
    published: bool = True
    webui: tuple[str, ...] = ()
    webui_icons: tuple[str, ...] = ()  # the icon of each part of `webui` ("" for none), from the menus
    view_of: str | None = None
    form: Any = None  # the WebUI's edit form, as the schema writes it (`form:`)
    webui_list: Any = None  # the WebUI's list: columns, filters, actions (`list:`)
    examples: Examples = Examples()
    pos: Pos = field(default=NO_POS, compare=False)

    @property
    def is_singleton(self) -> bool:
        return self.kind == "singleton"

    @property
    def methods(self) -> tuple[str, ...]:
        return {"object": ("get", "set", "query"), "singleton": ("get", "set"), "view": ()}[self.kind]

    @property
    def permissions(self) -> tuple[str, ...]:
        verbs = {"object": ("Get", "Create", "Update", "Destroy", "Query"), "singleton": ("Get", "Update")}
        return tuple(self.permission_prefix + v for v in verbs.get(self.kind, ()))


@dataclass(frozen=True)
class EnumValue:
    name: str
    label: str
    description: str = ""
    color: str | None = None  # "#15803d": how a UI shows the value
    pos: Pos = field(default=NO_POS, compare=False)


@dataclass(frozen=True)
class Enum:
    name: str
    description: str
    values: tuple[EnumValue, ...]
    docs_page: str | None = None
    placeholder: str | None = None  # why it stands in for an enum its source does not define
    former_values: tuple[tuple[str, str], ...] = ()  # (removed value, the value stored data becomes)
    pos: Pos = field(default=NO_POS, compare=False)


@dataclass(frozen=True)
class Project:
    name: str
    version: str
    namespace: str
    capability: str
    api_path: str
    example_url: str
    cli: str
    package: str
    distribution: str
    description: str = ""
    # What the server says and accepts beyond its objects (see docs/schema-format.md, `project`):
    capabilities: tuple[str, ...] = ()  # more JMAP capabilities accepted in `using`, with no methods here
    edition: str = ""  # the product edition `/api/account` reports
    oauth_clients: tuple[tuple[str, tuple[str, ...]], ...] = ()  # public OAuth clients: (id, redirect URIs)
    env_prefix: str = ""  # the CLI reads <env_prefix>_URL, _TOKEN, ...
    permissions_enum: str = ""  # an enum whose values are more permission names (parts served elsewhere)
    published_format: str = ""  # the format GET /api/schema serves the schema in (published_formats.py)
    docs_links: tuple[tuple[str, str], ...] = ()  # (cli | webui | enterprise, link) on the documentation site
    pos: Pos = field(default=NO_POS, compare=False)

    def docs_link(self, topic: str) -> str:
        """The documentation site's page on `topic` (cli, webui, enterprise); "" when it has none."""
        return dict(self.docs_links).get(topic, "")


@dataclass(frozen=True)
class CompatWaiver:
    """A reasoned waiver of one change `python -m generator diff` reports (the `compat` section)."""

    subject: str  # "S3Store.accessKey"
    change: str  # a change kind of generator/compat/rules.py, e.g. "field-type-changed"
    reason: str
    pos: Pos = field(default=NO_POS, compare=False)


@dataclass(frozen=True)
class ChangeEntry:
    severity: str
    audiences: tuple[str, ...]
    subject: str
    change: str
    message: str


@dataclass(frozen=True)
class Release:
    """One version of the registry's history (the `changes` section), for the `changes` page."""

    version: str
    previous: str
    entries: tuple[ChangeEntry, ...]
    pos: Pos = field(default=NO_POS, compare=False)


Attributes = tuple[tuple[str, str], ...]  # an SVG element's attributes, in the order written


@dataclass(frozen=True)
class IconSet:
    """The drawings of the icons the WebUI menus name (the `icons` section): the attributes every
    icon's `<svg>` carries, and per icon its elements (tag, attributes)."""

    source: str
    svg: Attributes
    drawings: Mapping[str, tuple[tuple[str, Attributes], ...]]  # sorted by icon name
    pos: Pos = field(default=NO_POS, compare=False)


@dataclass(frozen=True)
class Registry:
    project: Project
    objects: tuple[Object, ...]  # sorted by name
    # read-only mappings (MappingProxyType)
    schemas: Mapping[str, Schema]  # every schema, objects' own included, keyed by name, sorted
    enums: Mapping[str, Enum]  # sorted by name
    sources: tuple[str, ...] = ()  # schema files read, sorted, for generated headers
    compat_waivers: tuple[CompatWaiver, ...] = ()  # sorted by subject and change
    changes: tuple[Release, ...] = ()  # newest first, as the `changes` section lists them
    contexts: Mapping[str, ExpressionContext] = field(default_factory=dict)  # sorted by name
    layouts: tuple[Any, ...] = ()  # the WebUI's menus, as the `webui` section writes them
    dashboards: tuple[Any, ...] = ()
    icons: IconSet | None = None  # drawings of the menus' icons, for the reference pages

    def object(self, name: str) -> Object:
        return next(o for o in self.objects if o.name == name)

    @property
    def managed(self) -> tuple[Object, ...]:
        """Objects with JMAP methods here: not views, and not external objects (served elsewhere)."""
        return tuple(o for o in self.objects if o.kind != "view" and not o.external)
