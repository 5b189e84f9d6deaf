"""Base class of the generated model dataclasses: wire (de)serialisation through the runtime.

A generated class only declares its attributes (named by `Field.py_name`) and which schema and
variant it stands for; decoding, defaults, validation and encoding are the runtime's, the same code
the server runs. Python values: durations and sizes are ints (ms, bytes), sets are Python sets,
object lists are lists of models, enums are the generated `StrEnum`s, date-times stay strings.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum
from typing import Any, ClassVar, TypeVar

from .codec import plan
from .descriptors import MISSING, Registry, TypeDesc
from .errors import Issue, ValidationFailed
from .validate import parse

M = TypeVar("M", bound="Model")
Convert = Callable[[Any], Any]

_CLASSES: dict[tuple[int, str, str | None], type[Model]] = {}
_ENUMS: dict[tuple[int, str], type[Enum]] = {}


def register_enums(registry: Registry, *classes: type[Enum]) -> None:
    for cls in classes:
        _ENUMS[(id(registry), cls.__name__)] = cls


def register_models(*classes: type[Model]) -> None:
    """Called by each generated module after its classes exist (a slotted dataclass is a new
    class object, so registering from `__init_subclass__` would record the wrong one)."""
    for cls in classes:
        _CLASSES[(id(cls.__registry__), cls.__schema__, cls.__variant__)] = cls


def model_class(registry: Registry, schema: str, variant: str | None = None) -> type[Model]:
    found = _CLASSES.get((id(registry), schema, variant))
    if found is None:
        raise LookupError(f"no model class for {schema}{'/' + variant if variant else ''}; import its module")
    return found


class Model:
    """`from_wire` validates and raises `ValidationFailed` with every problem; `to_wire` gives
    the canonical wire form; `validate` lists the problems of an instance built in Python."""

    __slots__ = ()
    __registry__: ClassVar[Registry]
    __schema__: ClassVar[str]
    __variant__: ClassVar[str | None] = None
    __has_id__: ClassVar[bool] = False

    @classmethod
    def from_wire(cls: type[M], data: Any, *, text: bool = False) -> M:
        if not text:
            fast = cls.__dict__.get("_fast_")  # generated with the class (fastpath.set_fast_paths)
            if fast is not None:
                instance: M = fast(data)  # a fast path builds an instance of cls, or gives MISSING
                if instance is not MISSING:
                    return instance
        return cls._from_wire_general(data, text=text)

    @classmethod
    def from_stored(cls: type[M], data: Any) -> M:
        """An object as a server's get shows it: like `from_wire`, except that a required field
        the server shows as null has no value yet (a singleton nobody has written: its required
        fields have no default) and reads as None instead of failing."""
        if type(data) is dict:
            reg = cls.__registry__
            schema = reg.schema(cls.__schema__)
            fields = reg.variant_fields(schema, data.get("@type", cls.__variant__)) or ()
            unset = frozenset(f.name for f in fields if f.settable and not f.type.nullable and data.get(f.name) is None)
            if unset:
                return cls._from_wire_general({k: v for k, v in data.items() if k not in unset}, unset=unset)
        return cls.from_wire(data)

    @classmethod
    def _from_wire_general(cls: type[M], data: Any, *, text: bool = False, unset: frozenset[str] = frozenset()) -> M:
        """The descriptor-driven path: every input form, every problem reported (except that the
        `unset` fields may have no value: see `from_stored`)."""
        reg, schema = cls.__registry__, cls.__schema__
        obj_id = None
        if type(data) is dict and ("id" in data or (cls.__variant__ and "@type" not in data)):
            data = dict(data)
            obj_id = data.pop("id", None) if cls.__has_id__ else None
            if cls.__variant__:
                data.setdefault("@type", cls.__variant__)
        doc, issues = parse(reg, schema, data, text=text)
        if unset:
            issues = [i for i in issues if not (i.type == "Required" and i.path in unset)]
            if doc is not MISSING:
                doc = {**doc, **dict.fromkeys(unset)}
        if issues:
            raise ValidationFailed(issues)
        target = cls if not plan(reg, schema).union else model_class(reg, schema, doc["@type"])
        if not issubclass(target, cls):
            raise ValidationFailed([Issue("patch", "@type", "variant", f"'@type' must be {cls.__variant__}")])
        instance = _converter(target)(doc)
        if obj_id is not None:
            instance.id = obj_id  # type: ignore[attr-defined]  # only classes with __has_id__ declare it
        return instance

    def to_wire(self) -> dict[str, Any]:
        return _encoder(type(self))(self)

    def validate(self) -> list[Issue]:
        data = self.to_wire()
        data.pop("id", None)
        return parse(self.__registry__, self.__schema__, data)[1]


# -- compiled converters ---------------------------------------------------------------------------


def _to_python(reg: Registry, t: TypeDesc) -> Convert | None:
    """canonical → Python (None: the value is used as is)."""
    inner: Convert | None
    if t.kind == "enum":
        target = t.target or ""
        inner = lambda v: _ENUMS[(id(reg), target)](v)  # noqa: E731
    elif t.kind == "object":
        target = t.target or ""
        inner = lambda v: _converter(model_class(reg, target, v.get("@type")))(v)  # noqa: E731
    elif t.kind == "objectList":
        target = t.target or ""
        inner = lambda v: [_converter(model_class(reg, target, e.get("@type")))(e) for e in v.values()]  # noqa: E731
    elif t.kind == "set":
        member = _key_to_python(reg, t.item or TypeDesc("string"))
        inner = (lambda v: set(v)) if member is None else (lambda v: {member(k) for k in v})
    elif t.kind == "map":
        key = _key_to_python(reg, t.key or TypeDesc("string"))
        value = _to_python(reg, t.item or TypeDesc("string"))
        if key is None and value is None:
            inner = dict
        else:
            k_conv, v_conv = key or _same, value or _same
            inner = lambda v: {k_conv(k): v_conv(x) for k, x in v.items()}  # noqa: E731
    else:
        return None
    return lambda v: None if v is None else inner(v)


def _same(v: Any) -> Any:
    return v


def _key_to_python(reg: Registry, t: TypeDesc) -> Convert | None:
    if t.kind == "number":
        return float if t.format == "float" else int
    return _to_python(reg, t)


def _to_wire(t: TypeDesc) -> Convert | None:
    """Python → canonical (None: the value is used as is)."""
    inner: Convert | None
    if t.kind == "enum":
        inner = lambda v: v.value if isinstance(v, Enum) else v  # noqa: E731
    elif t.kind == "object":
        inner = lambda v: v.to_wire() if isinstance(v, Model) else v  # noqa: E731
    elif t.kind == "objectList":
        inner = lambda v: {str(i): (e.to_wire() if isinstance(e, Model) else e) for i, e in enumerate(v)}  # noqa: E731
    elif t.kind == "set":
        inner = lambda v: {(m.value if isinstance(m, Enum) else str(m)): True for m in v}  # noqa: E731
    elif t.kind == "map":
        value = _to_wire(t.item or TypeDesc("string")) or _same
        inner = lambda v: {(k.value if isinstance(k, Enum) else str(k)): value(x) for k, x in v.items()}  # noqa: E731
    else:
        return None
    return lambda v: None if v is None else inner(v)


def _converter(cls: type[M]) -> Callable[[dict[str, Any]], M]:
    found: Callable[[dict[str, Any]], M] | None = cls.__dict__.get("_from_doc_")  # cached below
    if found is not None:
        return found
    reg = cls.__registry__
    schema = reg.schema(cls.__schema__)
    fields = reg.variant_fields(schema, cls.__variant__) or ()
    plain = tuple((f.name, f.py_name or f.name) for f in fields if _to_python(reg, f.type) is None)
    converted = tuple(
        (f.name, f.py_name or f.name, conv) for f in fields if (conv := _to_python(reg, f.type)) is not None
    )

    def from_doc(doc: dict[str, Any]) -> M:
        kwargs = {py: doc[name] for name, py in plain if name in doc}
        for name, py, conv in converted:
            value = doc.get(name, MISSING)
            if value is not MISSING:
                kwargs[py] = conv(value)
        return cls(**kwargs)

    type.__setattr__(cls, "_from_doc_", from_doc)
    return from_doc


def _encoder(cls: type[Model]) -> Callable[[Model], dict[str, Any]]:
    found: Callable[[Model], dict[str, Any]] | None = cls.__dict__.get("_to_doc_")  # cached below
    if found is not None:
        return found
    reg = cls.__registry__
    schema = reg.schema(cls.__schema__)
    fields = reg.variant_fields(schema, cls.__variant__) or ()
    steps = tuple((f.name, f.py_name or f.name, _to_wire(f.type)) for f in fields)
    variant, has_id = cls.__variant__, cls.__has_id__

    def to_doc(instance: Model) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if has_id and getattr(instance, "id", None) is not None:
            out["id"] = instance.id  # type: ignore[attr-defined]
        if variant:
            out["@type"] = variant
        for name, py, conv in steps:
            value = getattr(instance, py)
            out[name] = conv(value) if conv is not None else value
        return out

    type.__setattr__(cls, "_to_doc_", to_doc)
    return to_doc
