"""Normalise defaults as authors write them ("30s", {"@type": "Manual"}, [..]) into wire form.

Durations become milliseconds, sizes bytes, sets and object lists JSON arrays; nested objects are
checked against their schema (unknown keys, union `@type`). Problems come back as sentences.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Mapping
from typing import Any

from schemagen_runtime.errors import describe
from schemagen_runtime.units import parse_duration, parse_size

from .ir import Enum, Schema, TypeRef

UTC_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z\Z")


def _json_type(value: Any) -> str:
    return describe(value, yaml=True)


def _map_key(key: Any, ref: TypeRef) -> Any:
    """The loader keeps mapping keys as source text, so a number-keyed map's `25:` arrives as "25"."""
    if ref.kind == "number" and ref.format not in ("duration", "size") and isinstance(key, str):
        try:
            return json.loads(key)
        except ValueError:
            return key
    return key


class DefaultNormalizer:
    def __init__(self, schemas: Mapping[str, Schema], enums: Mapping[str, Enum]) -> None:
        self.schemas, self.enums = schemas, enums

    def normalize(self, value: Any, ref: TypeRef, where: str = "") -> tuple[Any, list[str]]:
        problems: list[str] = []
        out = self._value(value, ref, where, problems)
        return out, problems

    def _value(self, value: Any, ref: TypeRef, where: str, problems: list[str]) -> Any:
        at = f" at '{where}'" if where else ""
        if value is None:
            if not ref.nullable:
                problems.append(f"null{at}, but the type is not nullable")
            return None
        kind = ref.kind
        try:
            if kind == "number":
                return self._number(value, ref)
            if kind == "string":
                return self._string(value, ref)
            if kind == "boolean":
                if not isinstance(value, bool):
                    raise ValueError(f"expected a boolean, got {_json_type(value)}")
                return value
            if kind in ("objectId", "blobId"):
                if not isinstance(value, str):
                    raise ValueError(f"expected an id string, got {_json_type(value)}")
                return value
            if kind == "utcDateTime":
                if not isinstance(value, str) or not UTC_DATETIME.match(value):
                    raise ValueError(f"expected a UTC date-time like 2026-01-01T00:00:00Z, got {value!r}")
                return value
            if kind == "enum":
                allowed = [v.name for v in self.enums[ref.target or ""].values]
                if value not in allowed:
                    raise ValueError(f"{value!r} is not a value of enum {ref.target} ({', '.join(allowed)})")
                return value
        except ValueError as exc:
            problems.append(f"{exc}{at}")
            return None
        if kind == "set":
            items = list(value) if isinstance(value, dict) else value
            if not isinstance(items, list):
                problems.append(f"expected a list of set members{at}, got {_json_type(value)}")
                return None
            out: list[Any] = []
            for i, item in enumerate(items):
                norm = self._value(item, ref.member, f"{where}/{i}".lstrip("/"), problems)
                if norm not in out:
                    out.append(norm)
            return out
        if kind == "objectList":
            items = list(value.values()) if isinstance(value, dict) else value
            if not isinstance(items, list):
                problems.append(f"expected a list{at}, got {_json_type(value)}")
                return None
            target = TypeRef("object", target=ref.target)
            return [self._value(item, target, f"{where}/{i}".lstrip("/"), problems) for i, item in enumerate(items)]
        if kind == "map":
            if not isinstance(value, dict):
                problems.append(f"expected a mapping{at}, got {_json_type(value)}")
                return None
            return {
                str(self._value(_map_key(k, ref.map_key), ref.map_key, where, problems)): self._value(
                    v, ref.member, f"{where}/{k}".lstrip("/"), problems
                )
                for k, v in value.items()
            }
        return self._object(value, ref, where, problems)

    def _number(self, value: Any, ref: TypeRef) -> int | float:
        if ref.format == "duration":
            return parse_duration(value)
        if ref.format == "size":
            return parse_size(value)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"expected a number, got {_json_type(value)}")
        if ref.format in ("unsignedInteger", "integer") and not isinstance(value, int):
            raise ValueError(f"expected a whole number, got {value!r}")
        if ref.format == "unsignedInteger" and value < 0:
            raise ValueError(f"expected an unsigned integer, got {value}")
        return value

    @staticmethod
    def _string(value: Any, ref: TypeRef) -> str:
        if not isinstance(value, str):
            raise ValueError(f"expected a string, got {_json_type(value)}")
        if ref.format == "ipAddress":
            ipaddress.ip_address(value)
        elif ref.format == "ipNetwork":
            ipaddress.ip_network(value, strict=False)
        elif ref.format == "emailAddress" and "@" not in value:
            raise ValueError(f"{value!r} is not an email address")
        return value

    def _object(self, value: Any, ref: TypeRef, where: str, problems: list[str]) -> Any:
        at = f" at '{where}'" if where else ""
        if not isinstance(value, dict):
            problems.append(f"expected a mapping for {ref.target}{at}, got {_json_type(value)}")
            return None
        schema = self.schemas.get(ref.target or "")
        if schema is None:  # a dangling reference, already reported
            return value
        out: dict[str, Any] = {}
        fields = schema.fields
        if schema.is_union:
            tag = value.get("@type")
            variant = next((v for v in schema.variants if v.name == tag), None)
            if variant is None:
                names = ", ".join(v.name for v in schema.variants)
                problems.append(f"a default for {ref.target} needs '@type' naming one of {names}{at}")
                return None
            out["@type"] = tag
            fields = self.schemas[variant.type].fields if variant.type and variant.type in self.schemas else ()
        by_name = {f.name: f for f in fields}
        for key, item in value.items():
            if key == "@type" and schema.is_union:
                continue
            field = by_name.get(key)
            if field is None:
                problems.append(f"unknown property '{key}' for {ref.target}{at}")
                continue
            out[key] = self._value(item, field.type, f"{where}/{key}".lstrip("/"), problems)
        return out
