"""The baseline generator: datamodel-code-generator, pinned, making pydantic v2 models only, with its
default formatting (black, then isort) or with ruff (the formatter we use). Installed into this virtual environment on first use, so
`make bench` works on a fresh clone without making every `make test` install it."""

from __future__ import annotations

import subprocess
import sys
from importlib import metadata
from pathlib import Path

VERSION = "0.89.0"
DISTRIBUTION = "datamodel-code-generator"
# Its models type `format: email` fields as pydantic's EmailStr, which needs this to import.
EXTRAS = ("email-validator==2.4.0",)


def _installed(distribution: str) -> str | None:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None


def ensure_installed() -> Path:
    """The `datamodel-codegen` script next to this interpreter, installed at VERSION if it is not."""
    wanted = (f"{DISTRIBUTION}=={VERSION}", *EXTRAS)
    missing = [spec for spec in wanted if _installed(spec.split("==")[0]) != spec.split("==")[1]]
    if missing:
        print(f"  installing {', '.join(missing)} into {sys.prefix} (the baseline)", flush=True)
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", *missing], check=True)
    return Path(sys.executable).with_name("datamodel-codegen")


# Formatting variants: its default, and ruff (check --fix, then format), the formatter ours runs.
FORMATTERS: dict[str, tuple[str, ...]] = {"black+isort": (), "ruff": ("--formatters", "ruff-check", "ruff-format")}


def command(script: Path, schema: Path, output: Path, formatting: str = "black+isort") -> list[str]:
    """Pydantic v2 models for every `$defs` entry of a JSON Schema file, formatted as `formatting` says
    (a FORMATTERS key); run it with the virtual environment's bin/ on PATH so it finds ruff."""
    return [
        str(script),
        *FORMATTERS[formatting],
        "--input",
        str(schema),
        "--input-file-type",
        "jsonschema",
        "--output-model-type",
        "pydantic_v2.BaseModel",
        "--target-python-version",
        "3.11",  # ours targets 3.11 as well: same annotation syntax on both sides
        "--output",
        str(output),
    ]
