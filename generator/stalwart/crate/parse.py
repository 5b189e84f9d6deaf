"""Reads the facts of the Rust registry crate (see facts.py) from its generated files.

structs.rs gives each type's fields in declaration order (serde renames give the published names)
and each union's variants; structs_impl.rs gives, per type, the `validate` bounds, the `index`
keys, the `Default` values, the JSON-patch rules (server-set, read-only, string validators), the
output get returns (`into_value`: which values it masks as MASKED_PASSWORD) and the expression
contexts (`ctx_*`); enums.rs the variable and constant lists those contexts name;
properties_impl.rs and enums_impl.rs the published spelling of every Rust name and each object's
indexes. Each reader expects the regular shape the crate's generator writes and raises
CrateShapeError naming file:line where it finds something else.
"""

from __future__ import annotations

import re
from pathlib import Path

from .facts import Bound, CrateFacts, Index, TypeFacts, UniqueKey
from .items import CrateShapeError, Function, Lines, functions, impl_target, items

STRUCTS, IMPLS, ENUMS = "schema/structs.rs", "schema/structs_impl.rs", "schema/enums.rs"
ENUMS_IMPL, PROPERTIES_IMPL = "schema/enums_impl.rs", "schema/properties_impl.rs"

AS_STR_ARM = re.compile(r"\s*(\w+)::(\w+) => \"([^\"]*)\",?$")
SERDE_RENAME = re.compile(r'\s*#\[serde\(rename = "([^"]+)"\)\]$')
STRUCT_FIELD = re.compile(r"\s*pub (\w+): (.+),$")
VARIANT = re.compile(r"\s*(\w+)(?:\((\w+)\))?,$")
BOUND = re.compile(r"ValidationError::(min|max)_value\(\s*Property::(\w+),\s*(-?[\d.]+)\s*,?\s*\)")
UNIQUE = re.compile(r"i\.unique(_global)?(_composite)?\(\s*Property::(\w+),\s*([^;]*)\);")
FOREIGN = re.compile(r"i\.foreign_key\(\s*ObjectType::(\w+),\s*([^;]*)\);")
TEXT = re.compile(r"i\.text\(\s*Property::(\w+),\s*([^;]*)\);")
SELF_FIELD = re.compile(r"self\.(\w+)")
PATCH_ARM = re.compile(r" {12}Some\(Property::(\w+)\) =>")
VALIDATORS = re.compile(r"with_validators\(&\[([^\]]*)\]\)")
DEFAULT_FIELD = re.compile(r" {12}(\w+): (.*)$")
CTX_KEY = re.compile(r"\s*(property|allowed_variables|allowed_constants): (.+),$")
STATIC = re.compile(r"pub static (\w+): &\[(\w+)\] = &\[(.*)\];?$", re.S)
# `into_value`: `map.insert_unchecked(Property::X, <value>);`, possibly wrapped over several lines
OUTPUT_INSERT = re.compile(r"\.insert_unchecked\(\s*Property::(\w+),\s*(.*?),?\s*\);$")
OUTPUT_FIELD = re.compile(r"self\.(\w+)\.into_value\(\)")
OUTPUT_LITERAL = re.compile(r'JmapValue::Str\("[^"\\]*"\.into\(\)\)')  # a union's `@type` tag
MASK_CONSTANT = "MASKED_PASSWORD"
OUTPUT_MASKED = f"JmapValue::Str({MASK_CONSTANT}.into())"
INDEX_ARM = re.compile(r"ObjectType::(\w+) => vec!\[")
INDEX = re.compile(
    r"IndexSchema::new\(\s*Property::(\w+),\s*IndexSchemaType::(\w+),\s*IndexSchemaValueType::(\w+),?\s*\)"
)


def _statements(fn: Function) -> list[tuple[int, str]]:
    """The body's statements, each with the index of its first line: a call the generator wraps
    over several lines is one statement (joined with spaces)."""
    out: list[tuple[int, str]] = []
    start = 0
    parts: list[str] = []
    for i, line in enumerate(fn.lines[1:], 1):
        if not parts:
            start = i
        parts.append(line.strip())
        if line.rstrip().endswith((";", "{", "}")):
            out.append((start, " ".join(parts)))
            parts = []
    return out


