"""Wall time of the full default run against the local gateway, plain and with ``-n 2``, and the xdist speedup."""

import os
import re
import resource
import subprocess
import sys
import time
from pathlib import Path

from tools.bench.stats import median, ratio
from tools.bench.table import Row, Target

ROOT = Path(__file__).resolve().parents[2]
QUICK_FILE = "test_public_auth.py"
DEFAULT_RUN = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
WALL_TIME_TARGET = Target("<=", 15.0)  # seconds, full run on 2 cores with -n 2 (issue #18)
SPEEDUP_TARGET = Target(">=", 1.7)
CORES = os.cpu_count() or 1
RUN_FIELDS = ("seconds", "cpu_seconds", "load_average_1m", "busy_cores_before", "exit_code", "outcome", "summary")
OTHER_WORK_CORES = 0.5  # cores busy with other processes just before a run, above which wall times are suspect
SLOWEST = re.compile(r"^(\d+(?:\.\d+)?)s (?:call|setup|teardown)\s+(\S+)", re.MULTILINE)
SUMMARY = re.compile(r"(\d+) (passed|failed|skipped|errors?|xfailed|xpassed|deselected)")


def children_cpu_seconds() -> float:
    """User + system CPU of every reaped descendant so far (pytest, its xdist workers, their gateways)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def busy_cores(window: float = 0.5, stat: Path = Path("/proc/stat")) -> float | None:
    """How many cores other processes kept busy during ``window`` seconds, measured while none of ours runs.

    The 1-minute load average cannot tell: it still carries the benchmark's own previous run for minutes (a -n 2
    run leaves ~2 behind), so it called an idle machine loaded. None where /proc/stat is missing."""
    def sample() -> tuple[int, int]:
        fields = [int(value) for value in stat.read_text().split("\n", 1)[0].split()[1:]]
        return sum(fields), fields[3] + (fields[4] if len(fields) > 4 else 0)  # all, idle + iowait

    try:
        total_before, idle_before = sample()
        time.sleep(window)
        total, idle = sample()
    except (OSError, ValueError, IndexError):
        return None
    elapsed = total - total_before
    return 0.0 if elapsed <= 0 else round((1 - (idle - idle_before) / elapsed) * CORES, 2)


def timed_run(command: list[str], cwd: Path = ROOT, timeout: float = 900.0) -> dict:
    """Run a command to completion: wall and CPU seconds, exit code, the pytest outcome counts of its last line.

    CPU seconds barely move with load from other processes, so they show what a variant costs even when the
    wall time on a shared machine does not.
    """
    load = os.getloadavg()[0]
    busy = busy_cores()
    cpu_before = children_cpu_seconds()
    started = time.perf_counter()
    completed = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    seconds = time.perf_counter() - started
    cpu_seconds = children_cpu_seconds() - cpu_before
    last_lines = [line for line in completed.stdout.splitlines() if line.strip()][-1:]
    counts = {kind: int(n) for n, kind in SUMMARY.findall(last_lines[0])} if last_lines else {}
    return {"seconds": seconds, "cpu_seconds": cpu_seconds, "load_average_1m": load, "busy_cores_before": busy,
            "exit_code": completed.returncode, "outcome": counts,
            "summary": last_lines[0] if last_lines else "", "stdout": completed.stdout, "stderr": completed.stderr}


def slowest_test(pytest_output: str) -> tuple[float, str] | None:
    """(seconds, node id) of the first ``--durations`` line: one item no number of workers can split."""
    match = SLOWEST.search(pytest_output)
    return (float(match.group(1)), match.group(2)) if match else None


def quick_file() -> Path:
    """The one suite file a --quick run takes: public/auth's, in whichever doc-section folder it lives."""
    found = sorted(ROOT.glob(f"suites/**/{QUICK_FILE}"))
    if not found:
        raise RuntimeError(f"no suites/**/{QUICK_FILE} for the --quick suite run")
    return found[0]


def suite(quick: bool, progress, repeat: int = 3) -> tuple[list[Row], dict]:
    """Plain and ``-n 2`` runs alternate, so machine load drifting during the benchmark hits both alike."""
    extra = [str(quick_file().relative_to(ROOT))] if quick else []
    variants = {"plain": DEFAULT_RUN + ["--durations=1"] + extra, "xdist -n 2": DEFAULT_RUN + ["-n", "2"] + extra,
                "collect only": DEFAULT_RUN + ["--co"] + extra}
    runs: dict[str, list[dict]] = {name: [] for name in variants}
    for attempt in range(1 if quick else repeat):
        for name, command in variants.items():
            run = timed_run(command)
            progress(f"suite: {name} run {attempt + 1}: {run['seconds']:.1f} s wall, {run['cpu_seconds']:.1f} s CPU, "
                     f"load {run['load_average_1m']:.1f}, other work {run['busy_cores_before']} cores "
                     f"({run['summary'] or 'no summary'})")
            runs[name].append({key: run[key] for key in RUN_FIELDS})
            if name == "plain":
                runs[name][-1]["slowest"] = slowest_test(run["stdout"])
    medians = {name: median([r["seconds"] for r in results]) for name, results in runs.items()}
    cpu = {name: median([r["cpu_seconds"] for r in results]) for name, results in runs.items()}
    outcome = runs["plain"][-1]["outcome"]
    note = "" if all(r["exit_code"] == 0 for rs in runs.values() for r in rs) else "some runs had failing tests"
    busy = max((r["busy_cores_before"] or 0.0) for rs in runs.values() for r in rs)
    if busy > OTHER_WORK_CORES:  # other processes had the cores: the wall times are not this suite's
        note = "; ".join(filter(None, (note, f"machine busy (other processes used up to {busy:.1f} of {CORES} cores "
                                             "just before a run): wall times inflated, CPU rows hold")))
    slowest = runs["plain"][-1].get("slowest")
    tests = sum(n for kind, n in outcome.items() if kind in ("passed", "failed", "xfailed", "xpassed"))
    rows = [
        Row("suite", f"default run, plain ({tests} tests)", medians["plain"], "s", note=note),
        Row("suite", "default run, -n 2", medians["xdist -n 2"], "s", WALL_TIME_TARGET, note=note),
        Row("suite", "xdist speedup (plain / -n 2)", ratio(medians["plain"], medians["xdist -n 2"]), "x",
            SPEEDUP_TARGET),
        Row("suite", "CPU of the -n 2 run (every process, gateways included)", cpu["xdist -n 2"], "s",
            note=f"at best / {CORES} cores: the wall time an idle machine could reach"),
        Row("suite", "CPU: -n 2 / plain", ratio(cpu["xdist -n 2"], cpu["plain"]), "x",
            note="above 1: what the workers add; 2 cores can speed up at most 2 / this"),
        Row("suite", "fixed cost: start + collect only", medians["collect only"], "s"),
        Row("suite", "longest single test, share of plain run", ratio(slowest[0], medians["plain"]) if slowest else None,
            "x", note=f"{slowest[1]}: -n 2 cannot beat {slowest[0]:.1f} s + start" if slowest else ""),
    ]
    return rows, {"repeat": len(runs["plain"]), "medians_s": medians, "median_cpu_s": cpu, "runs": runs}
