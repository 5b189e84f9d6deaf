"""Walk two IRs side by side and name every difference by its kind (rules.py classifies it).

Objects, types and enums are matched by name, fields by name, variants by tag, enum values by id.
Definitions only one side has are reported once, not field by field. Positions come from the IR:
the new side's, or the old side's for something removed.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Iterator
from typing import Any

from ..diagnostics import Pos
from ..ir import Enum, Field, Migration, Object, Project, Registry, Schema, TypeRef
from .change import Change, make

Emit = Callable[..., None]


def type_text(ref: TypeRef | None) -> str:
    """A type as the schema language writes it: `string?`, `Id<Domain>`, `Map<string, Rate>`."""
    if ref is None:
        return "none"
    if ref.kind in ("string", "number"):
        base = ref.format or ref.kind
    elif ref.kind in ("enum", "object"):
        base = ref.target or ref.kind
    elif ref.kind == "objectId":
        base = f"Id<{ref.target}>"
    elif ref.kind == "objectList":
        base = f"List<{ref.target}>"
    elif ref.kind == "set":
        base = f"Set<{type_text(ref.item)}>"
    elif ref.kind == "map":
        base = f"Map<{type_text(ref.key)}, {type_text(ref.item)}>"
    else:
        base = ref.kind
    return base + ("?" if ref.nullable else "")


def _value(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def _bound(value: int | float | None) -> str:
    return "none" if value is None else f"{value:g}" if isinstance(value, float) else str(value)


def compare_all(
    old: Registry, new: Registry, published: tuple[dict[str, Any], dict[str, Any]] | None = None, label: str = ""
) -> list[Change]:
    """`compare`, with the WebUI differences of the IR and, when both sides are published files,
    of their WebUI sections; a change both sources see is reported once, at the IR's location."""
    from .webui import compare_webui, compare_webui_ir

    found = compare(old, new) + compare_webui_ir(old, new)
    if published is not None:
        found += compare_webui(published[0], published[1], old, new, label)
    unique = {(c.kind, c.subject, c.message): c for c in reversed(found)}  # the first one wins
    return sorted(unique.values(), key=Change.sort_key)


def compare(old: Registry, new: Registry) -> list[Change]:
    changes: list[Change] = []

    def emit(kind: str, subject: str, location: Pos, **details: Any) -> None:
        changes.append(make(kind, subject, location, **details))

    _project(old.project, new.project, emit)
    _objects(old, new, emit)
    object_names = {o.name for o in old.objects} | {o.name for o in new.objects}
    for name, o, n in _pairs(old.schemas, new.schemas):
        if o is None or n is None:
            if name not in object_names:  # an object's own schema comes and goes with the object
                here = n or o
                assert here is not None
                emit("type-added" if o is None else "type-removed", name, here.pos, name=name)
        else:
            _schema(name, o, n, old, new, emit)
    for name, eo, en in _pairs(old.enums, new.enums):
        _enum(name, eo, en, emit)
    return sorted(changes, key=Change.sort_key)


def _pairs(old: Any, new: Any) -> Iterator[tuple[str, Any, Any]]:
    for name in sorted(set(old) | set(new)):
        yield name, old.get(name), new.get(name)


# -- project -----------------------------------------------------------------------------------

PROJECT_KINDS = {
    "version": "project-version-changed",
    "namespace": "project-api-changed",
    "capability": "project-api-changed",
    "api_path": "project-api-changed",
    "package": "project-package-changed",
    "distribution": "project-package-changed",
    "cli": "project-package-changed",
    "env_prefix": "project-package-changed",  # scripts set <envPrefix>_URL, _TOKEN, ...
    "published_format": "project-api-changed",  # what GET /api/schema serves
    "permissions_enum": "project-api-changed",  # the permission names GET /api/account lists
    "name": "project-text-changed",
    "description": "project-text-changed",
    "example_url": "project-text-changed",
    "edition": "project-text-changed",
    "docs_links": "project-text-changed",
}
# Optional settings that turn on something a client reads: setting one breaks nobody; changing or
# removing it is project-api-changed.
PROJECT_OPTIONS = {"published_format": "published format", "permissions_enum": "permissions enum"}
# Settings that list what the server accepts: adding to them breaks nobody, taking away does.
PROJECT_LISTS = {
    "capabilities": "extra capabilities",  # a request may name them in `using`
    "oauth_clients": "OAuth clients",  # the WebUI logs in with a client id and redirect URI
}


