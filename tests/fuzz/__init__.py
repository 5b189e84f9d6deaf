"""The seeded, bounded fuzz suite of issue 7: the server, the generator and the CLI.

- `test_fuzz_server.py`: every method of every object of the full imported registry, and the
  request envelope, against a real server over HTTP;
- `test_fuzz_limits.py`: numbers and strings at their limits in every stored field at every depth,
  variant changes at every depth, one test per input class of issue 7's items 1, 2, 4, 5, 6;
- `test_fuzz_generator.py`: `python -m generator generate` on mutated real schemas (item 9);
- `test_fuzz_cli.py`: random argv for the CLI, a hostile peer, a bad DB (item 10).

Oracles are in `oracle.py` (every reply) and `invariants.py` (every set); values, payloads and
patches are drawn from the generated package's own descriptors (`payloads.py`, `values.py`).
Runs are reproducible: hypothesis derandomized, no example database (`budget.py`). `make test`
runs it at FUZZ_SCALE=1; `make fuzz` at a large scale, printing its figures (`figures.py`).
`known.py` lists issue 7 items still open: their input classes leave the general runs and the one
test aimed at each is a strict xfail.
"""
