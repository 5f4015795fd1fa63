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

Scaled out over a CI job matrix (no scheduler of its own): ``--shard K/N`` runs the K-th of N deterministic parts
of the campaign (the clean run, the faults and the deviations, balanced by ci/mutation-seconds.json) and writes
reports/mutation/shard-K-of-N.json; ``--merge FILES...`` joins the shard reports into reports/mutation.{json,md}
and applies the gate (a missing shard, or a run in two shards, fails it too).

    pulse-mutation --gate --with-deviations --shard 2/4
    pulse-mutation --merge reports/mutation/shard-*-of-4.json

Remote mode (``--remote``): each run goes against its own staging simulator (``pulse-refgw --profile staging``
plus the fault) with the suites in remote mode (``--env sim``: local_only and account_wide deselected, one
transport per case), unpaced unless ``--requests-per-second``/``--request-budget`` say otherwise; reports go to
reports/mutation-remote.{json,md} (shards under reports/mutation-remote/).
"""

import argparse
import contextlib
import dataclasses
import json
import os
import re
import signal
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

from harness.checks import READING

ROOT = Path(__file__).resolve().parent.parent
REPORTS = ROOT / "reports"
KILLED, SURVIVED, TIMEOUT, ERROR = "killed", "survived", "timeout", "error"
# A deviation run is the whole suite under one benign deviation: rate_limited took 170 s of the 180 s default in a
# loaded fresh-clone CI run, so a deviation gets at least this long before it counts as a timeout (a false alarm).
DEVIATION_MIN_TIMEOUT = 420
GREEN, RED = "green", "red"  # a deviation run: the suite stayed green, or went red (a false alarm)
FAULT, DEVIATION = "fault", "deviation"
PYTEST_FAILED, PYTEST_PASSED, PYTEST_NO_TESTS = 1, 0, 5
SUMMARY_LINE = re.compile(r"^(FAILED|ERROR) (?P<nodeid>\S+?)(?: - .*)?$")
DEVIATION_GATE = ROOT / "spec" / "known_failures" / "deviations.toml"
SIMULATOR_GATE = ROOT / "spec" / "known_failures" / "sim.toml"  # names the simulator profile's departures
TIMINGS = ROOT / "ci" / "mutation-seconds.json"
CLEAN = "clean"  # the clean run's id in a sharded campaign
SIMULATOR_PROFILE = "staging"
FINAL_LINE = re.compile(r"^=*\s*(?P<counts>\d+ (passed|failed|skipped|deselected|error).*?)(?: in [\d.]+s.*)?=*$")


@dataclass(frozen=True)
class Target:
    """Where the runs go: the embedded reference gateway (local mode, the default), or a staging simulator per
    run with the suites in remote mode (``--env sim``), at this pace and budget (0: unpaced, unlimited)."""
    remote: bool = False
    requests_per_second: float = 0
    request_budget: int = 0

    @property
    def report_stem(self) -> str:
        return "mutation-remote" if self.remote else "mutation"

    def pytest_options(self, rest_base: str, ws_url: str, deviation: bool = False) -> list[str]:
        """Remote mode against the simulator at these URLs; a deviation run is judged as a correct gateway is
        (DEVIATION_GATE, as pytest_command does locally), any other as remote runs are (sim.toml)."""
        return ["--env", "sim", "--base-url", rest_base, "--ws-url", ws_url,
                "--requests-per-second", f"{self.requests_per_second:g}", "--request-budget", str(self.request_budget),
                *(["--known-failures", str(DEVIATION_GATE)] if deviation else [])]

    @property
    def departures(self) -> tuple[str, ...]:
        """The readings the runs' gateway departs from by design before a deviation is switched in: remotely the
        staging simulator profile's (sim.toml ``reported_readings``, which tests/test_verdicts.py keeps equal to
        the profile's deviations), locally none (the reference gateway follows every reading)."""
        if not self.remote:
            return ()
        from harness.regression_gate import load_reported_readings  # imports pytest: only where remote runs are judged

        return load_reported_readings(SIMULATOR_GATE) or ()


LOCAL = Target()