def _project(old: Project, new: Project, emit: Emit) -> None:
    for key, kind in PROJECT_KINDS.items():
        before, after = getattr(old, key, None), getattr(new, key, None)  # newer settings may be absent
        if before != after and key in PROJECT_OPTIONS and not before:
            emit("project-api-extended", "project", new.pos, what=PROJECT_OPTIONS[key], added=_value(after))
        elif before != after:
            emit(kind, "project", new.pos, key=key, old=before, new=after)
    for key, what in PROJECT_LISTS.items():
        before, after = set(getattr(old, key, None) or ()), set(getattr(new, key, None) or ())
        gone, added = sorted(before - after, key=str), sorted(after - before, key=str)
        if gone:
            emit("project-api-narrowed", "project", new.pos, what=what, gone=_value(gone))
        if added:
            emit("project-api-extended", "project", new.pos, what=what, added=_value(added))


# -- objects -----------------------------------------------------------------------------------


def _objects(old: Registry, new: Registry, emit: Emit) -> None:
    before = {o.name: o for o in old.objects}
    after = {o.name: o for o in new.objects}
    for name, o, n in _pairs(before, after):
        if o is None or n is None:
            here = n or o
            assert here is not None
            if here.kind == "view":
                emit("view-added" if o is None else "view-removed", name, here.pos, of=here.view_of)
            else:
                emit("object-added" if o is None else "object-removed", name, here.pos, what=here.kind, name=name)
            continue
        _object(name, o, n, emit)


def _object(name: str, o: Object, n: Object, emit: Emit) -> None:
    if o.kind != n.kind:
        kinds = {("singleton", "object"): "singleton-to-object", ("object", "singleton"): "object-to-singleton"}
        emit(kinds.get((o.kind, n.kind), "object-kind-changed"), name, n.pos, old=o.kind, new=n.kind)
    if o.jmap_name != n.jmap_name:
        emit("jmap-name-changed", name, n.pos, old=o.jmap_name, new=n.jmap_name)
    if o.permission_prefix != n.permission_prefix and o.kind != "view" and n.kind != "view":
        emit("permission-prefix-changed", name, n.pos, old=o.permission_prefix, new=n.permission_prefix)
    if o.enterprise != n.enterprise:
        emit("object-enterprise-added" if n.enterprise else "object-enterprise-removed", name, n.pos)
    if o.external != n.external:
        emit("object-now-external" if n.external else "object-now-served", name, n.pos)
    if o.view_of != n.view_of and o.kind == n.kind == "view":
        emit("view-target-changed", name, n.pos, old=o.view_of, new=n.view_of)
    if o.webui != n.webui:
        emit("webui-place-changed", name, n.pos, old=" › ".join(o.webui) or "none", new=" › ".join(n.webui) or "none")
    if o.examples != n.examples and o.kind == n.kind:  # a kind change moves the default id
        emit("examples-changed", name, n.pos)
    if o.description != n.description and (o.schema is None or n.schema is None):
        emit("description-changed", name, n.pos)  # otherwise the schema's description says it


# -- schemas, fields and variants --------------------------------------------------------------


def _schema(name: str, o: Schema, n: Schema, old: Registry, new: Registry, emit: Emit) -> None:
    if o.description != n.description:
        emit("description-changed", name, n.pos)
    if o.is_union != n.is_union:
        emit("schema-became-union" if n.is_union else "union-became-schema", name, n.pos)
        return
    usable = (_usable(old), _usable(new))
    _fields(name, o.fields, n.fields, n.pos, emit, usable)
    _keys(name, o, n, emit)
    if not o.is_union:
        return
    before = {v.name: v for v in o.variants}
    after = {v.name: v for v in n.variants}
    for tag, vo, vn in _pairs(before, after):
        subject = f"{name}.{tag}"
        if vo is None or vn is None:
            here = vn or vo
            emit("variant-added" if vo is None else "variant-removed", subject, here.pos, name=tag)
            continue
        if vo.label != vn.label:
            emit("variant-label-changed", subject, vn.pos, old=vo.label, new=vn.label)
        if vo.type != vn.type:  # the same type is compared once, under its own name
            old_fields = old.schemas[vo.type].fields if vo.type else ()
            new_fields = new.schemas[vn.type].fields if vn.type else ()
            _fields(subject, old_fields, new_fields, vn.pos, emit, usable)
    first_old, first_new = o.variants[0].name, n.variants[0].name
    if first_old != first_new and first_old in after:
        emit("union-default-changed", name, n.pos, old=first_old, new=first_new)


def _keys(name: str, o: Schema, n: Schema, emit: Emit) -> None:
    """Unique keys over several fields (or shared between schemas), matched by key name."""
    before = {k.name: k for k in o.keys}
    after = {k.name: k for k in n.keys}
    for key, ko, kn in _pairs(before, after):
        if ko == kn:
            continue
        subject = f"{name}.{key}"
        if ko is None:
            emit("unique-key-added", subject, n.pos, fields=", ".join(kn.fields))
        elif kn is None:
            emit("unique-key-removed", subject, n.pos, fields=", ".join(ko.fields))
        else:
            emit("unique-key-changed", subject, n.pos, old=", ".join(ko.fields), new=", ".join(kn.fields))


