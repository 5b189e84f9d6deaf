"""The store interface: what the JMAP server needs from a database, implemented by SQLite
(sqlite_store.py, the embedded default) and PostgreSQL (pgstore.py, `DB=postgresql://...`).

Two levels:

- `Store` is the database, shared by every request of a process. Its `read`/`write` run a unit of
  work in a worker thread (never on the event loop) inside one database transaction and hand it a
  `Session`. `write` units may be committed together (group commit): each gets its own savepoint,
  one failing (raising) rolls back only its own changes, and the awaitable completes only after
  the COMMIT holding it is durable, so a response is never sent for a write that could be lost.
  `read` units run on their own connections and never wait behind a writer's commit (a snapshot
  of the last committed data: WAL on SQLite, MVCC on PostgreSQL).
- `Session` is the synchronous handle a unit uses, valid only inside it and only on its thread.

Several processes (and on PostgreSQL several machines) may use one database at once. So nothing a
store keeps in memory may go stale: documents, ids and states are read from the database inside
the transaction (a store may cache only what it validates against the database each time). A
`write` unit holds the database's write lock (SQLite `BEGIN IMMEDIATE`; PostgreSQL: one row lock
per state counter it reads, taken by `state(type, for_update=True)`) so a check made in it (an
ifInState, a unique key, a foreign key) still holds at its commit.

What a document refers to, its unique keys and its words are the application's knowledge
(`Indexer`, fed from the descriptors); the store keeps them in side tables written in the same
transaction as the document, so reverse references, key conflicts and text search are indexed
lookups. Query filters and sorts arrive as a neutral condition tree (`Query`, built by query.py
from the descriptors) that each store translates to its own SQL; neither side knows the other's
dialect. Field names in conditions are top-level document members (or `id`); values are JSON
scalars as the codec stores them.

Construction: `SqliteStore(path, indexer)` / `PgStore(dsn, indexer)`; both raise `StoreError`
(a message naming the database and why) when the database cannot be opened or prepared. Nothing
in this module names a particular object.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, Literal, Protocol, TypeVar

T = TypeVar("T")
Doc = dict[str, Any]


class StoreError(Exception):
    """The database cannot be opened or used: the message names it and says why."""


# -- what the application derives from a document ---------------------------------------------------


@dataclass(frozen=True, slots=True)
class UniqueKey:
    """One unique-key value of a document. `namespace` is the key's scope (documents whose entries
    share a namespace and `value` conflict, whatever their types); `value` is canonical JSON text of
    the key's field values; `properties` names those fields for the error."""

    namespace: str
    value: str
    properties: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class IndexEntries:
    """What the store indexes for one document: `refs` (target type, target id) it refers to,
    `keys` it must hold alone, `words` (text index name, word) for `TextMatch`."""

    refs: tuple[tuple[str, str], ...] = ()
    keys: tuple[UniqueKey, ...] = ()
    words: tuple[tuple[str, str], ...] = ()


class Indexer(Protocol):
    def layout(self) -> str:
        """A fingerprint of how entries are derived: when it differs from the one the database was
        indexed with, the store rebuilds every side table (refs, keys, words) at open."""
        ...

    def entries(self, type_: str, doc: Doc) -> IndexEntries: ...

    def indexed_fields(self) -> Mapping[str, tuple[str, ...]]:
        """Per object type, the top-level fields the schema marks filterable or sortable: the store
        creates an expression index on each (per type), so conditions and sorts on them are index
        lookups. Other fields are still queryable, by a scan of that type's rows in the database."""
        ...


class KeyTaken(Exception):
    """`put` found another document holding one of the document's unique keys. Raised inside the
    unit; the caller's savepoint rolls the document back."""

    def __init__(self, key: UniqueKey, owner_type: str, owner_id: str) -> None:
        super().__init__(f"{key.namespace} {key.value} is held by {owner_type} {owner_id}")
        self.key, self.owner_type, self.owner_id = key, owner_type, owner_id