def _line_of(lines: Lines, text: str, offset: int) -> str:
    return lines.at(text.count("\n", 0, offset))


class Names:
    """Published spelling of Rust enum variants (`Property::DomainLimit` → `domainLimit`)."""

    def __init__(self, maps: dict[str, dict[str, str]]) -> None:
        self.maps = maps

    def of(self, enum: str, variant: str, where: str) -> str:
        try:
            return self.maps[enum][variant]
        except KeyError:
            raise CrateShapeError(where, f"{enum}::{variant} has no published name (no as_str arm)") from None


def read_as_str(root: Path, rel: str) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for item in items(root, rel):
        target = impl_target(item)
        if target is None:
            continue
        for fn in functions(item):
            if fn.name != "as_str":
                continue
            for i, line in enumerate(fn.lines[1:], 1):
                match = AS_STR_ARM.match(line)
                if match:
                    if match.group(1) != target[1]:
                        raise CrateShapeError(fn.at(i), f"an as_str arm of {target[1]} names {match.group(1)}")
                    out.setdefault(target[1], {})[match.group(2)] = match.group(3)
    return out


def read_structs(root: Path) -> dict[str, TypeFacts]:
    out: dict[str, TypeFacts] = {}
    for item in items(root, STRUCTS):
        match = re.match(r"pub (struct|enum) (\w+) \{$", item.header)
        if match is None:
            if item.header.startswith("use "):
                continue
            raise CrateShapeError(item.where, f"expected a struct or enum, got {item.header!r}")
        kind, name = match.groups()
        facts = TypeFacts(name, item.where)
        body = item.lines[1:-1]
        if kind == "enum":
            for i, line in enumerate(body, 1):
                found = VARIANT.match(line)
                if found is None:
                    raise CrateShapeError(item.at(i), f"expected a variant `Name,` or `Name(Type),`, got {line!r}")
                facts.variants.append(found.group(1))
        else:
            if len(body) % 2:
                raise CrateShapeError(item.where, "expected each field as a serde rename line and a `pub` line")
            for i in range(0, len(body), 2):
                rename, decl = SERDE_RENAME.match(body[i]), STRUCT_FIELD.match(body[i + 1])
                if rename is None or decl is None:
                    raise CrateShapeError(item.at(i + 1), 'expected `#[serde(rename = "...")]` then `pub name: Type,`')
                facts.fields.append(rename.group(1))
                facts.rust_types[rename.group(1)] = decl.group(2)
                facts.rust_fields[decl.group(1)] = rename.group(1)
        out[name] = facts
    return out