@contextlib.contextmanager
def remote_gateway(faults: Sequence[str] = (), deviations: Sequence[str] = ()):
    """A staging simulator private to one run, with the fault (or deviation) switched in: (REST base, WS URL)."""
    from harness.local import LocalGateway  # the gateway runs as a subprocess: its faults switch in by CLI option

    gateway = LocalGateway(tuple(faults), deviations=tuple(deviations), profile=SIMULATOR_PROFILE)
    try:
        yield gateway.rest_base, gateway.ws_url
    finally:
        gateway.stop()


@dataclass(frozen=True)
class Fault:
    name: str
    area: str
    description: str
    markers: str
    kind: str = FAULT  # fault (must turn the suite red) | deviation (must leave it green)
    contradicts: tuple[str, ...] = ()  # a deviation: the readings it departs from by design (reference_gateway)


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
    reported: list[str] | None = None  # remote mode: failures the remote gate reported, not failing (non-strict)


# ---------------------------------------------------------------------------------------------- catalogue
def load_catalogue(python: str = sys.executable, kind: str = FAULT) -> list[Fault]:
    """The reference gateway's fault (or deviation) catalogue, as its CLI lists it (the catalogue the gateway
    process itself would load)."""
    listed = subprocess.run([python, "-m", "reference_gateway", f"--list-{kind}s", "--json"], cwd=ROOT,
                            capture_output=True, text=True, timeout=60, check=True)
    return [Fault(**{**entry, "contradicts": tuple(entry.get("contradicts", ()))}, kind=kind)
            for entry in json.loads(listed.stdout)]


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
            return node_id(case)
    return None


def node_id(case: ET.Element) -> str:
    """A JUnit testcase's pytest node id (``suites/x/test_y.py::test_z[p]``, a class kept as ``::TestC::``)."""
    module, _, klass = case.get("classname", "").partition(".Test")
    path = module.replace(".", "/") + ".py"
    return f"{path}::{'Test' + klass + '::' if klass else ''}{case.get('name')}"


def non_strict_failures(junit: Path) -> list[str]:
    """Cases whose failure the run's gate reported instead of failing (an xfail "non-strict: I-NNN", e.g. a
    check resting on a reading, which the remote policy does not fail on)."""
    return list(non_strict_readings(junit))


def non_strict_readings(junit: Path) -> dict[str, list[str]]:
    """Each non-strict report of the run (``non_strict_failures``) with the readings it rests on."""
    try:
        tree = ET.parse(junit)
    except (OSError, ET.ParseError):
        return {}
    return {node_id(case): READING.findall(skipped.get("message", "")) for case in tree.iter("testcase")
            if (skipped := case.find("skipped")) is not None and skipped.get("type") == "pytest.xfail"
            and skipped.get("message", "").startswith("non-strict")}


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


def run_environment(environ=os.environ) -> dict[str, str]:
    """The campaign's runs judge verdicts, not reproducers: hypothesis does not shrink a failing example
    (PULSE_HYPOTHESIS_SHRINK=0, read by conftest.py). Red or green is the same either way; a deviation whose cases
    fail took 158 s with shrinking and 64 s without (lists_in_another_order, twelfth session)."""
    return {**environ, "PULSE_HYPOTHESIS_SHRINK": "0"}


def run_subprocess(command: list[str], timeout: float) -> tuple[int | None, str, bool]:
    """(exit status, combined output, timed out). The run gets a process group of its own, so a run that times out
    takes its gateway (and xdist workers) with it instead of leaving them running under init."""
    with subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          start_new_session=True, env=run_environment()) as process:
        try:
            output, _ = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            output, _ = process.communicate()
            return None, output or "", True
        return process.returncode, output, False


