"""Published definitions → bodies of our YAML language (plain data; comments via `Commented`).

Defaults are rewritten into the form our language reads: top-level durations and sizes (published
in milliseconds and bytes) become "5m" and "10mb", sets (`{"a": true}`) and object lists
(`{"0": {...}}`) become lists, and the Expression shorthand `{"default": X}` becomes `{"else": X}`.
Nested defaults are published in that human form already. A default outside the range its own
field declares is a flaw of the source: it is kept, reported, and waived with a reasoned `suppress`.
"""

from __future__ import annotations

import json
import re
from typing import Any

from .crate.overlay import CrateOverlay
from .naming import Naming
from .published import (
    CONSTRAINT_KEYS,
    FORMATS,
    NAMESPACE,
    SCALAR_KINDS,
    SHORTHANDS,
    human_number,
    is_canonical_human,
    jpath,
)
from .source import Path_, Report
from .webui_sections import WebuiImporter
from .yaml_writer import Commented, Flow

UNITS = {"duration": "milliseconds", "size": "bytes"}
# Codes of the checks in generator/checks.py that a flawed published default trips.
BELOW_MIN, ABOVE_MAX = "default-below-min", "default-above-max"
BELOW_MIN_ITEMS, OVER_MAX_LENGTH = "default-below-min-items", "default-over-max-length"


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