class ImplReader:
    """Adds what structs_impl.rs says to the TypeFacts read from structs.rs."""

    def __init__(self, types: dict[str, TypeFacts], names: Names) -> None:
        self.types, self.names = types, names

    def read(self, root: Path) -> None:
        readers = {
            "validate": self.validate,
            "index": self.index,
            "default": self.default,
            "patch_property": self.patch,
            "into_value": self.output,
        }
        for item in items(root, IMPLS):
            target = impl_target(item)
            if target is None:
                continue
            facts = self.types.get(target[1])
            if facts is None:
                raise CrateShapeError(item.where, f"impl for {target[1]}, which structs.rs does not define")
            for fn in functions(item):
                if fn.name in readers:
                    readers[fn.name](facts, fn)
                elif fn.name.startswith("ctx_"):
                    self.context(facts, fn)
                if fn.name != "into_value" and MASK_CONSTANT in fn.text:
                    line = next(i for i, text in enumerate(fn.lines) if MASK_CONSTANT in text)
                    raise CrateShapeError(
                        fn.at(line), f"{MASK_CONSTANT} outside `into_value`: cannot tell which value it masks"
                    )

    def prop(self, name: str, where: str) -> str:
        return self.names.of("Property", name, where)

    def field(self, facts: TypeFacts, rust_field: str, where: str) -> str:
        try:
            return facts.rust_fields[rust_field]
        except KeyError:
            raise CrateShapeError(where, f"{facts.name} has no field `{rust_field}` in structs.rs") from None

    def validate(self, facts: TypeFacts, fn: Function) -> None:
        text = fn.text
        for match in BOUND.finditer(text):
            kind, prop, number = match.groups()
            value: int | float = float(number) if "." in number else int(number)
            where = _line_of(fn, text, match.start())
            facts.bounds.setdefault(self.prop(prop, where), []).append(Bound(kind, value, where))

    def index(self, facts: TypeFacts, fn: Function) -> None:
        loop_field: str | None = None
        for i, statement in _statements(fn):
            where = fn.at(i)
            if head := re.match(r"\s*(?:for \w+ in |if let Some\(\w+\) = &?)self\.(\w+)", statement):
                loop_field = head.group(1)
            if match := UNIQUE.search(statement):
                glob, composite, prop, args = match.groups()
                fields = tuple(self.field(facts, f, where) for f in SELF_FIELD.findall(args))
                if not fields or (composite is None) != (len(fields) == 1):
                    raise CrateShapeError(where, f"cannot read the fields of this unique key: {statement.strip()!r}")
                facts.unique.append(UniqueKey(self.prop(prop, where), fields, glob is not None, where))
            elif match := FOREIGN.search(statement):
                obj, args = match.groups()
                named = SELF_FIELD.findall(args)
                rust_field = named[0] if named else loop_field
                if rust_field is None:
                    raise CrateShapeError(where, f"cannot tell which field this foreign key is: {statement.strip()!r}")
                target = self.names.of("ObjectType", obj, where)
                if variant := re.search(r"Some\((\w+)::(\w+)\.to_id\(\)\)", args):
                    target += "/" + self.names.of(variant.group(1), variant.group(2), where)  # a view of it
                facts.foreign[self.field(facts, rust_field, where)] = (target, where)
            elif match := TEXT.search(statement):
                named = SELF_FIELD.findall(match.group(2))
                rust_field = named[0] if named else loop_field
                if rust_field is None:
                    raise CrateShapeError(where, f"cannot tell which field this text index is: {statement.strip()!r}")
                facts.text[self.field(facts, rust_field, where)] = (self.prop(match.group(1), where), where)

    def default(self, facts: TypeFacts, fn: Function) -> None:
        if facts.variants:
            return  # a union's default is one of its variants, not field values
        current: str | None = None
        for i, line in enumerate(fn.lines):
            if match := DEFAULT_FIELD.match(line):
                current = self.field(facts, match.group(1), fn.at(i))
                facts.defaults[current] = (match.group(2), fn.at(i))
            elif current is not None and line.startswith(" " * 13):
                expr, where = facts.defaults[current]
                facts.defaults[current] = (expr + "\n" + line.strip(), where)

    def patch(self, facts: TypeFacts, fn: Function) -> None:
        starts = [(i, m.group(1)) for i, line in enumerate(fn.lines) if (m := PATCH_ARM.match(line))]
        ends = [i for i, _ in starts[1:]] + [len(fn.lines)]
        for (start, prop_name), end in zip(starts, ends, strict=True):
            where = fn.at(start)
            prop = self.prop(prop_name, where)
            if prop == "@type":
                continue
            arm = "\n".join(fn.lines[start:end]).split("\n            _ =>")[0]
            facts.patch_order.append(prop)
            if prop not in facts.fields and prop not in facts.patch_only:
                facts.patch_only.append(prop)
            if "assert_server_set" in arm:
                facts.server_set[prop] = where
            if "assert_read_only" in arm:
                facts.read_only[prop] = where
            if match := VALIDATORS.search(arm):
                members = [m.strip() for m in match.group(1).split(",") if m.strip()]
                if not all(m.startswith("StringValidator::") for m in members):
                    raise CrateShapeError(where, f"expected StringValidator values, got {match.group(1)!r}")
                facts.validators[prop] = (tuple(m.split("::")[1] for m in members), where)

    def output(self, facts: TypeFacts, fn: Function) -> None:
        """`into_value`, the value get returns: each property written as MASKED_PASSWORD is a
        secret; one written as `self.field.into_value()` is returned as stored."""
        for i, statement in _statements(fn):
            where = fn.at(i)
            match = OUTPUT_INSERT.search(statement)
            if match is None:
                if MASK_CONSTANT in statement or "insert_unchecked" in statement:
                    raise CrateShapeError(
                        where, f"expected `map.insert_unchecked(Property::X, value);`, got {statement.strip()!r}"
                    )
                continue
            prop, value = self.prop(match.group(1), where), match.group(2)
            if value == OUTPUT_MASKED:
                facts.masked[prop] = where
            elif shown := OUTPUT_FIELD.fullmatch(value):
                self.field(facts, shown.group(1), where)  # must be a field of the struct
                facts.shown[prop] = where
            elif not OUTPUT_LITERAL.fullmatch(value):
                raise CrateShapeError(
                    where,
                    f"cannot read the value written for {prop}: expected `self.field.into_value()`, "
                    f"`{OUTPUT_MASKED}` or a string literal, got {value!r}",
                )

    def context(self, facts: TypeFacts, fn: Function) -> None:
        keys: dict[str, str] = {}
        for line in fn.lines:
            if match := CTX_KEY.match(line):
                keys[match.group(1)] = match.group(2)
        if set(keys) != {"property", "allowed_variables", "allowed_constants"}:
            raise CrateShapeError(
                fn.where, "an expression context needs property, allowed_variables, allowed_constants"
            )
        prop = self.prop(keys["property"].removeprefix("Property::"), fn.where)
        variables, constants = (
            None if v == "&[]" else v for v in (keys["allowed_variables"], keys["allowed_constants"])
        )
        facts.contexts[prop] = (variables, constants, fn.where)


