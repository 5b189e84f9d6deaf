"""Generation of the full Stalwart registry, the committed schema/ (imported from Stalwart's
schema.json and registry crate, see schema/README.md), from a copy of it:

- cold: `python -m generator generate` into an empty directory, all four targets, formatted, in a
  fresh process; against datamodel-code-generator making only pydantic v2 models of the same
  registry (our IR as one JSON Schema, bench/jsonschema_export.py), with its default black+isort
  formatting and with ruff, each the median of as many fresh processes, in the same run;
- no-op: `generate` again with nothing changed;
- one-object change: `generate -v` after editing one object's description, with what it redid;
- peak memory (ru_maxrss) of the cold generation.

Each run goes into a directory of its own: deleting a tree just before writing the same paths
makes this disk several times slower for a while, which would measure the disk, not the generator.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import statistics
import sys
from dataclasses import dataclass
from pathlib import Path

from . import dmcg
from .child import ChildRun, run_child
from .jsonschema_export import registry_schema

REPO = Path(__file__).resolve().parent.parent
SCHEMA = REPO / "schema"  # the committed registry; the bench edits a copy of it
EDITED = "objects/spam-dnsbl-settings.yaml"  # SpamDnsblSettings, the object the server bench reads
_OBJECT_DESCRIPTION = re.compile(r"^(    description: .*?)\.?$", re.M)  # the object's own, not a field's


@dataclass(frozen=True)
class Workspace:
    schema: Path  # a copy of schema/
    json_schema: Path  # the same registry for datamodel-code-generator
    out: Path  # our cold output, kept for the start-up benchmark
    models: Path  # directory holding datamodel-code-generator's models.py


@dataclass(frozen=True)
class CodegenResult:
    workspace: Workspace
    files: int  # our outputs
    cold: list[ChildRun]
    baselines: dict[str, list[ChildRun]]  # by formatting (dmcg.FORMATTERS)
    baseline_bytes: int  # size of the models module it wrote (default formatting)
    noop: list[ChildRun]
    change: ChildRun
    redone: list[str]  # outputs the one-object change formatted and wrote

    @staticmethod
    def median(runs: list[ChildRun]) -> float:
        return statistics.median(r.seconds for r in runs)


def generator(*args: str | Path) -> list[str]:
    return [sys.executable, "-m", "generator", *map(str, args)]


def prepare(root: Path) -> Workspace:
    from generator.schema_loader import load_registry

    schema = Path(shutil.copytree(SCHEMA, root / "schema"))
    registry, _ = load_registry(schema)
    json_schema = root / "registry.schema.json"
    json_schema.write_text(json.dumps(registry_schema(registry), indent=2), encoding="utf-8")
    return Workspace(schema, json_schema, root / "cold-0", root / "dmcg-black+isort-0")


def edit_one_object(schema: Path) -> None:
    path = schema / EDITED
    text, count = _OBJECT_DESCRIPTION.subn(r"\1 (edited).", path.read_text(encoding="utf-8"), count=1)
    assert count == 1, f"no object description in {path}"
    path.write_text(text, encoding="utf-8")


def run(root: Path, repeat: int = 3) -> CodegenResult:
    script = dmcg.ensure_installed()
    ws = prepare(root)
    # A warm-up: it writes the generator's bytecode if it is not cached yet, so the measured runs
    # find it cached, as the baseline finds its own (pip compiles on install).
    run_child(generator("generate", "--schema", ws.schema, "--out", root / "warm-up"), cwd=REPO).check("generate")
    cold = [
        run_child(generator("generate", "--schema", ws.schema, "--out", root / f"cold-{i}"), cwd=REPO).check("generate")
        for i in range(repeat)
    ]
    files = int(cold[0].stdout.split(" files in ", 1)[0])
    path = f"{script.parent}{os.pathsep}{os.environ.get('PATH', '')}"  # its ruff: this environment's
    baselines: dict[str, list[ChildRun]] = {}
    for formatting in dmcg.FORMATTERS:
        baselines[formatting] = []
        for i in range(repeat):
            models = root / f"dmcg-{formatting}-{i}"
            models.mkdir()
            command = dmcg.command(script, ws.json_schema, models / "models.py", formatting)
            baselines[formatting].append(run_child(command, {"PATH": path}, cwd=root).check("datamodel-codegen"))
    noop = [
        run_child(generator("generate", "--schema", ws.schema, "--out", ws.out), cwd=REPO).check("generate")
        for _ in range(repeat)
    ]
    assert all("nothing rendered" in r.stdout for r in noop), noop[0].stdout
    edit_one_object(ws.schema)
    change = run_child(generator("generate", "-v", "--schema", ws.schema, "--out", ws.out), cwd=REPO).check("generate")
    redone = [line.split(": ", 1)[1] for line in change.stdout.splitlines() if line.startswith("formatted: ")]
    return CodegenResult(
        ws,
        files,
        cold,
        baselines,
        (ws.models / "models.py").stat().st_size,
        noop,
        change,
        redone,
    )