def run_fault(fault: Fault, timeout: float, runner: Runner = run_subprocess, target: Target = LOCAL) -> Outcome:
    """One fault run (red expected) or one deviation run (green expected), with -x: stop at the first failure."""
    switched = {FAULT: ([fault.name], ()), DEVIATION: ((), [fault.name])}[fault.kind]
    if fault.kind == DEVIATION:  # green needs the whole selection to finish (a fault's run stops at its first red)
        timeout = max(timeout, DEVIATION_MIN_TIMEOUT)
    with tempfile.TemporaryDirectory(prefix="pulse-mutation-") as tmp:
        junit = Path(tmp) / "junit.xml"
        started = time.monotonic()
        if target.remote:  # the simulator takes the fault; pytest only sees a remote gateway
            with remote_gateway(*switched) as (rest_base, ws_url):
                extra = ["-x", *target.pytest_options(rest_base, ws_url, deviation=fault.kind == DEVIATION)]
                returncode, output, timed_out = runner(pytest_command(fault.markers, [], junit, extra), timeout)
        else:
            command = pytest_command(fault.markers, switched[0], junit, ["-x"], deviations=switched[1])
            returncode, output, timed_out = runner(command, timeout)
        seconds = round(time.monotonic() - started, 2)
        status = classify(returncode, timed_out)
        failing = first_failure(output, junit) if status in (KILLED, TIMEOUT) else None
        reported = non_strict_failures(junit) if target.remote else []
        readings = non_strict_readings(junit) if fault.kind == DEVIATION else {}
    if fault.kind == DEVIATION:
        status = {KILLED: RED, SURVIVED: GREEN}.get(status, status)
    detail = ""
    departures = target.departures if fault.kind == DEVIATION else ()
    declared = ", ".join(dict.fromkeys([*fault.contradicts, *departures])) + (" with the simulator" if departures else "")
    undeclared = undeclared_reports(fault, readings, departures)
    flaky = {}
    if status == GREEN and undeclared:  # run again: a report that does not come back is flaky, not a false alarm
        again = rerun_reports(fault, undeclared, runner, timeout, target, departures)
        flaky = {case: rests_on for case, rests_on in undeclared.items() if case not in again}
        undeclared = again
    if status == GREEN and undeclared:  # a reported (non-strict) failure that this latitude does not explain
        case, rests_on = next(iter(undeclared.items()))
        return Outcome(fault.name, fault.area, fault.markers, RED, case, seconds,
                       f"{len(undeclared)} non-strict report(s) resting on readings {fault.name} does not depart "
                       f"from ({declared or 'none declared'}): first {case} "
                       f"[{', '.join(rests_on) or 'no reading'}]", fault.kind, sorted(readings))
    if status == ERROR and returncode == PYTEST_NO_TESTS:
        detail = f"no test selected by -m {fault.markers!r} (pytest exit status 5)"
    elif status == ERROR:
        detail = f"pytest exit status {returncode}: " + " | ".join(output.strip().splitlines()[-3:])
    elif status == TIMEOUT:
        detail = f"no verdict within {timeout:.0f}s"
    elif readings:  # a green deviation run's reports: explained by a reading the deviation departs from, or flaky
        explained = len(readings) - len(flaky)
        detail = "; ".join(part for part in (
            explained and f"{explained} non-strict report(s), each resting on a reading it departs from "
                          f"({declared})",
            flaky and f"flaky: {len(flaky)} non-strict report(s) that did not come back on a rerun, first "
                      f"{next(iter(flaky))} [{', '.join(next(iter(flaky.values())))}]") if part)
        if target.remote:
            detail = f"{final_counts(output)}; {detail}"
    elif target.remote and status in (SURVIVED, GREEN):  # what ran remotely, e.g. "3 passed, 12 skipped"
        detail = final_counts(output)
        if reported:
            detail += f"; {len(reported)} failure(s) reported, not failing (non-strict), first {reported[0]}"
    return Outcome(fault.name, fault.area, fault.markers, status, failing, seconds, detail, fault.kind,
                   reported if target.remote else None)


def undeclared_reports(deviation: Fault, readings: dict[str, list[str]],
                       departures: Sequence[str] = ()) -> dict[str, list[str]]:
    """The non-strict reports of a deviation run that rest on no reading the deviation departs from by design (nor
    one the gateway it is switched into departs from: ``Target.departures``)."""
    declared = set(deviation.contradicts) | set(departures)
    return {case: rests_on for case, rests_on in readings.items() if not declared & set(rests_on)}


def rerun_reports(deviation: Fault, undeclared: dict[str, list[str]], runner: Runner, timeout: float,
                  target: Target = LOCAL, departures: Sequence[str] = ()) -> dict[str, list[str]]:
    """Those of ``undeclared`` that come back when their tests run once more under the same deviation (a
    schemathesis operation's subtest, ``test_x[POST /path]``, reruns with its whole test); remotely against a
    fresh simulator with the deviation, judged as the first run was."""
    tests = sorted({case.split("[", 1)[0] for case in undeclared})  # every parametrization: a superset
    with tempfile.TemporaryDirectory(prefix="pulse-mutation-rerun-") as tmp:
        junit = Path(tmp) / "junit.xml"
        if target.remote:
            with remote_gateway((), [deviation.name]) as (rest_base, ws_url):
                runner(pytest_command(None, [], junit, [*target.pytest_options(rest_base, ws_url, deviation=True),
                                                        *tests]), timeout)
        else:
            runner(pytest_command(None, [], junit, tests, deviations=[deviation.name]), timeout)
        again = undeclared_reports(deviation, non_strict_readings(junit), departures)
    return {case: rests_on for case, rests_on in again.items() if case in undeclared}


