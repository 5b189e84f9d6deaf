"""Constraint validation of canonical objects: every problem, each with its JSON-pointer path.

Runs on the complete object (after defaults, or after a patch), so it sees what will be stored.
Produces SetError validationErrors types: Required, Invalid, MinValue, MaxValue, MinLength (too
few items), MaxLength (too long a string). Checks are compiled per field and cached.
"""

from __future__ import annotations

import difflib
import ipaddress
import math
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

from .codec import Ctx, Resolver, decode_object, number_range, plan
from .descriptors import MISSING, FieldDesc, Registry, TypeDesc
from .errors import VALIDATION, Issue, child

Check = Callable[[Any, str, list[Issue]], None]
# A string test: true-ish when the text passes (a regex's match method is one, with no wrapper).
Predicate = Callable[[str], object]

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+\Z|[^@\s]+@[^@\s.]+\Z")
_LABEL = r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)"
_DOMAIN = re.compile(rf"{_LABEL}(\.{_LABEL})*\.?\Z")
_LOCAL_CHARS = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+"
_LOCAL_PART = re.compile(rf"{_LOCAL_CHARS}\Z")
# local@domain in one match: the local part holds no "@", so its "@" is the address's last one
_FULL_EMAIL = re.compile(rf"{_LOCAL_CHARS}@{_LABEL}(\.{_LABEL})*\.?\Z")
_COLOR = re.compile(r"#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})\Z")
_URI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:\S+\Z")
# [0-9], not \d: only ASCII digits (\d takes any Unicode digit, which no date-time or port has).
_UTC = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?Z\Z")
_PORT = re.compile(r"[0-9]{1,5}\Z")


# A dotted-quad IPv4 address as ipaddress reads one (no leading zeros): answered without it.
_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
_IPV4 = re.compile(rf"{_OCTET}(?:\.{_OCTET}){{3}}\Z")


def _ip(text: str) -> bool:
    if _IPV4.match(text):
        return True
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def _network(text: str) -> bool:
    try:
        ipaddress.ip_network(text, strict=False)
    except ValueError:
        return False
    return True


def _socket(text: str) -> bool:
    host, sep, port = text.rpartition(":")
    if not sep or not _PORT.match(port) or int(port) > 65535:
        return False
    host = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    return _ip(host) or bool(_DOMAIN.match(host))


def utc(text: str) -> bool:
    if not _UTC.match(text):
        return False
    try:
        datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


FORMAT_CHECKS: dict[str, tuple[Predicate, str]] = {
    "emailAddress": (_EMAIL.match, "an email address"),
    "ipAddress": (_ip, "an IP address"),
    "ipNetwork": (_network, "an IP network (address/prefix)"),
    "socketAddress": (_socket, "a socket address (host:port)"),
    "uri": (_URI.match, "a URI"),
    "color": (_COLOR.match, "a colour (#rrggbb)"),
}

VALIDATOR_CHECKS: dict[str, tuple[Predicate, str]] = {
    "domain": (_DOMAIN.match, "a domain name"),
    "hostname": (_DOMAIN.match, "a host name"),
    "emailLocalPart": (_LOCAL_PART.match, "the local part of an email address"),
    "email": (_FULL_EMAIL.match, "an email address"),
}


ENUM_LISTED = 24  # an enum with more values is not listed whole in a message


def _issue(issues: list[Issue], path: str, kind: str, message: str, bound: Any = None) -> None:
    issues.append(Issue(VALIDATION, path, kind, f"'{path}' {message}", bound))


def _string_checks(t: TypeDesc, f: FieldDesc | None) -> list[Check]:
    checks: list[Check] = []
    fmt = FORMAT_CHECKS.get(t.format or "")
    predicates = [fmt] if fmt else []
    predicates += [VALIDATOR_CHECKS[v] for v in (f.validators if f else ()) if v in VALIDATOR_CHECKS]
    for test, what in predicates:

        def check(v: Any, path: str, issues: list[Issue], test: Any = test, what: str = what) -> None:
            if not test(v):
                _issue(issues, path, "Invalid", f"must be {what}")

        checks.append(check)
    return checks


