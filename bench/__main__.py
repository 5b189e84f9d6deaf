"""`python -m bench` (`make bench`): run the benchmarks and print figures with their ratios.
BENCH_QUICK=1 makes a smoke run: tiny stores, one-second loads, one run of each generation figure;
its figures mean nothing, it only shows that every figure can still be made."""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
from pathlib import Path

from . import codegen_bench, models_bench, server_bench, startup_bench

WORKSPACE = Path(__file__).resolve().parent.parent / ".cache"  # generated trees of the codegen benchmark


def server(args: argparse.Namespace) -> bool:
    settings = server_bench.Settings(
        sizes=args.sizes,
        pg_workers=args.pg_workers,
        seconds=args.seconds,
        warmup=0.0 if args.quick else 1.0,
        connections=args.connections,
        threads=args.threads,
    )
    print(
        f"server: wrk, {settings.connections} keep-alive connections, {settings.seconds:g} s per figure, loopback;"
        " `bare`: a bare ASGI app answering the same bytes on the same stack"
    )
    result = server_bench.run(settings, report=lambda line: print(line, flush=True))
    head = f"  {'store':<22}{'Domains':>8}  {'scenario':<28}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}"
    print(f"{head}{'bare req/s':>12}{'p50 ms':>9}{'p99 ms':>9}{'rate/bare':>11}{'bad':>6}{'cpu us':>8}")
    alone: dict[tuple[str, int, int], float] = {}
    for r in result.rows:
        store = f"{r.backend}, {r.workers} process{'es' if r.workers > 1 else ''}"
        line = (
            f"  {store:<22}{r.size:>8,}  {r.scenario:<28}{r.ours.rate:>9,.0f}{r.ours.p50_ms:>9.2f}{r.ours.p99_ms:>9.2f}"
        )
        key = (r.backend, r.workers, r.size)
        if r.bare is not None:
            if r.scenario == "get 1":
                alone[key] = r.ours.rate
            bare = f"{r.bare.rate:>12,.0f}{r.bare.p50_ms:>9.2f}{r.bare.p99_ms:>9.2f}{r.ours.rate / r.bare.rate:>11.3f}"
        else:
            bare = f"{'(' + format(r.ours.rate / alone[key], '.2f') + ' of get 1 alone)':>41}"
        cpu = f"{r.cpu.server_us:>8.0f}" if r.cpu else ""  # the server's processes, per request
        print(f"{line}{bare}{r.ours.bad + r.ours.errors:>6}{cpu}", flush=True)
    for (backend, workers, size), peaks in result.peak_mb.items():
        shown = ", ".join(f"{p:.0f}" for p in peaks)
        print(f"  peak memory (VmHWM) of the server, {backend}, {workers} process(es), {size:,} Domains: {shown} MB")
    print("  targets: query p50 at 10k within 3x of 1k; get 1 keeps >= 0.5 of its rate while one client queries;")
    print("           PostgreSQL with 2 processes >= 1.6x the get throughput of 1")
    for line in server_bench.baseline_lines(result):
        print(line)
    if result.slow_plans:
        print(f"  PostgreSQL statements over {server_bench.SLOW_MS} ms: {len(result.slow_plans)}; the slowest of each:")
        for text, plans in server_bench.by_statement(result.slow_plans).items():
            slowest = max(plans, key=server_bench.plan_ms)
            print(f"  {len(plans)} x, the slowest {server_bench.plan_ms(slowest):.0f} ms: {text[:160]}")
            print("\n".join("    " + line for line in slowest.splitlines()[2:14]))  # the plan's top
    for failure in result.failures:
        print(f"  FAILED {failure}")
    return not result.failures


