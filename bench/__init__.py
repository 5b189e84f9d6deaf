"""Benchmarks (`make bench`): every figure is printed next to a baseline measured in the same run.

- server: wrk against the generated server with 1k, 10k and 50k objects stored, on SQLite and on
  PostgreSQL with 1, 2 and 4 processes: get of 1 and of 100 objects, create, update, query (filter
  + sort), req/s with p50/p99, each against a bare ASGI app on the same uvicorn stack answering the
  same bytes; a get while another client queries; the server processes' peak memory;
- models: objects/s parsed and validated by the generated models, by pydantic v2 models of the
  same shapes and by a prepared `jsonschema` validator of the same constraints;
- codegen: cold generation of the full Stalwart registry (all four targets, formatted) against
  datamodel-code-generator making pydantic v2 models of it (its default black+isort and ruff,
  medians of fresh processes); no-op and one-object regeneration; peak memory of the child alone;
  start-up importing all models on both sides, and the generated CLI's start-up.

BENCH_QUICK=1 is a smoke run (tests/test_bench_smoke.py runs it). No timing is asserted anywhere;
these only measure.
"""
