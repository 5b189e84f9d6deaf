"""The one Jinja environment: strict (a typo fails instead of rendering empty), no autoescape
(every string a template prints was escaped for its output by the IR-side view model)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import jinja2

from .resources import TEMPLATES_DIR


def _py(value: Any) -> str:
    """A Python literal for a JSON-like value (strings via repr, so quotes and braces are inert)."""
    return repr(value)


def _json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


FILTERS = {"py": _py, "json": _json}


@cache
def environment(templates_dir: Path = TEMPLATES_DIR) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir)),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
    )
    env.filters.update(FILTERS)
    return env


def render(template: str, **context: Any) -> str:
    return environment().get_template(template).render(**context)