def final_counts(output: str) -> str:
    """pytest's closing counts ("2 passed, 14 skipped, 310 deselected"), or ""."""
    for line in reversed(output.strip().splitlines()):
        match = FINAL_LINE.match(line.strip())
        if match:
            return match["counts"].strip(" =")
    return ""


# ---------------------------------------------------------------------------------------------- campaign
def run_campaign(faults: Sequence[Fault], jobs: int, timeout: float, runner: Runner = run_subprocess,
                 echo: Callable[[str], None] = print, target: Target = LOCAL) -> list[Outcome]:
    outcomes: list[Outcome] = []
    width = max((len(f.name) for f in faults), default=10)
    # Deviation runs first: each runs its whole selection (30-200 s) where a fault's run stops at its first red
    # (~5 s), so the short runs fill in behind the long ones instead of one long run finishing alone at the end.
    # The outcomes come back in the given order (sorted below), whatever order they ran in.
    started = sorted(faults, key=lambda fault: fault.kind != DEVIATION)
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = {pool.submit(run_fault, fault, timeout, runner, target): fault for fault in started}
        for done, future in enumerate(as_completed(futures), 1):
            outcome = future.result()
            outcomes.append(outcome)
            by = f"by {outcome.first_failure}" if outcome.first_failure else outcome.detail
            echo(f"[{done}/{len(faults)}] {outcome.status:8} {outcome.fault:{width}}  {by}  {outcome.seconds:.1f}s")
    order = {f.name: i for i, f in enumerate(faults)}
    return sorted(outcomes, key=lambda o: order[o.fault])


def detected_by_readings(outcome: Outcome, clean: dict | None) -> Outcome:
    """Remote mode judges a run as staging is judged: a failure resting on a reading is reported, not failing.
    Locally such a failure kills a fault (local.toml fails on non-strict), so remotely it counts the same way, but
    only where the clean simulator's whole-suite run (``--gate``) did not report that case too: the simulator's
    benign deviations trip some readings by themselves, and those detect nothing."""
    if outcome.status != SURVIVED or not outcome.reported or not clean or clean.get("reported") is None:
        return outcome
    new = [case for case in outcome.reported if case not in set(clean["reported"])]
    if not new:
        return outcome
    return dataclasses.replace(outcome, status=KILLED, first_failure=new[0],
                               detail=f"non-strict failure(s) the clean simulator run did not report: {len(new)}")


def summarise(outcomes: Sequence[Outcome], wall_seconds: float, clean: dict | None = None) -> dict:
    """Fault figures at the top level (as before deviations existed); deviation runs under ``deviations``."""
    deviations = [o for o in outcomes if o.kind == DEVIATION]
    outcomes = [detected_by_readings(o, clean) for o in outcomes if o.kind == FAULT]
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
    title = "# Mutation campaign"
    if summary.get("remote"):
        title += " in remote mode (a staging simulator per run; local_only and account_wide deselected)"
    lines = [title, ""]
    if summary.get("shards"):
        shards = summary["shards"]
        lines += [f"Merged from {len(shards)} shard(s): " + ", ".join(
            f"{s['index']}/{s['total']} ({s['runs']} runs, {s['wall_seconds']} s)" for s in shards) + ".", ""]
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


