"""The models' fast paths, written as generated code: one function per model class that turns
canonical, valid wire input straight into an instance, or returns MISSING so that the runtime's
general path decides (see `schemagen_runtime.fastpath`, whose names the code uses).

The statements come from the runtime descriptors (`generator.runtime_descriptors`) with the
codec's rules: exact JSON types, the 64-bit number ranges and the schema's bounds, formats,
validators (of a set's members and a map's keys and values too), enum values, unknown properties.
Transforms (`trim`, `lowercase`, ...) are applied before the checks, as the codec applies
them. A reference that can recurse (two schemas in one cycle) steps aside, so
a fast path never nests deeper than the codec allows.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from schemagen_runtime.codec import MAX_DEPTH, FieldPlan, number_range
from schemagen_runtime.descriptors import MISSING, FieldDesc, TypeDesc
from schemagen_runtime.descriptors import Registry as RuntimeRegistry
from schemagen_runtime.validate import FORMAT_CHECKS, VALIDATOR_CHECKS, check_value, member_field

from ..ir import Registry, Schema
from ..names import python_module

TRANSFORMS = frozenset({"trim", "lowercase", "uppercase", "removeSpaces"})
FAIL = "return MISSING"


@dataclass(frozen=True)
class FastFunction:
    name: str
    lines: tuple[str, ...]  # the body, four spaces per level


@dataclass(frozen=True)
class Dispatch:
    """A union's fast path: the variant's function, chosen by `@type`."""

    name: str
    table: str  # the module-level dict of variant functions
    variants: tuple[tuple[str, str], ...]  # (variant, function)


@dataclass
class FastModule:
    helpers: set[str] = field(default_factory=set)  # names imported from schemagen_runtime.fastpath
    aliases: dict[str, str] = field(default_factory=dict)  # module-level name → expression
    functions: list[FastFunction] = field(default_factory=list)
    dispatches: list[Dispatch] = field(default_factory=list)
    registered: list[tuple[str, str | None]] = field(default_factory=list)  # (class, function or None)
    late: dict[str, set[str]] = field(default_factory=dict)  # other models module → its functions used


def function_name(cls: str) -> str:
    return f"_fast_{cls}"


@dataclass(frozen=True)
class Attr:
    """What a fast path needs of one attribute: its wire field and a fresh default expression."""

    desc: FieldDesc
    py_name: str
    default: str | None  # None: no default (the field must be given)
    mutable: bool = False  # the default makes a new object each time (a set, a model, ...)


class _Body:
    """A function body. Consecutive failure conditions at one level become one `if a or b:` (each
    guards the next, as `or` evaluates left to right), which keeps the generated modules small."""

    def __init__(self, module: FastModule) -> None:
        self.module = module
        self._lines: list[str] = []
        self._pending: tuple[int, list[str]] | None = None
        self.counter = 0

    @property
    def lines(self) -> tuple[str, ...]:
        self._flush()
        return tuple(self._lines)

    def add(self, indent: int, line: str) -> None:
        self._flush()
        self._lines.append("    " * indent + line)

    def fail_if(self, indent: int, condition: str) -> None:
        if self._pending is not None and self._pending[0] != indent:
            self._flush()
        if self._pending is None:
            self._pending = (indent, [])
        self._pending[1].append(condition)

    def _flush(self) -> None:
        if self._pending is not None:
            indent, conditions = self._pending
            self._pending = None
            self.add(indent, f"if {' or '.join(conditions)}:")
            self.add(indent + 1, FAIL)

    def var(self) -> str:
        self.counter += 1
        return f"v{self.counter}"

    def helper(self, name: str) -> str:
        self.module.helpers.add(name)
        return name

    def alias(self, name: str, expr: str, helper: str | None) -> str:
        if helper is not None:
            self.module.helpers.add(helper)
        self.module.aliases[name] = expr
        return name


class FastPaths:
    """The fast paths of every class, over the runtime descriptors of one registry."""

    def __init__(self, registry: Registry, runtime: RuntimeRegistry) -> None:
        self.registry = registry
        self.runtime = runtime
        self.component = _components({name: list(self._nested(s)) for name, s in registry.schemas.items()})
        self._depth: dict[str, int] = {}
        self._supported: dict[str, bool] = {}

    # -- which schemas have one ----------------------------------------------------------------

    def _nested(self, schema: Schema) -> Iterator[str]:
        """The schemas a value of this one nests (its variants' fields, for a union)."""
        for f in self.runtime_fields(schema):
            yield from _targets(f.type)

    def runtime_fields(self, schema: Schema) -> tuple[FieldDesc, ...]:
        desc = self.runtime.schema(schema.name)
        if not desc.is_union:
            return desc.fields
        return tuple(f for v in desc.variants for f in (self.runtime.variant_fields(desc, v.name) or ()))

    def _steps_aside(self, here: str, target: str) -> bool:
        return self.component[here] == self.component[target]

    def depth(self, name: str) -> int:
        """Objects nested in a value of `name`, itself included, where the fast path goes."""
        found = self._depth.get(name)
        if found is None:
            inner = [self.depth(t) for t in self._nested(self.registry.schemas[name]) if not self._steps_aside(name, t)]
            found = self._depth[name] = 1 + max(inner, default=0)
        return found

    def supported(self, name: str) -> bool:
        found = self._supported.get(name)
        if found is None:
            schema = self.registry.schemas[name]
            found = self.depth(name) <= MAX_DEPTH and all(
                self.supported(t) for t in self._nested(schema) if not self._steps_aside(name, t)
            )
            self._supported[name] = found
        return found

    # -- the code --------------------------------------------------------------------------------

    def module(self, schema: Schema, classes: list[tuple[str, str | None, bool, tuple[Attr, ...]]]) -> FastModule:
        """The fast paths of one models module: `classes` holds (class, variant, has id, attrs)
        per class, the union's base class first (with variant None and no attrs)."""
        out = FastModule()
        supported = self.supported(schema.name)
        base = classes[0][0]
        for cls, variant, has_id, attrs in classes:
            if schema.is_union and variant is None:
                continue
            if not supported:
                out.registered.append((cls, None))
                continue
            body = _Body(out)
            self._function(body, schema.name, cls, variant, has_id, attrs)
            out.functions.append(FastFunction(function_name(cls), body.lines))
            out.registered.append((cls, function_name(cls)))
        if schema.is_union:
            fn = function_name(base)
            if supported:
                variants = tuple((v, function_name(c)) for c, v, _, _ in classes[1:] if v is not None)
                out.dispatches.append(Dispatch(fn, f"_VARIANTS_{base}", variants))
            out.registered.insert(0, (base, fn if supported else None))
        return out

    def _function(
        self, body: _Body, here: str, cls: str, variant: str | None, has_id: bool, attrs: tuple[Attr, ...]
    ) -> None:
        names = [a.desc.name for a in attrs] + ["id"] * has_id + ["@type"] * (variant is not None)
        known = body.alias(f"_known_{cls}", f"frozenset({sorted(names)!r}).issuperset", None)
        body.fail_if(0, "type(data) is not dict")
        body.fail_if(0, f"not {known}(data)")  # an unknown property
        body.add(0, "get = data.get")
        assigned: list[tuple[str, str]] = []
        for attr in attrs:
            v = body.var()
            self._field(body, here, v, attr)
            assigned.append((attr.py_name, v))
        if has_id:
            body.add(0, "i = get('id', None)")
            body.fail_if(0, "i is not None and type(i) is not str")
            assigned.append(("id", "i"))
        if variant is not None:
            body.fail_if(0, f"get('@type', {variant!r}) != {variant!r}")
        body.add(0, f"o = object.__new__({cls})")
        for py, v in assigned:
            body.add(0, f"o.{py} = {v}")
        body.add(0, "return o")

    def _field(self, body: _Body, here: str, v: str, attr: Attr) -> None:
        """Leave `v` holding the attribute's value, or return MISSING. A value whose checks are
        conditions only is read with its default and checked in one `if`; others in a block."""
        desc = attr.desc
        needed = desc.settable and not desc.type.nullable  # validate's Required rule
        # no default, or one the general path must report (null for a required field, or a value
        # the field's own checks refuse, as published)
        missing_fails = attr.default is None or (needed and attr.default == "None") or self._refused_default(desc)
        may_be_null = desc.type.nullable or (not needed and attr.default == "None")
        conditions = self._conditions(body, here, v, desc)
        if conditions is not None and (missing_fails or not attr.mutable):
            default = "MISSING" if missing_fails else attr.default
            body.add(0, f"{v} = get({desc.name!r}, {default})")
            test = " or ".join(conditions)
            if may_be_null:
                test = f"{v} is not None and " + (f"({test})" if len(conditions) > 1 else test)
            body.fail_if(0, f"{v} is MISSING or {test}" if missing_fails else test)
            return
        body.add(0, f"{v} = get({desc.name!r}, MISSING)")
        body.add(0, f"if {v} is MISSING:")
        body.add(1, FAIL if missing_fails else f"{v} = {attr.default}")
        if may_be_null:
            body.add(0, f"elif {v} is not None:")
        else:
            body.add(0, "else:")
        self._checks(body, here, v, desc.type, desc, 1)

    def _conditions(self, body: _Body, here: str, v: str, desc: FieldDesc) -> list[str] | None:
        """The value's checks as conditions only (None where they need statements: a conversion,
        a transform, a collection)."""
        scratch = _Body(body.module)
        self._checks(scratch, here, v, desc.type, desc, 0)
        if scratch._lines or scratch._pending is None:
            return None
        return scratch._pending[1]

    def _refused_default(self, desc: FieldDesc) -> bool:
        """Whether validation refuses the value the field takes when it is not given (a default
        below its own min, as published): such input is the general path's to report. Only an
        explicit default, a bound, or a nested object's defaults can be refused."""
        t = desc.type
        bounded = desc.min is not None or desc.max is not None or desc.min_items is not None
        if desc.default is MISSING and not bounded and t.kind != "object":
            return False
        value = FieldPlan(self.runtime, desc).default
        return value is not MISSING and value is not None and bool(check_value(self.runtime, desc, value))

    def _checks(
        self, body: _Body, here: str, v: str, t: TypeDesc, f: FieldDesc | None, ind: int, as_key: bool = False
    ) -> None:
        """Statements that leave `v` converted to its Python value, or return MISSING."""
        kind = t.kind
        if kind in ("string", "blobId", "objectId", "utcDateTime"):
            if not as_key:
                body.fail_if(ind, f"type({v}) is not str")
            if kind == "objectId":
                body.fail_if(ind, f"{v}[:1] == '#'")  # a creation reference: the general path resolves it
            if kind == "utcDateTime":
                body.fail_if(ind, f"not {body.helper('utc')}({v})")
            if kind == "string":
                fixes = tuple(x for x in (f.validators if f is not None else ()) if x in TRANSFORMS)
                if fixes:  # normalised before it is checked, as the codec does
                    fix = body.alias(f"_transform_{'_'.join(fixes)}", f"transform({fixes!r})", "transform")
                    body.add(ind, f"{v} = {fix}({v})")
                if t.format in FORMAT_CHECKS:
                    test = body.alias(f"_format_{t.format}", f"format_check({t.format!r})", "format_check")
                    body.fail_if(ind, f"not {test}({v})")
                for name in f.validators if f is not None else ():
                    if name in VALIDATOR_CHECKS:
                        test = body.alias(f"_validator_{name}", f"validator_check({name!r})", "validator_check")
                        body.fail_if(ind, f"not {test}({v})")
            if f is not None and f.max_length is not None:
                body.fail_if(ind, f"len({v}) > {f.max_length}")
        elif kind == "number":
            self._number(body, v, t, f, ind, as_key)
        elif kind == "boolean":
            body.fail_if(ind, f"type({v}) is not bool")
        elif kind == "enum":
            target = t.target or ""
            table = body.alias(f"_members_{target}", f"members({target})", "members")
            body.add(ind, f"{v} = {table}.get({v}, MISSING) if type({v}) is str else MISSING")
            body.fail_if(ind, f"{v} is MISSING")
        else:
            self._collection(body, here, v, t, f, ind)

    def _number(self, body: _Body, v: str, t: TypeDesc, f: FieldDesc | None, ind: int, as_key: bool) -> None:
        """The codec's number rules: its wire range or finiteness first, then the schema's bounds."""
        low, high = (f.min, f.max) if f is not None else (None, None)
        if t.format == "float":
            if as_key:  # a float's text form as a set member or map key: the general path reads it
                body.add(ind, FAIL)
                return
            safe, finite = body.helper("FLOAT_SAFE"), body.helper("isfinite")
            body.add(ind, f"if type({v}) is int and -{safe} < {v} < {safe}:")
            body.add(ind + 1, f"{v} = float({v})")
            body.add(ind, f"elif type({v}) is not float or not {finite}({v}):")
            body.add(ind + 1, FAIL)
        else:
            if as_key:
                body.fail_if(ind, f"not {body.helper('whole_key')}({v})")
                body.add(ind, f"{v} = int({v})")
            else:
                body.fail_if(ind, f"type({v}) is not int")
            wire_low, wire_high = number_range(t.format)
            low = wire_low if low is None else max(low, wire_low)
            high = wire_high if high is None else min(high, wire_high)
        if low is not None:
            body.fail_if(ind, f"{v} < {low!r}")
        if high is not None:
            body.fail_if(ind, f"{v} > {high!r}")

    def _collection(self, body: _Body, here: str, v: str, t: TypeDesc, f: FieldDesc | None, ind: int) -> None:
        body.fail_if(ind, f"type({v}) is not dict")
        if f is not None and f.min_items is not None:
            body.fail_if(ind, f"len({v}) < {f.min_items}")
        if t.kind == "object":
            body.add(ind, f"{v} = {self._nested_call(body, here, t.target or '')}({v})")
            body.fail_if(ind, f"{v} is MISSING")
            return
        out, key, item = body.var(), body.var(), body.var()
        if t.kind == "objectList":
            nested = self._nested_call(body, here, t.target or "")
            body.add(ind, f"{out}: list[Any] = []")
            body.add(ind, f"for {key}, {item} in {v}.items():")
            body.fail_if(ind + 1, f"{key} != str(len({out}))")
            body.add(ind + 1, f"{item} = {nested}({item})")
            body.fail_if(ind + 1, f"{item} is MISSING")
            body.add(ind + 1, f"{out}.append({item})")
        elif t.kind == "set":
            member = t.item or TypeDesc("string")
            body.add(ind, f"{out}: set[Any] = set()")
            body.add(ind, f"for {key}, {item} in {v}.items():")
            body.fail_if(ind + 1, f"{item} is not True")
            self._checks(body, here, key, member, member_field(f, member), ind + 1, as_key=True)
            body.add(ind + 1, f"{out}.add({key})")
        else:  # map
            key_type, value = t.key or TypeDesc("string"), t.item or TypeDesc("string")
            body.add(ind, f"{out}: dict[Any, Any] = {{}}")
            body.add(ind, f"for {key}, {item} in {v}.items():")
            self._checks(body, here, key, key_type, member_field(f, key_type), ind + 1, as_key=True)
            if value.nullable:
                body.add(ind + 1, f"if {item} is not None:")
                self._checks(body, here, item, value, member_field(f, value), ind + 2)
            else:
                self._checks(body, here, item, value, member_field(f, value), ind + 1)
            body.add(ind + 1, f"{out}[{key}] = {item}")
        body.add(ind, f"{v} = {out}")

    def _nested_call(self, body: _Body, here: str, target: str) -> str:
        """The function that decodes a nested `target` (imported late from its module), or the
        step aside of a reference that can recurse."""
        if self._steps_aside(here, target):
            return body.helper("step_aside")
        module = python_module(target)
        name = function_name(target)
        if module != python_module(here):
            body.module.late.setdefault(module, set()).add(name)
        return name


def _targets(t: TypeDesc) -> Iterator[str]:
    if t.kind in ("object", "objectList") and t.target:
        yield t.target
    for inner in (t.item, t.key):
        if inner is not None:
            yield from _targets(inner)


def _components(edges: dict[str, list[str]]) -> dict[str, int]:
    """Strongly connected components of the schemas' nesting graph (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    component: dict[str, int] = {}
    for root in edges:
        if root in index:
            continue
        work: list[tuple[str, Iterator[str]]] = [(root, iter(edges[root]))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(edges.get(child, ()))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component[member] = index[node]
                    if member == node:
                        break
    return component
