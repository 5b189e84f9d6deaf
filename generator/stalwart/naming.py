"""Published names (`x:Action`, `AddressBook`) → identifiers in our YAML (`Action`, `JmapAddressBook`).

Our names are bare and the project namespace makes the JMAP name; a name published without the
namespace keeps it in `jmapName`. Objects and their own schemas share one name; enums are
published without a prefix and share the identifier space with types.
"""

from __future__ import annotations

from typing import Any

from .published import NAMESPACE, STANDARD_PREFIX
from .source import Report


class Naming:
    def __init__(self, doc: dict[str, Any], report: Report) -> None:
        self.ident: dict[str, str] = {}  # published object/schema name → identifier
        published = sorted(set(doc["objects"]) | set(doc["schemas"]))
        namespaced = {n.removeprefix(NAMESPACE) for n in published if n.startswith(NAMESPACE)}
        owners: dict[str, str] = {}
        for name in published:
            ident = name.removeprefix(NAMESPACE)
            if not name.startswith(NAMESPACE) and ident in namespaced:
                ident = STANDARD_PREFIX + ident
            self.ident[name] = ident
            owners.setdefault(ident, name)
        for name in doc["enums"]:
            owners.setdefault(name, f"enum {name}")
        for name, ident in self.ident.items():
            if owners[ident] != name:
                section = "objects" if name in doc["objects"] else "schemas"
                report.error((section, name), f"becomes '{ident}' in our schema, which {owners[ident]} already is")
        for name in doc["enums"]:
            if owners[name] != f"enum {name}":
                report.error(("enums", name), f"enum name '{name}' is also the identifier of {owners[name]}")

    def of(self, published: str) -> str:
        return self.ident[published]

    def jmap_name(self, published: str) -> str | None:
        """The `jmapName:` to write, or None when the project namespace already gives it."""
        return None if NAMESPACE + self.ident[published] == published else published

    def renamed(self, published: str) -> bool:
        return self.ident[published] != published.removeprefix(NAMESPACE)
