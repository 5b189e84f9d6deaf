"""The `objectIsLinked` check, answered by the store's reference index (fed by indexer.py with
refs.iter_refs, the walk the foreign-key check uses, so both agree on what a reference is): one
indexed lookup however many objects exist."""

from __future__ import annotations

from ..descriptors import Registry
from .auth import Principal
from .store_api import Session

IDS_SHOWN = 5  # per referring type in an objectIsLinked description


def linked_description(registry: Registry, store: Session, principal: Principal, type_: str, obj_id: str) -> str | None:
    """Why `type_ obj_id` cannot be destroyed (None: nothing refers to it). Ids are named only for
    types the principal may read; of the others only the type is named."""
    counts = store.referrers(type_, obj_id)
    if not counts:
        return None
    parts = []
    for source_type, count in counts.items():
        source = registry.find_object(source_type)
        if source is None or not principal.may(source.permission("Get")):
            parts.append(source_type)
            continue
        ids = store.referring_ids(type_, obj_id, source_type, IDS_SHOWN)
        more = f" and {count - len(ids)} more" if count > len(ids) else ""
        parts.append(f"{source_type} {', '.join(ids)}{more}")
    return "still referred to by " + "; ".join(parts)
