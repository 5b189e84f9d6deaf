"""Names derived from schema names for the generated outputs (Python, CLI, docs)."""

from __future__ import annotations

import builtins
import keyword
import re

_BUILTINS = frozenset(dir(builtins))


def python_attr(name: str) -> str:
    """A field name as a Python attribute: keywords and builtins get PEP 8's trailing underscore."""
    return f"{name}_" if keyword.iskeyword(name) or keyword.issoftkeyword(name) or name in _BUILTINS else name


def kebab(name: str) -> str:
    """`SpamDnsblSettings` → `spam-dnsbl-settings`, `OAuthClient` → `o-auth-client` (as the docs site names pages)."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "-", name.replace("/", "-")).lower()


def snake(name: str) -> str:
    return kebab(name).replace("-", "_")


def python_module(name: str) -> str:
    """A schema name as a module name: `SpamDnsblSettings` → `spam_dnsbl_settings` (`global_` for keywords)."""
    module = snake(name)
    return f"{module}_" if keyword.iskeyword(module) else module


def enum_member(value: str) -> str:
    """An enum value as an UPPER_SNAKE member name: `binaryMime` → `BINARY_MIME`, `7bit` → `V_7BIT`."""
    words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", value)
    member = re.sub(r"[^A-Za-z0-9]+", "_", words).strip("_").upper() or "EMPTY"
    return f"V_{member}" if member[0].isdigit() else member
