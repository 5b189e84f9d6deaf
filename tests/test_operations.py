"""Operation objects end to end: the schema marks them, the runtime knows only that concept, and the
handlers are application code registered through the extension API (docs/extensions.md).

- Stalwart's Action, served by the generated package with the installed extension
  extensions/stalwart_actions (entry point `schemagen.operations`): a handled variant changes the
  hand-written ServerState, seen through JMAP, the typed client and the CLI; an unhandled one is
  refused and stores nothing.
- A small inline schema whose handlers an embedder passes to `create_app(config, extensions=...)`,
  with its own CLI environment prefix, permission list, an unpublished state object and no
  published format.
- The generic runtime and the templates name no Stalwart object; the generator's targets import
  no Stalwart module.
"""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO_ROOT, RunGenerator
from jmap_server import ADMIN_TOKEN, Server
from stalwart_registry._registry.published import PUBLISHED
from stalwart_registry.client import Client
from stalwart_registry.models import ServerState
from test_committed_schema import schema_dir, small

CLI = Path(sys.executable).with_name("stalwart-cli")


# -- Stalwart's Action, handled by the installed extension ----------------------------------------


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    srv = Server(tmp_path_factory.mktemp("operations")).start()
    yield srv
    srv.stop()


def create_action(server: Server, variant: str, **fields: Any) -> dict[str, Any]:
    """The /set reply's arguments for one Action create."""
    return server.call("x:Action/set", {"create": {"a": {"@type": variant, **fields}}})[1]  # type: ignore[no-any-return]


def state(server: Server) -> dict[str, Any]:
    return server.call("x:ServerState/get", {"ids": ["singleton"]})[1]["list"][0]  # type: ignore[no-any-return]


def stalwart_cli(server: Server, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "STALWART_URL": server.url, "STALWART_TOKEN": ADMIN_TOKEN, "NO_COLOR": "1"}
    return subprocess.run([str(CLI), *args], env=env, capture_output=True, text=True, timeout=60, check=False)


def test_a_handled_variant_changes_the_state_every_output_shows(server: Server) -> None:
    before = state(server)
    paused = create_action(server, "PauseMtaQueue")
    action_id = paused["created"]["a"]["id"]
    create_action(server, "ReloadTlsCertificates")
    create_action(server, "InvalidateNegativeCaches")

    after = state(server)
    assert after["mtaQueuePaused"] is True and before["mtaQueuePaused"] is False
    assert after["reloads"]["tlsCertificates"] == before["reloads"].get("tlsCertificates", 0) + 1
    assert after["negativeCacheGeneration"] == before["negativeCacheGeneration"] + 1
    assert after["cacheGeneration"] == before["cacheGeneration"]
    assert after["lastAction"] != action_id and after["lastActionAt"] and after["lastReload"]

    # the typed client has a group and a model for it, as for every object of the schema
    model = Client(server.url, ADMIN_TOKEN).server_state.get()
    assert isinstance(model, ServerState) and model.mtaQueuePaused is True
    assert model.negativeCacheGeneration == after["negativeCacheGeneration"]

    # and so has the CLI
    got = stalwart_cli(server, "get", "server-state", "--json")
    assert got.returncode == 0, got.stderr
    assert json.loads(got.stdout)["mtaQueuePaused"] is True
    create_action(server, "ResumeMtaQueue")
    assert json.loads(stalwart_cli(server, "get", "server-state", "--json").stdout)["mtaQueuePaused"] is False


def test_the_cli_runs_a_variant_and_the_state_shows_it(server: Server) -> None:
    before = state(server)["reloads"].get("settings", 0)
    done = stalwart_cli(server, "create", "action/reload-settings")
    assert done.returncode == 0 and done.stdout.startswith("created Action "), done.stdout + done.stderr
    assert state(server)["reloads"]["settings"] == before + 1


def test_a_variant_without_a_handler_is_refused_and_nothing_is_stored(server: Server) -> None:
    before_state = state(server)
    before = server.call("x:Action/query", {"calculateTotal": True})[1]["total"]
    reply = create_action(server, "UpdateApps")
    error = reply["notCreated"]["a"]
    assert reply["created"] is None
    assert error["type"] == "forbidden" and error["properties"] == ["@type"] and "UpdateApps" in error["description"]
    assert server.call("x:Action/query", {"calculateTotal": True})[1]["total"] == before
    assert state(server) == before_state


