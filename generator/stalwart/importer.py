"""`import-stalwart`: schema.json (and, with `--crate`, Stalwart's Rust registry crate) → a schema
directory in our YAML language.

read + check the source (source.py) → read the crate (crate/parse.py) → name (naming.py) →
convert each definition (convert.py, with what the crate adds: crate/overlay.py, and the WebUI
sections: webui_sections.py) → lay out files (placement.py) → write readable YAML with comments
(yaml_writer.py). Deterministic: the same input gives the same bytes. Problems of the input are
reported with their JSON paths, and of the crate with file:line.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..loader import load_file, load_text
from ..schema_loader import IMPORT_OVERRIDES as OVERRIDES_DIR
from .convert import Converter
from .crate.facts import CrateFacts
from .crate.items import CrateShapeError
from .crate.overlay import CrateOverlay
from .crate.parse import read_crate
from .naming import Naming
from .overrides import Overrides, read_overrides
from .placement import place
from .published import NAMESPACE
from .source import ImportFailure, Path_, Problem, Report, Validator, read_json
from .webui import breadcrumbs
from .webui_sections import WebuiImporter
from .yaml_writer import Commented, dump

MARKER = "Imported from Stalwart's published registry schema"  # first words of every file written
HEADER = (
    f"{MARKER} (schema.json) by `python -m generator import-stalwart`.",
    "Fields are in alphabetical order: schema.json sorts properties and does not record the order",
    "they are declared in. It also has no descriptions for nested types, and no unique keys,",
    "filterable or sortable properties or string validators, so none are declared here.",
)
CRATE_HEADER = (
    f"{MARKER} (schema.json) and the registry crate of the same release",
    "(Rust, schema/structs.rs and structs_impl.rs) by `python -m generator import-stalwart --crate`.",
    "Fields are in the crate's declaration order; validators, unique keys, indexes (filterable,",
    "sortable), bounds order, expression contexts and the secrets get masks come from the crate.",
    "Nested types have no descriptions: neither source gives them.",
)
OVERRIDES_NOTE = ("Keys marked as hand-written are merged from overrides/ on every import: edit them there.",)
CONTEXTS_HEADER = (
    f"{MARKER} (schema.json) and the registry crate by `python -m generator import-stalwart --crate`.",
    "The variables and constants each expression context allows (schema/enums.rs of the crate).",
)
WEBUI_HEADER = (
    f"{MARKER} (schema.json) by `python -m generator import-stalwart`.",
    "The WebUI's menus (each object's places in them, with icons) and dashboards; forms and lists",
    "are with the object or type they belong to.",
)
PROJECT_HEADER = (
    f"{MARKER} (schema.json) by `python -m generator import-stalwart`.",
    "schema.json does not describe the project itself: these are the settings of the hand-written",
    "schema/project.yaml, and the version is the importer's --project-version.",
)
PROJECT: dict[str, Any] = {
    "name": "Stalwart",
    "version": "0.16.0",
    "description": "Management registry of the Stalwart mail server",
    "namespace": NAMESPACE,
    "capability": "urn:stalwart:jmap",
    "apiPath": "/api",
    "exampleUrl": "https://mail.example.com",
    "cli": "stalwart-cli",
    "package": "stalwart_registry",
    "distribution": "stalwart-registry",
    "envPrefix": "STALWART",
    "publishedFormat": "stalwart",  # GET /api/schema serves the registry as it was imported
    "permissionsEnum": "Permission",  # the registry's list of every permission name
    "docsLinks": {
        "cli": "/docs/management/cli/overview",
        "webui": "/docs/management/webui/overview",
        "enterprise": "/docs/server/enterprise",
    },
}


@dataclass
class ImportResult:
    files: dict[str, str]  # path relative to the schema directory → YAML text
    warnings: list[Problem]
    summary: str


@dataclass
class _Definitions:
    bodies: dict[str, tuple[str, Any]] = field(default_factory=dict)  # identifier → (section, YAML body)
    objects: list[str] = field(default_factory=list)
    views: dict[str, str] = field(default_factory=dict)  # view → the object it shows
    types: list[str] = field(default_factory=list)
    enums: list[str] = field(default_factory=list)


def import_schema(
    doc: dict[str, Any],
    version: str = PROJECT["version"],
    crate: CrateFacts | None = None,
    overrides: Overrides | None = None,
) -> ImportResult:
    report = Report()
    validator = Validator(doc, report)
    validator.run()
    _stop_on_errors(report)
    naming = Naming(doc, report)
    breadcrumbs(doc, report)  # checks the menus; the schema derives each object's places from them
    webui = WebuiImporter(doc, naming, report)
    _stop_on_errors(report)
    overlay = CrateOverlay(crate, report) if crate is not None else None
    conv = Converter(doc, naming, report, set(validator.missing_enums), overlay, webui)
    defs = _convert(doc, naming, conv, validator.missing_enums)
    _stop_on_errors(report)
    if overrides is not None:
        errors, warnings = overrides.apply(defs.bodies)
        report.errors += errors
        report.warnings += warnings
        _stop_on_errors(report)

    project = {**PROJECT, "version": version}
    if project["permissionsEnum"] not in defs.enums:  # a registry without the list: only derived names
        del project["permissionsEnum"]
    files = {"project.yaml": dump({"project": project}, PROJECT_HEADER)}
    for path, members in place(defs.objects, defs.views, defs.types, defs.enums, conv.refs).items():
        sections: dict[str, dict[str, Any]] = {}
        for ident in members:
            section, body = defs.bodies[ident]
            sections.setdefault(section, {})[ident] = body
        header = (HEADER if crate is None else CRATE_HEADER) + (OVERRIDES_NOTE if overrides and overrides.files else ())
        files[path] = dump({s: sections[s] for s in ("objects", "types", "enums") if s in sections}, header)
    if webui_section := webui.section():
        files["webui.yaml"] = dump({"webui": webui_section}, WEBUI_HEADER)
    if overlay is not None and (contexts := overlay.contexts()):
        files["contexts.yaml"] = dump({"contexts": contexts}, CONTEXTS_HEADER)
    return ImportResult(dict(sorted(files.items())), sorted(report.warnings), _summary(doc, files, validator))


def _convert(
    doc: dict[str, Any],
    naming: Naming,
    conv: Converter,
    missing_enums: dict[str, list[Path_]],
) -> _Definitions:
    defs = _Definitions()
    for name, spec in doc["objects"].items():
        ident = naming.of(name)
        body: Any = conv.object(name)
        notes = []
        if naming.renamed(name):
            notes.append(
                f"Published as `{name}` (outside the {NAMESPACE} namespace); renamed: our `{name}` is {NAMESPACE}{name}."
            )
        if body.get("external"):
            notes += external_note(name)
        if notes:
            body = Commented(body, tuple(notes))
        defs.bodies[ident] = ("objects", body)
        if spec["type"] == "view":
            defs.views[ident] = naming.of(spec["objectName"])
        else:
            defs.objects.append(ident)
    for name in doc["schemas"]:
        if name not in doc["objects"]:
            defs.types.append(naming.of(name))
            defs.bodies[naming.of(name)] = ("types", conv.type(name))
    tag_enums = conv.tag_enums()
    for name in doc["enums"]:
        body = conv.enum(name)
        if name in tag_enums:
            conv.refs[tag_enums[name]].append(name)  # so that it is laid out with its union
            body = Commented(body, (f"The variant tags of {tag_enums[name]} (same names and labels), as published.",))
        defs.bodies[name] = ("enums", body)
        defs.enums.append(name)
    for name, used_at in sorted(missing_enums.items()):  # after every default has been read
        placeholder = conv.placeholder_enum(name, used_at)
        if placeholder is not None:
            defs.bodies[name] = ("enums", placeholder)
            defs.enums.append(name)
    return defs


def external_note(name: str) -> list[str]:
    """Why an object published without the namespace is imported as `external: true`."""
    return [
        f"`{name}` is published without the {NAMESPACE} prefix: it is a standard JMAP object, served by its",
        "own JMAP capability (mail, calendars, contacts, sieve...), not by the management API. It is",
        "described so that references to it resolve; `external: true` gives it no page, handler or CLI command.",
    ]


def _stop_on_errors(report: Report) -> None:
    if report.errors:
        raise ImportFailure(sorted(set(report.errors)))


def _summary(doc: dict[str, Any], files: dict[str, str], validator: Validator) -> str:
    kinds = Counter(o["type"] for o in doc["objects"].values())
    unions = sum(1 for s in doc["schemas"].values() if s["type"] == "multiple")
    placeholders = f" (+{len(validator.missing_enums)} placeholder)" if validator.missing_enums else ""
    return (
        f"{len(doc['objects'])} objects ({kinds['object']} object, {kinds['singleton']} singleton, "
        f"{kinds['view']} view), {len(doc['schemas'])} schemas ({unions} unions), "
        f"{len(doc['enums'])} enums{placeholders} in {len(files)} files"
    )


# Top-level sections an import writes: a file it did not write that holds one would define twice.
IMPORTED_SECTIONS = frozenset({"objects", "types", "enums", "contexts", "webui"})
PROJECT_FILE = "project.yaml"


@dataclass
class TreeChange:
    written: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # files the importer did not write, left as they are
    notes: list[Problem] = field(default_factory=list)


def write_tree(files: dict[str, str], out_dir: Path) -> TreeChange:
    """Writes the files and removes *.yaml files an earlier import left that this one did not write.

    Files without the importer's header are the maintainers': left alone (`overrides/` is read, not
    written). One that defines objects, types, enums, contexts or WebUI menus is refused, as a
    loader would see them twice, unless it defines only objects marked `published: false` (the
    application's own, which no import defines); one that holds the `project` settings keeps them,
    and the import's own project file is not written. Nothing is written when something is refused."""
    if out_dir.exists() and not out_dir.is_dir():
        raise ImportFailure([Problem(str(out_dir), "is not a directory")])
    existing = (
        {
            p.relative_to(out_dir).as_posix(): p
            for p in sorted(out_dir.rglob("*.yaml"))
            if p.relative_to(out_dir).parts[0] != OVERRIDES_DIR
        }
        if out_dir.is_dir()
        else {}
    )
    change = TreeChange()
    files = dict(files)
    refused: list[str] = []
    for rel, path in existing.items():
        if path.read_bytes().startswith(f"# {MARKER}".encode()):
            continue
        data = _data(path, rel)
        sections = set(data)
        defines = sections & IMPORTED_SECTIONS and not _unpublished_objects_only(data)
        if defines or (rel in files and not (rel == PROJECT_FILE and "project" in sections)):
            refused.append(rel)
            continue
        change.kept.append(rel)
        if "project" in sections:
            change.notes += _project_kept(files.pop(PROJECT_FILE, ""), path, rel)
    if refused:
        raise ImportFailure(
            [
                Problem(
                    str(out_dir),
                    f"holds schema files that import-stalwart did not write ({', '.join(refused[:3])}); "
                    f"use an empty directory, or move hand-written facts to {OVERRIDES_DIR}/",
                )
            ]
        )
    for rel, text in files.items():
        path = out_dir / rel
        if path.is_file() and path.read_text(encoding="utf-8") == text:
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="\n")
        change.written.append(rel)
    change.removed = sorted(rel for rel in existing if rel not in files and rel not in change.kept)
    for rel in change.removed:
        existing[rel].unlink()
    return change


