"""The type expressions of the schema language: `string`, `Text?`-style nullables, `Id<Domain>`,
`List<Credential>`, `Set<emailAddress>`, `Map<string, SpamClassifyTag>`.

Lower-case words are built-in scalars; capitalised words name an enum or a type, resolved later.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

STRING_FORMATS = (
    "string",
    "text",
    "html",
    "uri",
    "emailAddress",
    "secret",
    "secretText",
    "ipAddress",
    "ipNetwork",
    "socketAddress",
    "color",
)
NUMBER_FORMATS = ("unsignedInteger", "integer", "float", "size", "duration")
OTHER_SCALARS = ("boolean", "utcDateTime", "blobId")
SCALARS = frozenset(STRING_FORMATS + NUMBER_FORMATS + OTHER_SCALARS)
GENERICS = {"Id": 1, "List": 1, "Set": 1, "Map": 2}

_TOKEN = re.compile(r"\s*(?:([A-Za-z_][A-Za-z0-9_]*(?:/[A-Za-z_][A-Za-z0-9_]*)?)|(.))")


@dataclass(frozen=True)
class TypeExpr:
    """Parsed, unresolved: `head` is a scalar, a generic (Id/List/Set/Map) or a referenced name."""

    head: str
    args: tuple[TypeExpr, ...] = ()
    nullable: bool = False

    @property
    def is_scalar(self) -> bool:
        return self.head in SCALARS and not self.args


class TypeSyntaxError(ValueError):
    pass


def parse_type(text: str) -> TypeExpr:
    tokens = [(m.group(1) or m.group(2)) for m in _TOKEN.finditer(text) if (m.group(1) or m.group(2)).strip()]
    expr, rest = _parse(tokens, text)
    if rest and rest[0] == "?":
        expr = TypeExpr(expr.head, expr.args, nullable=True)
        rest = rest[1:]
    if rest:
        raise TypeSyntaxError(f"unexpected '{rest[0]}' in type '{text}'")
    return expr


def _parse(tokens: list[str], text: str) -> tuple[TypeExpr, list[str]]:
    if not tokens or not (tokens[0][0].isalpha() or tokens[0][0] == "_"):
        raise TypeSyntaxError(f"expected a type name in '{text}'")
    head, rest = tokens[0], tokens[1:]
    if head not in GENERICS:
        if rest and rest[0] == "<":
            raise TypeSyntaxError(f"'{head}' takes no type arguments (generics are {', '.join(GENERICS)})")
        return TypeExpr(head), rest
    if not rest or rest[0] != "<":
        raise TypeSyntaxError(f"'{head}' needs {GENERICS[head]} type argument(s): {head}<...> in '{text}'")
    args: list[TypeExpr] = []
    rest = rest[1:]
    while True:
        arg, rest = _parse(rest, text)
        args.append(arg)
        if rest and rest[0] == ",":
            rest = rest[1:]
            continue
        if rest and rest[0] == ">":
            rest = rest[1:]
            break
        raise TypeSyntaxError(f"expected ',' or '>' in '{text}'")
    if len(args) != GENERICS[head]:
        raise TypeSyntaxError(f"'{head}' takes {GENERICS[head]} type argument(s), got {len(args)} in '{text}'")
    return TypeExpr(head, tuple(args)), rest
