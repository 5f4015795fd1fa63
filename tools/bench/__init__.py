"""``pulse-bench``: how fast the regression gate is. Prints a table and writes ``reports/bench.json``.

    pulse-bench                      # every benchmark (a few minutes)
    pulse-bench --only ws_latency    # one of: suite, fuzz, ws_latency, engine, memory, mutation, remote
    pulse-bench --quick              # a smoke version of each, in seconds

Every comparison is a ratio measured within one run, so the figures hold on a shared, loaded machine.
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

from tools.bench.fuzz import fuzz
from tools.bench.gateway import engine, memory, ws_latency
from tools.bench.mutation import mutation
from tools.bench.remote import remote
from tools.bench.suite import ROOT, suite
from tools.bench.table import BenchRun, Row, render_table, write_json

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


REFERENCE_LOOP = 3_000_000


def reference_loop_seconds(runs: int = 3) -> float:
    """The machine's own speed: the median time of a fixed pure-Python loop in this process.

    The suite's wall times are CPU-bound Python, and this VM's speed moves: a pure-Python loop of 10^7 additions
    took 0.84 to 1.56 s within one hour on 2026-12-02, and a whole -n 2 run took 14.6 s one day, 33 s the next
    (its CPU 24.8 s, 59.7 s). Measured before and
    after the benchmarks, it tells a reader whether two tables' seconds are comparable (ratios within one run
    are, whatever the machine)."""
    samples = []
    for _ in range(runs):
        started, total = time.perf_counter(), 0
        for number in range(REFERENCE_LOOP):
            total += number
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def machine_rows(before: float, after: float) -> list[Row]:
    note = "median of 3 runs of a fixed pure-Python loop; compare tables' seconds only at similar figures"
    return [Row("machine", "reference loop before the benchmarks", before, "s", note=note),
            Row("machine", "reference loop after the benchmarks", after, "s", note="apart by more than ~10 %: the "
                "machine's speed moved during the run")]


def run_benchmarks(names: list[str], quick: bool, repeat: int) -> BenchRun:
    run = BenchRun()
    before = reference_loop_seconds()
    progress(f"machine: reference loop {before:.3f} s")
    for name in names:
        started = time.perf_counter()
        options = {"repeat": repeat} if name in ("suite", "fuzz") else {}
        try:
            rows, details = BENCHMARKS[name](quick, progress, **options)
        except Exception as exc:  # one broken benchmark must not hide the others' figures
            progress(f"{name}: FAILED: {exc!r}")
            rows, details = [Row(name, "benchmark failed", None, note=repr(exc)[:120])], {"error": repr(exc)}
        details["benchmark_seconds"] = time.perf_counter() - started
        run.add(rows, name, details)
        progress(f"{name}: done in {details['benchmark_seconds']:.1f} s")
    after = reference_loop_seconds()
    progress(f"machine: reference loop {after:.3f} s")
    run.add(machine_rows(before, after), "machine", {"reference_loop_seconds": {"before": before, "after": after},
                                                     "reference_loop_iterations": REFERENCE_LOOP})
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
