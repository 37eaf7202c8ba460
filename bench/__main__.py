"""Run benchmarks by name: `python -m bench import` (default: every benchmark that exists, but
the GPU check). Options after one name go to that benchmark: `python -m bench gpu --steps 5`."""

from __future__ import annotations

import importlib
import sys

BENCHMARKS = {
    "import": "bench.import_bench",
    "review": "bench.review_bench",
    "stats": "bench.stats_bench",
    "demo": "bench.demo_throughput",
    "lessons": "bench.lessons",
    "gpu": "bench.gpu",
}
#: Run only when named: the GPU check takes up to ten minutes of a GPU machine.
ON_REQUEST = {"gpu"}


def main(argv: list[str]) -> int:
    first_option = next((i for i, arg in enumerate(argv) if arg.startswith("-")), len(argv))
    names, options = argv[:first_option], argv[first_option:]
    names = names or [n for n in BENCHMARKS if n not in ON_REQUEST]
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        print(f"unknown benchmark {', '.join(unknown)}; known: {', '.join(BENCHMARKS)}")
        return 2
    if options and len(names) != 1:
        print(f"options {' '.join(options)} need exactly one benchmark name before them")
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
        status |= int((module.main(options) if options else module.main()) or 0)
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
