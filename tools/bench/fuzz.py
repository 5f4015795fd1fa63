"""REST fuzzing throughput: the HTTP part of ``suites/fuzz`` against the schemathesis CLI, same spec and gateway.

Both run as child processes against one ``pulse-refgw`` (rate limit lifted), one after the other, with the same
number of examples per operation (``suites/fuzz``'s ``EXAMPLES_PER_OPERATION["local"]``) and the same phases
(examples, coverage, fuzzing; no stateful phase).

Cases: every generated case sends one HTTP request, so a run's cases are the HTTP requests the gateway served
during it (``/_refgw/control/status`` before and after; for ``suites/fuzz`` this includes its few log-ins and
market look-ups). ``st run``'s own count, ``test_cases.generated`` from its JSON report, is recorded beside it.
Hypothesis's ``--hypothesis-show-statistics`` is no use here: it reports one schemathesis subtest per test.

Throughput is cases per second of the command's wall time, start-up included: what a CI job pays.
"""

import json
import re
import sys
import tempfile
from pathlib import Path

import httpx

from tools.bench.processes import bench_gateway
from tools.bench.stats import median, rate, ratio
from tools.bench.suite import ROOT, timed_run
from tools.bench.table import Row, Target

FUZZ_SUITE = ROOT / "suites" / "fuzz"
HTTP_FUZZ = FUZZ_SUITE / "test_http_fuzz.py"  # the part of suites/fuzz that does what st run does (no WS, no stateful)
SPEC = ROOT / "spec" / "openapi.yaml"
LOCAL_MAX_EXAMPLES = 60  # the "local" hypothesis profile: the budget when suites/fuzz states none
THROUGHPUT_RATIO_TARGET = Target(">=", 1.0)
EXAMPLES_CONSTANT = re.compile(r"EXAMPLES_PER_OPERATION\s*=\s*\{[^}]*[\"']local[\"']\s*:\s*(\d+)")
ST_PHASES = "examples,coverage,fuzzing"
BUILTIN_CHECKS = re.compile(r"BUILTIN_CHECKS\s*=\s*\(([^)]*)\)")


def fuzz_examples_per_operation(conftest: Path = FUZZ_SUITE / "conftest.py") -> int:
    """The fuzz suite's local budget, read from its conftest (the bench never imports suites)."""
    match = EXAMPLES_CONSTANT.search(conftest.read_text()) if conftest.exists() else None
    return int(match.group(1)) if match else LOCAL_MAX_EXAMPLES


def fuzz_checks(conftest: Path = FUZZ_SUITE / "conftest.py") -> str:
    """The schemathesis checks the fuzz suite switches on, as ``st run --checks`` takes them ("all" if unstated)."""
    match = BUILTIN_CHECKS.search(conftest.read_text()) if conftest.exists() else None
    names = re.findall(r"[\"'](\w+)[\"']", match.group(1)) if match else []
    return ",".join(names) or "all"


def served_requests(root_url: str) -> int:
    return httpx.get(f"{root_url}/_refgw/control/status", timeout=10).json()["http_requests"]


def access_token(rest_base: str) -> str:
    response = httpx.get(f"{rest_base}/public/auth", timeout=10, params={
        "grant_type": "client_credentials", "client_id": "maker", "client_secret": "maker-secret"})
    return response.json()["access_token"]


def measure(gateway, command: list[str], cwd: Path) -> dict:
    before = served_requests(gateway.root_url)
    run = timed_run(command, cwd=cwd)
    run["requests"] = served_requests(gateway.root_url) - before
    return run