def test_the_state_is_server_set_and_not_published(server: Server) -> None:
    refused = server.call("x:ServerState/set", {"update": {"singleton": {"cacheGeneration": 99}}})[1]
    assert refused["notUpdated"]["singleton"]["type"] == "invalidPatch"
    # what GET /api/schema serves is the published registry: the application's own state is not in it
    published = json.loads(PUBLISHED)
    assert "x:Action" in published["objects"] and "x:ServerState" not in published["objects"]
    assert "x:ServerState" not in published["schemas"] and "x:ServerState" not in published["fields"]


# -- a small schema, its handlers passed to the app factory ---------------------------------------

OPS_SCHEMA = """
project:
  name: Ops
  version: "1.0.0"
  namespace: "x:"
  capability: urn:example:ops
  apiPath: /api
  cli: ops-cli
  package: ops_registry
  envPrefix: OPS
  permissionsEnum: Grant
objects:
  Task:
    operation: true
    description: Runs a maintenance task.
    permissionPrefix: sysTask
    variants:
      Reload: Reload settings
      Echo: {label: Echo a message, type: EchoTask}
      Purge: Purge old data
  TaskState:
    kind: singleton
    published: false
    description: What the tasks have changed.
    permissionPrefix: sysTask
    fields:
      reloads: {type: unsignedInteger, update: serverSet, default: 0, description: Reloads so far}
types:
  EchoTask:
    description: A message to echo.
    fields:
      message: {type: string, description: The message}
      reply: {type: string?, update: serverSet, description: The message as the handler answered it}
enums:
  Grant:
    description: Permissions of parts of the product served elsewhere.
    values:
      opsBackup: Run backups
      opsRestore: Restore backups
"""

# What an embedder writes: its handlers, and a server entry point passing them to create_app.
HANDLERS = """
from typing import Any

from schemagen_runtime.server.operations import OperationContext, OperationRefused, Operations


def reload(ctx: OperationContext) -> dict[str, Any]:
    state = ctx.get("TaskState", "singleton")
    state["reloads"] += 1
    ctx.put("TaskState", "singleton", state)
    return {}


def echo(ctx: OperationContext) -> dict[str, Any]:
    if ctx.record["message"] == "refuse":
        raise OperationRefused("this message is refused", "invalidProperties", ("message",))
    return {"reply": ctx.record["message"].upper()}


def register(operations: Operations) -> None:
    operations.register("Task", "Reload", reload)
    operations.register("Task", "Echo", echo)


def unknown_variant(operations: Operations) -> None:
    operations.register("Task", "Nope", reload)
"""
MAIN = """
import os

from embedder import handlers
from ops_registry.server import create_app
from schemagen_runtime.server.serving import serve

extension = getattr(handlers, os.environ.get("EXTENSION", "register"))
serve(lambda config: create_app(config, extensions=[extension]), default_db="var/ops.sqlite3")
"""


@pytest.fixture(scope="module")
def ops(tmp_path_factory: pytest.TempPathFactory, run_generator: RunGenerator) -> Path:
    """The generated package and the embedder beside it; returns the PYTHONPATH holding both."""
    root = tmp_path_factory.mktemp("ops")
    (root / "schema").mkdir()
    (root / "schema" / "ops.yaml").write_text(OPS_SCHEMA, encoding="utf-8")
    done = run_generator("generate", "--schema", root / "schema", "--out", root / "out")
    assert done.returncode == 0, done.stderr
    embedder = root / "embedder"
    (embedder / "server").mkdir(parents=True)
    (embedder / "__init__.py").write_text("", encoding="utf-8")
    (embedder / "handlers.py").write_text(HANDLERS, encoding="utf-8")
    (embedder / "server" / "__init__.py").write_text("", encoding="utf-8")
    (embedder / "server" / "__main__.py").write_text(MAIN, encoding="utf-8")
    return root


