"""Request accounting: what each test spends of the run's request budget, by phase, module and whole run.

On dev and staging every request counts against one pace and one budget, so the figure that matters is how
much conformance the suite proves per request. Workers attach each phase's request count to its report
(``user_properties``); the controller (or the single process), which sees every report, adds them up and
writes ``reports/<env>/requests.json``: totals per phase (setup, call, teardown), per module and per test,
and the passed tests per 100 requests. ``pulse-bench`` and the README read it.
"""

import json
from collections import defaultdict
from pathlib import Path

import pytest

from harness.pacing import requests_sent

PROPERTY = "pulse_requests"
_phase_start: dict[str, int] = {}


def _start(item: pytest.Item) -> None:
    _phase_start[item.nodeid] = requests_sent()


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    _start(item)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_call(item: pytest.Item) -> None:
    _start(item)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_teardown(item: pytest.Item) -> None:
    _start(item)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call):
    outcome = yield
    spent = requests_sent() - _phase_start.pop(item.nodeid, requests_sent())
    outcome.get_result().user_properties.append((PROPERTY, spent))


class Ledger:
    def __init__(self) -> None:
        self.by_test: dict[str, dict[str, int]] = defaultdict(lambda: {"setup": 0, "call": 0, "teardown": 0})
        self.passed = 0

    def add(self, report: pytest.TestReport) -> None:
        spent = sum(value for name, value in report.user_properties if name == PROPERTY)
        self.by_test[report.nodeid][report.when] += spent
        if report.when == "call" and report.passed:
            self.passed += 1

    def summary(self) -> dict:
        phases = {phase: sum(t[phase] for t in self.by_test.values()) for phase in ("setup", "call", "teardown")}
        total = sum(phases.values())
        modules: dict[str, int] = defaultdict(int)
        module_phases: dict[str, dict[str, int]] = defaultdict(lambda: {"setup": 0, "call": 0, "teardown": 0})
        for nodeid, spent in self.by_test.items():
            modules[nodeid.split("::")[0]] += sum(spent.values())
            for phase, count in spent.items():
                module_phases[nodeid.split("::")[0]][phase] += count
        tests = sorted(((sum(s.values()), n) for n, s in self.by_test.items()), reverse=True)
        return {"requests": total, "by_phase": phases, "tests": len(self.by_test), "passed": self.passed,
                "passed_per_100_requests": round(100 * self.passed / total, 1) if total else None,
                "by_module": dict(sorted(modules.items(), key=lambda kv: -kv[1])),
                # where setup and teardown (auth, resting orders, cleanup) weigh on a module: issue #18's heavy spots
                "by_module_phase": {module: module_phases[module] for module in sorted(modules, key=lambda m: -modules[m])},
                "top_tests": [{"test": n, "requests": r} for r, n in tests[:25]],
                # every test's spend per phase, heaviest first: where a run's budget went, test by test
                "by_test": {n: dict(self.by_test[n]) for r, n in tests if r}}


_ledger: Ledger | None = None  # the controller's (or the single process's)


def pytest_configure(config: pytest.Config) -> None:
    global _ledger
    _ledger = None if hasattr(config, "workerinput") else Ledger()


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if _ledger is not None:
        _ledger.add(report)


def pytest_sessionfinish(session: pytest.Session) -> None:
    ledger = _ledger
    xml = getattr(session.config.option, "xmlpath", None)
    if ledger is None or not ledger.by_test or not xml or session.config.getoption("--fault", None):
        return
    summary = ledger.summary()
    path = Path(xml).parent / "requests.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(summary, indent=1) + "\n", encoding="utf-8")
    session.config._pulse_requests_summary = summary


def pytest_terminal_summary(terminalreporter, config: pytest.Config) -> None:
    summary = getattr(config, "_pulse_requests_summary", None)
    if summary:
        phases = summary["by_phase"]
        terminalreporter.write_line(
            f"requests: {summary['requests']} (setup {phases['setup']}, call {phases['call']}, teardown "
            f"{phases['teardown']}); {summary['passed_per_100_requests']} passed tests per 100 requests; "
            "per test and module in requests.json beside junit.xml")
