"""Benchmarks (`make bench`): every figure is printed next to a baseline measured in the same run.

- server: `x:SpamDnsblSettings/get` requests/s over HTTP on loopback against the generated server,
  and against a bare ASGI app on the same uvicorn stack that returns the same bytes;
- models: objects/s parsed and validated by the generated models, by pydantic v2 models of the
  same shapes and by a prepared `jsonschema` validator of the same constraints;
- codegen: cold generation of the full Stalwart registry (all four targets, formatted) against
  datamodel-code-generator making pydantic v2 models of it; no-op and one-object regeneration;
  peak memory; and the generated CLI's start-up imports against importing those pydantic models.

No timing is asserted anywhere; these only measure.
"""