def _scalar_checks(reg: Registry, t: TypeDesc, f: FieldDesc | None) -> list[Check]:
    if t.kind == "string":
        return _string_checks(t, f)
    if t.kind == "utcDateTime":

        def check_utc(v: Any, path: str, issues: list[Issue]) -> None:
            if not utc(v):
                _issue(issues, path, "Invalid", "must be a UTC date-time such as 2026-01-01T00:00:00Z")

        return [check_utc]
    if t.kind == "enum":
        enum = reg.enum(t.target or "")
        allowed = frozenset(enum.values)
        listed = ", ".join(enum.values)
        values = list(enum.values)

        def check_enum(v: Any, path: str, issues: list[Issue]) -> None:
            if v in allowed:
                return
            if len(values) <= ENUM_LISTED:
                _issue(issues, path, "Invalid", f"must be one of {listed}")
                return
            # thousands of values (time zones, event types) make no message: the closest ones do
            close = difflib.get_close_matches(str(v), values, n=3, cutoff=0.5)
            hint = f"; closest: {', '.join(close)}" if close else ""
            _issue(issues, path, "Invalid", f"must be one of the {len(values)} values of {enum.name}{hint}")

        return [check_enum]
    if t.kind == "number" and t.format != "float":
        return [_whole_range_check(t, f)]
    return []


def _whole_range_check(t: TypeDesc, f: FieldDesc | None) -> Check:
    """The schema's min/max within the format's 64-bit wire range (`codec.number_range`), so a
    value is refused once, with the tighter bound, whatever the schema declares."""
    low, high = number_range(t.format)
    too_low = "must not be negative" if low == 0 else f"must be at least {low}"
    too_high = f"must be at most {high} (numbers are 64-bit on the wire)"
    if f is not None and f.min is not None and f.min > low:
        low, too_low = math.ceil(f.min), f"must be at least {f.min}"
    if f is not None and f.max is not None and f.max < high:
        high, too_high = math.floor(f.max), f"must be at most {f.max}"

    def check_range(v: Any, path: str, issues: list[Issue]) -> None:
        if v < low:
            _issue(issues, path, "MinValue", too_low, low)
        elif v > high:
            _issue(issues, path, "MaxValue", too_high, high)

    return check_range


def _bound_checks(f: FieldDesc) -> list[Check]:
    checks: list[Check] = []
    whole = f.type.kind == "number" and f.type.format != "float"  # its range check holds min and max
    low, high = (None, None) if whole else (f.min, f.max)
    if low is not None:

        def check_min(v: Any, path: str, issues: list[Issue]) -> None:
            if v < low:
                _issue(issues, path, "MinValue", f"must be at least {low}", low)

        checks.append(check_min)
    if high is not None:

        def check_max(v: Any, path: str, issues: list[Issue]) -> None:
            if v > high:
                _issue(issues, path, "MaxValue", f"must be at most {high}", high)

        checks.append(check_max)
    if f.max_length is not None:
        longest = f.max_length

        def check_length(v: Any, path: str, issues: list[Issue]) -> None:
            if len(v) > longest:
                _issue(issues, path, "MaxLength", f"must be at most {longest} characters", longest)

        checks.append(check_length)
    if f.min_items is not None:
        fewest = f.min_items

        def check_items(v: Any, path: str, issues: list[Issue]) -> None:
            if len(v) < fewest:
                _issue(issues, path, "MinLength", f"needs at least {fewest} item(s)", fewest)

        checks.append(check_items)
    return checks


def member_field(f: FieldDesc | None, t: TypeDesc) -> FieldDesc | None:
    """What a field's constraints say of one string it holds inside a set or map (a member, a key
    or a value): its validators and length, which apply to every string of the field; the
    collection's own bounds (`minItems`) do not."""
    if f is None or t.kind != "string" or not (f.validators or f.max_length is not None):
        return None
    return FieldDesc(f.name, t, validators=f.validators, max_length=f.max_length)