def models(args: argparse.Namespace) -> None:
    print("models: objects/s parsed and validated (ours and pydantic build objects; jsonschema validates only)")
    print(f"  {'shape':<26}{'ours':>12}{'pydantic v2':>14}{'jsonschema':>12}{'vs pydantic':>13}{'vs jsonschema':>15}")
    for r in models_bench.run(0.1 if args.quick else min(args.seconds / 4, 1.0)):
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
        ours = r.median(r.cold)
        spread = f"runs {min(c.seconds for c in r.cold):.2f}-{max(c.seconds for c in r.cold):.2f} s"
        print(f"generation: the full Stalwart registry, {r.files} files, fresh processes, median of {args.repeat}")
        print(f"  {'ours, cold: docs, models, server, client+CLI, formatted':<62}{ours:>7.2f} s  ({spread})")
        for formatting, runs in r.baselines.items():
            theirs = r.median(runs)
            baseline = f"datamodel-code-generator {codegen_bench.dmcg.VERSION}, pydantic v2 models, {formatting}"
            spread = f"runs {min(c.seconds for c in runs):.2f}-{max(c.seconds for c in runs):.2f} s"
            target = ", target >= 10" if formatting == "black+isort" else ""  # the target names its default
            print(f"  {baseline:<62}{theirs:>7.2f} s  ({spread}; ratio to ours {theirs / ours:.1f}x{target})")
        print(f"  (its models module: {r.baseline_bytes / 1000:.0f} KB)")
        print(f"  {'no-op generate (nothing changed)':<62}{r.median(r.noop):>7.2f} s  (target < 0.3)")
        change = f"one-object change ({codegen_bench.EDITED})"
        print(f"  {change:<62}{r.change.seconds:>7.2f} s  {len(r.redone)} of {r.files} outputs redone:")
        for path in r.redone:
            print(f"      {path}")
        ours_mb = statistics.median(c.peak_mb for c in r.cold)
        theirs_mb = {f: statistics.median(b.peak_mb for b in runs) for f, runs in r.baselines.items()}
        print(
            f"  peak memory of the child process alone (ru_maxrss, formatter included), median: ours {ours_mb:.0f} MB"
            f" (target < 300), datamodel-code-generator "
            + ", ".join(f"{mb:.0f} MB ({f})" for f, mb in theirs_mb.items())
        )
        print("start-up: seconds importing (python -X importtime; modules a bare interpreter does not load)")
        print(f"  {'':<40}{'all imports':>12}{'generated':>11}{'process':>9}")
        times = startup_bench.run(r.workspace.out, r.workspace.models, repeat=args.repeat)
        for name, t in times.items():
            print(f"  {name:<40}{t.total:>12.3f}{t.own:>11.3f}{t.process:>9.3f}")
        pydantic = times[startup_bench.BASELINE].total
        print(
            f"  like for like, all models imported: dmcg/ours {pydantic / times[startup_bench.ALL_MODELS].total:.1f}x"
        )
        for name, t in times.items():
            if name not in (startup_bench.BASELINE, startup_bench.ALL_MODELS):
                print(f"  {name} (models loaded lazily): {t.total:.3f} s (target: under 0.3 s)")


# codegen first: writing ~3,000 files, it is the one a disk still busy with the server benchmark's
# database writes would slow down.
BENCHMARKS = {"codegen": codegen, "server": server, "models": models}


def _counts(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split(","))


def main() -> int:
    quick = os.environ.get("BENCH_QUICK", "") not in ("", "0")
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "--seconds", type=float, default=1.0 if quick else 5.0, help="seconds per server figure (default 5)"
    )
    parser.add_argument("--connections", type=int, default=16, help="keep-alive connections (default 16)")
    parser.add_argument(
        "--threads", type=int, default=1, help="wrk threads (default 1: the server needs the other core)"
    )
    parser.add_argument(
        "--sizes",
        type=_counts,
        default=(50, 200) if quick else (1_000, 10_000, 50_000),
        help="Domains stored, e.g. 1000,10000",
    )
    parser.add_argument(
        "--pg-workers",
        type=_counts,
        default=(1, 2) if quick else (1, 2, 4),
        help="PostgreSQL server processes, e.g. 1,2,4",
    )
    parser.add_argument(
        "--repeat", type=int, default=1 if quick else 5, help="runs of each generation figure (default 5, at least 3)"
    )
    parser.add_argument(
        "--only", choices=tuple(BENCHMARKS), help="run one benchmark (codegen includes the CLI start-up)"
    )
    args = parser.parse_args()
    args.quick = quick
    if not quick and args.repeat < 3:
        parser.error("--repeat must be at least 3 (medians); BENCH_QUICK=1 is the smoke run")
    failed = [name for name, bench in BENCHMARKS.items() if args.only in (None, name) and bench(args) is False]
    if failed:
        print(f"error: {', '.join(failed)}: some figures could not be made (FAILED above)")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
