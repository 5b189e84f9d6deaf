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