class Converter:
    def __init__(
        self,
        doc: dict[str, Any],
        naming: Naming,
        report: Report,
        missing_enums: set[str],
        overlay: CrateOverlay | None = None,
        webui: WebuiImporter | None = None,
    ) -> None:
        self.doc, self.naming, self.report, self.overlay, self.webui = doc, naming, report, overlay, webui
        # schema → the object it belongs to (its own, or the union object whose variant it is)
        self.object_of: dict[str, str] = {}
        for name, spec in doc["objects"].items():
            if spec["type"] != "view" and name in doc["schemas"]:
                self.object_of[name] = name
                for variant in doc["schemas"][name].get("variants", []):
                    self.object_of.setdefault(variant.get("schemaName", ""), name)
        self.missing_enums = missing_enums
        self.attested: dict[str, list[str]] = {name: [] for name in missing_enums}  # values seen in defaults
        self.refs: dict[str, list[str]] = {}  # identifier → types and enums its fields and variants use

    # -- types ------------------------------------------------------------------------------------

    def type_expr(self, spec: dict[str, Any], refs: list[str]) -> str:
        kind = spec["type"]
        text: str
        if kind in FORMATS:
            text = spec["format"]
        elif kind in SCALAR_KINDS:
            text = kind
        elif kind == "enum":
            text = spec["enumName"]
            refs.append(text)
        elif kind == "set":
            text = f"Set<{self.type_expr(spec['class'], refs)}>"
        elif kind == "map":
            text = f"Map<{self.type_expr(spec['keyClass'], refs)}, {self.type_expr(spec['valueClass'], refs)}>"
        else:
            ident = self.naming.of(spec["objectName"])
            if kind != "objectId":  # an id refers to another object; it does not contain it
                refs.append(ident)
            text = {"object": ident, "objectList": f"List<{ident}>", "objectId": f"Id<{ident}>"}[kind]
        return text + ("?" if spec.get("nullable") else "")

    # -- defaults ---------------------------------------------------------------------------------

    def author(self, value: Any, spec: dict[str, Any], path: Path_, depth: int) -> Any:
        """A published default → our language's form (see the module docstring)."""
        kind = spec["type"]
        if value is None:
            if not spec.get("nullable"):
                self.report.error(path, "null, but the type is not nullable")
            return None
        if kind == "number" and spec["format"] in UNITS:
            return self._unit(value, spec["format"], path, depth)
        if kind not in ("set", "objectList", "map", "object") and (problem := self._scalar_problem(value, spec)):
            self.report.error(path, f"{problem}, got {json.dumps(value)}")
            return value
        if kind == "enum" and spec["enumName"] in self.missing_enums:
            self._attest(spec["enumName"], value)
        if kind == "set":
            members = self._collection(value, path, depth, keyed_by="member")
            return [self.author(m, spec["class"], (*path, str(m)), depth + 1) for m in members]
        if kind == "objectList":
            items = self._collection(value, path, depth, keyed_by="position")
            item_spec = {"type": "object", "objectName": spec["objectName"]}
            return [self.author(item, item_spec, (*path, i), depth + 1) for i, item in enumerate(items)]
        if kind == "map":
            if not isinstance(value, dict):
                self.report.error(path, "expected a JSON object for a map")
                return value
            for key in value:
                self.author(key, spec["keyClass"], path, depth + 1)
            return {k: self.author(v, spec["valueClass"], (*path, k), depth + 1) for k, v in value.items()}
        if kind == "object":
            return self._nested(value, spec["objectName"], path, depth)
        return value

    def _scalar_problem(self, value: Any, spec: dict[str, Any]) -> str | None:
        """What is wrong with a scalar default, if anything: caught here, it is reported with its JSON path."""
        kind = spec["type"]
        if kind == "boolean":
            return None if isinstance(value, bool) else "expected true or false"
        if kind == "number":
            whole = spec["format"] in ("unsignedInteger", "integer")
            if not _number(value) or (whole and not isinstance(value, int)):
                return "expected a whole number" if whole else "expected a number"
            return "expected a number >= 0" if spec["format"] == "unsignedInteger" and value < 0 else None
        if not isinstance(value, str):
            return "expected a string"
        if kind == "enum" and spec["enumName"] not in self.missing_enums:
            names = [v["name"] for v in self.doc["enums"][spec["enumName"]]]
            return None if value in names else f"expected a value of the enum {spec['enumName']}"
        return None

    def _attest(self, enum: str, value: Any) -> None:
        if isinstance(value, str) and value not in self.attested[enum]:
            self.attested[enum].append(value)

    def _unit(self, value: Any, fmt: str, path: Path_, depth: int) -> Any:
        if depth == 0:
            if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
                return human_number(value, fmt)
            self.report.error(
                path, f"expected a whole number of {UNITS[fmt]} (top-level defaults are published in wire form)"
            )
        elif not is_canonical_human(value, fmt):
            example = human_number(60_000 if fmt == "duration" else 1 << 20, fmt)
            self.report.error(
                path,
                f"expected a {fmt} such as {json.dumps(example)} (nested defaults are published in human form), got {json.dumps(value)}",
            )
        return value

    def _collection(self, value: Any, path: Path_, depth: int, keyed_by: str) -> list[Any]:
        """Top-level sets are published as {member: true} and object lists as {"0": item, ...};
        nested ones as JSON arrays. Anything else could not be written back the same way."""
        if depth > 0:
            if isinstance(value, list):
                return value
            self.report.error(path, "expected a JSON array (nested defaults are published in human form)")
            return []
        if keyed_by == "member" and isinstance(value, dict) and all(v is True for v in value.values()):
            return list(value)
        if keyed_by == "position" and isinstance(value, dict) and list(value) == [str(i) for i in range(len(value))]:
            return list(value.values())
        shape = '{"member": true, ...}' if keyed_by == "member" else '{"0": {...}, "1": {...}, ...}'
        self.report.error(path, f"expected {shape} (top-level defaults are published in wire form)")
        return []

    def _nested(self, value: Any, schema: str, path: Path_, depth: int) -> Any:
        if not isinstance(value, dict):
            self.report.error(path, f"expected a JSON object for {schema}")
            return value
        shorthand = SHORTHANDS.get(schema)
        if shorthand and list(value) == [shorthand[0]]:
            value = {shorthand[1]: value[shorthand[0]]}
        body = self.doc["schemas"][schema]
        out: dict[str, Any] = {}
        target: str | None = schema
        if body["type"] == "multiple":
            tag = value.get("@type")
            variant = next((v for v in body["variants"] if v["name"] == tag), None)
            if variant is None:
                names = ", ".join(v["name"] for v in body["variants"])
                self.report.error((*path, "@type"), f"{json.dumps(tag)} is not a variant of {schema} ({names})")
                return value
            out["@type"] = tag
            target = variant.get("schemaName")
        properties = self.doc["fields"][target]["properties"] if target else {}
        for key, item in value.items():
            if key == "@type" and "@type" in out:
                continue
            if key not in properties:
                self.report.error((*path, key), f"'{key}' is not a property of {target or schema}")
                continue
            out[key] = self.author(item, properties[key]["type"], (*path, key), depth + 1)
        return out

    def set_order(self, schema: str, prop: str, member: dict[str, Any], value: list[Any]) -> list[Any]:
        """A set default's members in a declared order (schema.json publishes them sorted): the
        crate's Default when it lists them, else, for a set of enum values, the enum's order."""
        if self.overlay is not None and (ordered := self.overlay.set_default_order(schema, prop, value)) is not None:
            return ordered
        if member["type"] == "enum" and member["enumName"] in self.doc["enums"]:
            rank = {v["name"]: i for i, v in enumerate(self.doc["enums"][member["enumName"]])}
            return sorted(value, key=lambda m: rank.get(m, len(rank)))
        return value

    def waivers(self, spec: dict[str, Any], value: Any, path: Path_) -> dict[str, str]:
        """Suppressions for a published default outside its own field's range (a flaw of the source)."""
        found: list[tuple[str, str]] = []
        if _number(value) and _number(spec.get("min")) and value < spec["min"]:
            found.append((BELOW_MIN, f"{json.dumps(value)} below its own min {spec['min']}"))
        if _number(value) and _number(spec.get("max")) and value > spec["max"]:
            found.append((ABOVE_MAX, f"{json.dumps(value)} above its own max {spec['max']}"))
        if isinstance(value, dict | list) and "minItems" in spec and len(value) < spec["minItems"]:
            found.append((BELOW_MIN_ITEMS, f"with {len(value)} item(s), under its own minItems {spec['minItems']}"))
        if isinstance(value, str) and "maxLength" in spec and len(value) > spec["maxLength"]:
            found.append((OVER_MAX_LENGTH, f"of {len(value)} characters, over its own maxLength {spec['maxLength']}"))
        out = {}
        for code, what in found:
            self.report.warn(
                path, f"the published default is {what}; imported with a reasoned `suppress: {{{code}: ...}}`"
            )
            out[code] = (
                f"schema.json publishes this default {what} ({jpath(*path)}); "
                "kept as published so that the export reproduces the file"
            )
        return out

    # -- definitions ------------------------------------------------------------------------------

    def field(self, schema: str, prop: str, spec: dict[str, Any], refs: list[str]) -> dict[str, Any]:
        tspec = spec["type"]
        crate = self.overlay.field(schema, prop, spec, self.object_of.get(schema)) if self.overlay else {}
        body: dict[str, Any] = {"type": self.type_expr(tspec, refs)}
        if fmt := crate.pop("correctedType", None):
            body["publishedType"] = body["type"]
            body["type"] = re.sub(r"\b(?:string|text)\b", fmt, body["type"], count=1)
        if spec["update"] != "mutable":
            body["update"] = spec["update"]
        if spec.get("enterprise"):
            body["enterprise"] = True
        defaults = self.doc["fields"][schema].get("defaults", {})
        waivers: dict[str, str] = {}
        if prop in defaults:
            path = ("fields", schema, "defaults", prop)
            value = self.author(defaults[prop], tspec, path, 0)
            if tspec["type"] == "set" and isinstance(value, list):
                value = self.set_order(schema, prop, tspec["class"], value)
            body["default"] = Flow(value) if isinstance(value, dict | list) else value
            waivers = self.waivers(tspec, defaults[prop], path)
        # The crate declares some maximums before their minimums; the pages follow that order.
        keys = ("max", "min", "minItems", "maxLength") if crate.pop("boundsOrder", False) else CONSTRAINT_KEYS
        for key in keys:
            if key in tspec:
                body[key] = tspec[key]
        for key in ("secret", "validators", "unique", "filterable", "sortable", "textIndex", "context"):
            if key in crate:
                body[key] = Flow(crate[key]) if isinstance(crate[key], list) else crate[key]
        if waivers:
            body["suppress"] = waivers
        body["description"] = spec["description"]
        return body

    def members(self, name: str) -> dict[str, Any]:
        """`fields:` of a single schema or `variants:` of a union, recording what it refers to."""
        schema = self.doc["schemas"][name]
        refs = self.refs.setdefault(self.naming.of(name), [])
        if schema["type"] == "single":
            properties = self.doc["fields"][name]["properties"]
            order = self.overlay.order(name, list(properties)) if self.overlay else list(properties)
            out: dict[str, Any] = {}
            if self.overlay and (keys := self.overlay.schema_keys(name)):
                out["keys"] = {k: Flow(v) for k, v in keys.items()}
            out["fields"] = {p: self.field(name, p, properties[p], refs) for p in order}
            return out
        variants: dict[str, Any] = {}
        for variant in schema["variants"]:
            target = variant.get("schemaName")
            if target is None:
                variants[variant["name"]] = variant["label"]
            else:
                refs.append(self.naming.of(target))
                variants[variant["name"]] = Flow({"label": variant["label"], "type": self.naming.of(target)})
        return {"variants": variants}

    def webui_of(self, name: str, body: dict[str, Any]) -> dict[str, Any]:
        """The definition's WebUI `form` and `list` (webui_sections.py), after its fields."""
        if self.webui is not None:
            if (form := self.webui.form(name)) is not None:
                body["form"] = form
            if (listing := self.webui.list(name)) is not None:
                body["list"] = listing
        return body

    def object(self, name: str) -> dict[str, Any]:
        spec = self.doc["objects"][name]
        body: dict[str, Any] = {}
        if spec["type"] != "object":
            body["kind"] = spec["type"]
        if spec["type"] == "view":
            body["of"] = self.naming.of(spec["objectName"])
        elif (jmap := self.naming.jmap_name(name)) is not None:
            body["jmapName"] = jmap
        if "description" in spec:
            body["description"] = spec["description"]
        if "permissionPrefix" in spec:
            body["permissionPrefix"] = spec["permissionPrefix"]
        if spec.get("enterprise"):
            body["enterprise"] = True
        if spec["type"] != "view" and not name.startswith(NAMESPACE):
            body["external"] = True  # a standard JMAP object, served elsewhere (importer.external_note)
        if spec["type"] != "view":
            body.update(self.members(name))
        return self.webui_of(name, body)

    def type(self, name: str) -> dict[str, Any]:
        body: dict[str, Any] = {}
        if (jmap := self.naming.jmap_name(name)) is not None:
            body["jmapName"] = jmap
        body.update(self.members(name))
        return self.webui_of(name, body)

    def enum(self, name: str) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for value in self.doc["enums"][name]:
            extra = {"description": value.get("explanation"), "color": value.get("color")}
            extra = {k: v for k, v in extra.items() if v is not None}
            values[value["name"]] = {"label": value["label"], **extra} if extra else value["label"]
        return {"values": values}

    def tag_enums(self) -> dict[str, str]:
        """Enums that list a union's variants (`ActionType` for `x:Action`: same names and labels,
        same order) → that union's identifier. They belong next to the union they describe."""
        out = {}
        for name, schema in self.doc["schemas"].items():
            enum = name.removeprefix(NAMESPACE) + "Type"
            if schema["type"] == "multiple" and enum in self.doc["enums"]:
                tags = [(v["name"], v["label"]) for v in schema["variants"]]
                if tags == [(v["name"], v["label"]) for v in self.doc["enums"][enum]]:
                    out[enum] = self.naming.of(name)
        return out

    def placeholder_enum(self, name: str, used_at: list[Path_]) -> Commented | None:
        """A stand-in for an enum the source references but does not define, holding the values its
        defaults attest; None when nothing attests any value."""
        where = ", ".join(jpath(*p) for p in used_at)
        values = self.attested.get(name, [])
        if not values:
            self.report.error(
                used_at[0], f"enum '{name}' is not defined in $.enums and no default shows any of its values"
            )
            return None
        self.report.warn(
            used_at[0],
            f"enum '{name}' is referenced but not defined in $.enums; imported as a placeholder enum "
            f"holding the value(s) its defaults show ({', '.join(values)}), left out of the export",
        )
        body = {
            "placeholder": f"schema.json references this enum ({where}) but does not define it; "
            f"its values here are only those its published defaults show",
            "description": f"Stand-in for the enum {name}, which the published schema.json does not define.",
            "values": {v: v for v in values},
        }
        comments = (
            f"MISSING FROM schema.json: {where} names the enum {name}, but $.enums does not define it.",
            "Its values are unknown; the ones below are those the published defaults use. `placeholder:`",
            "keeps it out of the export and makes every run print a note.",
        )
        return Commented(body, comments)
