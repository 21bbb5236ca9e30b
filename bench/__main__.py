"""Run the benchmarks: `python -m bench` (full) or `python -m bench --tiny` (the smoke-test sizes)."""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from bench import record_scaling
from bench.databases import postgres_url
from bench.harness import BenchResult, print_results, save_results, skipped

FULL = {"record_small": 1_000, "record_large": 500_000}
TINY = {"record_small": 200, "record_large": 2_000}


def main(argv: list[str] | None = None) -> int:
    """Run every benchmark, print the ratios with their goals and write bench/results.json."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tiny", action="store_true", help="tiny sizes, to check that the benchmarks work")
    parser.add_argument("--output", type=Path, default=Path("bench/results.json"))
    args = parser.parse_args(argv)
    sizes = TINY if args.tiny else FULL
    backends = ["sqlite"] + (["postgresql"] if postgres_url() else [])
    results: list[BenchResult] = []
    with tempfile.TemporaryDirectory(prefix="warta-bench-") as folder:
        for backend in backends:
            results.append(record_scaling.run(backend, Path(folder), sizes["record_small"], sizes["record_large"]))
        if "postgresql" not in backends:
            results.append(skipped("record one page (postgresql)", "PostgreSQL is not reachable"))
    print_results(results)
    save_results(results, args.output)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