Usable = tuple[dict[str, set[str]], dict[str, set[str]]]  # context name → its values, old and new side


def _usable(registry: Registry) -> dict[str, set[str]]:
    """What each expression context lets an expression name (none in a language without contexts)."""
    contexts = getattr(registry, "contexts", None) or {}
    return {name: set(getattr(c, "values", ())) for name, c in contexts.items()}


def _renames(before: dict[str, Field], after: dict[str, Field]) -> dict[str, Field]:
    """Old field name → the new field that declares it `renamedFrom` (each side's name unused on
    the other), so a rename is one change rather than a removal and an addition."""
    out: dict[str, Field] = {}
    for fn in after.values():
        if fn.name in before:
            continue
        old = next((n for n in fn.renamed_from if n in before and n not in after and n not in out), None)
        if old is not None:
            out[old] = fn
    return out


def _fields(owner: str, old: tuple[Field, ...], new: tuple[Field, ...], where: Pos, emit: Emit, usable: Usable) -> None:
    before = {f.name: f for f in old}
    after = {f.name: f for f in new}
    renamed = _renames(before, after)
    for old_name, fn in renamed.items():
        subject = f"{owner}.{fn.name}"
        emit("field-renamed", subject, fn.pos_of("renamedFrom"), old=old_name)
        _field(subject, before[old_name], fn, emit)
        _expression(subject, before[old_name], fn, emit, usable)
    arrived = {fn.name for fn in renamed.values()}
    for fname, fo, fn in _pairs(before, after):
        subject = f"{owner}.{fname}"
        if fname in renamed or fname in arrived:
            continue
        if fo is None:
            if fn.update == "serverSet":
                emit("field-added-server-set", subject, fn.pos, type=type_text(fn.type))
            elif fn.needed_on_create:
                emit("field-added-required", subject, fn.pos, type=type_text(fn.type))
            else:
                default = f", default {_value(fn.default)}" if fn.has_default else ""
                emit("field-added-optional", subject, fn.pos, type=type_text(fn.type), default=default)
        elif fn is None:
            emit("field-removed", subject, fo.pos if fo.pos.line else where, type=type_text(fo.type))
        else:
            _field(subject, fo, fn, emit)
            _expression(subject, fo, fn, emit, usable)


def _field(subject: str, o: Field, n: Field, emit: Emit) -> None:
    at = n.pos_of
    base_old = dataclasses.replace(o.type, nullable=False)
    base_new = dataclasses.replace(n.type, nullable=False)
    if base_old != base_new:
        if base_old.kind == base_new.kind == "objectId":
            emit("foreign-key-changed", subject, at("type"), old=o.type.target, new=n.type.target)
        else:
            how = _type_migration(o, n)
            kind = "field-type-changed-migrated" if how else "field-type-changed"
            emit(kind, subject, at("type"), old=type_text(o.type), new=type_text(n.type), how=how)
    elif o.type.nullable != n.type.nullable:
        null = _null_replacement(n)
        if n.type.nullable:
            emit("nullable-added", subject, at("type"), new=type_text(n.type))
        elif null is not None:
            emit("nullable-removed-migrated", subject, at("type"), new=type_text(n.type), to=_value(null.replacement))
        else:
            emit("nullable-removed", subject, at("type"), new=type_text(n.type))
    if o.update != n.update:
        names = {"mutable": "mutable", "immutable": "immutable", "serverSet": "server-set"}
        emit(f"update-{names[o.update]}-to-{names[n.update]}", subject, at("update"))
    if o.needed_on_create != n.needed_on_create:
        emit("field-now-required" if n.needed_on_create else "field-no-longer-required", subject, n.pos)
    if o.has_default != n.has_default:
        # Whether a create may leave the field out is reported above; this is about what it gets.
        if n.has_default and not o.needed_on_create:
            emit("default-added", subject, at("default"), new=_value(n.default))
        elif o.has_default and not n.needed_on_create:
            emit("default-removed", subject, n.pos, old=_value(o.default))
    elif o.has_default and o.default != n.default:
        emit("default-changed", subject, at("default"), old=_value(o.default), new=_value(n.default))
    _bounds(subject, o, n, emit)
    if o.unique != n.unique:
        emit("unique-added" if n.unique else "unique-removed", subject, at("unique") if n.unique else n.pos)
    for name in sorted(set(n.validators) - set(o.validators)):
        emit("validator-added", subject, at("validators"), name=name)
    for name in sorted(set(o.validators) - set(n.validators)):
        emit("validator-removed", subject, at("validators"), name=name)
    if o.secret != n.secret:  # the flag; a secret format shows as a type change
        emit("secret-added" if n.secret else "secret-removed", subject, at("secret") if n.secret else n.pos)
    if o.enterprise != n.enterprise:
        emit("field-enterprise-added" if n.enterprise else "field-enterprise-removed", subject, n.pos)
    for key, what in (("filterable", "filterable"), ("sortable", "sortable")):
        if getattr(o, key) != getattr(n, key):
            kind = "query-capability-added" if getattr(n, key) else "query-capability-removed"
            emit(kind, subject, at(key) if getattr(n, key) else n.pos, what=what)
    if o.description != n.description:
        emit("description-changed", subject, at("description"))
    if o.example != n.example:
        emit("example-changed", subject, at("example"))


