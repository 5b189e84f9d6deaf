"""`python -m generator generate|check`: the commands `make generate` and `make check` wrap."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .diagnostics import SchemaError
from .ir import Registry
from .pipeline import compare, render_tree, write
from .schema_loader import load_registry
from .stalwart import commands as stalwart_commands

ROOT = Path(__file__).resolve().parent.parent


def _load(schema_dir: Path) -> Registry | None:
    try:
        registry, notes = load_registry(schema_dir)
    except SchemaError as exc:
        for diagnostic in exc.diagnostics:
            print(diagnostic, file=sys.stderr)
        count = len(exc.diagnostics)
        print(
            f"error: {count} problem{'s' if count != 1 else ''} in {schema_dir}; nothing was written", file=sys.stderr
        )
        return None
    for note in notes:
        print(f"note: {note}", file=sys.stderr)
    return registry


def cmd_generate(args: argparse.Namespace) -> int:
    registry = _load(args.schema)
    if registry is None:
        return 1
    files = render_tree(registry)
    written, removed = write(files, args.out)
    print(
        f"{len(files)} files in {args.out}: {len(written)} written, {len(removed)} removed, {len(files) - len(written)} unchanged"
    )
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    registry = _load(args.schema)
    if registry is None:
        return 1
    drift = compare(render_tree(registry), args.out)
    if drift.clean:
        print(f"{args.out} is up to date")
        return 0
    sys.stdout.write(drift.diff)
    for label, paths in (("stale", drift.changed), ("missing", drift.missing), ("orphan", drift.orphans)):
        for path in paths:
            note = (
                " (edited by hand: its content no longer matches its header hash)" if path in drift.hand_edited else ""
            )
            print(f"{label}: {args.out / path}{note}", file=sys.stderr)
    print("error: generated files are out of date; run `make generate` and commit the result", file=sys.stderr)
    return 1


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="python -m generator", description=__doc__)
    sub = top.add_subparsers(dest="command", required=True)
    for name, func, helptext in (
        ("generate", cmd_generate, "render every output and write what changed"),
        ("check", cmd_check, "render in memory and fail with a diff if the output tree differs"),
    ):
        cmd = sub.add_parser(name, help=helptext)
        cmd.add_argument("--schema", type=Path, default=ROOT / "schema", help="schema directory (default: schema/)")
        cmd.add_argument("--out", type=Path, default=ROOT / "generated", help="output directory (default: generated/)")
        cmd.set_defaults(func=func)
    stalwart_commands.register(sub)  # import-stalwart, export-stalwart
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return int(args.func(args))