def _data(path: Path, rel: str) -> dict[str, Any]:
    loaded, problems = load_file(path, rel)
    if problems:
        raise ImportFailure([Problem(str(p.pos), f"not readable as a schema file: {p.message}") for p in problems])
    return loaded.data if isinstance(loaded.data, dict) else {}


def _unpublished_objects_only(data: dict[str, Any]) -> bool:
    """Only objects, each `published: false`: the application's own, not the published registry's."""
    objects = data.get("objects")
    return (
        not (set(data) & IMPORTED_SECTIONS) - {"objects"}
        and isinstance(objects, dict)
        and bool(objects)
        and all(isinstance(body, dict) and body.get("published") is False for body in objects.values())
    )


def _project_kept(imported: str, path: Path, rel: str) -> list[Problem]:
    """The maintainers' project settings win; a version other than the import's is worth a word."""
    ours = load_file(path, rel)[0].data.get("project")
    theirs = load_text(imported, PROJECT_FILE)[0].data["project"] if imported else {}
    if isinstance(ours, dict) and theirs and ours.get("version") != theirs.get("version"):
        return [
            Problem(
                rel,
                f"kept as written (hand-written project settings): its version {ours.get('version')!r} "
                f"is not the imported {theirs.get('version')!r}; edit it if the release changed",
            )
        ]
    return []


def import_file(
    source: Path,
    out_dir: Path,
    version: str = PROJECT["version"],
    crate_dir: Path | None = None,
    overrides_dir: Path | None = None,
) -> tuple[ImportResult, TreeChange]:
    """`overrides_dir` defaults to OUT/overrides (when it exists): a re-import keeps what it adds."""
    crate = None
    if crate_dir is not None:
        try:
            crate = read_crate(crate_dir)
        except CrateShapeError as exc:
            raise ImportFailure([Problem(exc.where, exc.message)]) from None
    overrides, problems = read_overrides(overrides_dir or out_dir / OVERRIDES_DIR)
    if overrides_dir is not None and not overrides_dir.is_dir():
        problems.append(Problem(str(overrides_dir), "is not a directory"))
    if problems:
        raise ImportFailure(problems)
    result = import_schema(read_json(source), version, crate, overrides)
    return result, write_tree(result.files, out_dir)
