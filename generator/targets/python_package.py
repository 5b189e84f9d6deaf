"""The installable Python package under `python/`: pyproject, the descriptor registry, the models,
the client, the CLI and the server entry point, all rendered from the IR through templates/python/.

The hand-written machinery is not copied: the package depends on the schemagen-runtime distribution
(runtime/ in this repository) with a compatible version range, and checks it at import.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import schemagen_runtime

from ..ir import Registry
from ..published_formats import writer
from ..render import render
from ..rendered import RenderedFile
from .python_models import docstring, enum_views, model_modules
from .python_payloads import payloads_view
from .python_registry import registry_view

ROOT = "python"


def runtime_range() -> tuple[str, str]:
    """(the MAJOR.MINOR of the runtime this generator writes code for, the requirement range the
    generated package declares): the same major version, at least this minor one."""
    major, minor = schemagen_runtime.__version__.split(".")[:2]
    return f"{major}.{minor}", f">={major}.{minor},<{int(major) + 1}"


@dataclass(frozen=True)
class PackageView:
    distribution: str
    package: str
    version: str
    description: str
    docstring: str  # the description as the package docstring shows it (quotes escaped)
    cli: str
    runtime: str  # MAJOR.MINOR the package was generated against (checked at import)
    runtime_range: str  # the schemagen-runtime requirement range in pyproject.toml


def outputs(registry: Registry) -> list[RenderedFile]:
    project = registry.project
    pkg = project.package
    base = f"{ROOT}/{pkg}"
    all_sources = registry.sources
    view = PackageView(
        distribution=project.distribution,
        package=pkg,
        version=project.version,
        description=project.description or project.name,
        docstring=docstring(project.description or project.name),
        cli=project.cli,
        runtime=runtime_range()[0],
        runtime_range=runtime_range()[1],
    )
    files = [
        RenderedFile(f"{ROOT}/pyproject.toml", render("python/pyproject.toml.jinja", p=view), all_sources),
        RenderedFile(f"{base}/__init__.py", render("python/package/__init__.py.jinja", p=view), all_sources),
        RenderedFile(f"{base}/py.typed", "", all_sources),
        RenderedFile(
            f"{base}/server/__init__.py", render("python/package/server/__init__.py.jinja", p=view), all_sources
        ),
        RenderedFile(
            f"{base}/server/__main__.py", render("python/package/server/__main__.py.jinja", p=view), all_sources
        ),
    ]
    reg = registry_view(registry)
    files.append(
        RenderedFile(
            f"{base}/_registry/__init__.py", render("python/package/_registry/__init__.py.jinja", r=reg), all_sources
        )
    )
    files.append(
        RenderedFile(
            f"{base}/_registry/enums.py", render("python/package/_registry/enums.py.jinja", r=reg), all_sources
        )
    )
    # The schema in the project's published format (GET /api/schema; none without one): one long
    # string literal, so the formatter has nothing to do with it (verbatim) and black leaves it be.
    if project.published_format:
        document = writer(project.published_format)(registry)
        published = json.dumps(document, ensure_ascii=False, separators=(",", ":"))
        body = render("python/package/_registry/published.py.jinja", text=published)
        files.append(RenderedFile(f"{base}/_registry/published.py", body, all_sources, verbatim=True))
    for schema in reg.schemas:
        body = render("python/package/_registry/schema.py.jinja", s=schema)
        files.append(RenderedFile(f"{base}/_registry/{schema.module}.py", body, schema.sources))
    modules = model_modules(registry)
    # a variant class can share its name with a schema's class (union Asn's variant Dns and the type
    # AsnDns): `models` exports one of them, the later module as the dict literal always did
    exports = tuple(sorted(dict(sorted((cls, m.module) for m in modules for cls in m.exports)).items()))
    # what a type checker imports eagerly, module by module; at run time each loads on first use
    by_module: dict[str, list[str]] = {}
    for cls, owner in exports:
        by_module.setdefault(owner, []).append(cls)
    typed = tuple(sorted((owner, tuple(names)) for owner, names in by_module.items()))
    enums = enum_views(registry)
    files.append(
        RenderedFile(
            f"{base}/models/__init__.py",
            render("python/package/models/__init__.py.jinja", exports=exports, typed=typed, enums=enums),
            all_sources,
        )
    )
    files.append(
        RenderedFile(
            f"{base}/models/enums.py", render("python/package/models/enums.py.jinja", enums=enums), all_sources
        )
    )
    payloads = payloads_view(registry)
    body = render(
        "python/package/payloads.py.jinja", records=payloads.records, unions=payloads.unions, enums=payloads.enums
    )
    files.append(RenderedFile(f"{base}/payloads.py", body, all_sources))
    for module in modules:
        body = render("python/package/models/schema.py.jinja", m=module)
        files.append(RenderedFile(f"{base}/models/{module.module}.py", body, module.sources))
    return files
