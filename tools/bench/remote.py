"""Remote mode against the staging simulator, as on staging: wall time at the configured pace, requests spent
(reports/sim/requests.json, written by harness.accounting), tests run / skipped / deselected, orders left open."""

import json
import sys

from tools.bench.suite import ROOT, timed_run
from tools.bench.table import Row, Target

SIM = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--env", "sim"]
TRADING_WALL_TARGET = Target("<=", 300.0)  # issue #18: `pytest -m trading` in remote mode within 5 minutes at 5 requests/s
FULL_WALL_TARGET = Target("<=", 900.0)  # the whole remote suite within 15 minutes
BUDGET_TARGET = Target("<=", 3000.0)  # requests, cleanup included
REQUESTS_FILE = ROOT / "reports" / "sim" / "requests.json"


def remote(quick: bool, progress) -> tuple[list[Row], dict]:
    variants = {"-m trading": SIM + ["-m", "trading"], "full suite -n 2": SIM + ["-n", "2"]}
    if quick:
        variants = {"-m trading (one module)": SIM + ["suites/trading/test_private_cancel.py"]}
    rows, details = [], {}
    for name, command in variants.items():
        run = timed_run(command, timeout=1800)
        spent = json.loads(REQUESTS_FILE.read_text()) if REQUESTS_FILE.exists() else {}
        swept = next((line for line in run["stdout"].splitlines() if "final sweep" in line), "")
        progress(f"remote: {name}: {run['seconds']:.0f} s, {spent.get('requests')} requests ({run['summary']})")
        outcome = run["outcome"]
        note = "" if run["exit_code"] == 0 else f"exit {run['exit_code']}: {run['summary']}"
        rows += [
            Row("remote", f"{name}: wall at 5 requests/s", run["seconds"], "s",
                None if quick else TRADING_WALL_TARGET if "trading" in name else FULL_WALL_TARGET, note=note),
            Row("remote", f"{name}: requests (cleanup included)", spent.get("requests"), "", BUDGET_TARGET,
                note=f"setup/call/teardown {spent.get('by_phase')}"),
            Row("remote", f"{name}: passed per 100 requests", spent.get("passed_per_100_requests"), ""),
            Row("remote", f"{name}: run / skipped / deselected",
                outcome.get("passed", 0) + outcome.get("failed", 0) + outcome.get("xfailed", 0), "tests",
                note=f"{outcome.get('skipped', 0)} skipped (local_only, account_wide), "
                     f"{outcome.get('deselected', 0)} deselected (-m, one transport per case)"),
            Row("remote", f"{name}: orders the final sweep found open", _swept(swept), "",
                note="0: every test cancelled its own"),
        ]
        details[name] = {"run": {k: run[k] for k in ("seconds", "cpu_seconds", "exit_code", "outcome", "summary")},
                         "requests": spent, "sweep": swept}
    return rows, details


def _swept(line: str) -> float | None:
    for word in line.split():
        if word.isdigit():
            return float(word)
    return None
