"""A pytest plugin that gathers each test's final outcome with its doc/check/interpretation markers.

It works under xdist: workers attach the marker data to every report (``report.pulse``), and the controller,
which sees every report but no item, folds the phases of each test into one ``Outcome``. The conformance
matrix (``harness.matrix``) and the regression gate (``harness.regression_gate``) read the result.
"""

from dataclasses import dataclass, field
from pathlib import Path

import pytest

from harness import checks

ROOT = Path(__file__).resolve().parent.parent
PASSED, FAILED, SKIPPED, XFAILED, XPASSED, XPASS_STRICT = "passed", "failed", "skipped", "xfailed", "xpassed", "xpass-strict"
CHECK_KINDS = ("schema", "semantics", "negative", "auth", "parity", "flows")
UNCLASSIFIED = "unclassified"


@dataclass
class Outcome:
    nodeid: str
    status: str = PASSED
    doc: tuple[str, ...] | None = None  # (section, feature, *more features): a case may check several rows
    checks: tuple[str, ...] = ()
    interpretations: tuple[str, ...] = ()
    message: str = ""
    phases: list[str] = field(default_factory=list)
    grade: str | None = None  # harness.checks.grade of its failure (flaky: failed, then passed on the retry)
    rests_on: tuple[str, ...] = ()  # the register ids its failure rests on
    waived: str = ""  # the xfail reason when the gate's policy reported the failure instead of failing
    skip_reason: str = ""  # why it did not run (a skip marker's reason), for the matrix's empty cells

    @property
    def non_strict(self) -> bool:
        """A failure (reported or failing) that rests on a register entry or is informational only."""
        return self.status in (FAILED, XFAILED) and self.grade in (checks.NON_STRICT, checks.INFORMATIONAL)


def marker_data(item: pytest.Item, call=None) -> dict:
    doc = item.get_closest_marker("doc")
    interpretations = [i for m in item.iter_markers("interpretation") for i in m.args]
    kinds = [k for m in item.iter_markers("check") for k in m.args]
    data = {"doc": list(doc.args) if doc and len(doc.args) >= 2 else None,
            "checks": sorted(set(kinds)), "interpretations": sorted(set(interpretations))}
    own = checks.graded_phase(item, call.when) if call is not None else None
    skipped_at_setup = call is not None and call.when == "setup" and call.excinfo is not None and (
        call.excinfo.errisinstance(pytest.skip.Exception))
    if call is not None and call.excinfo is not None and not skipped_at_setup:
        data["grade"] = checks.grade(call.excinfo.value, case_interpretations=own)
        data["rests_on"] = checks.interpretation_of(call.excinfo.value, own)
    return data


class OutcomeCollector:
    def __init__(self) -> None:
        self.outcomes: dict[str, Outcome] = {}
        self.deselected: dict[str, Outcome] = {}  # collected, then deselected (-m, -k, one transport): never ran

    def record_deselected(self, entries: list[dict]) -> None:
        for entry in entries:
            outcome = Outcome(entry["nodeid"], SKIPPED, tuple(entry["doc"]) if entry.get("doc") else None,
                              tuple(entry.get("checks") or ()), skip_reason=entry["reason"])
            self.deselected.setdefault(outcome.nodeid, outcome)

    def record(self, report: pytest.TestReport) -> None:
        data = getattr(report, "pulse", None) or {}
        outcome = self.outcomes.setdefault(report.nodeid, Outcome(report.nodeid))
        if data.get("doc"):
            outcome.doc = tuple(data["doc"])
        outcome.checks = tuple(data.get("checks") or outcome.checks)
        outcome.interpretations = tuple(data.get("interpretations") or outcome.interpretations)
        outcome.phases.append(f"{report.when}:{report.outcome}")
        if data.get("grade"):
            outcome.grade, outcome.rests_on = checks.grade(report), tuple(data.get("rests_on") or ())
        if getattr(report, "wasxfail", "").split(":", 1)[0] in checks.GRADES:
            outcome.waived = report.wasxfail
        status = phase_status(report)
        if status == SKIPPED and isinstance(report.longrepr, tuple):
            outcome.skip_reason = str(report.longrepr[2]).removeprefix("Skipped: ")
        if report.when == "call" and report.outcome == "rerun":  # pytest-rerunfailures: the first attempt failed
            status = None
        elif report.when == "call" and status == PASSED and "call:rerun" in outcome.phases:
            outcome.grade = checks.FLAKY
        if status is not None and rank(status) > rank(outcome.status):
            outcome.status = status
            outcome.message = short_message(report)

    @property
    def conformance_run(self) -> bool:
        """True when the run included conformance cases (a doc marker), not only the project's own tests."""
        return any(o.doc for o in self.outcomes.values())