def run_clean(timeout: float, workers: int, runner: Runner = run_subprocess, target: Target = LOCAL) -> dict:
    """The whole suite once against the clean gateway: every failure is a false alarm."""
    with tempfile.TemporaryDirectory(prefix="pulse-mutation-clean-") as tmp, contextlib.ExitStack() as stack:
        junit = Path(tmp) / "junit.xml"
        extra = ["-n", str(workers)] if workers > 1 else []
        if target.remote:
            extra += target.pytest_options(*stack.enter_context(remote_gateway()))
        started = time.monotonic()
        returncode, output, timed_out = runner(pytest_command(None, [], junit, extra), timeout)
        failed = [m["nodeid"] for line in output.splitlines() if (m := SUMMARY_LINE.match(line.strip()))]
        reported = non_strict_failures(junit) if target.remote else None
    ok = returncode == PYTEST_PASSED and not timed_out
    if not ok and not failed:
        failed = [f"pytest exit status {returncode}{' (timeout)' if timed_out else ''}"]
    clean = {"failures": 0 if ok else len(failed), "failed": failed, "seconds": round(time.monotonic() - started, 1),
             "exit_status": returncode}
    return clean if reported is None else {**clean, "reported": reported}


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


# ---------------------------------------------------------------------------------------------- shards
def run_id(run: Fault) -> str:
    return f"{run.kind}:{run.name}"


def load_timings(path: Path = TIMINGS) -> dict[str, float]:
    try:
        return {name: float(seconds) for name, seconds in json.loads(path.read_text())["seconds"].items()}
    except (OSError, ValueError, KeyError):
        return {}


def partition(ids: Sequence[str], total: int, seconds: dict[str, float] | None = None) -> list[list[str]]:
    """The campaign's runs in ``total`` shards, deterministically: longest first (by the committed timings; a run
    they do not list counts as their median), each onto the least-loaded shard (ties: the lower shard, then the
    name). Every run lands in exactly one shard; each shard keeps the campaign's order."""
    seconds = seconds or {}
    default = statistics.median(seconds.values()) if seconds else 1.0
    estimate = {run: seconds.get(run, default) for run in ids}
    loads, shards = [0.0] * total, [[] for _ in range(total)]
    for run in sorted(ids, key=lambda r: (-estimate[r], r)):
        k = min(range(total), key=lambda i: (round(loads[i], 6), i))
        shards[k].append(run)
        loads[k] += estimate[run]
    order = {run: i for i, run in enumerate(ids)}
    return [sorted(shard, key=order.__getitem__) for shard in shards]


def parse_shard(text: str) -> tuple[int, int]:
    match = re.fullmatch(r"(\d+)/(\d+)", text.strip())
    if not match or not 1 <= int(match[1]) <= int(match[2]):
        raise argparse.ArgumentTypeError(f"{text!r}: expected K/N with 1 <= K <= N (e.g. 2/4)")
    return int(match[1]), int(match[2])


def shard_path(out: Path, target: Target, index: int, total: int) -> Path:
    return out / target.report_stem / f"shard-{index}-of-{total}.json"


def merge_shards(reports: Sequence[dict]) -> tuple[dict, list[str]]:
    """The shard reports as one campaign summary, and what is wrong with the set (a missing or repeated shard,
    shards of different campaigns, a run in two shards or in none)."""
    if not reports:
        return summarise([], 0.0), ["no shard report to merge"]
    problems: list[str] = []
    first = reports[0]["shard"]
    for report in reports[1:]:
        for key in ("total", "campaign", "gate", "with_deviations", "remote"):
            if report["shard"][key] != first[key]:
                problems.append(f"shard {report['shard']['index']}/{report['shard']['total']} differs from shard "
                                f"{first['index']}/{first['total']} in {key}: not one campaign")
    total = first["total"]
    seen = [r["shard"]["index"] for r in reports]
    missing = sorted(set(range(1, total + 1)) - set(seen))
    problems += [f"shard {k}/{total} is missing" for k in missing]
    problems += [f"shard {k}/{total} is given {seen.count(k)} times" for k in sorted(set(seen)) if seen.count(k) > 1]
    ran: dict[str, list[int]] = {}
    outcomes: dict[str, Outcome] = {}
    clean = None
    for report in reports:
        index = report["shard"]["index"]
        done = [f"{o['kind']}:{o['fault']}" for o in report["outcomes"] + report["deviations"]["outcomes"]]
        if report.get("clean_run") is not None:
            done.append(CLEAN)
            clean = report["clean_run"]
        for run in done:
            ran.setdefault(run, []).append(index)
        outcomes.update({f"{o['kind']}:{o['fault']}": Outcome(**o)
                         for o in report["outcomes"] + report["deviations"]["outcomes"]})
        if set(done) != set(report["shard"]["runs"]):
            problems.append(f"shard {index}/{total} ran {len(done)} run(s), not the {len(report['shard']['runs'])} "
                            "assigned to it")
    problems += [f"{run} is in shards {', '.join(map(str, shards))}" for run, shards in ran.items() if len(shards) > 1]
    if not missing:
        problems += [f"{run} was run by no shard" for run in first["campaign"] if run not in ran]
    order = {run: i for i, run in enumerate(first["campaign"])}
    merged = sorted(outcomes.values(), key=lambda o: order.get(f"{o.kind}:{o.fault}", len(order)))
    summary = summarise(merged, max(r["wall_seconds"] for r in reports), clean)
    if first["remote"]:
        summary["remote"] = True
    summary["shards"] = sorted(({"index": r["shard"]["index"], "total": total, "runs": len(r["shard"]["runs"]),
                                 "wall_seconds": r["wall_seconds"]} for r in reports), key=lambda s: s["index"])
    return summary, problems


