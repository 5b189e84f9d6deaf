"""Fuzzing the generator on mutated real schemas (issue 7): the seed schema (tests/fixtures) and
the project's schema/ (the full imported registry), mutated by `schema_mutations.py`, through `python -m generator generate --schema D
--out O` as a user runs it. Oracle: exit 0 with output written, or exit 1 with every stderr line a
`file:LINE:COL: message` diagnostic (or the closing `error:` summary) and nothing written; never a
traceback, never a hang, in bounded memory. The importer gets the published schema.json with keys
deleted or retyped anywhere."""

from __future__ import annotations

import json
import os
import re
import resource
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from conftest import REPO_ROOT
from hypothesis import given
from hypothesis import strategies as st
from test_full_registry import SCHEMA_JSON

from . import figures
from .budget import examples
from .known import xfail_if_open
from .oracle import fail
from .schema_mutations import ITEM_9, Mutation, mutations, mutations_of_each

SEED_SCHEMA = REPO_ROOT / "tests" / "fixtures" / "seed_schema"  # small: the mutations that cost a run each
REGISTRY_SCHEMA = REPO_ROOT / "schema"  # the project's own: the full imported registry
DIAGNOSTIC = re.compile(r"^(?:(?:note|warning): )?\S[^:]*:\d+:\d+: .+$")
MEMORY_LIMIT = 2 << 30  # bytes of address space: an alias bomb must fail fast, not take the machine
TIME_LIMIT = 120  # seconds; a healthy run of the full registry takes about one


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def generate_mutated(source: Path, work: Path, mutated: list[Mutation]) -> None:
    """Copies `source`, mutates it, generates from it and checks the oracle."""
    if work.exists():
        shutil.rmtree(work)
    schema, out = work / "schema", work / "out"
    shutil.copytree(source, schema)
    files = sorted(p for p in schema.rglob("*.yaml"))
    done = [m.apply(files) for m in mutated]
    figures.count("schemas mutated")
    try:
        run = subprocess.run(
            [sys.executable, "-m", "generator", "generate", "--schema", str(schema), "--out", str(out)],
            cwd=REPO_ROOT,
            env={**os.environ, "PYTHONHASHSEED": "0"},
            capture_output=True,
            text=True,
            errors="replace",
            timeout=TIME_LIMIT,
            preexec_fn=_limit_memory,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise fail("generator hung", f"{done}: no answer within {TIME_LIMIT} s") from None
    what = f"{source.name} with {done}: exit {run.returncode}\n{run.stderr[-2000:]}"
    written = [p for p in out.rglob("*") if p.is_file()] if out.exists() else []
    if "Traceback" in run.stderr:
        raise fail(f"generator traceback ({run.stderr.strip().splitlines()[-1][:60]})", what)
    if run.returncode == 0:
        figures.count("mutated schemas generated")
        if not written:
            raise fail("generator exit 0 without output", what)
        check_output(schema, out, what)
        return
    if run.returncode != 1:
        raise fail(f"generator exit {run.returncode}", what)
    figures.count("mutated schemas refused")
    lines = run.stderr.splitlines()
    odd = [line for line in lines if not DIAGNOSTIC.match(line) and not line.startswith("error: ")]
    if odd or not any(DIAGNOSTIC.match(line) for line in lines):
        raise fail("generator error without file:LINE:COL", f"{what}\nnot diagnostics: {odd[:5]}")
    if written:
        raise fail("generator wrote output on failure", f"{what}\nwrote {written[:5]}")


def check_output(schema: Path, out: Path, what: str) -> None:
    """What a schema the generator accepted gave: Python that compiles, and a tree `check` finds
    in step with the schema (generation is a pure function of it)."""
    for path in out.rglob("*.py"):
        try:
            compile(path.read_text(encoding="utf-8"), str(path), "exec")
        except SyntaxError as exc:
            raise fail("generated Python does not compile", f"{what}\n{path.relative_to(out)}: {exc}") from None
    checked = subprocess.run(
        [sys.executable, "-m", "generator", "check", "--schema", str(schema), "--out", str(out)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=TIME_LIMIT,
        check=False,
    )
    if checked.returncode != 0:
        raise fail(
            "check finds drift right after generate", f"{what}\n{checked.stdout[-1500:]}{checked.stderr[-1500:]}"
        )


def test_the_seed_schema_mutated(tmp_path: Path) -> None:
    @examples(3)
    @given(mutated=mutations())
    def fuzz(mutated: list[Mutation]) -> None:
        generate_mutated(SEED_SCHEMA, tmp_path / "run", mutated)

    fuzz()


def test_the_registry_schema_mutated(tmp_path: Path) -> None:
    @examples(2)
    @given(mutated=mutations())
    def fuzz(mutated: list[Mutation]) -> None:
        generate_mutated(REGISTRY_SCHEMA, tmp_path / "run", mutated)

    fuzz()


def test_awkward_texts_stay_data(tmp_path: Path) -> None:
    """Descriptions and labels with quotes, template syntax, markup, escapes and very long text:
    every output escapes them (the Python compiles, `check` agrees)."""

    @examples(2)
    @given(mutated=mutations(("awkward description",)))
    def fuzz(mutated: list[Mutation]) -> None:
        generate_mutated(SEED_SCHEMA, tmp_path / "run", mutated)

    fuzz()


@xfail_if_open(9)
def test_yaml_the_loader_must_survive(tmp_path: Path) -> None:
    """Issue 7 item 9: not UTF-8, keywords as names, nesting 10,000 deep, a self-referencing alias
    and an alias bomb, each in one file of the same schema (all reported at once, quickly)."""

    @examples(1)
    @given(mutated=st.permutations(ITEM_9).flatmap(lambda kinds: mutations_of_each(kinds)))
    def fuzz(mutated: list[Mutation]) -> None:
        generate_mutated(SEED_SCHEMA, tmp_path / "run", mutated)

    fuzz()


# -- the importer of the published registry ------------------------------------------------------

REPLACEMENTS: list[Any] = [None, -1, 2**64, 1.5, "x", "", [], {}, [None], {"": None}, True]


def json_paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path into the document (the first three items of each array)."""
    out = [path]
    if isinstance(value, dict):
        for k, v in value.items():
            out += json_paths(v, (*path, k))
    elif isinstance(value, list):
        for i, v in enumerate(value[:3]):
            out += json_paths(v, (*path, i))
    return out


def test_the_importer_on_a_mutated_registry(tmp_path: Path) -> None:
    """`import-stalwart` on schema.json with keys deleted or retyped anywhere: exit 0, or exit 1
    with `error:` and nothing written; never a traceback."""
    published = json.loads(SCHEMA_JSON.read_text(encoding="utf-8"))
    paths = json_paths(published)[1:]

    @examples(2)
    @given(
        edits=st.lists(
            st.tuples(st.integers(0, len(paths) - 1), st.integers(-1, len(REPLACEMENTS) - 1)), min_size=1, max_size=3
        )
    )
    def fuzz(edits: list[tuple[int, int]]) -> None:
        document = json.loads(json.dumps(published))
        done = []
        for index, replacement in edits:
            *parents, last = paths[index]
            holder = document
            try:
                for key in parents:
                    holder = holder[key]
                if replacement < 0:
                    del holder[last]
                else:
                    holder[last] = REPLACEMENTS[replacement]
            except (KeyError, IndexError, TypeError):
                continue  # an earlier edit removed or retyped what this path goes through
            done.append(
                f"{'/'.join(map(str, paths[index]))} {'deleted' if replacement < 0 else '= ' + repr(REPLACEMENTS[replacement])}"
            )
        work = tmp_path / "run"
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir()
        source, out = work / "schema.json", work / "schema"
        source.write_text(json.dumps(document), encoding="utf-8")
        figures.count("registries mutated for the importer")
        run = subprocess.run(
            [sys.executable, "-m", "generator", "import-stalwart", str(source), "--out", str(out)],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            timeout=TIME_LIMIT,
            preexec_fn=_limit_memory,
            check=False,
        )
        what = f"schema.json with {done}: exit {run.returncode}\n{run.stderr[-2000:]}"
        if "Traceback" in run.stderr:
            raise fail(f"importer traceback ({run.stderr.strip().splitlines()[-1][:60]})", what)
        if run.returncode not in (0, 1) or (run.returncode == 1 and "error:" not in run.stderr):
            raise fail(f"importer exit {run.returncode} without error:", what)
        if run.returncode == 1 and out.exists() and any(out.rglob("*.yaml")):
            raise fail("importer wrote output on failure", what)

    fuzz()
