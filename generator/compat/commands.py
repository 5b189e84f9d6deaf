"""The `diff` and `changelog` subcommands of `python -m generator`.

Exit codes of `diff`: 0 when no unwaived change reaches `--fail-on`, 1 when one does, 2 on a usage
or input error (a side that is neither a directory, a schema.json nor a revision; a bad schema).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

from .compare import compare_all
from .report import FORMATS, failing, github, ndjson, text
from .sides import Side, SideError, load_side
from .waivers import apply_waivers, unknown_kinds


def _fail(message: str, details: tuple[str, ...] = ()) -> int:
    for line in details:
        print(line, file=sys.stderr)
    print(f"error: {message}", file=sys.stderr)
    return 2


def _repository(new: str) -> tuple[Path | None, str]:
    """The git repository revisions are read from (the one holding NEW, else the current one; None
    outside any), and the schema directory's path inside it (NEW's, else `schema`)."""
    is_dir = Path(new).is_dir()
    try:
        found = subprocess.run(
            ["git", "-C", new if is_dir else ".", "rev-parse", "--show-toplevel"],
            capture_output=True,
            text=True,
            check=False,
        )
    except OSError:  # no git: a revision side then fails with a clear error of its own
        return None, "schema"
    if found.returncode != 0:
        return None, "schema"
    top = Path(found.stdout.strip())
    try:
        return top, Path(new).resolve().relative_to(top.resolve()).as_posix() if is_dir else "schema"
    except ValueError:
        return top, "schema"


def cmd_diff(args: argparse.Namespace) -> int:
    sides: list[str] = args.sides
    if args.against is not None:
        if len(sides) > 1:
            return _fail("with --against REV, give at most one side: the new one (default: schema/)")
        old_spec, new_spec = args.against, sides[0] if sides else str(args.schema)
    elif len(sides) != 2:
        return _fail("give two sides, OLD and NEW (or --against REV to compare schema/ with a revision)")
    else:
        old_spec, new_spec = sides
    repo, inner = _repository(new_spec)
    try:
        old: Side = load_side(old_spec, repo or Path.cwd(), inner)
        new: Side = load_side(new_spec, repo or Path.cwd(), inner)
    except SideError as exc:
        revision = not (Path(old_spec).exists() and Path(new_spec).exists())
        hint = " (not inside a git repository, which a revision side needs)" if repo is None and revision else ""
        return _fail(f"{exc}{hint}", exc.details)
    bad = unknown_kinds(new.registry)
    if bad:
        return _fail(f"{len(bad)} bad waiver(s) in {new_spec}", tuple(bad))
    both = (old.published, new.published) if old.published is not None and new.published is not None else None
    changes = compare_all(old.registry, new.registry, both, new_spec)
    waived = apply_waivers(changes, new.registry)
    for change in waived.changes:
        if change.waiver:
            print(
                f"note: {change.location}: waived {change.kind} on {change.subject}: {change.waiver}", file=sys.stderr
            )
    for waiver in waived.stale:
        print(
            f"warning: {waiver.pos}: waiver of {waiver.change} on {waiver.subject} matches no change", file=sys.stderr
        )
    if args.format == "json":
        sys.stdout.write(ndjson(waived.changes))
    elif args.format == "github":
        sys.stdout.write(github(waived.changes))
    else:
        sys.stdout.write(text(waived.changes, args.fail_on, old_spec, new_spec))
    return 1 if failing(waived.changes, args.fail_on) else 0


def cmd_changelog(args: argparse.Namespace) -> int:
    from .changelog import write_changelog

    try:
        count = write_changelog(args.history, args.out)
    except SideError as exc:
        return _fail(str(exc), exc.details)
    print(f"wrote {count} releases to {args.out}")
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    cmd = sub.add_parser(
        "diff",
        help="classify the changes between two schema versions and fail on breaking ones",
        description="Each side is a schema directory, a published schema.json (.json.gz too) or a git "
        "revision of the schema directory (REV, or REV:path). See docs/compat.md.",
    )
    cmd.add_argument("sides", nargs="*", metavar="OLD NEW", help="the two sides, old first")
    cmd.add_argument("--against", metavar="REV", help="compare NEW (default: schema/) with this side")
    cmd.add_argument("--schema", type=Path, default=Path("schema"), help="the default NEW side (schema/)")
    cmd.add_argument("--format", choices=FORMATS, default="text", help="text (default), json (NDJSON), github")
    cmd.add_argument(
        "--fail-on",
        choices=("breaking", "risky"),
        default="breaking",
        help="exit 1 when an unwaived change is this severe or worse (default: breaking)",
    )
    cmd.set_defaults(func=cmd_diff)
    cmd = sub.add_parser("changelog", help="write the `changes` section from a directory of published versions")
    cmd.add_argument("history", type=Path, help="directory of schema-vX.Y.Z.json[.gz] files")
    cmd.add_argument("--out", type=Path, default=Path("schema", "changes.yaml"), help="default: schema/changes.yaml")
    cmd.set_defaults(func=cmd_changelog)
