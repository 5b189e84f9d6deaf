"""Reading schema.json: its structure and references are checked before anything is converted.

Every problem is reported with its JSON path (`$.fields['x:Rate'].defaults.count`), all at once.
Unknown keys are errors, not silently dropped: the export must reproduce what the import read.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .published import (
    CONSTRAINT_KEYS,
    FORMATS,
    KIND_KEYS,
    NAMESPACE,
    OBJECT_KINDS,
    SECTIONS,
    UPDATE_MODES,
    WEBUI_SECTIONS,
    jpath,
)

Path_ = tuple[str | int, ...]


@dataclass(frozen=True, order=True)
class Problem:
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


@dataclass
class Report:
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    def error(self, path: Path_, message: str) -> None:
        self.errors.append(Problem(jpath(*path), message))

    def warn(self, path: Path_, message: str) -> None:
        self.warnings.append(Problem(jpath(*path), message))


class ImportFailure(Exception):
    """Raised with every error found; nothing is written."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def read_json(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ImportFailure([Problem("$", f"cannot read {path}: {exc.strerror or exc}")]) from None
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportFailure([Problem("$", f"not JSON (line {exc.lineno}, column {exc.colno}): {exc.msg}")]) from None
    if not isinstance(doc, dict):
        raise ImportFailure([Problem("$", "expected a JSON object with objects/schemas/fields/enums")])
    return doc


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _kind(body: Any) -> Any:
    return body.get("type") if isinstance(body, dict) else None


