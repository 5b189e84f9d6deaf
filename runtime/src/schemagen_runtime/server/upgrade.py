"""Stored data meets the current schema: on start, every stored object is decoded and validated
with the same codec the API uses, and each value the schema now refuses (below a raised min, a
removed enum value or variant, a string where a union is now expected) is reported on stderr.

Declared migrations (migrations.py) run first; what they leave refused is kept as stored: `get`
keeps returning it, and the next update of such an object must bring it within the schema."""

from __future__ import annotations

import sys
from typing import TextIO

from ..descriptors import Registry
from ..validate import parse
from .migrations import apply_migrations
from .store_api import Session, Store


def stored_problems(registry: Registry, store: Session) -> list[str]:
    """`<JMAP name> <id>: <property>: <message>` for every refused stored value, in store order."""
    out: list[str] = []
    for obj in registry.objects:
        for obj_id, doc in store.all(obj.name):
            body = {k: v for k, v in doc.items() if k != "id"}
            _, issues = parse(registry, obj.schema or obj.name, body)
            out.extend(f"{obj.jmap_name} {obj_id}: {i.path or '(the object)'}: {i.message}" for i in issues)
    return out


def report_stored(registry: Registry, store: Store, stream: TextIO = sys.stderr) -> int:
    """At start-up, before serving (it blocks): migrations committed, then what is still refused."""
    apply_migrations(registry, store, stream)  # one write unit per object type
    problems = store.read_now(lambda session: stored_problems(registry, session))
    for problem in problems:
        print(f"warning: stored {problem} (the current schema refuses it; it is kept as stored)", file=stream)
    return len(problems)
