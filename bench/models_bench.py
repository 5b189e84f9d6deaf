"""Models: objects/s parsed and validated from wire dicts, ours against pydantic v2 and jsonschema.

Ours builds typed instances (as pydantic does); jsonschema only validates. Every payload must pass
all three (a check that the shapes really are the same), then each is timed on the same corpus.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import jsonschema
from stalwart_registry.models import Action, SpamDnsblSettings

from .baselines import JSON_SCHEMAS, PYDANTIC
from .payloads import SHAPES, corpus

OURS: dict[str, Callable[[Any], Any]] = {
    "SpamDnsblSettings": SpamDnsblSettings.from_wire,
    "Action (no fields)": Action.from_wire,
    "Action ClassifySpam": Action.from_wire,
    "Action TroubleshootDmarc": Action.from_wire,
}


@dataclass
class ShapeResult:
    shape: str
    ours: float  # objects per second
    pydantic: float
    jsonschema: float


def _rate(parse: Callable[[Any], Any], payloads: list[dict[str, Any]], seconds: float) -> float:
    done = 0
    start = time.perf_counter()
    deadline = start + seconds
    while time.perf_counter() < deadline:
        for payload in payloads:
            parse(payload)
        done += len(payloads)
    return done / (time.perf_counter() - start)


def run(seconds: float = 1.0) -> list[ShapeResult]:
    results = []
    for shape in SHAPES:
        payloads = corpus(shape)
        validator_cls = jsonschema.validators.validator_for(JSON_SCHEMAS[shape])
        validator = validator_cls(JSON_SCHEMAS[shape], format_checker=validator_cls.FORMAT_CHECKER)
        for payload in payloads:  # same shapes: every payload is valid for all three
            OURS[shape](payload)
            PYDANTIC[shape](payload)
            validator.validate(payload)
        results.append(
            ShapeResult(
                shape,
                ours=_rate(OURS[shape], payloads, seconds),
                pydantic=_rate(PYDANTIC[shape], payloads, seconds),
                jsonschema=_rate(validator.validate, payloads, seconds),
            )
        )
    return results
