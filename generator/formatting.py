"""Formatting stage: Python outputs go through black (pinned), so generated code is black-clean."""

from __future__ import annotations

import black

_MODE = black.Mode(target_versions={black.TargetVersion.PY311}, line_length=100)


def format_python(source: str, path: str) -> str:
    try:
        return black.format_str(source, mode=_MODE)
    except black.InvalidInput as exc:  # a template bug: say which output, not just black's line
        raise RuntimeError(f"generated {path} is not valid Python: {exc}") from exc


def format_output(path: str, text: str) -> str:
    return format_python(text, path) if path.endswith(".py") else text