def verdict(summary: dict, gate: bool, with_deviations: bool, shard_runs: Sequence[str] | None = None) -> int:
    """The exit status, as printed: without --gate, 1 unless every fault was killed and every deviation stayed
    green; with --gate, the gate's verdict (a shard without the clean run does not miss it)."""
    deviations = summary["deviations"]
    if not gate:
        return 0 if summary["killed"] == summary["faults"] and len(deviations[GREEN]) == deviations["runs"] else 1
    passed, reasons = gate_verdict(summary, with_deviations=with_deviations)
    if shard_runs is not None:
        reasons = [r for r in reasons if not (r == "the clean suite was not run" and CLEAN not in shard_runs)
                   and not (r == "no deviation was run" and not any(x.startswith(DEVIATION) for x in shard_runs))]
        passed = not reasons
    print("mutation gate: PASS" if passed else "mutation gate: FAIL\n  " + "\n  ".join(reasons))
    return 0 if passed else 1


def write_report(summary: dict, json_path: Path) -> None:
    json_path.parent.mkdir(parents=True, exist_ok=True)
    json_path.write_text(json.dumps(summary, indent=2) + "\n")
    json_path.with_suffix(".md").write_text(render_markdown(summary))


def merge_main(files: Sequence[Path], out: Path, update_timings: bool = False) -> int:
    reports, unreadable = [], []
    for file in files:
        try:
            reports.append(json.loads(Path(file).read_text()))
        except (OSError, ValueError) as exc:  # e.g. an unexpanded glob: no shard uploaded a report
            unreadable.append(f"{file}: not a shard report ({exc.__class__.__name__})")
    summary, problems = merge_shards(reports)
    problems = unreadable + problems
    first = reports[0]["shard"] if reports else {"gate": True, "with_deviations": False, "remote": False}
    target = Target(remote=first["remote"])
    write_report(summary, out / f"{target.report_stem}.json")
    if update_timings and not problems:
        seconds = {f"{o['kind']}:{o['fault']}": o["seconds"]
                   for o in summary["outcomes"] + summary["deviations"]["outcomes"]}
        if summary["clean_run"]:
            seconds[CLEAN] = summary["clean_run"]["seconds"]
        document = json.loads(TIMINGS.read_text()) if TIMINGS.exists() else {}
        document["seconds"] = dict(sorted(seconds.items()))
        TIMINGS.write_text(json.dumps(document, indent=1) + "\n")
    print_score(summary, out / f"{target.report_stem}.md")
    for problem in problems:
        print(f"merge: {problem}")
    status = verdict(summary, first["gate"], first["with_deviations"])
    return 1 if problems else status


def print_score(summary: dict, markdown: Path) -> None:
    deviations = summary["deviations"]
    print(f"score {summary['killed']}/{summary['faults']}, median time to kill {summary['median_seconds_to_kill']} s; "
          f"deviations green {len(deviations[GREEN])}/{deviations['runs']}; wall {summary['wall_seconds']} s; "
          f"{markdown}")


