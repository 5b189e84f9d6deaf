"""What the Rust registry crate says about each type, in the published (JSON) names.

Every fact keeps where it was read (`schema/structs_impl.rs:30985`), so that a disagreement with
schema.json can name both places.
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass, field


@dataclass(frozen=True)
class UniqueKey:
    """A unique index: `fields` together may not repeat. `shared` keys (the crate's `unique_global`)
    are one namespace across every object declaring a key of the same `name`."""

    name: str
    fields: tuple[str, ...]
    shared: bool
    where: str


@dataclass(frozen=True)
class Bound:
    kind: str  # "min" or "max"
    value: int | float
    where: str


@dataclass
class TypeFacts:
    """One struct or tagged union of structs.rs with what structs_impl.rs adds to it."""

    name: str  # Rust (= published, without the namespace) name
    where: str
    fields: list[str] = field(default_factory=list)  # declaration order (struct fields)
    rust_types: dict[str, str] = field(default_factory=dict)  # property → Rust type as written
    rust_fields: dict[str, str] = field(default_factory=dict)  # Rust field name → property
    variants: list[str] = field(default_factory=list)  # a union's variant names, in order
    server_set: dict[str, str] = field(default_factory=dict)  # property → where the patch refuses it
    read_only: dict[str, str] = field(default_factory=dict)  # property → where the patch asserts read-only
    patch_only: list[str] = field(default_factory=list)  # properties the patch knows and the struct lacks
    patch_order: list[str] = field(default_factory=list)  # properties in the order the patch matches them
    validators: dict[str, tuple[tuple[str, ...], str]] = field(default_factory=dict)  # property → (names, where)
    bounds: dict[str, list[Bound]] = field(default_factory=dict)  # property → bounds in declaration order
    defaults: dict[str, tuple[str, str]] = field(default_factory=dict)  # property → (Rust expression, where)
    unique: list[UniqueKey] = field(default_factory=list)
    foreign: dict[str, tuple[str, str]] = field(default_factory=dict)  # property → (object, where)
    # property → (the query condition that matches its words, where): `i.text(Property::Text, ...)`
    text: dict[str, tuple[str, str]] = field(default_factory=dict)
    contexts: dict[str, tuple[str | None, str | None, str]] = field(
        default_factory=dict
    )  # property → (variables list, constants list, where)
    # what `into_value` (the value get returns) writes per property, and where: MASKED_PASSWORD in
    # place of the value (a secret), or the stored value itself
    masked: dict[str, str] = field(default_factory=dict)
    shown: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Index:
    """An entry of `ObjectType::indexes()`: what `x:*/query` filters on and, unless `text`, sorts by."""

    property: str
    unique: bool
    value: str  # keyword, text, number, enum, boolean, id, ipMask
    where: str

    @builtins.property  # the field `property` shadows the builtin in this class body
    def sortable(self) -> bool:
        return self.value != "text"  # jmap-registry-query.rs: text indexes do not sort


@dataclass
class CrateFacts:
    types: dict[str, TypeFacts]  # by Rust name
    indexes: dict[str, list[Index]]  # object name → its indexes, in order
    contexts: dict[str, tuple[str, tuple[str, ...], str]]  # static name → (element enum, published members, where)
    enum_names: dict[str, dict[str, str]]  # Rust enum → variant → published name