def ops_path(root: Path) -> str:
    return f"{root / 'out' / 'python'}{os.pathsep}{root}"


def ops_call(server: Server, method: str, args: dict[str, Any]) -> dict[str, Any]:
    body = {"using": ["urn:ietf:params:jmap:core", "urn:example:ops"], "methodCalls": [[method, args, "c"]]}
    reply = server.request("POST", "/api", json.dumps(body).encode())
    assert reply.status == 200, reply.text
    return reply.json["methodResponses"][0][1]  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def embedded(ops: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    srv = Server(tmp_path_factory.mktemp("embedded"), package="embedder", pythonpath=ops_path(ops)).start()
    yield srv
    srv.stop()


def test_handlers_passed_to_the_factory_run_and_others_are_refused(embedded: Server) -> None:
    created = ops_call(
        embedded, "x:Task/set", {"create": {"r": {"@type": "Reload"}, "e": {"@type": "Echo", "message": "hi"}}}
    )
    assert set(created["created"]) == {"r", "e"}, created["notCreated"]
    assert created["created"]["e"]["reply"] == "HI"  # a handler's values fill the record's server-set fields
    assert ops_call(embedded, "x:TaskState/get", {})["list"][0]["reloads"] == 1
    echo_id = created["created"]["e"]["id"]
    assert ops_call(embedded, "x:Task/get", {"ids": [echo_id]})["list"][0]["reply"] == "HI"

    refused = ops_call(
        embedded, "x:Task/set", {"create": {"p": {"@type": "Purge"}, "x": {"@type": "Echo", "message": "refuse"}}}
    )
    assert refused["notCreated"]["p"]["type"] == "forbidden" and "Purge" in refused["notCreated"]["p"]["description"]
    assert refused["notCreated"]["x"] == {
        "type": "invalidProperties",
        "description": "this message is refused",
        "properties": ["message"],
    }
    assert ops_call(embedded, "x:Task/query", {"calculateTotal": True})["total"] == 2

    immutable = ops_call(embedded, "x:Task/set", {"update": {echo_id: {"message": "changed"}}})
    assert immutable["notUpdated"][echo_id]["type"] == "forbidden"


def test_every_permission_is_the_derived_names_and_the_projects_permissions_enum(embedded: Server) -> None:
    account = embedded.request("GET", "/api/account", token=ADMIN_TOKEN).json
    assert account["permissions"] == sorted(
        ["opsBackup", "opsRestore", "taskEcho", "taskPurge", "taskReload", "sysTaskGet", "sysTaskUpdate"]
        + [f"sysTask{verb}" for verb in ("Query", "Create", "Destroy")]
    )


def test_the_cli_reads_the_projects_environment_prefix(embedded: Server, ops: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("STALWART_")}
    env |= {"OPS_URL": embedded.url, "OPS_TOKEN": ADMIN_TOKEN, "PYTHONPATH": ops_path(ops), "NO_COLOR": "1"}
    command = [sys.executable, "-m", "ops_registry.cli"]
    got = subprocess.run([*command, "get", "task-state", "--json"], env=env, capture_output=True, text=True, timeout=60)
    assert got.returncode == 0, got.stderr
    assert json.loads(got.stdout) == {"id": "singleton", "reloads": 1}
    helped = subprocess.run([*command, "--help"], env=env, capture_output=True, text=True, timeout=60)
    assert "env OPS_URL" in helped.stdout and "STALWART" not in helped.stdout


def test_without_the_factory_argument_no_variant_runs(ops: Path, tmp_path: Path) -> None:
    """No extension is installed for this package: the entry points are per generated package."""
    srv = Server(tmp_path, package="ops_registry", pythonpath=ops_path(ops)).start()
    try:
        refused = ops_call(srv, "x:Task/set", {"create": {"r": {"@type": "Reload"}}})
        assert refused["notCreated"]["r"]["type"] == "forbidden"
    finally:
        srv.stop()


def test_an_extension_registering_what_the_schema_lacks_stops_the_server(ops: Path, tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": ops_path(ops), "EXTENSION": "unknown_variant"}
    env |= {"DB": str(tmp_path / "ops.sqlite3"), "ADMIN_TOKEN": ADMIN_TOKEN}
    done = subprocess.run(
        [sys.executable, "-m", "embedder.server"], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 1
    assert done.stderr.strip() == "error: cannot register Task 'Nope': Task has no such variant"


def test_without_a_published_format_no_schema_is_served(embedded: Server, ops: Path) -> None:
    assert not (ops / "out" / "python" / "ops_registry" / "_registry" / "published.py").exists()
    served = embedded.request("GET", "/api/schema", token=ADMIN_TOKEN)
    assert served.status == 404 and "no published schema" in served.text


def test_the_metaschema_offers_every_published_format_and_no_other() -> None:
    from generator.published_formats import FORMATS, writer

    meta = json.loads((REPO_ROOT / "generator" / "metaschema.json").read_text(encoding="utf-8"))
    offered = re.findall(r'"publishedFormat": \{"enum": (\[[^]]*\])', json.dumps(meta))
    assert [json.loads(found) for found in offered] == [sorted(FORMATS)]
    assert all(callable(writer(name)) for name in FORMATS)


def test_an_unpublished_object_is_served_but_not_exported(ops: Path, run_generator: RunGenerator) -> None:
    assert (ops / "out" / "docs" / "ref" / "object" / "task-state.md").is_file()  # its page, as every object's
    done = run_generator("export-stalwart", ops / "schema", "--out", ops / "exported.json")
    assert done.returncode == 0, done.stderr
    exported = json.loads((ops / "exported.json").read_text(encoding="utf-8"))
    assert set(exported["objects"]) == {"x:Task"}
    assert "x:TaskState" not in exported["schemas"] and "x:TaskState" not in exported["fields"]


# -- re-import keeps the application's own objects ------------------------------------------------

UNPUBLISHED = """objects:
  AppState:
    kind: singleton
    published: false
    description: The application's own state.
    permissionPrefix: sysAppState
    fields: {}
"""


def test_reimport_keeps_a_file_of_unpublished_objects_and_refuses_published_ones(
    tmp_path: Path, run_generator: RunGenerator
) -> None:
    out = schema_dir(tmp_path)
    (out / "objects").mkdir()
    (out / "objects" / "app-state.yaml").write_text(UNPUBLISHED, encoding="utf-8")
    done = run_generator("import-stalwart", small(tmp_path), "--out", out)
    assert done.returncode == 0, done.stderr
    assert "kept 3 files it did not write (changes.yaml, objects/app-state.yaml, project.yaml)" in done.stdout
    assert (out / "objects" / "app-state.yaml").read_text(encoding="utf-8") == UNPUBLISHED

    (out / "objects" / "app-state.yaml").write_text(UNPUBLISHED.replace("    published: false\n", ""), encoding="utf-8")
    refused = run_generator("import-stalwart", small(tmp_path), "--out", out)
    assert refused.returncode == 1 and "did not write (objects/app-state.yaml)" in refused.stderr


# -- the runtime is generic ----------------------------------------------------------------------

STALWART_NAMES = re.compile(r'stalwart|ServerState|"Action"', re.IGNORECASE)


def test_the_runtime_and_the_templates_name_no_stalwart_object() -> None:
    found = []
    for root in (REPO_ROOT / "runtime" / "src", REPO_ROOT / "templates"):
        for path in sorted(root.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                    if STALWART_NAMES.search(line):
                        found.append(f"{path.relative_to(REPO_ROOT)}:{number}: {line.strip()}")
    assert not found, "\n".join(found)


def test_the_generators_targets_import_no_product_module() -> None:
    """What a target writes comes from the IR and the project settings; a product's own format (the
    published registry /api/schema serves) is reached through generator/published_formats.py."""
    found = []
    for path in sorted((REPO_ROOT / "generator" / "targets").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            modules = [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            modules += [alias.name for alias in node.names] if isinstance(node, ast.Import) else []
            found += [f"{path.relative_to(REPO_ROOT)}:{node.lineno}: {m}" for m in modules if "stalwart" in m]
    assert not found, "\n".join(found)
