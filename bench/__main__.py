"""`python -m bench` (`make bench`): run both benchmarks and print figures with their ratios."""

from __future__ import annotations

import argparse

from . import models_bench, server_bench


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--seconds", type=float, default=4.0, help="measuring time per server run (default 4)")
    parser.add_argument("--connections", type=int, default=16, help="keep-alive connections (default 16)")
    parser.add_argument("--only", choices=("server", "models"), help="run one benchmark")
    args = parser.parse_args()
    if args.only != "models":
        print(f"server: POST /api x:SpamDnsblSettings/get, {args.connections} keep-alive connections, loopback")
        runs = server_bench.run(args.seconds, args.connections)
        for name, result in runs.items():
            print(f"  {name:<8} {result.rate:>10,.0f} req/s  ({result.requests} ok, {result.failures} failed)")
        print(f"  ratio generated/bare: {runs['server'].rate / runs['bare'].rate:.2f}  (target >= 0.5)")
    if args.only != "server":
        print("models: objects/s parsed and validated (ours and pydantic build objects; jsonschema validates only)")
        print(
            f"  {'shape':<26}{'ours':>12}{'pydantic v2':>14}{'jsonschema':>12}{'vs pydantic':>13}{'vs jsonschema':>15}"
        )
        for r in models_bench.run(min(args.seconds / 4, 1.0)):
            print(
                f"  {r.shape:<26}{r.ours:>12,.0f}{r.pydantic:>14,.0f}{r.jsonschema:>12,.0f}"
                f"{r.ours / r.pydantic:>13.2f}{r.ours / r.jsonschema:>15.2f}"
            )
        print("  target: ours/pydantic >= 1")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
