"""The `import-stalwart` and `export-stalwart` subcommands of `python -m generator`."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ..diagnostics import SchemaError
from ..schema_loader import load_registry
from .exporter import export_registry
from .importer import PROJECT, import_file
from .lucide import import_icons
from .source import ImportFailure


def cmd_import(args: argparse.Namespace) -> int:
    try:
        result, change = import_file(args.file, args.out, args.project_version, args.crate, args.overrides)
    except ImportFailure as exc:
        for problem in exc.problems:
            print(f"error: {problem}", file=sys.stderr)
        count = len(exc.problems)
        print(f"error: {count} problem{'s' if count != 1 else ''} in {args.file}; nothing was written", file=sys.stderr)
        return 1
    for warning in [*result.warnings, *change.notes]:
        print(f"warning: {warning}", file=sys.stderr)
    kept = f", kept {len(change.kept)} files it did not write ({', '.join(change.kept)})" if change.kept else ""
    print(
        f"imported {result.summary} into {args.out}: {len(change.written)} written, {len(change.removed)} removed{kept}"
    )
    return 0


def cmd_icons(args: argparse.Namespace) -> int:
    try:
        path, changed = import_icons(args.lucide, args.schema)
    except ImportFailure as exc:
        for problem in exc.problems:
            print(f"error: {problem}", file=sys.stderr)
        print(f"error: {len(exc.problems)} problem(s); nothing was written", file=sys.stderr)
        return 1
    print(f"{'wrote' if changed else 'unchanged:'} {path}")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    try:
        registry, notes = load_registry(args.schema)
    except SchemaError as exc:
        for diagnostic in exc.diagnostics:
            print(diagnostic, file=sys.stderr)
        print(f"error: {len(exc.diagnostics)} problem(s) in {args.schema}; nothing was written", file=sys.stderr)
        return 1
    for note in notes:
        print(f"note: {note}", file=sys.stderr)
    doc = export_registry(registry)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    # The server's own form: compact, UTF-8, no trailing newline (what GET /api/schema returns).
    args.out.write_text(json.dumps(doc, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    counts = ", ".join(f"{len(doc[section])} {section}" for section in doc)
    print(f"exported {counts} to {args.out}")
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    cmd = sub.add_parser("import-stalwart", help="write a schema directory from Stalwart's published schema.json")
    cmd.add_argument("file", type=Path, help="the published registry schema (schema.json)")
    cmd.add_argument("--out", type=Path, required=True, help="schema directory to write")
    cmd.add_argument(
        "--crate",
        type=Path,
        help="Stalwart's Rust registry crate of the same release: field order, validators, keys, indexes, contexts",
    )
    cmd.add_argument(
        "--overrides",
        type=Path,
        help="hand-written facts to merge into the import (default: OUT/overrides, when it exists)",
    )
    cmd.add_argument(
        "--project-version",
        default=PROJECT["version"],
        help=f"project version to record; schema.json does not say (default: {PROJECT['version']})",
    )
    cmd.set_defaults(func=cmd_import)
    cmd = sub.add_parser(
        "import-icons", help="write SCHEMA/icons.yaml: the drawings of the menus' icons, from a Lucide package"
    )
    cmd.add_argument("lucide", type=Path, help="an unpacked lucide-static package (icons/<name>.svg, package.json)")
    cmd.add_argument("--schema", type=Path, default=Path("schema"), help="schema directory (default: schema)")
    cmd.set_defaults(func=cmd_icons)
    cmd = sub.add_parser(
        "export-stalwart", help="write the published objects/schemas/fields/enums of a schema directory"
    )
    cmd.add_argument("schema", type=Path, help="schema directory")
    cmd.add_argument("--out", type=Path, required=True, help="JSON file to write")
    cmd.set_defaults(func=cmd_export)