class Validator:
    """Checks one parsed schema.json; `missing_enums` maps each undefined enum to where it is used.

    Nothing here assumes a value has the shape it should: each is checked before it is used, so
    any input gives errors with paths, never an exception."""

    def __init__(self, doc: dict[str, Any], report: Report) -> None:
        self.doc, self.report = doc, report
        self.missing_enums: dict[str, list[Path_]] = {}

    def run(self) -> None:
        for section in SECTIONS:
            if not isinstance(self.doc.get(section), dict):
                self.report.error((section,), "missing, or not a JSON object")
        for extra in sorted(set(self.doc) - set(SECTIONS) - set(WEBUI_SECTIONS)):
            self.report.error((extra,), "unknown top-level key")
        if self.report.errors:
            return
        objects, schemas = self.doc["objects"], self.doc["schemas"]
        self.managed = {n for n, body in objects.items() if _kind(body) in ("object", "singleton")}
        self.singles = {n for n, body in schemas.items() if _kind(body) == "single"}
        for name, body in objects.items():
            self.object(name, body)
        for name, body in schemas.items():
            self.schema(name, body)
        for name, body in self.doc["fields"].items():
            self.fields(name, body)
        for name, body in self.doc["enums"].items():
            self.enum(name, body)

    def _keys(self, path: Path_, body: Any, required: tuple[str, ...], optional: tuple[str, ...] = ()) -> bool:
        if not isinstance(body, dict):
            self.report.error(path, "expected a JSON object")
            return False
        ok = True
        for key in required:
            if key not in body:
                self.report.error(path, f"'{key}' is missing")
                ok = False
        for key in body:
            if key not in required and key not in optional:
                self.report.error((*path, key), f"unexpected key '{key}'")
                ok = False
        return ok

    def _string(self, path: Path_, value: Any) -> bool:
        if not isinstance(value, str):
            self.report.error(path, f"expected a string, got {json.dumps(value)}")
            return False
        return True

    def _true(self, path: Path_, body: dict[str, Any], key: str) -> None:
        """Flags are published only when set, so `false` would not survive the round trip."""
        if key in body and body[key] is not True:
            self.report.error((*path, key), f"'{key}' is published only as true, got {json.dumps(body[key])}")

    def _name(self, path: Path_, name: str) -> None:
        if ":" in name and not name.startswith(NAMESPACE):
            self.report.error(path, f"'{name}' has a namespace other than '{NAMESPACE}'")

    # -- sections ---------------------------------------------------------------------------------

    def object(self, name: str, body: Any) -> None:
        path: Path_ = ("objects", name)
        self._name(path, name)
        kind = _kind(body)
        if kind not in OBJECT_KINDS:
            if isinstance(body, dict):
                self.report.error(
                    (*path, "type"), f"unknown object type {json.dumps(kind)} (expected object, singleton or view)"
                )
            else:
                self.report.error(path, "expected a JSON object")
            return
        if kind == "view":
            if not self._keys(path, body, ("type", "objectName")) or not self._string(
                (*path, "objectName"), body["objectName"]
            ):
                return
            if body["objectName"] not in self.managed:
                self.report.error(
                    (*path, "objectName"), f"view of '{body['objectName']}', which is not an object in $.objects"
                )
            return
        if not self._keys(path, body, ("type", "description", "permissionPrefix"), ("enterprise",)):
            return
        self._string((*path, "description"), body["description"])
        self._string((*path, "permissionPrefix"), body["permissionPrefix"])
        self._true(path, body, "enterprise")
        if name not in self.doc["schemas"]:
            self.report.error(path, f"no schema for this object: {jpath('schemas', name)} is missing")

    def schema(self, name: str, body: Any) -> None:
        path: Path_ = ("schemas", name)
        self._name(path, name)
        kind = _kind(body)
        if kind == "single":
            if not self._keys(path, body, ("type", "schemaName")):
                return
            if body["schemaName"] != name:
                self.report.error(
                    (*path, "schemaName"),
                    f"{json.dumps(body['schemaName'])} differs from the schema's own name; aliases are not supported",
                )
            elif name not in self.doc["fields"]:
                self.report.error((*path, "schemaName"), f"{jpath('fields', name)} is missing")
        elif kind == "multiple":
            if self._keys(path, body, ("type", "variants")):
                self.variants((*path, "variants"), body["variants"])
        elif isinstance(body, dict):
            self.report.error((*path, "type"), f"unknown schema type {json.dumps(kind)} (expected single or multiple)")
        else:
            self.report.error(path, "expected a JSON object")

    def variants(self, path: Path_, variants: Any) -> None:
        if not isinstance(variants, list) or not variants:
            self.report.error(path, "expected a non-empty list of variants")
            return
        seen: set[str] = set()
        for i, variant in enumerate(variants):
            vpath = (*path, i)
            if not self._keys(vpath, variant, ("name", "label"), ("schemaName",)):
                continue
            self._string((*vpath, "label"), variant["label"])
            if self._string((*vpath, "name"), variant["name"]):
                if variant["name"] in seen:
                    self.report.error((*vpath, "name"), f"duplicate variant '{variant['name']}'")
                seen.add(variant["name"])
            if "schemaName" in variant and self._string((*vpath, "schemaName"), variant["schemaName"]):
                target = variant["schemaName"]
                if target not in self.singles:
                    what = "is not a single schema" if target in self.doc["schemas"] else "is not defined in $.schemas"
                    self.report.error((*vpath, "schemaName"), f"'{target}' {what}")

    def fields(self, name: str, body: Any) -> None:
        path: Path_ = ("fields", name)
        if name not in self.singles:
            self.report.error(path, f"fields of '{name}', which $.schemas does not define as a single schema")
            return
        if not self._keys(path, body, ("properties",), ("defaults",)):
            return
        properties = body["properties"]
        if not isinstance(properties, dict):
            self.report.error((*path, "properties"), "expected a JSON object")
            return
        for prop, spec in properties.items():
            ppath = (*path, "properties", prop)
            if not self._keys(ppath, spec, ("description", "type", "update"), ("enterprise",)):
                continue
            self._string((*ppath, "description"), spec["description"])
            if spec["update"] not in UPDATE_MODES:
                self.report.error((*ppath, "update"), f"unknown update mode {json.dumps(spec['update'])}")
            self._true(ppath, spec, "enterprise")
            self.type((*ppath, "type"), spec["type"], member=False)
        defaults = body.get("defaults", {})
        if not isinstance(defaults, dict):
            self.report.error((*path, "defaults"), "expected a JSON object")
            return
        for prop in defaults:
            if prop not in properties:
                self.report.error((*path, "defaults", prop), f"default for '{prop}', which is not a property")

    def type(self, path: Path_, spec: Any, member: bool) -> None:
        kind = _kind(spec)
        if not isinstance(spec, dict):
            self.report.error(path, "expected a type object")
            return
        if not isinstance(kind, str) or kind not in KIND_KEYS:
            self.report.error(
                (*path, "type"), f"unknown type kind {json.dumps(kind)} (expected one of {', '.join(KIND_KEYS)})"
            )
            return
        optional = () if member else (*CONSTRAINT_KEYS, "nullable")
        if not self._keys(path, spec, ("type", *KIND_KEYS[kind]), optional):
            return
        for key in ("format", "enumName", "objectName"):
            if key in spec and not self._string((*path, key), spec[key]):
                return
        if kind in FORMATS and spec["format"] not in FORMATS[kind]:
            self.report.error((*path, "format"), f"unknown {kind} format {json.dumps(spec['format'])}")
        if kind == "enum" and spec["enumName"] not in self.doc["enums"]:
            self.missing_enums.setdefault(spec["enumName"], []).append((*path, "enumName"))
        if "objectName" in spec:
            known, section = (self.managed, "objects") if kind == "objectId" else (self.doc["schemas"], "schemas")
            if kind == "objectId" and spec["objectName"] in self.doc["objects"]:
                known = self.doc["objects"]  # an id may name a view
            if spec["objectName"] not in known:
                self.report.error((*path, "objectName"), f"'{spec['objectName']}' is not defined in $.{section}")
        for key in ("class", "keyClass", "valueClass"):
            if key in spec:
                self.type((*path, key), spec[key], member=True)
        for key in ("min", "max"):
            if key in spec and not _is_number(spec[key]):
                self.report.error((*path, key), "expected a number")
        for key in ("minItems", "maxLength"):
            if key in spec and (not isinstance(spec[key], int) or isinstance(spec[key], bool) or spec[key] < 0):
                self.report.error((*path, key), "expected a whole number >= 0")
        self._true(path, spec, "nullable")

    def enum(self, name: str, values: Any) -> None:
        path: Path_ = ("enums", name)
        if not isinstance(values, list) or not values:
            self.report.error(path, "expected a non-empty list of values")
            return
        seen: set[str] = set()
        for i, value in enumerate(values):
            vpath = (*path, i)
            if not self._keys(vpath, value, ("name", "label"), ("explanation", "color")):
                continue
            if not all([self._string((*vpath, key), value[key]) for key in value]):
                continue
            if value["name"] in seen:
                self.report.error((*vpath, "name"), f"duplicate value '{value['name']}'")
            seen.add(value["name"])