def _type_check(reg: Registry, t: TypeDesc, f: FieldDesc | None = None) -> Check | None:
    """The check of one value of type `t` (None when nothing can fail)."""
    checks = _scalar_checks(reg, t, f)
    if t.kind == "object":
        target = t.target or ""
        checks.append(lambda v, path, issues: validate_object(reg, target, v, issues, path))
    elif t.kind == "objectList":
        target = t.target or ""

        def check_list(v: Any, path: str, issues: list[Issue]) -> None:
            for k, item in v.items():
                validate_object(reg, target, item, issues, child(path, k))

        checks.append(check_list)
    elif t.kind in ("set", "map"):
        key_type = (t.item if t.kind == "set" else t.key) or TypeDesc("string")
        key_check = _type_check(reg, key_type, member_field(f, key_type))
        if key_check is not None and key_type.kind == "number":  # numeric members are stored as JSON keys
            number, check_number = (float if key_type.format == "float" else int), key_check
            key_check = lambda k, path, issues: check_number(number(k), path, issues)  # noqa: E731
        value_check = _type_check(reg, t.item, member_field(f, t.item)) if t.kind == "map" and t.item else None
        if key_check or value_check:

            def check_members(v: Any, path: str, issues: list[Issue]) -> None:
                for k, item in v.items():
                    p = child(path, k)
                    if key_check:
                        key_check(k, p, issues)
                    if value_check and item is not None:
                        value_check(item, p, issues)

            checks.append(check_members)
    if f is not None:
        checks += _bound_checks(f)
    if not checks:
        return None
    if len(checks) == 1:
        return checks[0]

    def check_all(v: Any, path: str, issues: list[Issue]) -> None:
        for c in checks:
            c(v, path, issues)

    return check_all


def _field_checks(reg: Registry, schema_name: str, variant: str | None) -> tuple[tuple[Any, ...], ...]:
    """(name, pointer, must-have-a-value, check) per field of a schema or union variant."""
    key = ("checks", schema_name, variant)
    found = reg.cache.get(key)
    if found is None:
        schema = reg.schema(schema_name)
        fields = reg.variant_fields(schema, variant) or ()
        found = reg.cache[key] = tuple(
            (f.name, child("", f.name), f.settable and not f.type.nullable, _type_check(reg, f.type, f)) for f in fields
        )
    return found


def validate_object(reg: Registry, schema_name: str, doc: dict[str, Any], issues: list[Issue], path: str = "") -> None:
    """Appends every constraint failure of a canonical object (and its nested objects) to `issues`."""
    variant = doc.get("@type") if plan(reg, schema_name).union else None
    for name, pointer, needed, check in _field_checks(reg, schema_name, variant):
        v = doc.get(name, MISSING)
        p = path + "/" + pointer if path else pointer
        if v is MISSING or v is None:
            if needed:
                _issue(issues, p, "Required", "is required")
            continue
        if check is not None:
            check(v, p, issues)


def validate(reg: Registry, schema_name: str, doc: dict[str, Any]) -> list[Issue]:
    issues: list[Issue] = []
    validate_object(reg, schema_name, doc, issues)
    return issues


def parse(
    reg: Registry, schema_name: str, payload: Any, *, text: bool = False, resolve: Resolver | None = None
) -> tuple[Any, list[Issue]]:
    """Decode (wire or human forms) and validate in one call: (canonical object, every problem).
    The object is MISSING when the payload could not be decoded at all."""
    ctx = Ctx(resolve, text)
    doc = decode_object(reg, schema_name, payload, ctx)
    if ctx.issues or doc is MISSING:
        return doc, ctx.issues
    return doc, validate(reg, schema_name, doc)


def check_value(reg: Registry, f: FieldDesc, value: Any, path: str = "") -> list[Issue]:
    """The constraint failures of one decoded field value (the CLI checks each `--field` with it)."""
    issues: list[Issue] = []
    if value is None or value is MISSING:
        if f.settable and not f.type.nullable:
            _issue(issues, path or f.name, "Required", "is required")
        return issues
    check = _type_check(reg, f.type, f)
    if check is not None:
        check(value, path or f.name, issues)
    return issues