def read_statics(root: Path, names: Names) -> dict[str, tuple[str, tuple[str, ...], str]]:
    """`pub static HTTP_VARIABLE: &[ExpressionVariable] = &[...]` → (element enum, published members)."""
    out: dict[str, tuple[str, tuple[str, ...], str]] = {}
    for item in items(root, ENUMS):
        if not item.header.startswith("pub static"):
            continue
        match = STATIC.match(" ".join(line.strip() for line in item.lines))
        if match is None:
            raise CrateShapeError(item.where, "expected `pub static NAME: &[Enum] = &[Enum::A, ...];`")
        name, enum, body = match.groups()
        members = [m.strip() for m in body.rstrip("];").split(",") if m.strip()]
        published = []
        for m in members:
            if not m.startswith(f"{enum}::"):
                raise CrateShapeError(item.where, f"{m!r} is not a value of {enum}")
            published.append(names.of(enum, m.split("::")[1], item.where))
        out[name] = (enum, tuple(published), item.where)
    return out


def read_indexes(root: Path, names: Names) -> dict[str, list[Index]]:
    for item in items(root, PROPERTIES_IMPL):
        target = impl_target(item)
        if target is None or target[1] != "ObjectType":
            continue
        for fn in functions(item):
            if fn.name != "indexes":
                continue
            text = fn.text
            arms = list(INDEX_ARM.finditer(text))
            if not arms:
                raise CrateShapeError(fn.where, "expected `ObjectType::X => vec![...]` arms")
            out: dict[str, list[Index]] = {}
            for arm, nxt in zip(arms, [*arms[1:], None], strict=True):
                where = _line_of(fn, text, arm.start())
                obj = names.of("ObjectType", arm.group(1), where)
                body = text[arm.end() : nxt.start() if nxt else len(text)]
                out[obj] = [
                    Index(
                        names.of("Property", m.group(1), where),
                        m.group(2) == "Unique",
                        m.group(3)[0].lower() + m.group(3)[1:],
                        _line_of(fn, text, arm.end() + m.start()),
                    )
                    for m in INDEX.finditer(body)
                ]
            return out
    raise CrateShapeError(PROPERTIES_IMPL, "no `fn indexes` in `impl ObjectType`")


def read_crate(root: Path) -> CrateFacts:
    """Every fact of the crate at `root` (the directory holding schema/ and types/)."""
    if not (root / STRUCTS).is_file():
        raise CrateShapeError(str(root), f"not the registry crate: {STRUCTS} is missing")
    maps = read_as_str(root, ENUMS_IMPL) | read_as_str(root, PROPERTIES_IMPL)
    names = Names(maps)
    types = read_structs(root)
    ImplReader(types, names).read(root)
    return CrateFacts(types, read_indexes(root, names), read_statics(root, names), maps)
