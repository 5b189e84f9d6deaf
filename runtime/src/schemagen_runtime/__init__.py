"""schemagen's runtime: the hand-written, schema-independent code that generated packages import.

A generated package holds only what the schema decides (descriptors, models, templates' output) and
depends on this distribution with a compatible version range. At import it calls `require()` with
the runtime version it was generated against, as protobuf's gencode checks its runtime: the same
major version, and at least the minor version the generator knew, else a clear ImportError instead
of an AttributeError deep inside a request. The generator imports the same modules, so that, for
example, durations parse the same way at generation time and at run time.
"""

from __future__ import annotations

__version__ = "1.0.0"


def _major_minor(version: str) -> tuple[int, int]:
    parts = version.split(".")
    if len(parts) < 2 or not all(p.isascii() and p.isdigit() and len(p) <= 6 for p in parts[:2]):
        raise ValueError(f"not a MAJOR.MINOR version: {version!r}")
    return int(parts[0]), int(parts[1])


def require(generated_with: str, package: str, installed: str = __version__) -> None:
    """Refuse to run generated code against a runtime it was not generated for: another major
    version, or an older minor one (the code may use what that minor version added)."""
    want, have = _major_minor(generated_with), _major_minor(installed)
    if have[0] != want[0] or have < want:
        raise ImportError(
            f"{package} was generated for schemagen-runtime {want[0]}.{want[1]} (>={want[0]}.{want[1]},"
            f"<{want[0] + 1}), but schemagen-runtime {installed} is installed: install a compatible"
            f" runtime (pip install 'schemagen-runtime>={want[0]}.{want[1]},<{want[0] + 1}') or regenerate {package}"
        )
