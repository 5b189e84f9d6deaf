"""`python -m generator generate|check`: the commands `make generate` and `make check` wrap.

Imports are deferred to the command that needs them: a `generate` with nothing to do loads no
schema, template or formatter, and finishes in a fraction of a second (generator/incremental.py).
`--schema` and `--out` default to `schema/` and `generated/` in the current directory, checkout or
not: the generator reads nothing of the tree it was installed from (generator/resources.py).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from .diagnostics import SchemaError

if TYPE_CHECKING:
    from .ir import Registry

OWN_COMMANDS = ("generate", "check")


def _print_errors(exc: SchemaError, schema_dir: Path) -> None:
    for diagnostic in exc.diagnostics:
        print(diagnostic, file=sys.stderr)
    count = len(exc.diagnostics)
    print(f"error: {count} problem{'s' if count != 1 else ''} in {schema_dir}; nothing was written", file=sys.stderr)


def _print_notes(notes: Sequence[str]) -> None:
    for note in notes:
        print(f"note: {note}", file=sys.stderr)


def _load(schema_dir: Path) -> Registry | None:
    from .schema_loader import load_registry

    try:
        registry, notes = load_registry(schema_dir)
    except SchemaError as exc:
        _print_errors(exc, schema_dir)
        return None
    _print_notes(notes)
    return registry


def _not_a_directory(out: Path) -> bool:
    if out.exists() and not out.is_dir():
        print(f"error: --out {out} is not a directory", file=sys.stderr)
        return True
    return False


def cmd_generate(args: argparse.Namespace) -> int:
    from .incremental import generate

    if _not_a_directory(args.out):
        return 1
    try:
        report = generate(args.schema, args.out)
    except SchemaError as exc:
        _print_errors(exc, args.schema)
        return 1
    except OSError as exc:  # a read-only tree, a full disk, a file where a directory must go
        print(f"error: cannot write {exc.filename or args.out}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    _print_notes(report.notes)
    if args.verbose:
        for label, paths in (("changed", report.changed), ("formatted", report.finished)):
            for path in paths:
                print(f"{label}: {path}")
        for label, paths in (("written", report.written), ("removed", report.removed)):
            for path in paths:
                print(f"{label}: {args.out / path}")
    unchanged = report.total - len(report.written)
    summary = f"{report.total} files in {args.out}: {len(report.written)} written, {len(report.removed)} removed, {unchanged} unchanged"
    if report.skipped:
        summary += " (inputs and outputs as the last run left them: nothing rendered)"
    else:
        summary += f" ({len(report.finished)} formatted, {report.total - len(report.finished)} reused)"
    print(summary)
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    """Always a full render in memory, compared byte for byte: correctness over speed."""
    from .pipeline import compare, render_tree

    if _not_a_directory(args.out):
        return 1
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


def parser(with_importers: bool = True) -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="python -m generator", description=__doc__)
    sub = top.add_subparsers(dest="command", required=True)
    for name, func, helptext in (
        ("generate", cmd_generate, "render what changed and write it; skips all work when nothing did"),
        ("check", cmd_check, "render in memory and fail with a diff if the output tree differs"),
    ):
        cmd = sub.add_parser(name, help=helptext)
        cmd.add_argument("--schema", type=Path, default=Path("schema"), help="schema directory (default: schema/)")
        cmd.add_argument("--out", type=Path, default=Path("generated"), help="output directory (default: generated/)")
        cmd.set_defaults(func=func)
        if name == "generate":
            cmd.add_argument("-v", "--verbose", action="store_true", help="list changed inputs and what was redone")
    if with_importers:
        from .stalwart import commands as stalwart_commands

        stalwart_commands.register(sub)  # import-stalwart, export-stalwart
        from .compat import commands as compat_commands

        compat_commands.register(sub)  # diff, changelog
    return top


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    # The importers pull in jsonschema and the Stalwart converter (~0.1 s): a no-op generate
    # should not pay for commands it is not running.
    own = bool(argv) and argv[0] in OWN_COMMANDS
    args = parser(with_importers=not own).parse_args(argv)
    return int(args.func(args))
