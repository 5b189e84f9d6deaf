"""The published schema formats a generated server can serve at `GET /api/schema`, chosen by the
project setting `publishedFormat`: each a function from the IR to the JSON document a
schema-driven admin UI reads. A format's module is imported only when a project names it."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from .ir import Registry

Writer = Callable[[Registry], dict[str, Any]]

# format name (metaschema.json lists the same names) → "module:function" writing it
FORMATS = {"stalwart": "generator.stalwart.exporter:published_document"}


def writer(name: str) -> Writer:
    module, _, function = FORMATS[name].partition(":")
    found: Writer = getattr(importlib.import_module(module), function)
    return found
