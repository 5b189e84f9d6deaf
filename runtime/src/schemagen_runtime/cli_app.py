"""The command line, compatible with the product's own CLI: `<cli> [GLOBAL] COMMAND ...` with
get, query, create, update, delete, describe, apply, snapshot and completion; the global flags (`--url`,
`--api-key` | `--user`/`--password`, `-k`, `--debug`, `--no-color`, `--json`) may come anywhere;
the first five default to the environment variables `<PREFIX>_URL`, `_TOKEN`, `_USER`, `_PASSWORD`
and `_DEBUG`, the prefix being the project's `envPrefix` setting.

The generated `cli` module hands in a `CliSpec` (command names, variants, list columns and
filters, where the describe tables live); values are parsed and checked by the runtime codec
before anything is sent. A failure prints `error: ...` on stderr and exits 1 (a refused object
first prints the real CLI's SetError block); a command line that does not parse exits 2. Replies
are read through jmap_client.member(), never indexed unchecked.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

from . import cli_plan
from .cli_completion import COMMANDS, SHELLS, completion_script
from .cli_output import Human, Style, emit, emit_json, emit_line, one_line, set_error_block, table
from .cli_values import (
    CommandLineError,
    Target,
    UsageError,
    all_fields,
    check_writable,
    condition_target,
    did_you_mean,
    field_named,
    find_target,
    parse_value,
    split_assignment,
)
from .codec import Ctx, decode_value
from .descriptors import FieldDesc, ObjectDesc, Registry
from .encode import masker
from .jmap_client import JmapClient, JmapError, SetError, items, member
from .validate import check_value, parse

PAGE = 500  # ids per /set destroy: the session's maxObjectsInSet default
SHOWN_ONCE = "Save these values now: secrets the server generated are shown only this once."


def holds_clear_secret(reg: Registry, schema_name: str, variant: Any, values: dict[str, Any]) -> bool:
    """Whether a write's server values show a secret in the clear (one the server generated:
    get masks it from then on). `variant` is the object's `@type`: None if not a union, or if not
    known (an update's answer does not say it), when any variant holding a secret there counts."""
    mask = masker(reg, schema_name)
    if mask is None:
        return False
    schema = reg.schema(schema_name)
    tags = [variant] if variant is not None or not schema.is_union else [v.name for v in schema.variants]
    docs = [values if tag is None else {"@type": tag, **values} for tag in tags]
    return any(mask(doc) != doc for doc in docs)


@dataclass(frozen=True)
class CliObject:
    name: str  # schema name, e.g. MailSettings
    command: str  # kebab-case, e.g. mail-settings
    variants: Mapping[str, str]  # kebab-case variant → variant name
    columns: tuple[str, ...] = ()  # default query columns (the schema's list)
    filters: tuple[str, ...] = ()  # the list's filter conditions (`text` and friends)


@dataclass(frozen=True)
class CliSpec:
    program: str
    objects: tuple[CliObject, ...]
    registry: Callable[[], Registry]
    describe: Callable[[], Mapping[str, Any]]  # loaded only by `describe`
    enums: Callable[[], Mapping[str, Any]] = dict
    types: Callable[[], Mapping[str, Any]] = dict  # the types objects nest, as `describe` prints them
    default_url: str = "http://127.0.0.1:8080"
    version: str = ""
    env_prefix: str = ""  # the global flags' environment variables are <env_prefix>_URL, ...; "" = from program
    namespace: str = ""  # of JMAP names (`x:`): accepted before an object name, as the JMAP name is written

    def env_name(self, what: str) -> str:
        """`URL` → `<PREFIX>_URL`."""
        return f"{self.env_prefix or self.program.upper().replace('-', '_')}_{what}"


class _Parser(argparse.ArgumentParser):
    """Flags only as spelled in full, as clap-based CLIs take them: an abbreviation argparse would
    expand today could name another flag once a schema adds one."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        raise CommandLineError(message)


def _globals(parser: argparse.ArgumentParser, spec: CliSpec, top: bool) -> None:
    """The global flags: on the top parser with their defaults, on every command without (so a
    flag given after the command overrides, and one not given leaves the top's value alone)."""

    def default(value: Any) -> Any:
        return value if top else argparse.SUPPRESS

    def env(what: str, fallback: str | None = None) -> str | None:
        return os.environ.get(spec.env_name(what), fallback)

    url, token, user, password = (spec.env_name(w) for w in ("URL", "TOKEN", "USER", "PASSWORD"))
    group = parser.add_argument_group("global options")
    group.add_argument("--url", default=default(env("URL", spec.default_url)), help=f"env {url}")
    group.add_argument("--api-key", default=default(env("TOKEN")), help=f"bearer token (env {token})")
    group.add_argument("--user", default=default(env("USER")), help=f"HTTP Basic user (env {user})")
    group.add_argument("--password", default=default(env("PASSWORD")), help=f"env {password}")
    group.add_argument("-k", "--insecure", action="store_true", default=default(False), help="accept any TLS cert")
    group.add_argument("--debug", action="store_true", default=default(bool(env("DEBUG"))), help="log HTTP to stderr")
    group.add_argument("--no-color", action="store_true", default=default(False), help="never colour (or NO_COLOR)")


class _JsonFlag(argparse.Action):
    """create/update: `--json '{...}'` is the input object, a bare `--json` the output format
    (both may be given)."""

    def __call__(self, parser: Any, namespace: argparse.Namespace, value: Any, option: Any = None) -> None:
        if isinstance(value, str):
            namespace.json_input = value
        else:
            namespace.json = True


def _json_flag(parser: argparse.ArgumentParser, top: bool, takes_input: bool) -> None:
    if takes_input:
        parser.add_argument(
            "--json", nargs="?", action=_JsonFlag, default=argparse.SUPPRESS, metavar="JSON", help="input, or JSON out"
        )
    else:
        parser.add_argument(
            "--json", action="store_true", default=False if top else argparse.SUPPRESS, help="print JSON"
        )


def build_parser(spec: CliSpec) -> argparse.ArgumentParser:
    top = _Parser(prog=spec.program, description="Manage the server's registry objects over JMAP.")
    _globals(top, spec, top=True)
    _json_flag(top, top=True, takes_input=False)
    top.add_argument("-V", "--version", action="version", version=f"{spec.program} {spec.version}".strip())
    sub = top.add_subparsers(dest="command", required=True, parser_class=_Parser)

    def command(name: str, help: str, takes_input: bool = False) -> argparse.ArgumentParser:
        parser = sub.add_parser(name, help=help)
        _globals(parser, spec, top=False)
        _json_flag(parser, top=False, takes_input=takes_input)
        return parser

    get = command("get", "fetch an object (a singleton needs no id)")
    get.add_argument("object")
    get.add_argument("id", nargs="?")
    get.add_argument("--fields", help="comma-separated properties to fetch")
    create = command("create", "create an object: OBJECT or OBJECT/VARIANT", takes_input=True)
    create.add_argument("object")
    update = command("update", "change fields of an object (paths reach into objects, lists, sets, maps)", True)
    update.add_argument("object")
    update.add_argument("id", nargs="?")
    for cmd in (create, update):
        cmd.add_argument("--field", action="append", default=[], metavar="NAME=VALUE", help="repeatable")
        cmd.add_argument("--file", help="read the JSON object from a file")
        cmd.add_argument("--stdin", action="store_true", help="read the JSON object from standard input")
    delete = command("delete", "destroy objects")
    delete.add_argument("object")
    delete.add_argument("--ids", help="comma-separated ids")
    delete.add_argument(
        "--stdin",
        action="store_true",
        help="ids from stdin: a JSON array, `query --json` lines, or separated by spaces",
    )
    query = command("query", "list objects, optionally filtered")
    query.add_argument("object")
    query.add_argument(
        "--where", "--filter", action="append", default=[], metavar="FIELD(=|>=|<=|>|<)VALUE", help="repeatable"
    )
    query.add_argument("--fields", help="comma-separated columns (default: the schema's list columns)")
    query.add_argument("--sort", action="append", default=[], metavar="NAME[:desc]")
    query.add_argument("--limit", type=int, help="stop after this many")
    describe = command("describe", "the objects, one object's fields, filters and sorts, or an enum")
    describe.add_argument("object", nargs="?")
    apply = command("apply", "run an NDJSON plan: destroy, create, update, upsert, reconcile")
    apply.add_argument("--file", help="the plan")
    apply.add_argument("--stdin", action="store_true", help="read the plan from standard input")
    apply.add_argument("--dry-run", action="store_true", help="check the plan; change nothing")
    apply.add_argument("--continue-on-error", action="store_true", help="run every operation")
    apply.add_argument("--progress", action="store_true", help="a line per batch")
    apply.add_argument("--quiet", action="store_true", help="no progress on stderr")
    snapshot = command("snapshot", "write the objects of some types as an apply plan")
    snapshot.add_argument("objects", nargs="+", metavar="OBJECT")
    snapshot.add_argument("--output", help="write the plan here (default: stdout)")
    snapshot.add_argument("--no-destroys", action="store_true", help="no destroy lines")
    snapshot.add_argument("--include-secrets", action="store_true", help="keep secret fields")
    snapshot.add_argument("--allow-unresolved", metavar="T1,T2", help="leave out references to these types")
    snapshot.add_argument("--quiet", action="store_true", help="no progress on stderr")
    completion = command("completion", "print a shell completion script")
    completion.add_argument("shell", choices=SHELLS)
    return top


WHERE_OPERATORS = (
    (">=", "IsGreaterThanOrEqual"),
    ("<=", "IsLessThanOrEqual"),
    (">", "IsGreaterThan"),
    ("<", "IsLessThan"),
    ("=", ""),
)
COMPARABLE = frozenset({"number", "utcDateTime"})


def split_where(text: str) -> tuple[str, str, str]:
    """`field>=value` → (field, suffix, value): the first operator found in the order >= <= > < =."""
    for op, suffix in WHERE_OPERATORS:
        left, sep, right = text.partition(op)
        if sep and left.strip():
            return left.strip(), suffix, right
    raise UsageError(f"--where takes FIELD=VALUE (or >=, <=, >, <), got {text!r}")


def _without_namespace(text: str, namespace: str) -> str:
    """`x:Domain` → `Domain` for namespace `x:`, in any case (as JMAP names are written)."""
    bare = text.strip()
    if namespace and bare[: len(namespace)].lower() == namespace.lower():
        return bare[len(namespace) :]
    return bare


def _canonical(text: str, namespace: str) -> str:
    """`x:Domain`, `X:domain` and `domain` alike, compared without dashes and case (the pages'
    kebab-case)."""
    return _without_namespace(text, namespace).replace("-", "").lower()


class Cli:
    def __init__(self, spec: CliSpec, args: argparse.Namespace) -> None:
        self.spec, self.args = spec, args
        self._registry: Registry | None = None
        self._client: JmapClient | None = None
        self.json_out = bool(getattr(args, "json", False))
        self.json_in: str | None = getattr(args, "json_input", None)
        self.out_style = Style.for_stream(sys.stdout, args.no_color)
        self._noted_secrets = False

    @property
    def registry(self) -> Registry:
        if self._registry is None:
            self._registry = self.spec.registry()
        return self._registry

    # -- names -----------------------------------------------------------------------------------

    def resolve(self, text: str, variants: bool = False) -> tuple[CliObject, ObjectDesc, str | None]:
        """`mail-settings`, `MailSettings`, `x:mailsettings` or (create only) `task/reload-settings`
        (an object and one of its variants), in any case."""
        name, slash, variant_text = text.partition("/")
        wanted = _canonical(name, self.spec.namespace)
        found = next((o for o in self.spec.objects if wanted == o.name.lower()), None)
        if found is None:
            names = [o.command for o in self.spec.objects]
            hint = (
                did_you_mean(_without_namespace(name, self.spec.namespace), names) or " (`describe` lists the objects)"
            )
            raise UsageError(f"unknown object {name!r}{hint}")
        variant = None
        if slash:
            if not variants:
                raise UsageError("the Object/Variant syntax is only valid for create")
            variant = self.variant_name(found, variant_text)
        return found, self.registry.object(found.name), variant

    def variant_name(self, cli_obj: CliObject, text: str, given: str = "") -> str:
        """The variant `text` names (kebab-case or the name, any case); `given` says how it was
        given (`--field @type`, ...), "" for the create's Object/Variant shorthand."""
        if not cli_obj.variants:
            if not given:
                raise UsageError(f"{cli_obj.name} is not multi-variant; do not use the /Variant syntax")
            raise UsageError(f"{cli_obj.name} has no variants (it is not multi-variant): {given} does not apply")
        wanted = _canonical(text, self.spec.namespace)
        for v in cli_obj.variants.values():
            if wanted == v.lower():
                return v
        hint = did_you_mean(text, cli_obj.variants) or f" (variants: {', '.join(cli_obj.variants)})"
        raise UsageError(f"unknown variant {text!r} of {cli_obj.command}{hint}")

    # -- talking to the server -------------------------------------------------------------------

    def client(self) -> JmapClient:
        """One client per run (a prompted password is asked once)."""
        if self._client is None:
            self._client = self._new_client()
        return self._client

    def _new_client(self) -> JmapClient:
        reg = self.registry
        if self.args.api_key and self.args.user is not None:
            raise UsageError("--user and --api-key are mutually exclusive")
        password = self.args.password
        if self.args.user is not None and password is None and sys.stdin.isatty():
            password = getpass.getpass("Password: ")
        return JmapClient(
            self.args.url,
            self.args.api_key,
            user=self.args.user,
            password=password,
            capability=reg.project.capability,
            api_path=reg.project.api_path,
            insecure=self.args.insecure,
            debug=self.args.debug,
        )

    def set_call(self, obj: ObjectDesc, args: dict[str, Any], refused: str) -> dict[str, Any]:
        method = f"{obj.jmap_name}/set"
        result = self.client().call(method, args)
        for object_id, error in member(result, refused, dict, method, {}).items():
            raise SetError.from_wire(object_id, error)
        return result

    # -- input: --field, --json, --file, --stdin ---------------------------------------------------

    def input_object(self) -> dict[str, Any] | None:
        """The JSON object of --json, --file or --stdin (None for --field); at most one source."""
        given = [
            name
            for name, on in (
                ("--field", bool(self.args.field)),
                ("--json", self.json_in is not None),
                ("--file", self.args.file is not None),
                ("--stdin", self.args.stdin),
            )
            if on
        ]
        if len(given) > 1:
            raise UsageError("input sources are mutually exclusive: pick one of --field, --json, --file, --stdin")
        if self.json_in is not None:
            text, where = self.json_in, "--json"
        elif self.args.file is not None:
            try:
                text, where = Path(self.args.file).read_text(encoding="utf-8"), self.args.file
            except (OSError, UnicodeDecodeError) as exc:
                raise UsageError(f"cannot read {self.args.file}: {exc}") from None
        elif self.args.stdin:
            text, where = sys.stdin.read(), "stdin"
        else:
            return None
        try:
            value = json.loads(text)
        except RecursionError:
            raise UsageError(f"{where}: the JSON is nested too deeply") from None
        except ValueError as exc:
            raise UsageError(f"{where}: invalid JSON ({exc})") from None
        if not isinstance(value, dict):
            raise UsageError("input must be a JSON object")
        return value

    def given_type(self, cli_obj: CliObject, slash_variant: str | None) -> str | None:
        """The variant an `@type` --field names (it beats the slash form, with the real CLI's warning)."""
        for item in map(split_assignment, self.args.field):
            if item.path == "@type":
                if slash_variant is not None:
                    print(
                        f"{self.out_style.yellow('warning:')} --field @type overrides the Object/Variant shorthand",
                        file=sys.stderr,
                    )
                return self.variant_name(cli_obj, item.text, "--field @type")
        return slash_variant

    def fields(self, obj: ObjectDesc, variant: str | None, creating: bool) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for item in map(split_assignment, self.args.field):
            if item.path == "@type":
                out["@type"] = variant
                continue
            if item.path.lower() == "id":  # the id a get shows: sent as is, the server says whether it fits
                out["id"] = item.text
                continue
            if creating and "/" in item.path:
                raise UsageError(f"--field keys for create must be top-level properties, got {item.path!r}")
            target = find_target(self.registry, obj.schema, variant, item.path)
            if target.path in out:
                raise UsageError(f"duplicate --field key {target.path!r}")
            check_writable(target.field, target.path, creating)
            out[target.path] = parse_value(self.registry, target, item.text)
        return out

    def checked_patch(self, obj: ObjectDesc, variant: str | None, raw: dict[str, Any]) -> dict[str, Any]:
        """A JSON patch: each path found (case-insensitively) and its value checked like a --field's."""
        out: dict[str, Any] = {}
        for key, value in raw.items():
            if key in ("@type", "id"):
                out[key] = value
                continue
            target = find_target(self.registry, obj.schema, variant, key)
            check_writable(target.field, target.path, creating=False)
            out[target.path] = self.wire_value(target, value)
        return out

    def wire_value(self, target: Target, value: Any) -> Any:
        if value is None:
            return None
        ctx = Ctx()
        decoded = decode_value(self.registry, target.type, value, ctx, target.path)
        issues = ctx.issues or (check_value(self.registry, target.field, decoded, target.path) if target.top else [])
        if issues:
            raise UsageError("; ".join(i.message for i in issues))
        return decoded

    def note_secrets(self, obj: ObjectDesc, variant: Any, values: dict[str, Any]) -> None:
        """Says, once per run, that a write's values hold secrets shown only this once (before them
        on stdout; on stderr when stdout is JSON, which must stay parseable)."""
        if self._noted_secrets or not holds_clear_secret(self.registry, obj.schema, variant, values):
            return
        self._noted_secrets = True
        if self.json_out:
            print(f"{self.out_style.yellow('note:')} {SHOWN_ONCE}", file=sys.stderr)
        else:
            emit(SHOWN_ONCE)

    # -- commands --------------------------------------------------------------------------------

    def property_names(self, obj: ObjectDesc, text: str) -> list[str]:
        """`--fields a,b`: checked against every variant's fields (any case), plus id and @type."""
        schema = self.registry.schema(obj.schema)
        fields = all_fields(self.registry, schema, None)
        out = []
        for name in (n.strip() for n in text.split(",")):
            if not name:
                continue
            if name.lower() in ("id", "@type"):
                out.append(name.lower())
            else:
                out.append(field_named(fields, name, obj.name).name)
        return out

    def human(self) -> Human:
        return Human(self.registry)

    def show(self, obj: ObjectDesc, found: list[dict[str, Any]]) -> None:
        if self.json_out:
            for item in found:
                emit_line(item)
            return
        human = self.human()
        emit("\n\n".join(human.record(obj.schema, i) for i in found) if found else f"no {obj.name} objects")

    def get(self) -> None:
        _, obj, _ = self.resolve(self.args.object)
        object_id = self.args.id
        if obj.is_singleton and object_id not in (None, "singleton"):
            raise UsageError(f"{obj.name} is a singleton: its id is 'singleton'")
        properties = self.property_names(obj, self.args.fields) if self.args.fields else None
        ids = ["singleton"] if obj.is_singleton else ([object_id] if object_id else None)
        if ids is None:
            self.show(obj, list(self.every(obj, properties)))
            return
        method = f"{obj.jmap_name}/get"
        args: dict[str, Any] = {"ids": ids}
        if properties is not None:
            args["properties"] = ["id", *(p for p in properties if p != "id")]
        result = self.client().call(method, args)
        found = items(member(result, "list", list, method), dict, method, "list")
        if not found:
            raise UsageError(f"{obj.name} {ids[0]!r} not found")
        if properties is not None:  # the id is always sent back; show only what was asked for
            found = [{k: v for k, v in i.items() if k in properties} for i in found]
        self.show(obj, found[:1])

    def every(self, obj: ObjectDesc, properties: list[str] | None) -> Iterator[dict[str, Any]]:
        """Every object: one /get when the server answers fewer than a page, else paged by query."""
        method = f"{obj.jmap_name}/get"
        args: dict[str, Any] = {"ids": None}
        if properties is not None:
            args["properties"] = properties
        found = items(member(self.client().call(method, args), "list", list, method), dict, method, "list")
        if len(found) < PAGE:
            yield from found
            return
        for page in self.client().query_pages(obj.jmap_name, fetch=True, properties=properties):
            yield from page

    def create(self) -> None:
        cli_obj, obj, slash_variant = self.resolve(self.args.object, variants=True)
        if obj.is_singleton:
            raise UsageError(f"{obj.name} is a singleton: it always exists; use update")
        raw = self.input_object()
        schema = self.registry.schema(obj.schema)
        if raw is not None:
            variant = self.variant_name(cli_obj, str(raw["@type"]), "'@type'") if "@type" in raw else slash_variant
            payload = ({"@type": variant} if variant else {}) | {k: v for k, v in raw.items() if k != "@type"}
        else:
            variant = self.given_type(cli_obj, slash_variant)
            if schema.is_union and variant is None:
                example = next(iter(cli_obj.variants), "VARIANT")
                raise UsageError(f"{obj.name} is multi-variant: name one, e.g. {cli_obj.command}/{example}")
            payload = ({"@type": variant} if variant else {}) | self.fields(obj, variant, creating=True)
        _, issues = parse(self.registry, obj.schema, payload)
        if issues:
            raise UsageError("; ".join(i.message for i in issues))
        method = f"{obj.jmap_name}/set"
        result = self.set_call(obj, {"create": {"new1": payload}}, "notCreated")
        created = member(member(result, "created", dict, method), "new1", dict, method)
        extra = {k: v for k, v in created.items() if k != "id"}
        if self.json_out:
            emit_line(created)
            self.note_secrets(obj, payload.get("@type"), extra)
            return
        emit(f"created {obj.name} {created.get('id')}")
        if extra:
            self.note_secrets(obj, payload.get("@type"), extra)
            emit(self.human().record(obj.schema, extra))

    def update(self) -> None:
        cli_obj, obj, _ = self.resolve(self.args.object)
        if self.args.id and "=" in self.args.id:  # ids never hold "=": a field without its flag
            raise UsageError(f"unexpected argument {self.args.id!r}: fields are given as --field {self.args.id}")
        object_id = self.args.id or ("singleton" if obj.is_singleton else None)
        if object_id is None:
            raise UsageError(f"{obj.name} requires an id")
        if obj.is_singleton and object_id != "singleton":
            raise UsageError(f"{obj.name} is a singleton: its id is 'singleton'")
        raw = self.input_object()
        if raw is not None:
            variant = self.variant_name(cli_obj, str(raw["@type"]), "'@type'") if "@type" in raw else None
            patch = self.checked_patch(obj, variant, raw)
        else:
            patch = self.fields(obj, self.given_type(cli_obj, None), creating=False)
        # An empty patch is the pages' no-op update (it still fails on an id that does not exist).
        method = f"{obj.jmap_name}/set"
        result = self.set_call(obj, {"update": {object_id: patch}}, "notUpdated")
        updated = member(result, "updated", dict, method, {})
        extra = updated.get(object_id)
        variant = patch.get("@type")  # else the stored one, which the answer does not say
        if self.json_out:
            emit_line(updated)
            if isinstance(extra, dict):
                self.note_secrets(obj, variant, extra)
            return
        emit(f"updated {obj.name} {object_id}")
        if isinstance(extra, dict):
            self.note_secrets(obj, variant, extra)
            for key, value in extra.items():
                emit(f"  {key}: {json.dumps(value, ensure_ascii=False)}")

    def delete_ids(self) -> list[str]:
        if (self.args.ids is None) == (not self.args.stdin):
            raise UsageError("give the ids with exactly one of --ids or --stdin")
        text = self.args.ids if self.args.ids is not None else sys.stdin.read()
        if text.lstrip().startswith("["):
            try:
                listed = json.loads(text)
            except (ValueError, RecursionError):
                raise UsageError("--stdin: invalid JSON array of ids") from None
            if not isinstance(listed, list) or not all(isinstance(i, str) for i in listed):
                raise UsageError("--stdin: the JSON array must hold ids (strings)")
            ids = [i for i in listed if i]
        elif text.lstrip()[:1] in ('"', "{"):  # NDJSON, as `query --json` prints ids or rows
            ids = [self.ndjson_id(n, line) for n, line in enumerate(text.splitlines(), 1) if line.strip()]
        else:
            ids = [i for i in text.replace(",", " ").split() if i]
        if not ids:
            raise UsageError("no ids to delete")
        return list(dict.fromkeys(ids))

    @staticmethod
    def ndjson_id(number: int, line: str) -> str:
        """One line of `query --json`: an id (a JSON string) or a row holding one."""
        try:
            value = json.loads(line)
        except (ValueError, RecursionError):
            raise UsageError(f"--stdin: line {number} is not JSON") from None
        found = value.get("id") if isinstance(value, dict) else value
        if not isinstance(found, str) or not found:
            raise UsageError(f"--stdin: line {number} is neither an id nor an object with an id")
        return found

    def delete(self) -> None:
        _, obj, _ = self.resolve(self.args.object)
        if obj.is_singleton:
            raise UsageError(f"{obj.name} is a singleton and cannot be deleted")
        ids = self.delete_ids()
        method = f"{obj.jmap_name}/set"
        deleted: set[str] = set()
        failed: dict[str, SetError] = {}
        for start in range(0, len(ids), PAGE):  # every answer is read before anything is printed
            result = self.client().call(method, {"destroy": ids[start : start + PAGE]})
            deleted.update(items(member(result, "destroyed", list, method, []), str, method, "destroyed"))
            for object_id, error in member(result, "notDestroyed", dict, method, {}).items():
                failed[object_id] = SetError.from_wire(object_id, error)
        for object_id in ids:
            if self.json_out:
                status = "deleted" if object_id in deleted else "failed" if object_id in failed else "unacknowledged"
                line: dict[str, Any] = {"id": object_id, "status": status}
                if object_id in failed:
                    line["error"] = failed[object_id].raw
                emit_line(line)
            elif object_id in deleted:
                emit(f"{object_id} deleted")
            elif object_id in failed:
                emit(f"{object_id} failed: {one_line(str(failed[object_id]))}")
            else:
                emit(f"{object_id} not acknowledged by the server")
        if not self.json_out:
            emit(f"{len(deleted)} deleted, {len(failed)} failed")
        if failed:
            raise UsageError("one or more deletions failed")

    def where(self, cli_obj: CliObject, obj: ObjectDesc) -> dict[str, Any]:
        schema = self.registry.schema(obj.schema)
        fields = all_fields(self.registry, schema, None)
        out: dict[str, Any] = {}
        for text in self.args.where:
            name, suffix, value = split_where(text)
            listed = next((f for f in cli_obj.filters if f.lower() == name.lower()), None)
            known = next((f for f in fields if f.name.lower() == name.lower()), None)
            if known is None and name.lower() in ("id", "@type"):
                if suffix:
                    raise UsageError(f"{name.lower()!r} takes =, not a comparison")
                # the variant as the server stores it, named in any of the forms create takes
                given = "--where @type"
                out[name.lower()] = value if name.lower() == "id" else self.variant_name(cli_obj, value, given)
                continue
            if known is None:
                if listed is None:
                    choices = [f.name for f in fields] + list(cli_obj.filters)
                    hint = did_you_mean(name, choices) or f" (filters: {', '.join(choices) or 'none'})"
                    raise UsageError(f"unknown filter {name!r} for {obj.name}{hint}")
                if suffix:
                    raise UsageError(f"{listed!r} takes =, not a comparison")
                out[listed] = value
                continue
            if suffix and known.type.kind not in COMPARABLE:
                raise UsageError(f"{known.name!r} is not a number or date: it takes =, not a comparison")
            target = condition_target(known, bool(suffix))
            out[known.name + suffix] = parse_value(self.registry, target, value)
        return out

    def query(self) -> None:
        cli_obj, obj, _ = self.resolve(self.args.object)
        if obj.is_singleton:
            raise UsageError(f"{obj.name} is a singleton and does not support query; use get")
        conditions = self.where(cli_obj, obj)
        sort = [self.sort_key(cli_obj, obj, s) for s in self.args.sort] or None
        columns = self.property_names(obj, self.args.fields) if self.args.fields else list(cli_obj.columns)
        columns = [c for c in columns if c != "id"]
        limit = self.args.limit
        if limit is not None and limit < 0:
            raise UsageError("--limit must be 0 or more")
        client = self.client()
        rows: list[Any] = []
        pages = client.query_pages(obj.jmap_name, conditions, sort, fetch=bool(columns), properties=["id", *columns])
        for page in pages:
            for row in page:
                if limit is not None and len(rows) >= limit:
                    break
                rows.append(row)
                if self.json_out:  # NDJSON: each line as soon as its page arrives
                    emit_line({"id": row.get("id"), **{c: row.get(c) for c in columns}} if columns else row)
            if limit is not None and len(rows) >= limit:
                break
        if self.json_out:
            return
        if not rows:
            emit(f"no {cli_obj.command} objects match")
            return
        if not columns:
            emit("\n".join(rows))
            return
        human = self.human()
        fields = {f.name: f for f in all_fields(self.registry, self.registry.schema(obj.schema), None)}
        table_rows = [[str(r.get("id")), *(self.cell(human, fields.get(c), r.get(c)) for c in columns)] for r in rows]
        emit(table(("id", *columns), table_rows, self.out_style, cut=True))

    def sort_key(self, cli_obj: CliObject, obj: ObjectDesc, text: str) -> dict[str, Any]:
        """`--sort NAME[:asc|:desc]`: a field of any variant (any case), `id`, or a union's
        `@type`; whether the server sorts on that field is the server's to say."""
        name, _, order = text.partition(":")
        if order.lower() not in ("", "asc", "desc"):
            raise UsageError(f"--sort takes NAME, NAME:asc or NAME:desc, got {text!r}")
        if name.strip().lower() == "@type" and not cli_obj.variants:
            raise UsageError(f"{obj.name} has no variants (it is not multi-variant): --sort @type does not apply")
        [canonical] = self.property_names(obj, name) or [""]
        if not canonical:
            raise UsageError(f"--sort takes NAME, NAME:asc or NAME:desc, got {text!r}")
        return {"property": canonical, "isAscending": order.lower() != "desc"}

    @staticmethod
    def cell(human: Human, field: FieldDesc | None, value: Any) -> str:
        return human.scalar(field.type if field else None, value)

    def describe(self) -> None:
        docs = self.spec.describe()
        if not self.args.object:
            rows = [
                (o.command, docs[o.name]["kind"], docs[o.name]["description"])
                for o in sorted(self.spec.objects, key=lambda o: o.command)
            ]
            emit_json(docs) if self.json_out else emit(table(("object", "kind", "description"), rows, self.out_style))
            return
        try:
            cli_obj, _, _ = self.resolve(self.args.object)
        except UsageError:
            if self.describe_enum(self.args.object) or self.describe_type(self.args.object):
                return
            names = [o.command for o in self.spec.objects] + list(self.spec.enums()) + list(self.spec.types())
            hint = did_you_mean(self.args.object, names)
            raise UsageError(f"no object, type or enum named {self.args.object!r}{hint}") from None
        self.print_described(cli_obj.name, docs[cli_obj.name])

    def print_described(self, name: str, doc: Mapping[str, Any]) -> None:
        """An object's or a nested type's description, fields (per variant) and query keys."""
        if self.json_out:
            emit_json(doc)
            return
        style = self.out_style
        emit(f"{style.bold(name)} ({doc['kind']})" + (f": {doc['description']}" if doc["description"] else ""))
        for title, fields in doc["sections"]:
            emit(f"\n{title}" if title else "")
            if fields:
                emit(table(("field", "type", "notes", "description"), fields, style))
        if doc.get("filters"):
            emit(f"\n{style.bold('Filters:')}")
            emit(table(("filter", "kind", "label"), doc["filters"], style))
        if doc.get("sort"):
            emit(f"\n{style.bold('Sort by:')} {', '.join(doc['sort'])}")

    def _named(self, text: str, names: Iterable[str]) -> str | None:
        wanted = _canonical(text, self.spec.namespace)
        return next((n for n in names if n.lower() == wanted or n.replace("-", "").lower() == wanted), None)

    def describe_type(self, text: str) -> bool:
        types = self.spec.types()
        name = self._named(text, types)
        if name is not None:
            self.print_described(name, {"name": name, **types[name]} if self.json_out else types[name])
        return name is not None

    def describe_enum(self, text: str) -> bool:
        enums = self.spec.enums()
        name = self._named(text, enums)
        if name is None:
            return False
        doc = enums[name]
        if self.json_out:
            emit_json({"name": name, **doc})
            return True
        emit(f"{self.out_style.bold(name)}  (enum)" + (f": {doc['description']}" if doc["description"] else ""))
        emit("\nVariants:")
        emit(table(("value", "label", "description"), doc["values"], self.out_style))
        return True

    def apply(self) -> None:
        cli_plan.apply(self)

    def snapshot(self) -> None:
        cli_plan.snapshot(self)

    def progress(self, text: str) -> None:
        if not self.args.quiet:
            print(text, file=sys.stderr)

    def completion(self) -> None:
        singletons = {o.name for o in self.registry.objects if o.is_singleton}
        emit(completion_script(self.args.shell, self.spec.program, self.spec.objects, singletons), sys.stdout)


def check_text(args: argparse.Namespace) -> None:
    """Arguments and environment values come from bytes: ones that were not UTF-8 arrive holding
    lone surrogates, which nothing can send. Refused here, once, for every option."""
    for name, value in vars(args).items():
        for text in value if isinstance(value, list) else [value]:
            if isinstance(text, str) and not text.isascii():
                try:
                    text.encode()
                except UnicodeEncodeError:
                    shown = f"--{name.replace('_', '-')}" if name not in ("object", "id", "command") else name
                    raise UsageError(f"{shown} is not valid UTF-8 text: {text!r}") from None


def _choice_hint(message: str, spec: CliSpec) -> str:
    """argparse's `invalid choice: 'gte'` with a did-you-mean, for commands and shells."""
    if "invalid choice:" not in message:
        return message
    word = message.split("invalid choice:", 1)[1].strip().split(" ", 1)[0].strip("'")
    return message + did_you_mean(word, COMMANDS)


def _long_flags(parser: argparse.ArgumentParser) -> dict[str, bool]:
    """The parser's long flags, each with whether it takes the next word as its value."""
    return {
        flag: action.nargs not in (0, "?")
        for action in parser._actions
        for flag in action.option_strings
        if flag.startswith("--")
    }


def _unknown_flag(parser: argparse.ArgumentParser, argv: Sequence[str]) -> tuple[str, dict[str, bool]] | None:
    """The first `--flag` the command line cannot take where it stands (before the command, only
    the global ones), with those it could (none for a command's flag given before the command).
    argparse, meeting one before the command, complains of the command instead: `--ur URL get ...`
    would be "invalid choice: URL"."""
    commands: dict[str, argparse.ArgumentParser] = next(
        (a.choices for a in parser._actions if isinstance(a, argparse._SubParsersAction)), {}
    )
    allowed = _long_flags(parser)
    command_seen, takes_value = False, False
    for arg in argv:
        if takes_value:  # the value of the flag before it
            takes_value = False
        elif arg == "--":
            break
        elif arg.startswith("--") and " " not in arg:  # argparse takes "--a b" as a value
            name = arg.split("=", 1)[0]
            if name not in allowed:
                if not command_seen and any(name in _long_flags(c) for c in commands.values()):
                    return name, {}  # a command's flag: said so by the caller
                return name, allowed
            takes_value = allowed[name] and "=" not in arg
        elif not command_seen and arg in commands:
            command_seen = True
            allowed = {**allowed, **_long_flags(commands[arg])}
    return None


def run(spec: CliSpec, argv: Sequence[str] | None = None) -> int:
    no_color = "--no-color" in (sys.argv[1:] if argv is None else argv)
    err = Style.for_stream(sys.stderr, no_color)
    command = "request"
    parser = build_parser(spec)
    try:
        args = parser.parse_args(argv)
        command = args.command
        check_text(args)
        getattr(Cli(spec, args), args.command)()
    except CommandLineError as exc:
        message = _choice_hint(str(exc), spec)
        unknown = _unknown_flag(parser, sys.argv[1:] if argv is None else argv)
        if unknown is not None:  # matched without the dashes, which every flag shares
            flag, flags = unknown
            hint = did_you_mean(flag[2:], (f[2:] for f in flags), "--") if flags else " (it goes after its command)"
            message = f"unknown flag {flag!r}{hint}"
        print(f"{err.red('error:')} {one_line(message)}", file=sys.stderr)
        print(f"usage: see `{spec.program} --help`", file=sys.stderr)
        return 2
    except SetError as exc:  # a refused object: the real CLI's block, then one line saying what failed
        print(set_error_block(exc, err), file=sys.stderr)
        print(f"{err.red('error:')} {command} failed", file=sys.stderr)
        return 1
    except (UsageError, JmapError) as exc:
        print(f"{err.red('error:')} {one_line(str(exc))}", file=sys.stderr)
        return 1
    except RecursionError:  # a value past Python's recursion limit, from the server or an argument
        print("error: a value is nested too deeply to handle", file=sys.stderr)
        return 1
    except BrokenPipeError:  # `<cli> ... | head`
        return 0
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
    return 0
