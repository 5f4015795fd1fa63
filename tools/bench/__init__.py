"""``pulse-bench``: how fast the regression gate is. Prints a table and writes ``reports/bench.json``.

    pulse-bench                      # every benchmark (a few minutes)
    pulse-bench --only ws_latency    # one of: suite, fuzz, ws_latency, engine, memory, mutation, remote
    pulse-bench --quick              # a smoke version of each, in seconds

Every comparison is a ratio measured within one run, so the figures hold on a shared, loaded machine.
"""

import argparse
import sys
import time
from pathlib import Path

from tools.bench.fuzz import fuzz
from tools.bench.gateway import engine, memory, ws_latency
from tools.bench.mutation import mutation
from tools.bench.remote import remote
from tools.bench.suite import ROOT, suite
from tools.bench.table import BenchRun, render_table, write_json

BENCHMARKS = {
    "suite": suite,
    "fuzz": fuzz,
    "ws_latency": ws_latency,
    "engine": engine,
    "memory": memory,
    "mutation": mutation,
    "remote": remote,
}
DEFAULT_OUTPUT = ROOT / "reports" / "bench.json"


def progress(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def run_benchmarks(names: list[str], quick: bool, repeat: int) -> BenchRun:
    run = BenchRun()
    for name in names:
        started = time.perf_counter()
        options = {"repeat": repeat} if name in ("suite", "fuzz") else {}
        try:
            rows, details = BENCHMARKS[name](quick, progress, **options)
        except Exception as exc:  # one broken benchmark must not hide the others' figures
            progress(f"{name}: FAILED: {exc!r}")
            from tools.bench.table import Row
            rows, details = [Row(name, "benchmark failed", None, note=repr(exc)[:120])], {"error": repr(exc)}
        details["benchmark_seconds"] = time.perf_counter() - started
        run.add(rows, name, details)
        progress(f"{name}: done in {details['benchmark_seconds']:.1f} s")
    return run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="pulse-bench", description=__doc__.splitlines()[0])
    parser.add_argument("--only", action="append", choices=list(BENCHMARKS), metavar="NAME",
                        help=f"run only this benchmark (repeatable): {', '.join(BENCHMARKS)}")
    parser.add_argument("--quick", action="store_true", help="a smoke version of each benchmark")
    parser.add_argument("--repeat", type=int, default=3,
                        help="runs of each suite variant and of each fuzz command (alternating); the median counts "
                             "(default 3)")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="JSON results (default reports/bench.json)")
    parser.add_argument("--markdown", action="store_true", help="print the table as Markdown (for the README)")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    run = run_benchmarks(args.only or list(BENCHMARKS), args.quick, args.repeat)
    print(render_table(run.rows, markdown=args.markdown))
    path = write_json(run, args.output)
    print(f"\nwritten: {path}")
    return 0
