"""One type system, one codec: the descriptors the generated `_registry/` holds are the ones the
generator checks with, defaults are decoded and validated by the runtime, and the runtime builds
no code at run time."""

from __future__ import annotations

import ast
import shutil
from pathlib import Path

from conftest import REPO_ROOT, RunGenerator
from schemagen_runtime.codec import Ctx, decode_value
from schemagen_runtime.descriptors import MISSING
from schemagen_runtime.validate import check_value
from stalwart_registry._registry import REGISTRY

from generator.runtime_descriptors import runtime_registry
from generator.schema_loader import load_registry

SCHEMA = REPO_ROOT / "schema"
BAD_DEFAULTS = REPO_ROOT / "tests" / "bad_schemas" / "default_refused_by_runtime"


def test_registry_modules_hold_the_descriptors_the_generator_checks_with() -> None:
    registry, _ = load_registry(SCHEMA)
    ours = runtime_registry(registry)
    assert REGISTRY.project == ours.project
    assert REGISTRY.objects == ours.objects
    for name in registry.schemas:
        assert REGISTRY.schema(name) == ours.schema(name), name
    for name in registry.enums:
        assert REGISTRY.enum(name) == ours.enum(name), name


def test_every_default_the_generator_accepts_the_runtime_accepts() -> None:
    """Each default, as the generated package holds it, decodes and validates in the runtime;
    only a field's own declared bound may fail, where the schema waives that check with a reason."""
    registry, _ = load_registry(SCHEMA)
    waived = {(schema.name, f.name) for schema in registry.schemas.values() for f in schema.fields if f.suppressed}
    checked = 0
    for name in registry.schemas:
        for f in REGISTRY.schema(name).fields:
            if f.default is MISSING or f.default is None:
                continue
            ctx = Ctx()
            value = decode_value(REGISTRY, f.type, f.default, ctx, f.name)
            issues = ctx.issues or check_value(REGISTRY, f, value)
            if (name, f.name) in waived:
                issues = [i for i in issues if i.type not in ("MinValue", "MaxValue", "MinLength", "MaxLength")]
            assert not issues, (name, f.name, f.default, [i.message for i in issues])
            checked += 1
    assert checked > 100


def test_a_default_the_runtime_refuses_is_a_schema_error(tmp_path: Path, run_generator: RunGenerator) -> None:
    schema = tmp_path / "schema"
    shutil.copytree(BAD_DEFAULTS, schema, ignore=shutil.ignore_patterns("expected.txt"))
    shutil.copy(REPO_ROOT / "tests" / "bad_schemas" / "project.yaml", schema / "project.yaml")
    result = run_generator("generate", "--schema", schema, "--out", tmp_path / "out")
    assert result.returncode == 1
    assert (
        "schema/objects.yaml:17:9: default of 'aliases': 'aliases/bad domain!' must be a domain name" in result.stderr
    )
    assert "schema/objects.yaml:21:9: default of 'contact': 'contact/email' must be an email address" in result.stderr
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_the_runtime_builds_no_code_at_run_time() -> None:
    """No exec, eval or compile anywhere in the runtime (fast paths are generated code)."""
    found = []
    for path in sorted((REPO_ROOT / "runtime" / "src").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            called = node.func.id if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) else ""
            if called in ("exec", "eval", "compile"):
                found.append(f"{path.relative_to(REPO_ROOT)}:{node.lineno}: {called}")
    assert not found


def test_fast_paths_are_functions_of_the_generated_models_modules() -> None:
    from stalwart_registry.models import Action, ActionClassifySpam, Domain
    from stalwart_registry.models import action as action_module
    from stalwart_registry.models import domain as domain_module

    assert Domain.__dict__["_fast_"] is domain_module._fast_Domain
    assert ActionClassifySpam.__dict__["_fast_"] is action_module._fast_ActionClassifySpam
    assert Action.__dict__["_fast_"] is action_module._fast_Action  # the union's, by @type


def test_pages_and_describe_print_one_type_display() -> None:
    """Domain's memberTenantId: the page links Tenant, `describe` prints the same runs as text."""
    registry, _ = load_registry(SCHEMA)
    from generator.targets.docs import PageBuilder, SiteIndex
    from generator.targets.python_client import describe_table
    from generator.targets.type_display import plain_type, type_display

    field = next(f for f in registry.schemas["Domain"].fields if f.name == "memberTenantId")
    parts = type_display(registry, field.type)
    assert plain_type(parts) == "Id<Tenant>?"
    page = PageBuilder(registry, SiteIndex.of(registry)).type_md(field.type)
    assert page == "<code>Id&lt;</code>[<code>Tenant</code>](./tenant.md)<code>&gt;?</code>"
    rows = describe_table(registry, registry.object("Domain"))["sections"][0][1]
    assert ("memberTenantId", "Id<Tenant>?", "enterprise", "Identifier for the tenant this domain belongs to") in rows
