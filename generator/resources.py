"""Where the generator finds its own files, the same way in a checkout and in an installed wheel.

templates/ lives at the top of the repository (beside generator/, not inside it), and the wheel
carries it as the data package `generator.templates` (pyproject.toml maps the one onto the other).
So an installed generator finds it inside its package, and a checkout (or an editable install of
one) beside it. Nothing else of the checkout is read at run time; the schema and output
directories are the caller's (the current directory by default).
"""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
_PACKAGED_TEMPLATES = PACKAGE_DIR / "templates"  # an installed wheel
TEMPLATES_DIR = _PACKAGED_TEMPLATES if _PACKAGED_TEMPLATES.is_dir() else PACKAGE_DIR.parent / "templates"
