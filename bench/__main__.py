"""Run benchmarks by name: `python -m bench import` (default: every benchmark that exists)."""

from __future__ import annotations

import importlib
import sys

BENCHMARKS = {
    "import": "bench.import_bench",
    "review": "bench.review_bench",
    "stats": "bench.stats_bench",
    "demo": "bench.demo_throughput",
}


def main(argv: list[str]) -> int:
    names = argv or list(BENCHMARKS)
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        print(f"unknown benchmark {', '.join(unknown)}; known: {', '.join(BENCHMARKS)}")
        return 2
    status = 0
    for name in names:
        try:
            module = importlib.import_module(BENCHMARKS[name])
        except ModuleNotFoundError as error:
            if argv:
                print(f"{name}: {error}")
                status = 1
            continue
        status |= int(module.main() or 0)
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
