"""``pulse-mutation``: the detection-power campaign.

For every catalogued fault of the reference gateway, run the suites its ``markers`` name against a gateway
with that fault switched in, and expect them to go red. A fault the suites do not catch *survived*: a gateway
bug of that kind would reach dev or staging unnoticed.

    pulse-mutation                          # every fault, 2 at a time; reports/mutation.{json,md}
    pulse-mutation --fault NAME --fault N2  # just these
    pulse-mutation --gate                   # also the clean suite once; exit 1 on a survivor or a false alarm

It also runs the mirror image: every catalogued *deviation* (a benign latitude of a correct staging gateway,
``pulse-refgw --list-deviations``) against the suites its markers name, expecting them to stay GREEN; a red run is
a false alarm (a test that would fail on a legitimate shared gateway).

    pulse-mutation --only-deviations        # just the deviations; --deviation NAME for some of them
    pulse-mutation --gate --with-deviations # the gate also fails on a red deviation
"""

import argparse
import json
import re
import statistics
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REPORTS = ROOT / "reports"
KILLED, SURVIVED, TIMEOUT, ERROR = "killed", "survived", "timeout", "error"
GREEN, RED = "green", "red"  # a deviation run: the suite stayed green, or went red (a false alarm)
FAULT, DEVIATION = "fault", "deviation"
PYTEST_FAILED, PYTEST_PASSED, PYTEST_NO_TESTS = 1, 0, 5
SUMMARY_LINE = re.compile(r"^(FAILED|ERROR) (?P<nodeid>\S+?)(?: - .*)?$")
DEVIATION_GATE = ROOT / "spec" / "known_failures" / "deviations.toml"


@dataclass(frozen=True)
class Fault:
    name: str
    area: str
    description: str
    markers: str
    kind: str = FAULT  # fault (must turn the suite red) | deviation (must leave it green)


@dataclass
class Outcome:
    fault: str
    area: str
    markers: str
    status: str  # killed | survived | timeout | error
    first_failure: str | None
    seconds: float
    detail: str = ""
    kind: str = FAULT


# ---------------------------------------------------------------------------------------------- catalogue
def load_catalogue(python: str = sys.executable, kind: str = FAULT) -> list[Fault]:
    """The reference gateway's fault (or deviation) catalogue, as its CLI lists it (the harness never imports the
    gateway)."""
    listed = subprocess.run([python, "-m", "reference_gateway", f"--list-{kind}s", "--json"], cwd=ROOT,
                            capture_output=True, text=True, timeout=60, check=True)
    return [Fault(**entry, kind=kind) for entry in json.loads(listed.stdout)]


# ---------------------------------------------------------------------------------------------- one run
def pytest_command(markers: str | None, faults: Sequence[str], junit: Path, extra: Sequence[str] = (),
                   python: str = sys.executable, deviations: Sequence[str] = ()) -> list[str]:
    """The pytest run for one fault (or, with no fault, the clean suite). ``-o addopts=`` keeps out whatever a
    developer put there (e.g. ``-n``); ``--strict-markers`` and the bytecode cache (harness/bytecode_cache.py: ~3.5 s
    of CPU a run under PYTHONDONTWRITEBYTECODE) are restated."""
    command = [python, "-m", "pytest", "-q", "-p", "harness.bytecode_cache", "-p", "no:cacheprovider",
               "-p", "no:allure_pytest", "-o", "addopts=", "--strict-markers", "-rfE", f"--junitxml={junit}"]
    if markers:
        command += ["-m", markers]
    for name in faults:
        command += ["--fault", name]
    for name in deviations:
        command += ["--deviation", name]
    if deviations:  # judged as a correct gateway: readings may disagree (reported), the doc's words may not
        command += ["--known-failures", str(DEVIATION_GATE)]
    return command + list(extra)


def first_failure(output: str, junit: Path | None = None) -> str | None:
    """The node id of the first failing test: from pytest's short summary (``-rfE``), else from the JUnit XML."""
    for line in output.splitlines():
        match = SUMMARY_LINE.match(line.strip())
        if match:
            return match["nodeid"]
    if junit is None or not junit.exists():
        return None
    try:
        tree = ET.parse(junit)
    except ET.ParseError:
        return None
    for case in tree.iter("testcase"):
        if case.find("failure") is not None or case.find("error") is not None:
            module, _, klass = case.get("classname", "").partition(".Test")
            path = module.replace(".", "/") + ".py"
            return f"{path}::{'Test' + klass + '::' if klass else ''}{case.get('name')}"
    return None