def phase_status(report: pytest.TestReport) -> str | None:
    if "[XPASS(strict)]" in str(report.longrepr or ""):
        return XPASS_STRICT
    if hasattr(report, "wasxfail"):
        return XFAILED if report.skipped else XPASSED
    if report.failed:
        return FAILED
    if report.skipped:
        return SKIPPED
    return PASSED if report.when == "call" else None


def rank(status: str) -> int:
    return [PASSED, XPASSED, SKIPPED, XFAILED, FAILED, XPASS_STRICT].index(status)


def short_message(report: pytest.TestReport) -> str:
    text = str(report.longrepr or "")
    lines = [line for line in text.splitlines() if line.startswith("E ")] or text.splitlines()[-1:]
    return " ".join(line.removeprefix("E").strip() for line in lines[:3])[:400]


COLLECTOR = pytest.StashKey[OutcomeCollector]()


def collector(config: pytest.Config) -> OutcomeCollector:
    if COLLECTOR not in config.stash:
        config.stash[COLLECTOR] = OutcomeCollector()
    return config.stash[COLLECTOR]


def is_controller(config: pytest.Config) -> bool:
    """False on an xdist worker: only the controller (or a plain run) writes reports."""
    return not hasattr(config, "workerinput")


def env_name(config: pytest.Config) -> str:
    return config.getoption("--env", default=None) or "local"


def reports_dir(config: pytest.Config) -> Path | None:
    """Where this run's matrix.json and gate.json go: ``--pulse-reports``, else beside the JUnit XML (conftest
    puts it in ``reports/<env>/``; a run that sends its JUnit elsewhere keeps its reports there too), else
    ``reports/<env>/``. None for runs with a switched-in fault: they must not overwrite an environment's reports."""
    if config.getoption("--fault", default=None):
        return None
    chosen = config.getoption("--pulse-reports", default=None)
    if chosen:
        return Path(chosen)
    junit = getattr(config.option, "xmlpath", None)
    return Path(junit).resolve().parent if junit else ROOT / "reports" / env_name(config)


def allure_dir(config: pytest.Config) -> Path | None:
    chosen = getattr(config.option, "allure_report_dir", None)
    return Path(chosen) if chosen else None


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.getgroup("pulse").addoption(
        "--pulse-reports", metavar="DIR", help="directory for matrix.json and gate.json (default reports/<env>)")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    unknown = sorted({f"{item.nodeid}: {kind}" for item in items for m in item.iter_markers("check")
                      for kind in m.args if kind not in CHECK_KINDS})
    if unknown:
        raise pytest.UsageError(f"check(...) takes {', '.join(CHECK_KINDS)}; received:\n  " + "\n  ".join(unknown))


DESELECTED = pytest.StashKey[list[dict]]()
DESELECTED_KEY = "pulse_deselected"  # a worker's deselected cases, sent to the controller in its workeroutput


def deselection_reason(item: pytest.Item) -> str:
    if getattr(item, "callspec", None) and "transport" in item.callspec.params:
        return "deselected: over one transport on a shared gateway (the other transport's case runs)"
    return "deselected: not in this run's selection (-m, -k)"


def pytest_deselected(items: list[pytest.Item]) -> None:
    if not items:
        return
    config = items[0].config
    entries = [{"nodeid": item.nodeid, "reason": deselection_reason(item), **marker_data(item)} for item in items]
    config.stash.setdefault(DESELECTED, []).extend(entries)
    if is_controller(config):
        collector(config).record_deselected(entries)


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session) -> None:
    if not is_controller(session.config):
        session.config.workeroutput[DESELECTED_KEY] = session.config.stash.get(DESELECTED, [])


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call):
    outcome = yield
    outcome.get_result().pulse = marker_data(item, call)


class Recorder:
    """Registered on the controller only: it sees every test's reports, workers' included."""

    def __init__(self, outcomes: OutcomeCollector) -> None:
        self.outcomes = outcomes

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        self.outcomes.record(report)

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node, error) -> None:  # an xdist worker finished: its deselected cases
        self.outcomes.record_deselected(getattr(node, "workeroutput", {}).get(DESELECTED_KEY, []))


def pytest_configure(config: pytest.Config) -> None:
    if is_controller(config):
        config.pluginmanager.register(Recorder(collector(config)), "pulse-outcome-recorder")
