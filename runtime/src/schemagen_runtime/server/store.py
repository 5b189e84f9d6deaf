"""Which store serves `DB`: PostgreSQL for a `postgresql://` (or `postgres://`) URL, else the SQLite
file it names. The interface both implement is store_api.py; the server sees nothing else."""

from __future__ import annotations

from .store_api import Indexer, Session, Store, StoreError

__all__ = ["Session", "Store", "StoreError", "is_postgresql", "open_store"]


def is_postgresql(db: str) -> bool:
    return db.startswith(("postgresql://", "postgres://"))


def open_store(db: str, indexer: Indexer) -> Store:
    """Opens (and prepares) the database `db` names; StoreError says why it cannot be."""
    if is_postgresql(db):
        try:
            from .pgstore import PgStore
        except ImportError as exc:  # psycopg is the `postgresql` extra
            raise StoreError(f"database {db.split('@')[-1]}: PostgreSQL needs psycopg ({exc})") from None
        return PgStore(db, indexer)
    from .sqlite_store import SqliteStore

    return SqliteStore(db, indexer)
