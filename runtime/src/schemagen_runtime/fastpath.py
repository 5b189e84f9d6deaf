"""What the generated fast paths of `Model.from_wire` use: the runtime's own checks and limits.

The generator writes, into each generated models module, a function per class that turns canonical,
valid wire input straight into an instance (as dataclasses and attrs write an `__init__`, but at
generation time: the runtime builds no code). It accepts only exact canonical wire forms and
returns MISSING at the first thing it does not expect (a human form, a `#reference`, any
constraint failure); `Model.from_wire` then runs the general path, which alone decides errors.
So a fast path can only ever agree with the general one or step aside (tests check that they
agree): it applies the codec's limits too (64-bit number ranges, finite floats, ASCII digits, and
`codec.MAX_DEPTH`, by stepping aside at every reference that can recurse), through the names below.
Packages generated before this module existed have no fast paths: their models take the general
path, which is correct, only slower.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from enum import Enum
from math import isfinite
from typing import TYPE_CHECKING, Any

from .codec import string_transform
from .descriptors import MISSING
from .validate import FORMAT_CHECKS, VALIDATOR_CHECKS, Predicate, utc

if TYPE_CHECKING:
    from .models import Model

Fast = Callable[[Any], Any]

# What int() may read of a set member or map key: ASCII digits, and few enough of them.
whole_key: Callable[[str], object] = re.compile(r"[0-9]{1,19}\Z").match
FLOAT_SAFE = 1 << 63  # an int within it converts to float exactly enough and never overflows

__all__ = [
    "FLOAT_SAFE",
    "Fast",
    "format_check",
    "isfinite",
    "members",
    "set_fast_paths",
    "step_aside",
    "transform",
    "utc",
    "validator_check",
    "whole_key",
]


def format_check(name: str) -> Predicate:
    """The test of a string format (`ipAddress`, ...): validate.py's, so both paths agree."""
    return FORMAT_CHECKS[name][0]


def validator_check(name: str) -> Predicate:
    """The test of a string validator (`domain`, ...)."""
    return VALIDATOR_CHECKS[name][0]


def transform(validators: tuple[str, ...]) -> Callable[[str], str]:
    """The normalisation a field's validators ask for (`trim`, `lowercase`, ...), as the codec applies it."""
    return string_transform(validators) or str


def members(enum: type[Enum]) -> dict[Any, Any]:
    """Wire value → member of a generated enum."""
    return {m.value: m for m in enum}


def step_aside(data: Any) -> Any:
    """A reference that can recurse (two schemas in one cycle): data that really nests goes to the
    general path, which bounds its depth (`codec.MAX_DEPTH`) and reports it; so a fast path never
    reaches Python's recursion limit and never accepts a depth the codec refuses."""
    return MISSING


def set_fast_paths(*paths: tuple[type[Model], Fast | None]) -> None:
    """Called by each generated models module: its classes' fast paths (None: the class always
    takes the general path, e.g. one whose values nest deeper than `codec.MAX_DEPTH`)."""
    for cls, fast in paths:
        type.__setattr__(cls, "_fast_", fast)
