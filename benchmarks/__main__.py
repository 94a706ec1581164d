"""Command line: ``python -m benchmarks NAME [--scale N] [--repeat R] [--database-url URL]``."""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
from typing import cast

from benchmarks import BENCHMARKS, Benchmark
from benchmarks.harness import BenchmarkFailed, positive_int, progress


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Run one benchmark; its JSON result is the last line of stdout, progress goes to stderr.",
    )
    subparsers = parser.add_subparsers(dest="benchmark", required=True, metavar="NAME")
    for name, module_name in BENCHMARKS.items():
        module = cast(Benchmark, importlib.import_module(module_name))
        sub = subparsers.add_parser(name, help=module.HELP, description=module.HELP)
        sub.add_argument(
            "--scale",
            type=positive_int,
            default=module.DEFAULT_SCALE,
            help="students in the demo database (default: %(default)s)",
        )
        sub.add_argument(
            "--repeat",
            type=positive_int,
            default=module.DEFAULT_REPEAT,
            help="timed runs of each measured thing, after the warm-ups (default: %(default)s)",
        )
        sub.add_argument(
            "--database-url",
            default=os.environ.get("DATABASE_URL") or None,
            help="SQLAlchemy URL choosing the backend (default: $DATABASE_URL, else SQLite). "
            "On PostgreSQL a temporary database is created on that server and dropped "
            "afterwards; on SQLite a temporary file is used. The given database itself "
            "is never written.",
        )
        module.add_arguments(sub)
        sub.set_defaults(module=module)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    module = cast(Benchmark, args.module)
    try:
        result = module.run(args)
    except BenchmarkFailed as error:
        progress("benchmark %s FAILED: %s", args.benchmark, error)
        return 1
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
