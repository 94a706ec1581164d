"""Benchmarks of the academy app: ``python -m benchmarks NAME [--scale N]``.

Each benchmark is a module listed in :data:`BENCHMARKS` that follows :class:`Benchmark`; it prints
progress on stderr and its result as one JSON object on the last line of stdout (see DESIGN.md).
To add one, write ``benchmarks/<name>.py`` and list it here.
"""

from __future__ import annotations

import argparse
from typing import Any, Protocol

# name -> module; modules are imported when the command line is built.
BENCHMARKS: dict[str, str] = {
    "certificates": "benchmarks.certificates",
    "enrol": "benchmarks.enrol",
    "gradebook": "benchmarks.gradebook",
    "import": "benchmarks.imports",
    "pages": "benchmarks.pages",
}


class Benchmark(Protocol):
    """What a benchmark module provides (as module-level names)."""

    HELP: str
    DEFAULT_SCALE: int
    DEFAULT_REPEAT: int

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        """Options of this benchmark beyond the common --scale, --repeat and --database-url."""

    def run(self, args: argparse.Namespace) -> dict[str, Any]:
        """Run and return the result object; raise ``harness.BenchmarkFailed`` to fail."""