# Kinds stored as JSON objects: a `wrap` step (which takes any other value) cannot migrate them.
STORED_AS_OBJECTS = ("object", "objectList", "map", "set")


def _null_replacement(n: Field) -> Migration | None:
    return next((m for m in n.migrations if m.op == "replace" and m.value is None), None)


def _type_migration(o: Field, n: Field) -> str:
    """How the new field's declared migrations turn every stored value of the old type into the
    new one ("" when they do not): a `wrap` takes any plain value, and a stored null needs a
    `replace` of null unless the new type is nullable."""
    wrap = next((m for m in n.migrations if m.op == "wrap"), None)
    if wrap is None or o.type.kind in STORED_AS_OBJECTS:
        return ""
    how = f"a value is wrapped into {wrap.variant}.{wrap.into}"
    if not o.type.nullable or n.type.nullable:
        return how
    null = _null_replacement(n)
    return f"{how}, null becomes {_value(null.replacement)}" if null is not None else ""


def _expression(subject: str, o: Field, n: Field, emit: Emit, usable: Usable) -> None:
    """The names an expression field may use: its contexts' values, on each side."""
    before = set().union(*(usable[0].get(c, set()) for c in getattr(o, "context", ())))
    after = set().union(*(usable[1].get(c, set()) for c in getattr(n, "context", ())))
    at = n.pos_of("context")
    if before - after:
        emit("expression-name-removed", subject, at, names=", ".join(sorted(before - after)))
    if after - before:
        emit("expression-name-added", subject, at, names=", ".join(sorted(after - before)))


# (IR attribute, YAML key, kind when the allowed range narrows, kind when it widens, is a lower bound)
BOUNDS = (
    ("min", "min", "min-raised", "min-lowered", True),
    ("max", "max", "max-lowered", "max-raised", False),
    ("min_items", "minItems", "min-items-raised", "min-items-lowered", True),
    ("max_length", "maxLength", "max-length-lowered", "max-length-raised", False),
)


def _bounds(subject: str, o: Field, n: Field, emit: Emit) -> None:
    for attr, key, narrowed, widened, lower in BOUNDS:
        before, after = getattr(o, attr), getattr(n, attr)
        if before == after:
            continue
        # A bound that appears narrows the range and one that goes widens it; a lower bound that
        # rises narrows it, an upper one that rises widens it.
        narrows = after is not None if before is None or after is None else (after > before) == lower
        kind = narrowed if narrows else widened
        if narrows and any(m.op == "clamp" and m.bound == key for m in n.migrations):
            kind += "-clamped"  # stored values beyond the new bound are moved onto it on start
        emit(kind, subject, n.pos_of(key), old=_bound(before), new=_bound(after))


# -- enums -------------------------------------------------------------------------------------


def _enum(name: str, o: Enum | None, n: Enum | None, emit: Emit) -> None:
    if o is None or n is None:
        here = n or o
        assert here is not None
        emit("enum-added" if o is None else "enum-removed", name, here.pos, name=name)
        return
    if (o.description, o.docs_page, o.placeholder) != (n.description, n.docs_page, n.placeholder):
        emit("description-changed", name, n.pos)
    before = {v.name: v for v in o.values}
    after = {v.name: v for v in n.values}
    for value, vo, vn in _pairs(before, after):
        subject = f"{name}.{value}"
        if vo is None or vn is None:
            here = vn or vo
            former = dict(n.former_values)
            if vo is not None and value in former:
                # located where the migration is declared: the new side's enum
                emit("enum-value-removed-migrated", subject, n.pos, name=value, new=former[value])
            else:
                emit("enum-value-added" if vo is None else "enum-value-removed", subject, here.pos, name=value)
        elif (vo.label, vo.description, vo.color) != (vn.label, vn.description, vn.color):
            emit("enum-value-label-changed", subject, vn.pos, name=value)
