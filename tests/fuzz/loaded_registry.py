"""The generated package's own descriptors, loaded in the test process under another name.

The generated `_registry` uses relative imports (and the shared schemagen_runtime), so the full registry's package
(generated into a temporary directory) loads as `fuzzed_<n>` beside the editable-installed seed
package of the same distribution name without either shadowing the other.
"""

from __future__ import annotations

import importlib
import importlib.util
import itertools
import sys
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from test_full_registry import Generated

_names = itertools.count()


def load_package(package_dir: Path) -> ModuleType:
    name = f"fuzzed_{next(_names)}"
    spec = importlib.util.spec_from_file_location(
        name, package_dir / "__init__.py", submodule_search_locations=[str(package_dir)]
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def runtime_registry(package_dir: Path) -> tuple[Any, ModuleType]:
    """(the package's `Registry` of descriptors, the runtime's codec module)."""
    package = load_package(package_dir)
    registry = importlib.import_module(f"{package.__name__}._registry").REGISTRY
    codec = importlib.import_module("schemagen_runtime.codec")
    return registry, codec


@dataclass(frozen=True)
class Target:
    """The full registry as generated, and its runtime descriptors and codec."""

    generated: Generated
    registry: Any  # the generated package's descriptors.Registry
    codec: Any  # schemagen_runtime.codec
