"""The command line: `stalwart-cli [--url URL] [--api-key TOKEN | --user U --password P] [--json]
COMMAND ...` with get, create, update, delete, query and describe.

The generated `cli` module hands in a `CliSpec` (command names, variants, where the describe
tables live); values are parsed and checked by the runtime codec before anything is sent.
Every failure prints `error: ...` on stderr and exits 1: bad arguments, a URL or credential that
cannot be sent (jmap_client.ConfigurationError) and a malformed server reply (TransportError)
alike; replies are read through jmap_client.member(), never indexed unchecked.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NoReturn

from .cli_output import emit, emit_json, record, table
from .cli_values import Assignment, UsageError, check_writable, find_field, parse_value, split_assignment
from .descriptors import ObjectDesc, Registry
from .jmap_client import JmapClient, JmapError, SetError, items, member
from .validate import parse


@dataclass(frozen=True)
class CliObject:
    name: str  # schema name, e.g. SpamDnsblSettings
    command: str  # kebab-case, e.g. spam-dnsbl-settings
    variants: Mapping[str, str]  # kebab-case variant → variant name


@dataclass(frozen=True)
class CliSpec:
    program: str
    objects: tuple[CliObject, ...]
    registry: Callable[[], Registry]
    describe: Callable[[], Mapping[str, Any]]  # loaded only by `describe`
    default_url: str = "http://127.0.0.1:8080"


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


def build_parser(spec: CliSpec) -> argparse.ArgumentParser:
    top = _Parser(prog=spec.program, description="Manage the server's registry objects over JMAP.")
    top.add_argument(
        "--url", default=os.environ.get("STALWART_URL", spec.default_url), help="server URL (env STALWART_URL)"
    )
    top.add_argument("--api-key", default=os.environ.get("STALWART_TOKEN"), help="bearer token (env STALWART_TOKEN)")
    top.add_argument("--user", default=os.environ.get("STALWART_USER"), help="user for HTTP Basic (env STALWART_USER)")
    top.add_argument("--password", default=os.environ.get("STALWART_PASSWORD"), help="password (env STALWART_PASSWORD)")
    top.add_argument("--json", action="store_true", help="print JSON instead of tables")
    sub = top.add_subparsers(dest="command", required=True, parser_class=_Parser)
    get = sub.add_parser("get", help="fetch an object (a singleton needs no id)")
    get.add_argument("object")
    get.add_argument("id", nargs="?")
    create = sub.add_parser("create", help="create an object: OBJECT or OBJECT/VARIANT")
    create.add_argument("object")
    update = sub.add_parser("update", help="change fields of an object")
    update.add_argument("object")
    update.add_argument("id", nargs="?")
    for cmd in (create, update):
        cmd.add_argument(
            "--field",
            action="append",
            default=[],
            metavar="NAME=VALUE",
            help="repeatable; JSON if it starts with { or [",
        )
    delete = sub.add_parser("delete", help="destroy objects")
    delete.add_argument("object")
    delete.add_argument("--ids", required=True, help="comma-separated ids")
    query = sub.add_parser("query", help="list ids, optionally filtered")
    query.add_argument("object")
    query.add_argument("--filter", action="append", default=[], metavar="NAME=VALUE")
    query.add_argument("--sort", action="append", default=[], metavar="NAME[:desc]")
    query.add_argument("--limit", type=int)
    describe = sub.add_parser("describe", help="the objects, or one object's fields, from the schema")
    describe.add_argument("object", nargs="?")
    return top


class Cli:
    def __init__(self, spec: CliSpec, args: argparse.Namespace) -> None:
        self.spec, self.args = spec, args
        self._registry: Registry | None = None

    @property
    def registry(self) -> Registry:
        if self._registry is None:
            self._registry = self.spec.registry()
        return self._registry

    # -- names -----------------------------------------------------------------------------------

    def resolve(self, text: str) -> tuple[CliObject, ObjectDesc, str | None]:
        """`spam-dnsbl-settings`, `SpamDnsblSettings` or `action/reload-settings` (any case)."""
        name, _, variant_text = text.partition("/")
        wanted = name.lower()
        found = next((o for o in self.spec.objects if wanted in (o.command, o.name.lower())), None)
        if found is None:
            known = ", ".join(o.command for o in self.spec.objects)
            raise UsageError(f"unknown object {name!r} (objects: {known})")
        variant = None
        if variant_text:
            lowered = variant_text.lower()
            variant = next((v for k, v in found.variants.items() if lowered in (k, v.lower())), None)
            if variant is None:
                known = ", ".join(found.variants) or "none: it is not a multi-variant object"
                raise UsageError(f"unknown variant {variant_text!r} of {found.command} (variants: {known})")
        return found, self.registry.object(found.name), variant

    def variant_name(self, cli_obj: CliObject, text: str) -> str:
        lowered = text.lower()
        for k, v in cli_obj.variants.items():
            if lowered in (k, v.lower()):
                return v
        raise UsageError(f"unknown variant {text!r} of {cli_obj.command} (variants: {', '.join(cli_obj.variants)})")

    # -- talking to the server -------------------------------------------------------------------

    def client(self) -> JmapClient:
        reg = self.registry
        return JmapClient(
            self.args.url,
            self.args.api_key,
            user=self.args.user,
            password=self.args.password,
            capability=reg.project.capability,
            api_path=reg.project.api_path,
        )

    def set_call(self, obj: ObjectDesc, args: dict[str, Any], refused: str) -> dict[str, Any]:
        method = f"{obj.jmap_name}/set"
        result = self.client().call(method, args)
        for object_id, error in member(result, refused, dict, method, {}).items():
            raise SetError.from_wire(object_id, error)
        return result

    def fields(self, cli_obj: CliObject, obj: ObjectDesc, variant: str | None, creating: bool) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for item in map(split_assignment, self.args.field):
            out[item.path] = self.field_value(cli_obj, obj, variant, item, creating)
        return out

    def field_value(
        self, cli_obj: CliObject, obj: ObjectDesc, variant: str | None, item: Assignment, creating: bool
    ) -> Any:
        if item.path == "@type":
            if creating:
                raise UsageError("give the variant as OBJECT/VARIANT, not as --field @type")
            return self.variant_name(cli_obj, item.text)
        field = find_field(self.registry, obj.schema, variant, item.path)
        check_writable(field, item.path, creating)
        return parse_value(self.registry, field, item.path, item.text)

    # -- commands --------------------------------------------------------------------------------

    def get(self) -> None:
        _, obj, _ = self.resolve(self.args.object)
        object_id = self.args.id
        if obj.is_singleton and object_id not in (None, "singleton"):
            raise UsageError(f"{obj.name} is a singleton: it has no id other than 'singleton'")
        ids = ["singleton"] if obj.is_singleton else ([object_id] if object_id else None)
        method = f"{obj.jmap_name}/get"
        result = self.client().call(method, {"ids": ids})
        found = items(member(result, "list", list, method), dict, method, "list")
        if ids and not found:
            raise UsageError(f"{obj.name} {ids[0]!r} not found")
        if self.args.json:
            emit_json(found[0] if ids else found)
        else:
            emit("\n\n".join(record(i) for i in found) if found else f"no {obj.name} objects")

    def create(self) -> None:
        cli_obj, obj, variant = self.resolve(self.args.object)
        if obj.is_singleton:
            raise UsageError(f"{obj.name} is a singleton: it always exists; use update")
        schema = self.registry.schema(obj.schema)
        if schema.is_union and variant is None:
            example = next(iter(cli_obj.variants), "VARIANT")
            raise UsageError(f"{obj.name} is multi-variant: name one, e.g. {cli_obj.command}/{example}")
        payload = ({"@type": variant} if variant else {}) | self.fields(cli_obj, obj, variant, creating=True)
        _, issues = parse(self.registry, obj.schema, payload)
        if issues:
            raise UsageError("; ".join(i.message for i in issues))
        method = f"{obj.jmap_name}/set"
        result = self.set_call(obj, {"create": {"new1": payload}}, "notCreated")
        created = member(member(result, "created", dict, method), "new1", dict, method)
        if self.args.json:
            emit_json(created)
        else:
            emit(f"created {obj.name} {created.get('id')}")
            extra = {k: v for k, v in created.items() if k != "id"}
            if extra:
                emit(record(extra))

    def update(self) -> None:
        cli_obj, obj, variant = self.resolve(self.args.object)
        object_id = self.args.id or ("singleton" if obj.is_singleton else None)
        if object_id is None:
            raise UsageError(f"update {cli_obj.command} needs the id of the object to change")
        if not self.args.field:
            raise UsageError("nothing to update: give one or more --field NAME=VALUE")
        patch = self.fields(cli_obj, obj, variant, creating=False)
        result = self.set_call(obj, {"update": {object_id: patch}}, "notUpdated")
        if self.args.json:
            emit_json(member(result, "updated", dict, f"{obj.jmap_name}/set", {}))
        else:
            emit(f"updated {obj.name} {object_id}")

    def delete(self) -> None:
        _, obj, _ = self.resolve(self.args.object)
        ids = [i.strip() for i in self.args.ids.split(",") if i.strip()]
        if not ids:
            raise UsageError("--ids needs at least one id")
        method = f"{obj.jmap_name}/set"
        result = self.set_call(obj, {"destroy": ids}, "notDestroyed")
        destroyed = items(member(result, "destroyed", list, method, []), str, method, "destroyed")
        if self.args.json:
            emit_json(destroyed)
        else:
            emit(f"deleted {obj.name} {', '.join(destroyed)}")

    def query(self) -> None:
        cli_obj, obj, _ = self.resolve(self.args.object)
        if obj.is_singleton:
            raise UsageError(f"{obj.name} is a singleton: use get")
        conditions = {}
        for item in map(split_assignment, self.args.filter):
            field = find_field(self.registry, obj.schema, None, item.path)
            conditions[item.path] = parse_value(self.registry, field, item.path, item.text)
        args: dict[str, Any] = {"filter": conditions}
        if self.args.sort:
            args["sort"] = [
                {"property": s.partition(":")[0], "isAscending": s.partition(":")[2].lower() != "desc"}
                for s in self.args.sort
            ]
        if self.args.limit is not None:
            args["limit"] = self.args.limit
        method = f"{obj.jmap_name}/query"
        ids = items(member(self.client().call(method, args), "ids", list, method), str, method, "ids")
        if self.args.json:
            emit_json(ids)
        else:
            emit(table(("id",), ([i] for i in ids)) if ids else f"no {cli_obj.command} objects match")

    def describe(self) -> None:
        docs = self.spec.describe()
        if not self.args.object:
            rows = [(o.command, docs[o.name]["kind"], docs[o.name]["description"]) for o in self.spec.objects]
            emit_json(docs) if self.args.json else emit(table(("object", "kind", "description"), rows))
            return
        cli_obj, _, _ = self.resolve(self.args.object)
        doc = docs[cli_obj.name]
        if self.args.json:
            emit_json(doc)
            return
        emit(f"{cli_obj.name} ({doc['kind']}): {doc['description']}")
        for title, fields in doc["sections"]:
            emit(f"\n{title}" if title else "")
            if fields:
                emit(table(("field", "type", "notes", "description"), fields))


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


def one_line(text: str) -> str:
    """A message as one printable line: a server's description or a peer's bytes can hold line
    breaks and terminal escape sequences."""
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)


def run(spec: CliSpec, argv: Sequence[str] | None = None) -> int:
    try:
        args = build_parser(spec).parse_args(argv)
        check_text(args)
        getattr(Cli(spec, args), args.command)()
    except (UsageError, JmapError) as exc:
        print(f"error: {one_line(str(exc))}", file=sys.stderr)
        return 1
    except RecursionError:  # a value past Python's recursion limit, from the server or an argument
        print("error: a value is nested too deeply to handle", file=sys.stderr)
        return 1
    except BrokenPipeError:  # `stalwart-cli ... | head`
        return 0
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
    return 0