def classify(returncode: int | None, timed_out: bool) -> str:
    """A fault run's verdict from pytest's exit status (1: some test failed = the fault was caught)."""
    if timed_out:
        return TIMEOUT
    if returncode == PYTEST_FAILED:
        return KILLED
    if returncode == PYTEST_PASSED:
        return SURVIVED
    return ERROR  # 2 interrupted, 3 internal error, 4 usage error, 5 no tests selected by the markers


Runner = Callable[[list[str], float], tuple[int | None, str, bool]]


def run_subprocess(command: list[str], timeout: float) -> tuple[int | None, str, bool]:
    """(exit status, combined output, timed out)."""
    try:
        done = subprocess.run(command, check=False, cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired as expired:
        output = expired.stdout or ""
        return None, output if isinstance(output, str) else output.decode(errors="replace"), True
    return done.returncode, done.stdout + done.stderr, False


def run_fault(fault: Fault, timeout: float, runner: Runner = run_subprocess) -> Outcome:
    """One fault run (red expected) or one deviation run (green expected), with -x: stop at the first failure."""
    switched = {FAULT: ([fault.name], ()), DEVIATION: ((), [fault.name])}[fault.kind]
    with tempfile.TemporaryDirectory(prefix="pulse-mutation-") as tmp:
        junit = Path(tmp) / "junit.xml"
        started = time.monotonic()
        command = pytest_command(fault.markers, switched[0], junit, ["-x"], deviations=switched[1])
        returncode, output, timed_out = runner(command, timeout)
        seconds = round(time.monotonic() - started, 2)
        status = classify(returncode, timed_out)
        failing = first_failure(output, junit) if status in (KILLED, TIMEOUT) else None
    if fault.kind == DEVIATION:
        status = {KILLED: RED, SURVIVED: GREEN}.get(status, status)
    detail = ""
    if status == ERROR and returncode == PYTEST_NO_TESTS:
        detail = f"no test selected by -m {fault.markers!r} (pytest exit status 5)"
    elif status == ERROR:
        detail = f"pytest exit status {returncode}: " + " | ".join(output.strip().splitlines()[-3:])
    elif status == TIMEOUT:
        detail = f"no verdict within {timeout:.0f}s"
    return Outcome(fault.name, fault.area, fault.markers, status, failing, seconds, detail, fault.kind)


# ---------------------------------------------------------------------------------------------- campaign
def run_campaign(faults: Sequence[Fault], jobs: int, timeout: float, runner: Runner = run_subprocess,
                 echo: Callable[[str], None] = print) -> list[Outcome]:
    outcomes: list[Outcome] = []
    width = max((len(f.name) for f in faults), default=10)
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = {pool.submit(run_fault, fault, timeout, runner): fault for fault in faults}
        for done, future in enumerate(as_completed(futures), 1):
            outcome = future.result()
            outcomes.append(outcome)
            by = f"by {outcome.first_failure}" if outcome.first_failure else outcome.detail
            echo(f"[{done}/{len(faults)}] {outcome.status:8} {outcome.fault:{width}}  {by}  {outcome.seconds:.1f}s")
    order = {f.name: i for i, f in enumerate(faults)}
    return sorted(outcomes, key=lambda o: order[o.fault])


def summarise(outcomes: Sequence[Outcome], wall_seconds: float, clean: dict | None = None) -> dict:
    """Fault figures at the top level (as before deviations existed); deviation runs under ``deviations``."""
    deviations = [o for o in outcomes if o.kind == DEVIATION]
    outcomes = [o for o in outcomes if o.kind == FAULT]
    killed = [o for o in outcomes if o.status == KILLED]
    return {
        "faults": len(outcomes),
        "killed": len(killed),
        "survived": [o.fault for o in outcomes if o.status == SURVIVED],
        "timeout": [o.fault for o in outcomes if o.status == TIMEOUT],
        "error": [o.fault for o in outcomes if o.status == ERROR],
        "score": round(len(killed) / len(outcomes), 4) if outcomes else None,
        "median_seconds_to_kill": round(statistics.median(o.seconds for o in killed), 2) if killed else None,
        "wall_seconds": round(wall_seconds, 1),
        "clean_run": clean,
        "outcomes": [asdict(o) for o in outcomes],
        "deviations": {
            "runs": len(deviations),
            **{status: [o.fault for o in deviations if o.status == status] for status in (GREEN, RED, TIMEOUT, ERROR)},
            "outcomes": [asdict(o) for o in deviations],
        },
    }


def render_markdown(summary: dict) -> str:
    lines = ["# Mutation campaign", ""]
    if summary["faults"]:
        lines += [(f"Score **{summary['killed']}/{summary['faults']}** ({(summary['score'] or 0) * 100:.0f} %), "
                   f"median time to kill {summary['median_seconds_to_kill']} s, wall time {summary['wall_seconds']} s."),
                  ""]
    clean = summary.get("clean_run")
    if clean:
        verdict = "no false alarm" if not clean["failures"] else "FALSE ALARM: " + ", ".join(clean["failed"])
        lines += [f"Clean gateway: {clean['failures']} failure(s) in {clean['seconds']} s ({verdict}).", ""]
    if summary["faults"]:
        lines += outcome_table("Fault", summary["outcomes"])
    else:
        lines.append(f"No fault run; wall time {summary['wall_seconds']} s.")
    deviations = summary.get("deviations") or {"runs": 0}
    if deviations["runs"]:
        lines += ["", "## Deviations (benign staging latitudes: the suite must stay green)", "",
                  f"**{len(deviations[GREEN])}/{deviations['runs']}** green; red (false alarms): "
                  f"{', '.join(f'`{name}`' for name in deviations[RED]) or 'none'}.", ""]
        lines += outcome_table("Deviation", deviations["outcomes"])
    return "\n".join(lines) + "\n"


def outcome_table(title: str, outcomes: Sequence[dict]) -> list[str]:
    lines = [f"| {title} | Area | Markers | Status | First failing test | Seconds |", "| --- | --- | --- | --- | --- | --- |"]
    for o in outcomes:
        test = f"`{o['first_failure']}`" if o["first_failure"] else o["detail"].replace("|", "/")
        lines.append(f"| `{o['fault']}` | {o['area']} | `{o['markers']}` | {o['status']} | {test} | {o['seconds']} |")
    return lines


def run_clean(timeout: float, workers: int, runner: Runner = run_subprocess) -> dict:
    """The whole suite once against the clean gateway: every failure is a false alarm."""
    with tempfile.TemporaryDirectory(prefix="pulse-mutation-clean-") as tmp:
        junit = Path(tmp) / "junit.xml"
        extra = ["-n", str(workers)] if workers > 1 else []
        started = time.monotonic()
        returncode, output, timed_out = runner(pytest_command(None, [], junit, extra), timeout)
        failed = [m["nodeid"] for line in output.splitlines() if (m := SUMMARY_LINE.match(line.strip()))]
    ok = returncode == PYTEST_PASSED and not timed_out
    if not ok and not failed:
        failed = [f"pytest exit status {returncode}{' (timeout)' if timed_out else ''}"]
    return {"failures": 0 if ok else len(failed), "failed": failed, "seconds": round(time.monotonic() - started, 1),
            "exit_status": returncode}


def gate_verdict(summary: dict, with_deviations: bool = False) -> tuple[bool, list[str]]:
    """Pass only if every fault was killed and the clean gateway showed no failure (and, ``with_deviations``,
    every deviation run stayed green)."""
    reasons = [f"{len(summary[k])} fault(s) {k}: {', '.join(summary[k])}" for k in ("survived", "timeout", "error")
               if summary[k]]
    deviations = summary.get("deviations") or {"runs": 0}
    if with_deviations:
        reasons += [f"{len(deviations[k])} deviation(s) {k}{' (false alarm)' if k == RED else ''}: "
                    f"{', '.join(deviations[k])}" for k in (RED, TIMEOUT, ERROR) if deviations[k]]
        if not deviations["runs"]:
            reasons.append("no deviation was run")
    clean = summary.get("clean_run")
    if clean is None:
        reasons.append("the clean suite was not run")
    elif clean["failures"]:
        reasons.append(f"false alarm: the clean gateway failed {', '.join(clean['failed'][:10])}")
    return not reasons, reasons


def select(parser: argparse.ArgumentParser, args: argparse.Namespace) -> list[Fault]:
    """The runs asked for: named faults/deviations if any are named, else every fault and (unless --only-faults,
    or --gate without --with-deviations) every deviation."""
    named = bool(args.fault or args.deviation)
    wanted = {FAULT: not args.only_deviations and (args.fault or not named),
              DEVIATION: not args.only_faults and (args.deviation or (not named and (args.with_deviations or
                                                                                    not args.gate)))}
    runs: list[Fault] = []
    for kind, names in ((FAULT, args.fault), (DEVIATION, args.deviation)):
        if not wanted[kind]:
            continue
        catalogue = load_catalogue(kind=kind)
        unknown = sorted(set(names) - {f.name for f in catalogue})
        if unknown:
            parser.error(f"unknown {kind}(s) {unknown}; pulse-refgw --list-{kind}s shows the catalogue")
        runs += [f for f in catalogue if not names or f.name in names]
    return runs


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="pulse-mutation", description=__doc__.split("\n\n")[0])
    parser.add_argument("--fault", action="append", default=[], metavar="NAME", help="run only these faults")
    parser.add_argument("--deviation", action="append", default=[], metavar="NAME", help="run only these deviations")
    parser.add_argument("--only-faults", action="store_true", help="no deviation runs")
    parser.add_argument("--only-deviations", action="store_true", help="no fault runs")
    parser.add_argument("--jobs", type=int, default=2, help="runs in parallel (default 2)")
    parser.add_argument("--timeout", type=float, default=180, help="seconds per run (default 180)")
    parser.add_argument("--gate", action="store_true",
                        help="also run the clean suite (-n 2); exit 1 if a fault survives or the clean run fails")
    parser.add_argument("--with-deviations", action="store_true",
                        help="with --gate: also run every deviation and fail on a red one (a false alarm)")
    parser.add_argument("--out", type=Path, default=REPORTS, help="where mutation.json/.md go (default reports/)")
    args = parser.parse_args(argv)
    if args.only_faults and args.only_deviations:
        parser.error("--only-faults and --only-deviations exclude each other")

    runs = select(parser, args)
    started = time.monotonic()
    clean = None
    if args.gate:
        print("== clean gateway, whole suite (-n 2): every failure is a false alarm", flush=True)
        clean = run_clean(timeout=max(args.timeout, 600), workers=2)
        print(f"   {clean['failures']} failure(s) in {clean['seconds']} s", flush=True)
    counts = {kind: sum(r.kind == kind for r in runs) for kind in (FAULT, DEVIATION)}
    print(f"== {counts[FAULT]} fault(s) (red expected), {counts[DEVIATION]} deviation(s) (green expected), "
          f"{args.jobs} at a time", flush=True)
    outcomes = run_campaign(runs, args.jobs, args.timeout, echo=lambda line: print(line, flush=True))
    summary = summarise(outcomes, time.monotonic() - started, clean)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "mutation.json").write_text(json.dumps(summary, indent=2) + "\n")
    (args.out / "mutation.md").write_text(render_markdown(summary))
    deviations = summary["deviations"]
    print(f"score {summary['killed']}/{summary['faults']}, median time to kill {summary['median_seconds_to_kill']} s; "
          f"deviations green {len(deviations[GREEN])}/{deviations['runs']}; wall {summary['wall_seconds']} s; "
          f"{args.out / 'mutation.md'}")
    if not args.gate:
        return 0 if summary["killed"] == summary["faults"] and len(deviations[GREEN]) == deviations["runs"] else 1
    passed, reasons = gate_verdict(summary, with_deviations=args.with_deviations)
    print("mutation gate: PASS" if passed else "mutation gate: FAIL\n  " + "\n  ".join(reasons))
    return 0 if passed else 1

if __name__ == "__main__":
    sys.exit(main())
