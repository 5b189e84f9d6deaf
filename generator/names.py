"""Names derived from schema names for the generated outputs (Python, CLI, docs)."""

from __future__ import annotations

import builtins
import keyword
import re

_BUILTINS = frozenset(dir(builtins))

# Names the generated modules import or define at their top level: a schema-derived class of the
# same name would shadow one (`class Model(Model)`, a second enum subclassing a user's `StrEnum`).
# tests/test_schema_errors.py checks this list against every generated module, so a template that
# binds a new class-shaped name fails until it is added here.
GENERATED_NAMES = frozenset(
    {
        *("Any", "ClassVar", "Mapping", "Sequence", "StrEnum", "TYPE_CHECKING"),
        *("Literal", "Required", "TypeAlias", "TypedDict"),  # payloads.py
        *("Model", "Registry", "REGISTRY", "SchemaDesc", "EnumDesc", "ObjectDesc", "ProjectDesc", "F", "T", "V"),
        *("Client", "JmapClient", "JmapError", "MethodError", "RequestError", "SetError", "TransportError"),
        *("NotFound", "ObjectGroup", "SingletonGroup", "CliObject", "CliSpec", "Config", "JmapApp"),
        *("DESCRIBE", "ENUMS", "OBJECTS", "PROJECT", "PUBLISHED", "SCHEMA", "SCHEMA_MODULES", "SPEC", "TYPES"),
        *("Fast", "MISSING"),  # the models' fast paths (schemagen_runtime.fastpath)
    }
)
# Module names the generated package uses for itself next to one module per schema.
GENERATED_MODULES = frozenset({"enums", "published"})
# Names a field attribute would shadow in a generated model: `field`, which its dataclass body
# calls after the fields are bound (`x: list = field(...)`), and the public method the runtime's
# Model base class gives every model (`validate`; the others have underscores no field has).
MODEL_NAMES = frozenset({"field", "validate"})


def python_attr(name: str) -> str:
    """A field name as a Python attribute: keywords, builtins and the names a generated model uses
    get PEP 8's trailing underscore."""
    reserved = keyword.iskeyword(name) or keyword.issoftkeyword(name) or name in _BUILTINS or name in MODEL_NAMES
    return f"{name}_" if reserved else name


def python_class_clash(name: str) -> str | None:
    """Why `name` cannot be a generated class (a schema, enum or union variant), or None if it can."""
    if keyword.iskeyword(name) or keyword.issoftkeyword(name):
        return f"'{name}' is a Python keyword"
    if name in _BUILTINS:
        return f"'{name}' is a Python builtin the generated code would shadow"
    if name in GENERATED_NAMES:
        return f"'{name}' is a name the generated Python modules import or define"
    return None


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