class ReadOnly(Exception):
    """A change was attempted in a `read` unit (a bug in the caller)."""


# -- queries: a neutral condition tree ---------------------------------------------------------------

ID = "id"  # the field name that means the object's id rather than a document member
JsonScalar = str | int | float | bool | None


@dataclass(frozen=True, slots=True)
class Equals:
    """`field` equals `value` as JSON: numbers by value (1 == 1.0; true == 1 as in Python), strings
    exactly (no collation), `None` matches a stored null but not an absent member. A non-scalar
    value (object/array) matches a member structurally equal to it."""

    field: str
    value: Any


@dataclass(frozen=True, slots=True)
class Compare:
    """`field op value` for a string, number or boolean `value`. Only members of a comparable kind
    match (strings with strings by code point; numbers and booleans with each other); null, absent
    and other kinds never match."""

    field: str
    op: Literal["<", "<=", ">", ">="]
    value: str | int | float | bool


@dataclass(frozen=True, slots=True)
class HasMember:
    """`field` is a JSON object (a stored set or map) with `member` among its keys."""

    field: str
    member: str


@dataclass(frozen=True, slots=True)
class TextMatch:
    """Every one of `words` is a prefix of some word the indexer recorded for the object under the
    text index `index` (words are compared as given: the indexer and query.py lower-case them).
    No words: matches every object."""

    index: str
    words: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class All:
    """Every part matches (AND); no parts: everything matches."""

    parts: tuple[Condition, ...]


Condition = Equals | Compare | HasMember | TextMatch | All

Collation = Literal["binary", "ascii-casemap", "unicode-casemap"]


@dataclass(frozen=True, slots=True)
class SortKey:
    """Order by `field`. Present values first when ascending (absent and null last), and the whole
    order reversed when descending (absent and null first), as a stable sort on (absent, value)
    reversed would. Strings compare by code point after the collation (`ascii-casemap`: A-Z
    lower-cased; `unicode-casemap`: Unicode case folding); numbers and booleans by value; the
    collation leaves non-strings alone. query.py never sorts a field whose variants give it types
    of different kinds; an object or array (a set, say) sorts by its JSON text. Ties keep
    creation order."""

    field: str
    ascending: bool = True
    collation: Collation = "binary"


@dataclass(frozen=True, slots=True)
class Query:
    """Objects of `type` matching `where` (None: all), ordered by `sort` then creation order.

    Paging (RFC 8620 §5.5): with `anchor`, the window starts at the anchor's index plus
    `anchor_offset` (at least 0), and an anchor not among the results raises `AnchorNotFound`;
    else at `position` (negative: from the end, at least 0). At most `limit` ids are returned.
    `total` is computed only when `calculate_total` (or needed for a negative position)."""

    type: str
    where: Condition | None = None
    sort: tuple[SortKey, ...] = ()
    position: int = 0
    anchor: str | None = None
    anchor_offset: int = 0
    limit: int = 500
    calculate_total: bool = False


@dataclass(frozen=True, slots=True)
class QueryResult:
    ids: list[str]
    position: int  # index of ids[0] in the full result
    total: int | None = None


class AnchorNotFound(Exception):
    pass


# -- the session and the store -----------------------------------------------------------------------


