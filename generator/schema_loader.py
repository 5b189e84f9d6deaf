"""Front of the pipeline: read a schema directory → structural check → IR → semantic checks."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .build import Builder
from .checks import check
from .diagnostics import Diagnostic, Pos, SchemaError
from .ir import Registry
from .loader import LoadedFile, load_file
from .quick_validator import Check, Unsupported, compile_schema

if TYPE_CHECKING:
    import jsonschema

METASCHEMA_PATH = Path(__file__).with_name("metaschema.json")


@cache
def _metaschema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(METASCHEMA_PATH.read_text(encoding="utf-8"))
    return schema


@cache
def _quick_check() -> Check | None:
    """Answers "valid?" in a fraction of jsonschema's time; None if the meta-schema outgrows it."""
    try:
        return compile_schema(_metaschema())
    except Unsupported:
        return None


@cache
def _validator() -> jsonschema.protocols.Validator:
    import jsonschema  # only for a file the quick check refuses: its errors are the ones reported

    schema = _metaschema()
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def _describe(error: jsonschema.ValidationError) -> tuple[tuple[Any, ...], str]:
    """A readable message and the path it is about (unknown keys point at the key itself)."""
    path = tuple(error.absolute_path)
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        allowed = set(error.schema.get("properties", {}) if isinstance(error.schema, dict) else ())
        extra = sorted(k for k in error.instance if k not in allowed)
        if extra and allowed:
            return (*path, extra[0]), f"unknown key '{extra[0]}' (expected one of: {', '.join(sorted(allowed))})"
    if error.validator == "required":
        return path, error.message.replace("is a required property", "is required here")
    where = "/".join(str(p) for p in path) or "top level"
    return path, f"{where}: {error.message}"


def structural_errors(file: LoadedFile) -> list[Diagnostic]:
    if not isinstance(file.data, dict):
        return [Diagnostic(Pos(file.path, 1, 1), "a schema file must be a mapping with project/objects/types/enums")]
    quick = _quick_check()
    if quick is not None and quick(file.data):
        return []
    out = []
    for error in _validator().iter_errors(file.data):
        path, message = _describe(error)
        out.append(Diagnostic(file.pos(path), message))
    return out


# Hand-written input of `import-stalwart` (generator/stalwart/overrides.py), already merged into
# the files it writes: not schema files.
IMPORT_OVERRIDES = "overrides"


def schema_files(schema_dir: Path) -> list[Path]:
    return sorted(
        p for p in schema_dir.rglob("*.yaml") if p.is_file() and p.relative_to(schema_dir).parts[0] != IMPORT_OVERRIDES
    )


def load_registry(schema_dir: Path, display_root: Path | None = None) -> tuple[Registry, list[str]]:
    """Every error of the whole directory is raised together; returns the IR and suppression notes.

    Files are named relative to the schema directory's parent ("schema/objects/action.yaml"), so
    diagnostics and generated headers read the same whatever the working directory."""
    root = display_root or schema_dir.resolve().parent
    errors: list[Diagnostic] = []
    files: list[LoadedFile] = []
    paths = schema_files(schema_dir)
    if not paths:
        raise SchemaError([Diagnostic(Pos(str(schema_dir), 1, 1), "no *.yaml schema files here")])
    for path in paths:
        try:
            shown = str(path.resolve().relative_to(root.resolve()))
        except ValueError:
            shown = str(path)
        try:  # the name goes into diagnostics and generated headers, which are UTF-8
            shown.encode()
        except UnicodeEncodeError:
            shown = shown.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
            errors.append(Diagnostic(Pos(shown, 1, 1), "the file name is not valid UTF-8; rename the file"))
            continue
        loaded, problems = load_file(path, shown)
        errors.extend(problems)
        if problems:
            continue
        structural = structural_errors(loaded)
        errors.extend(structural)
        if not structural:
            files.append(loaded)
    if errors:  # later phases would only echo these as dangling references
        raise SchemaError(errors)
    builder = Builder(files)
    registry = builder.build()
    errors.extend(builder.errors)
    notes: list[str] = []
    if registry is not None:
        semantic, notes = check(registry)
        errors.extend(semantic)
    if errors or registry is None:
        raise SchemaError(errors)
    return registry, notes