def main(argv: Sequence[str] | None = None, runner: Runner = run_subprocess) -> int:
    parser = argparse.ArgumentParser(prog="pulse-mutation", description=__doc__.split("\n\n")[0])
    parser.add_argument("--fault", action="append", default=[], metavar="NAME", help="run only these faults")
    parser.add_argument("--deviation", action="append", default=[], metavar="NAME", help="run only these deviations")
    parser.add_argument("--only-faults", action="store_true", help="no deviation runs")
    parser.add_argument("--only-deviations", action="store_true", help="no fault runs")
    parser.add_argument("--jobs", type=int, default=2, help="runs in parallel (default 2)")
    parser.add_argument("--timeout", type=float, default=None,
                        help="seconds per run (default 180; 300 --remote; a deviation run at least 420)")
    parser.add_argument("--gate", action="store_true",
                        help="also run the clean suite (-n 2); exit 1 if a fault survives or the clean run fails")
    parser.add_argument("--with-deviations", action="store_true",
                        help="with --gate: also run every deviation and fail on a red one (a false alarm)")
    parser.add_argument("--out", type=Path, default=REPORTS, help="where mutation.json/.md go (default reports/)")
    parser.add_argument("--shard", type=parse_shard, metavar="K/N",
                        help="run only the K-th of N deterministic parts of the campaign (a CI job matrix runs the "
                             "N parts); report in OUT/mutation/shard-K-of-N.json")
    parser.add_argument("--merge", nargs="+", type=Path, metavar="FILE",
                        help="merge these shard reports into OUT/mutation.json/.md and judge them (no run); exit 1 "
                             "also on a missing shard or a run in two shards")
    parser.add_argument("--update-timings", action="store_true",
                        help=f"with --merge: write the merged seconds per run to {TIMINGS.relative_to(ROOT)}")
    parser.add_argument("--remote", action="store_true",
                        help="each run against its own staging simulator (--profile staging + the fault), the "
                             "suites in remote mode (--env sim); reports mutation-remote.json/.md")
    parser.add_argument("--requests-per-second", type=float, default=0,
                        help="--remote: the pace of each run (default 0: unpaced, the simulator is the run's own)")
    parser.add_argument("--request-budget", type=int, default=0,
                        help="--remote: the request budget of each run (default 0: unlimited)")
    args = parser.parse_args(argv)
    if args.only_faults and args.only_deviations:
        parser.error("--only-faults and --only-deviations exclude each other")
    if args.merge:
        return merge_main(args.merge, args.out, args.update_timings)
    target = Target(args.remote, args.requests_per_second, args.request_budget)
    timeout = args.timeout if args.timeout is not None else (300 if args.remote else 180)

    runs = select(parser, args)
    shard_runs = None
    if args.shard:
        index, total = args.shard
        campaign = ([CLEAN] if args.gate else []) + [run_id(r) for r in runs]
        shard_runs = partition(campaign, total, load_timings())[index - 1]
        runs = [r for r in runs if run_id(r) in shard_runs]
        print(f"== shard {index}/{total}: {len(shard_runs)} of the campaign's {len(campaign)} runs", flush=True)
    started = time.monotonic()
    clean = None
    if args.gate and (shard_runs is None or CLEAN in shard_runs):
        print("== clean gateway, whole suite (-n 2): every failure is a false alarm", flush=True)
        clean = run_clean(timeout=max(timeout, 600), workers=2, runner=runner, target=target)
        print(f"   {clean['failures']} failure(s) in {clean['seconds']} s", flush=True)
    counts = {kind: sum(r.kind == kind for r in runs) for kind in (FAULT, DEVIATION)}
    print(f"== {counts[FAULT]} fault(s) (red expected), {counts[DEVIATION]} deviation(s) (green expected), "
          f"{args.jobs} at a time{' in remote mode' if args.remote else ''}", flush=True)
    outcomes = run_campaign(runs, args.jobs, timeout, runner=runner, echo=lambda line: print(line, flush=True),
                            target=target)
    summary = summarise(outcomes, time.monotonic() - started, clean)
    if args.remote:
        summary["remote"] = True
    if args.shard:
        summary["shard"] = {"index": index, "total": total, "runs": shard_runs, "campaign": campaign,
                            "gate": args.gate, "with_deviations": args.with_deviations, "remote": args.remote}
        report = shard_path(args.out, target, index, total)
    else:
        report = args.out / f"{target.report_stem}.json"
    write_report(summary, report)
    print_score(summary, report.with_suffix(".md"))
    return verdict(summary, args.gate, args.with_deviations, shard_runs)


if __name__ == "__main__":
    sys.exit(main())
