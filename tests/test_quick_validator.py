"""The quick meta-schema check (generator/quick_validator.py) answers exactly as jsonschema does.

It may only skip jsonschema on files jsonschema accepts; a disagreement either way is a bug (one
way hides errors, the other only costs time). Checked on every real schema file, the error corpus,
and seeded mutations of them (keys dropped, added, values of other JSON types).
"""

from __future__ import annotations

import copy
import json
import random
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from conftest import REPO_ROOT, SHARED_DIR

from generator.loader import load_file
from generator.quick_validator import Unsupported, compile_schema
from generator.schema_loader import METASCHEMA_PATH

METASCHEMA = json.loads(METASCHEMA_PATH.read_text(encoding="utf-8"))
QUICK = compile_schema(METASCHEMA)
FULL = jsonschema.Draft202012Validator(METASCHEMA)
ODD_VALUES: tuple[Any, ...] = (None, True, False, 0, 1.5, 1.0, -1, "", "x y", "view", [], [1, 1], {}, {"a": 1})


def documents() -> list[tuple[str, Any]]:
    paths = sorted((REPO_ROOT / "schema").rglob("*.yaml")) + sorted(
        (REPO_ROOT / "tests" / "bad_schemas").rglob("*.yaml")
    )
    out = []
    for path in paths:
        loaded, problems = load_file(path, path.name)
        if not problems:
            out.append((str(path.relative_to(REPO_ROOT)), loaded.data))
    return out


def stalwart_documents(tmp: Path) -> list[tuple[str, Any]]:
    source = SHARED_DIR / "stalwart" / "schema.json"
    if not source.is_file():
        return []
    from generator.stalwart.importer import import_file

    import_file(source, tmp / "schema")
    return [(p.name, load_file(p, p.name)[0].data) for p in sorted((tmp / "schema").rglob("*.yaml"))]


def paths_in(doc: Any, here: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [here]
    if isinstance(doc, dict):
        for key, value in doc.items():
            out += paths_in(value, (*here, key))
    elif isinstance(doc, list):
        for i, value in enumerate(doc):
            out += paths_in(value, (*here, i))
    return out


def mutate(doc: Any, rng: random.Random) -> Any:
    doc = copy.deepcopy(doc)
    path = rng.choice(paths_in(doc))
    parent: Any = doc
    for step in path[:-1]:
        parent = parent[step]
    if not path:
        return rng.choice(ODD_VALUES)
    last = path[-1]
    action = rng.randrange(3)
    if action == 0 and isinstance(parent, dict):
        del parent[last]
    elif action == 1 and isinstance(parent, dict):
        parent[rng.choice(("kind", "type", "extra", "description", "min", "default"))] = rng.choice(ODD_VALUES)
    else:
        parent[last] = rng.choice(ODD_VALUES)
    return doc


def agree(name: str, doc: Any) -> None:
    full_ok = not any(True for _ in FULL.iter_errors(doc))
    assert QUICK(doc) == full_ok, f"{name}: quick says {QUICK(doc)}, jsonschema {full_ok}: {doc!r:.400}"


def test_the_meta_schema_is_inside_the_quick_subset() -> None:
    compile_schema(METASCHEMA)  # raises Unsupported otherwise, and every file would go to jsonschema


def test_an_unknown_keyword_is_refused_not_ignored() -> None:
    with pytest.raises(Unsupported):
        compile_schema({"type": "object", "propertyNames": {"pattern": "^a"}})


def test_agrees_with_jsonschema_on_real_files_and_the_error_corpus(tmp_path: Path) -> None:
    docs = documents() + stalwart_documents(tmp_path)
    assert len(docs) > 10
    for name, doc in docs:
        agree(name, doc)


def test_agrees_with_jsonschema_on_mutations() -> None:
    rng = random.Random(20261121)
    for name, doc in documents():
        for _ in range(60):
            agree(name, mutate(doc, rng))
