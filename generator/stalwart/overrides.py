"""Hand-written overrides: facts neither schema.json nor the crate gives, merged into an import.

`import-stalwart` reads every `overrides/*.yaml` of the schema directory it writes (or `--overrides
DIR`) and merges it into the definitions it imports, so the facts survive every re-import. A file
holds one top-level `overrides` mapping with the sections `objects`, `types` and `enums`, each
naming definitions of the import and the keys to add or replace:

    overrides:
      types:
        DmarcTroubleshoot:
          description: Runs the SPF, DKIM, ARC and DMARC checks for a message.
          fields:
            elapsed: {default: 0ms}

Mappings merge key by key, anything else replaces the imported value. Members (fields, variants,
enum values) are the sources' to declare: an override may change one, never add one. A name the
import does not define, or a value the import already gives, is reported at its file:line:col, so
an override that a new release makes unnecessary is noticed and removed. The loader does not read
`overrides/` (generator/schema_loader.py): what the generator sees is the merged import.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..loader import LoadedFile, load_file
from ..schema_loader import IMPORT_OVERRIDES as DIRECTORY
from .source import Problem
from .yaml_writer import Commented, Flow

SECTIONS = ("objects", "types", "enums")
MEMBERS = frozenset({"fields", "variants", "values"})  # keys whose entries only the sources may add
# A key an override adds goes before the first of these a definition has (descriptions read first).
BODY_KEYS = ("fields", "variants", "values", "views", "form", "list", "lists")


@dataclass
class Overrides:
    files: list[LoadedFile]  # named `overrides/<file>` wherever they were read from: the output is the same

    def apply(self, bodies: dict[str, tuple[str, Any]]) -> tuple[list[Problem], list[Problem]]:
        """Merges every override into `bodies` (name → (section, body)) in place; returns (errors, warnings)."""
        merge = _Merge()
        for file in self.files:
            note = f"Hand-written in {DIRECTORY}/{Path(file.path).name}: neither schema.json nor the crate gives it."
            for section, definitions in file.data["overrides"].items():
                for name, override in definitions.items():
                    where = ("overrides", section, name)
                    found = bodies.get(name)
                    if found is None or found[0] != section:
                        merge.error(file, where, f"{section}.{name}: the import defines no such {section[:-1]}")
                        continue
                    bodies[name] = (section, merge.into(found[1], override, file, where, note))
        return merge.errors, merge.warnings


def read_overrides(directory: Path) -> tuple[Overrides, list[Problem]]:
    """Every `*.yaml` of `directory` (none if it does not exist), checked for shape."""
    files: list[LoadedFile] = []
    problems: list[Problem] = []
    paths = sorted(directory.glob("*.yaml")) if directory.is_dir() else []
    for path in paths:
        loaded, diagnostics = load_file(path, f"{DIRECTORY}/{path.name}")
        problems += [Problem(str(d.pos), d.message) for d in diagnostics]
        if not diagnostics:
            shape = _shape_problems(loaded)
            problems += shape
            if not shape:
                files.append(loaded)
    return Overrides(files), problems


def _shape_problems(file: LoadedFile) -> list[Problem]:
    data = file.data
    if not isinstance(data, dict) or list(data) != ["overrides"] or not isinstance(data["overrides"], dict):
        return [Problem(str(file.pos(())), "an overrides file holds one mapping, `overrides:`")]
    out = []
    for section, definitions in data["overrides"].items():
        where = ("overrides", section)
        if section not in SECTIONS:
            out.append(
                Problem(str(file.pos(where)), f"unknown section '{section}' (expected one of: {', '.join(SECTIONS)})")
            )
        elif not isinstance(definitions, dict) or not all(isinstance(v, dict) for v in definitions.values()):
            out.append(Problem(str(file.pos(where)), f"{section}: expected a mapping of names to mappings of keys"))
    return out


def _unwrap(value: Any) -> tuple[Any, tuple[str, ...]]:
    """The plain value inside the writer's wrappers, and its comments."""
    comments: tuple[str, ...] = ()
    if isinstance(value, Commented):
        value, comments = value.value, value.comments
    return (value.value if isinstance(value, Flow) else value), comments


def _wrap(value: Any, comments: tuple[str, ...]) -> Any:
    return Commented(value, comments) if comments else value


class _Merge:
    def __init__(self) -> None:
        self.errors: list[Problem] = []
        self.warnings: list[Problem] = []

    def error(self, file: LoadedFile, where: tuple[Any, ...], message: str) -> None:
        self.errors.append(Problem(str(file.pos(where)), message))

    def into(self, base: Any, override: Any, file: LoadedFile, where: tuple[Any, ...], note: str) -> Any:
        plain, comments = _unwrap(base)
        if not (isinstance(plain, dict) and isinstance(override, dict)):
            if plain == override:
                self.warnings.append(
                    Problem(
                        str(file.pos(where)), f"{_dotted(where)}: the import already gives this; remove the override"
                    )
                )
                return base
            return Commented(override, (*comments, note))
        merged = dict(plain)
        for key, value in override.items():
            here = (*where, key)
            if key in merged:
                merged[key] = self.into(merged[key], value, file, here, note)
            elif len(where) > 3 and where[-1] in MEMBERS:
                self.error(
                    file, here, f"{_dotted(here)}: not in the import; an override may change a member, not add one"
                )
            else:
                merged = _insert(merged, key, Commented(value, (note,)))
        return _wrap(merged, comments)  # block style: a flow mapping cannot hold the comments


def _insert(mapping: dict[str, Any], key: str, value: Any) -> dict[str, Any]:
    before = next((k for k in mapping if k in BODY_KEYS), None)
    if before is None:
        return {**mapping, key: value}
    out: dict[str, Any] = {}
    for k, v in mapping.items():
        if k == before:
            out[key] = value
        out[k] = v
    return out


def _dotted(where: tuple[Any, ...]) -> str:
    return ".".join(str(part) for part in where[2:])