def fuzz(quick: bool, progress, repeat: int = 3) -> tuple[list[Row], dict]:
    """``repeat`` runs of each, suite and ``st run`` alternating (so the machine's drift hits both alike); the rates
    are the medians. One run of each varied by about +-5 % on this 2-core machine, as much as the margin itself."""
    if not FUZZ_SUITE.is_dir():
        progress(f"fuzz: {FUZZ_SUITE.relative_to(ROOT)} does not exist yet; not run")
        rows = [Row("fuzz", "suites/fuzz / st run throughput", None, "x", THROUGHPUT_RATIO_TARGET,
                    note="suites/fuzz not present")]
        return rows, {"found": False}
    examples = fuzz_examples_per_operation()
    runs: dict[str, list[dict]] = {"suite": [], "st": []}
    with bench_gateway() as gateway, tempfile.TemporaryDirectory(prefix="pulse-bench-st-") as scratch:
        bearer = f"Authorization: Bearer {access_token(gateway.rest_base)}"
        for attempt in range(1 if quick else repeat):
            progress(f"fuzz: run {attempt + 1}: pytest suites/fuzz against {gateway.rest_base} "
                     f"({examples} examples per operation)")
            suite_run = measure(gateway, [
                sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                str((HTTP_FUZZ if HTTP_FUZZ.exists() else FUZZ_SUITE).relative_to(ROOT)),
                "--base-url", gateway.rest_base, "--ws-url", gateway.ws_url,
                *(["-x", "-k", "positive"] if quick else []),
            ], ROOT)
            suite_run["cases"] = suite_run["requests"]
            progress(f"fuzz: suites/fuzz {suite_run['seconds']:.1f} s ({suite_run['cpu_seconds']:.1f} s CPU), "
                     f"{suite_run['cases']} cases, {suite_run['requests']} requests ({suite_run['summary']})")
            # each st run in a directory of its own: st keeps a cache of the failures it found (.schemathesis/)
            # beside it, and a run that finds one ran ~15 % faster than a first run (measured): all runs start cold
            workdir = Path(scratch) / f"st-{attempt}"
            workdir.mkdir()
            report = workdir / "st.json"
            progress(f"fuzz: run {attempt + 1}: st run {SPEC.relative_to(ROOT)} -n {examples}")
            st_run = measure(gateway, [
                "st", "run", str(SPEC), "--url", gateway.rest_base, "-H", bearer,
                "-n", str(examples), "--phases", ST_PHASES, "--checks", fuzz_checks(), "--continue-on-failure",
                "--seed", "1", "--workers", "1", "--no-color",
                *(["--mode", "positive"] if quick else []),
                "--report", "json", "--report-json-path", str(report),
            ], workdir)
            st_report = json.loads(report.read_text()) if report.exists() else {}
            st_run["cases"] = st_report.get("test_cases", {}).get("generated")
            st_run["running_time_s"] = st_report.get("running_time")
            progress(f"fuzz: st run {st_run['seconds']:.1f} s ({st_run['cpu_seconds']:.1f} s CPU), "
                     f"{st_run['cases']} cases, {st_run['requests']} requests")
            for name, run in (("suite", suite_run), ("st", st_run)):
                run["cases_per_s"] = rate(run["cases"], run["seconds"]) if run["cases"] is not None else None
                run["requests_per_s"] = rate(run["requests"], run["seconds"])
                run["cpu_per_case"] = ratio(run["cpu_seconds"], run["cases"])
                runs[name].append(run)

    def middle(name: str, key: str) -> float | None:
        values = [run[key] for run in runs[name] if run[key] is not None]
        return median(values) if values else None

    rates = {name: {"cases_per_s": middle(name, "cases_per_s"), "requests_per_s": middle(name, "requests_per_s")}
             for name in runs}
    ratios = [ratio(s["cases_per_s"], t["cases_per_s"]) for s, t in zip(runs["suite"], runs["st"], strict=True)]
    rows = [
        Row("fuzz", "suites/fuzz cases/s", rates["suite"]["cases_per_s"], "cases/s"),
        Row("fuzz", "st run cases/s", rates["st"]["cases_per_s"], "cases/s"),
        Row("fuzz", "suites/fuzz / st run (cases/s)", ratio(rates["suite"]["cases_per_s"], rates["st"]["cases_per_s"]),
            "x", THROUGHPUT_RATIO_TARGET,
            note=f"medians of {len(ratios)} alternating runs; each run's ratio: "
                 + ", ".join(f"{r:.3f}" for r in ratios if r is not None)),
        Row("fuzz", "suites/fuzz / st run (requests/s)",
            ratio(rates["suite"]["requests_per_s"], rates["st"]["requests_per_s"]), "x"),
        Row("fuzz", "client CPU per case: suites/fuzz / st run",
            ratio(middle("suite", "cpu_per_case"), middle("st", "cpu_per_case")), "x",
            note="above 1: the suite's own per-case work (start-up, spec loading, checks, shaping)"),
    ]
    keep = ("seconds", "cpu_seconds", "exit_code", "summary", "cases", "requests", "running_time_s", "cases_per_s")
    return rows, {"examples_per_operation": examples, "repeat": len(ratios), "rates": rates,
                  "ratios_per_run": ratios,
                  "suite": [{k: run.get(k) for k in keep} for run in runs["suite"]],
                  "st": [{k: run.get(k) for k in keep} for run in runs["st"]]}
