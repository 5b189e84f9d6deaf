"""`python -m bench` (`make bench`): run the benchmarks and print figures with their ratios."""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from . import codegen_bench, models_bench, server_bench, startup_bench

WORKSPACE = Path(__file__).resolve().parent.parent / ".cache"  # generated trees of the codegen benchmark


def server(args: argparse.Namespace) -> None:
    print(f"server: POST /api x:SpamDnsblSettings/get, {args.connections} keep-alive connections, loopback")
    runs = server_bench.run(args.seconds, args.connections)
    for name, result in runs.items():
        print(f"  {name:<8} {result.rate:>10,.0f} req/s  ({result.requests} ok, {result.failures} failed)")
    print(f"  ratio generated/bare: {runs['server'].rate / runs['bare'].rate:.2f}  (target >= 0.5)")


def models(args: argparse.Namespace) -> None:
    print("models: objects/s parsed and validated (ours and pydantic build objects; jsonschema validates only)")
    print(f"  {'shape':<26}{'ours':>12}{'pydantic v2':>14}{'jsonschema':>12}{'vs pydantic':>13}{'vs jsonschema':>15}")
    for r in models_bench.run(min(args.seconds / 4, 1.0)):
        print(
            f"  {r.shape:<26}{r.ours:>12,.0f}{r.pydantic:>14,.0f}{r.jsonschema:>12,.0f}"
            f"{r.ours / r.pydantic:>13.2f}{r.ours / r.jsonschema:>15.2f}"
        )
    print("  target: ours/pydantic >= 1")


def codegen(args: argparse.Namespace) -> None:
    if not codegen_bench.SCHEMA.is_dir():
        print(f"generation: skipped, {codegen_bench.SCHEMA} is missing")
        return
    # Inside the checkout (.cache/ is ignored by git), where generated trees live: on this disk a
    # tree written under a new directory of /tmp takes ~0.25 s longer, which is not the generator.
    WORKSPACE.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="bench-", dir=WORKSPACE) as tmp:
        r = codegen_bench.run(Path(tmp), args.repeat)
        ours, theirs = r.median(r.cold), r.median(r.baseline)
        spread = f"runs {min(c.seconds for c in r.cold):.2f}-{max(c.seconds for c in r.cold):.2f} s"
        print(f"generation: the full Stalwart registry, {r.files} files, fresh processes, median of {args.repeat}")
        print(f"  {'ours, cold: docs, models, server, client+CLI, formatted':<62}{ours:>7.2f} s  ({spread})")
        baseline = f"datamodel-code-generator {codegen_bench.dmcg.VERSION}: pydantic v2 models only"
        print(f"  {baseline:<62}{theirs:>7.2f} s  ({r.baseline_bytes / 1000:.0f} KB module, black+isort)")
        print(f"  ratio datamodel-code-generator/ours: {theirs / ours:.1f}x  (target >= 10)")
        print(f"  {'no-op generate (nothing changed)':<62}{r.median(r.noop):>7.2f} s  (target < 0.3)")
        change = f"one-object change ({codegen_bench.EDITED})"
        print(f"  {change:<62}{r.change.seconds:>7.2f} s  {len(r.redone)} of {r.files} outputs redone:")
        for path in r.redone:
            print(f"      {path}")
        theirs_mb = max(b.peak_mb for b in r.baseline)
        print(f"  peak memory (ru_maxrss), cold: ours {r.peak_mb:.0f} MB (target < 300), baseline {theirs_mb:.0f} MB")
        print("start-up: seconds importing (python -X importtime; modules a bare interpreter does not load)")
        print(f"  {'':<40}{'all imports':>12}{'generated':>11}{'process':>9}")
        times = startup_bench.run(r.workspace.out, r.workspace.models)
        for name, t in times.items():
            print(f"  {name:<40}{t.total:>12.3f}{t.own:>11.3f}{t.process:>9.3f}")
        pydantic = times[startup_bench.BASELINE].total
        for name, t in times.items():
            if name != startup_bench.BASELINE:
                print(f"  ratio dmcg models/{name}: {pydantic / t.total:.1f}x  (target: under 0.3 s)")


# codegen first: writing ~3,000 files, it is the one a disk still busy with the server benchmark's
# SQLite writes would slow down.
BENCHMARKS = {"codegen": codegen, "server": server, "models": models}


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--seconds", type=float, default=4.0, help="measuring time per server run (default 4)")
    parser.add_argument("--connections", type=int, default=16, help="keep-alive connections (default 16)")
    parser.add_argument("--repeat", type=int, default=5, help="runs of each generation figure (default 5)")
    parser.add_argument(
        "--only", choices=tuple(BENCHMARKS), help="run one benchmark (codegen includes the CLI start-up)"
    )
    args = parser.parse_args()
    for name, bench in BENCHMARKS.items():
        if args.only in (None, name):
            bench(args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