class Session(Protocol):
    """One unit's view of the database: synchronous, inside one transaction, on one thread."""

    writable: bool

    def get(self, type_: str, obj_id: str) -> Doc | None:
        """A fresh copy of the stored document (the caller may change it), None if there is none."""
        ...

    def get_many(self, type_: str, ids: list[str]) -> dict[str, Doc]:
        """The stored documents among `ids` (one round trip), by id."""
        ...

    def get_texts(self, type_: str, ids: list[str]) -> dict[str, str]:
        """`get_many`'s documents as the JSON text they are stored as (jsonio.to_text's), unparsed."""
        ...

    def exists(self, type_: str, obj_id: str) -> bool: ...

    def all(self, type_: str, limit: int | None = None) -> list[tuple[str, Doc]]:
        """(id, document) of a type in creation order, the first `limit` of them."""
        ...

    def query(self, query: Query) -> QueryResult:
        """The ids `query` selects, filtered, sorted and paged by the database."""
        ...

    def put(self, type_: str, obj_id: str, doc: Doc) -> None:
        """Insert or replace; with it, its index entries (refs, keys, words). Raises `KeyTaken`
        when another document holds one of its unique keys (nothing of this put is kept then, but
        the caller must roll back its savepoint for anything else it did)."""
        ...

    def delete(self, type_: str, obj_id: str) -> bool:
        """Removes the document and its index entries; False if there was none."""
        ...

    def savepoint(self) -> AbstractContextManager[None]:
        """Changes inside are all kept or (on an exception, which propagates) all undone. Nestable."""
        ...

    def new_id(self) -> str:
        """A fresh id, never handed out before by any process (RFC 8620 §1.2 characters)."""
        ...

    def state(self, type_: str, for_update: bool = False) -> str:
        """The type's current state string, the same in every process. `for_update` in a write
        unit: no other unit can change the state until this one commits (ifInState holds)."""
        ...

    def bump_state(self, type_: str) -> str:
        """A new state for the type (after a change); returned as the unit will commit it."""
        ...

    def referrers(self, target_type: str, target_id: str) -> dict[str, int]:
        """How many objects of each type refer to this one (itself not counted), by type name."""
        ...

    def referring_ids(self, target_type: str, target_id: str, source_type: str, limit: int) -> list[str]:
        """The first `limit` ids (by id) of `source_type` objects referring to this one."""
        ...

    def key_owner(self, key: UniqueKey) -> tuple[str, str] | None:
        """(type, id) of the document holding this key value, if any."""
        ...


class Store(Protocol):
    def read(self, work: Callable[[Session], T], alone: bool = False) -> Awaitable[T]:
        """Runs `work` in a reader thread inside a read-only transaction (one snapshot). `alone`:
        a unit whose cost depends on the data (a query) rather than on what it names; it is not
        batched with others, so it neither holds them up nor waits behind them."""
        ...

    def write(self, work: Callable[[Session], T]) -> Awaitable[T]:
        """Runs `work` in the writer inside a write transaction; completes once committed durably.
        An exception from `work` rolls back its changes and is raised to the awaiting caller."""
        ...

    def read_now(self, work: Callable[[Session], T]) -> T:
        """`read` for code without an event loop (start-up checks, tools); blocks the caller."""
        ...

    def write_now(self, work: Callable[[Session], T]) -> T:
        """`write` for code without an event loop; blocks the caller until committed."""
        ...

    def close(self) -> None:
        """Stops the worker threads and closes every connection (before a fork, at shutdown)."""
        ...


def iter_conditions(condition: Condition) -> Iterator[Condition]:
    """Every leaf condition of a tree (for backends that check what they support)."""
    if isinstance(condition, All):
        for part in condition.parts:
            yield from iter_conditions(part)
    else:
        yield condition


FEW_WORDS = 1000  # a text condition matching fewer objects is run from the words index, then sorted


def rare_words(query: Query, count: Callable[[str, str], int]) -> frozenset[tuple[str, str]]:
    """(index, word) of the query's text conditions whose word begins fewer than FEW_WORDS words
    of its type (`count(index, word)`: how many, counted to FEW_WORDS at most). The words index
    finds the objects of such a word, and sorting those few is cheap; walking objects in the sort's
    order, testing each, would cost a walk of them all when the matches sort last (the newest, in
    creation order)."""
    leaves = [] if query.where is None else iter_conditions(query.where)
    return frozenset(
        (c.index, word)
        for c in leaves
        if isinstance(c, TextMatch)
        for word in c.words
        if count(c.index, word) < FEW_WORDS
    )
