"""The extension API: application code that registers handlers for operation objects' variants.

An extension is a callable taking the server's `Operations`; it registers a handler per variant
it can run (`operations.register(object, variant, handler)`; `operations.variants(object)` and
`operations.registry` say what the schema declares). Two ways in, both read at start-up:

- installed: an entry point of the group `schemagen.operations` whose name is the generated
  package (`[project.entry-points."schemagen.operations"] my_registry = "my_app:register"`);
- explicit: `create_app(config, extensions=[register])` of the generated `<package>.server`
  (tests and embedders; `installed=False` leaves the entry points out).

A registration the schema cannot honour, or an entry point that cannot be loaded, stops the
server before it listens (`ExtensionError`, reported as one `error: ...` line).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from importlib.metadata import entry_points

from ..descriptors import Registry
from .app import JmapApp
from .config import Config
from .operations import ExtensionError, Operations

ENTRY_POINT_GROUP = "schemagen.operations"

Extension = Callable[[Operations], None]


def installed_extensions(package: str) -> list[Extension]:
    """The extensions installed for the generated package `package`, in entry point value order."""
    found: list[Extension] = []
    for point in sorted(entry_points(group=ENTRY_POINT_GROUP, name=package), key=lambda p: p.value):
        try:
            loaded = point.load()
        except Exception as exc:  # an installed extension that cannot be imported: say which
            raise ExtensionError(f"extension {point.value!r} ({ENTRY_POINT_GROUP}) cannot be loaded: {exc}") from None
        if not callable(loaded):
            raise ExtensionError(f"extension {point.value!r} ({ENTRY_POINT_GROUP}) is not callable")
        found.append(loaded)
    return found


def operations_for(registry: Registry, extensions: Iterable[Extension] = (), *, installed: bool = True) -> Operations:
    """The registry's operation objects with the handlers the installed, then the given, extensions register."""
    operations = Operations(registry)
    chosen = [*(installed_extensions(registry.project.package) if installed else ()), *extensions]
    for extension in chosen:
        extension(operations)
    return operations


def create_app(
    registry: Registry, config: Config, extensions: Iterable[Extension] = (), *, installed: bool = True
) -> JmapApp:
    """The server for `registry`; extensions run before the store is opened, so a bad one costs nothing."""
    return JmapApp(registry, config, operations_for(registry, extensions, installed=installed))
