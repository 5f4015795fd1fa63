"""The regression gate: a reviewed list of known failures per environment decides what fails the run.

``spec/known_failures/<env>.toml`` lists cases that are known to fail on that environment::

    [[failure]]
    case = "suites/trading/test_private_buy.py::test_fok_never_partially_fills[ws]"   # or without [..]: all params
    reason = "FOK remainder rests on the book"
    ticket = "https://tracker.example/PULSE-123"

A ``[policy]`` table says which grades (harness.checks.grade) fail the gate on that environment::

    [policy]
    fail_on = ["strict"]              # or ["strict", "non-strict"]; informational and flaky never fail
    reported_readings = ["I-45"]      # optional: only a non-strict failure resting on one of these is reported

A failure whose grade is not in ``fail_on`` is reported, not failing: its report becomes an xfail with the reason
"<grade>: <register ids>", so pytest's exit status stays the gate's verdict. An entry with ``flaky = true`` is a
known flaky case: a non-strict xfail (it may pass or fail).

The plugin is always on. A listed case runs as a strict xfail: when it fails it is *reported* (as a known
failure) but does not fail the run; when it starts passing the run fails until its entry is removed; any
failure not listed is a *new* failure and fails the run. The verdict and the lists are printed at the end of the
run, written to ``reports/<env>/gate.json`` and attached to the Allure report.
"""

import json
import tomllib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest

from harness import checks, report
from harness.outcomes import (
    FAILED,
    ROOT,
    XFAILED,
    XPASS_STRICT,
    XPASSED,
    OutcomeCollector,
    allure_dir,
    collector,
    env_name,
    is_controller,
    reports_dir,
)

REQUIRED_FIELDS = ("case", "reason", "ticket")
GATING_GRADES = (checks.STRICT, checks.NON_STRICT)  # informational never fails; flaky never fails alone
DEFAULT_FAIL_ON = GATING_GRADES  # an environment without a [policy] table is judged as strictly as possible


@dataclass(frozen=True)
class KnownFailure:
    case: str
    reason: str
    ticket: str
    flaky: bool = False

    def matches(self, nodeid: str) -> bool:
        return nodeid == self.case or ("[" not in self.case and nodeid.split("[", 1)[0] == self.case)


def load_toml(path: Path) -> dict:
    if not path.exists():
        return {}
    with open(path, "rb") as handle:
        return tomllib.load(handle)


def load_policy(path: Path) -> tuple[str, ...]:
    """The grades that fail the gate on this environment (``[policy] fail_on``)."""
    fail_on = load_toml(path).get("policy", {}).get("fail_on", list(DEFAULT_FAIL_ON))
    wrong = [grade for grade in fail_on if grade not in GATING_GRADES]
    if wrong or checks.STRICT not in fail_on:
        raise pytest.UsageError(f"{path}: [policy] fail_on = {fail_on!r}; documented: \"strict\" and optionally "
                                "\"non-strict\" (informational and flaky never fail the gate)")
    return tuple(fail_on)


def load_reported_readings(path: Path) -> tuple[str, ...] | None:
    """``[policy] reported_readings``: where given, a non-strict failure is reported (not failing) only when it rests
    on one of these readings, the ones the environment is known to depart from; None: any reading."""
    readings = load_toml(path).get("policy", {}).get("reported_readings")
    if readings is None:
        return None
    if not isinstance(readings, list) or not all(isinstance(r, str) and checks.READING.fullmatch(r) for r in readings):
        raise pytest.UsageError(f"{path}: [policy] reported_readings = {readings!r}; documented a list of reading "
                                "ids such as \"I-45\" (spec/INTERPRETATIONS.md)")
    return tuple(readings)


def load_known_failures(path: Path) -> list[KnownFailure]:
    entries = load_toml(path).get("failure", [])
    known = []
    for number, entry in enumerate(entries, 1):
        missing = [f for f in REQUIRED_FIELDS if not str(entry.get(f, "")).strip()]
        if missing:
            raise pytest.UsageError(f"{path}: [[failure]] #{number} lacks {', '.join(missing)} "
                                    "(every known failure needs the case id, a reason and a ticket link)")
        known.append(KnownFailure(*(str(entry[f]).strip() for f in REQUIRED_FIELDS), flaky=bool(entry.get("flaky"))))
    return known


def known_failures_path(config: pytest.Config) -> Path:
    chosen = config.getoption("--known-failures", default=None)
    return Path(chosen) if chosen else ROOT / "spec" / "known_failures" / f"{env_name(config)}.toml"


def match(known: list[KnownFailure], nodeid: str) -> KnownFailure | None:
    return next((k for k in known if k.matches(nodeid)), None)


def verdict(outcomes: OutcomeCollector, known: list[KnownFailure], fail_on: tuple[str, ...] = DEFAULT_FAIL_ON,
            reported_readings: tuple[str, ...] | None = None) -> dict:
    """The gate's verdict from the run's outcomes (controller side); ``reported_readings`` (applied per test, in
    the report hook) is only named in the policy."""
    new, reported, fixed, graded = [], [], [], []
    counts = dict.fromkeys(checks.GRADES, 0)
    for outcome in outcomes.outcomes.values():
        entry = match(known, outcome.nodeid)
        if outcome.grade and not (entry and not outcome.waived) and outcome.status != XPASS_STRICT:
            counts[outcome.grade] += 1
            if outcome.status != FAILED:  # reported, not failing: non-strict/informational per policy, or flaky
                graded.append({"case": outcome.nodeid, "grade": outcome.grade, "rests_on": list(outcome.rests_on),
                               "message": outcome.message})
        if outcome.status == FAILED:
            new.append({"case": outcome.nodeid, "message": outcome.message, "grade": outcome.grade or checks.STRICT,
                        "rests_on": list(outcome.rests_on)})
        elif outcome.status in (XFAILED, XPASSED) and entry and entry.flaky:
            reported.append({"case": outcome.nodeid, "reason": entry.reason, "ticket": entry.ticket, "flaky": True})
        elif outcome.status == XFAILED and entry and not outcome.waived:
            reported.append({"case": outcome.nodeid, "reason": entry.reason, "ticket": entry.ticket})
        elif outcome.status == XPASS_STRICT and entry:
            fixed.append({"case": outcome.nodeid, "reason": entry.reason, "ticket": entry.ticket})
    ran = set(outcomes.outcomes)
    unused = [k.case for k in known if not any(k.matches(nodeid) for nodeid in ran)]
    policy = {"fail_on": list(fail_on)}
    if reported_readings is not None:
        policy["reported_readings"] = list(reported_readings)
    result = {"passed": not new and not fixed, "policy": policy, "grades": counts,
              "new_failures": new, "reported_by_grade": graded, "known_failures": reported,
              "known_failures_now_passing": fixed, "entries_not_run": unused}
    result["non_strict_by_reading"] = dict(readings_not_followed(result).most_common())
    return result


def readings_not_followed(result: dict) -> Counter:
    """How many non-strict failures rest on each reading: a dozen failures that all rest on one reading are one
    question for the gateway team (does the doc mean what we read?), not a dozen bugs."""
    return Counter(reading for entry in [*result.get("new_failures", []), *result.get("reported_by_grade", [])]
                   if entry.get("grade") == checks.NON_STRICT for reading in entry.get("rests_on", []))


def render(result: dict, source: Path) -> list[str]:
    lines = [f"regression gate ({source.relative_to(ROOT) if source.is_relative_to(ROOT) else source}): "
             + ("PASS" if result["passed"] else "FAIL")]
    policy = result.get("policy", {}).get("fail_on", list(DEFAULT_FAIL_ON))
    only = result.get("policy", {}).get("reported_readings")
    lines.append(f"  policy: fail on {' + '.join(policy)}; informational and flaky never fail"
                 + (f"; non-strict reported only when resting on {', '.join(only) or 'no reading'}, else failing"
                    if only is not None and checks.NON_STRICT not in policy else ""))
    lines.append("  failures by grade: " + ", ".join(f"{grade} {n}" for grade, n in result.get("grades", {}).items()))
    readings = readings_not_followed(result)
    if readings:
        lines.append("  non-strict failures by the reading they rest on (spec/INTERPRETATIONS.md; the gateway does "
                     "not follow it): " + ", ".join(f"{reading} {n}" for reading, n in readings.most_common()))
    for title, key, show in (("new failures (fail the gate)", "new_failures", lambda e: f"{e['case']} [{e['grade']}]"),
                             ("reported by grade, not failing here", "reported_by_grade",
                              lambda e: f"{e['case']} [{e['grade']}{': ' + ', '.join(e['rests_on']) if e['rests_on'] else ''}]"),
                             ("known failures now passing (remove their entries)", "known_failures_now_passing",
                              lambda e: f"{e['case']} ({e['ticket']})"),
                             ("known failures (reported, not gating)", "known_failures",
                              lambda e: f"{e['case']}: {e['reason']} ({e['ticket']})")):
        if result.get(key):
            lines.append(f"  {title}: {len(result[key])}")
            lines += [f"    {show(entry)}" for entry in result[key]]
    if result["entries_not_run"]:
        lines.append(f"  entries whose case did not run here: {len(result['entries_not_run'])}")
    return lines


# ---------------------------------------------------------------------------------------------- plugin
def pytest_addoption(parser: pytest.Parser) -> None:
    parser.getgroup("pulse").addoption(
        "--known-failures", metavar="TOML", help="the reviewed known failures (default spec/known_failures/<env>.toml)")


KNOWN = pytest.StashKey[list[KnownFailure]]()
POLICY = pytest.StashKey[tuple[str, ...]]()
REPORTED_READINGS = pytest.StashKey[tuple[str, ...] | None]()
RESULT = pytest.StashKey[dict]()


def pytest_configure(config: pytest.Config) -> None:
    config.stash[KNOWN] = load_known_failures(known_failures_path(config))
    config.stash[POLICY] = load_policy(known_failures_path(config))
    config.stash[REPORTED_READINGS] = load_reported_readings(known_failures_path(config))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        entry = match(config.stash[KNOWN], item.nodeid)
        if entry:
            kind = "known flaky" if entry.flaky else "known failure"
            item.add_marker(pytest.mark.xfail(strict=not entry.flaky, reason=f"{kind}: {entry.reason} ({entry.ticket})"))


FIRST_ATTEMPT = pytest.StashKey[str]()
PASSED_ON_RETRY = pytest.StashKey[bool]()


@pytest.hookimpl(hookwrapper=True, trylast=True)
def pytest_runtest_makereport(item: pytest.Item, call):
    """A failure whose grade this environment does not fail on is reported as an xfail ("non-strict: I-NN"), so
    pytest's exit status is the gate's verdict; a pass on a retry (pytest-rerunfailures, remote environments) is
    flaky, with the failed attempt attached. Inner to allure's and harness.outcomes' wrappers: both see it."""
    outcome = yield
    result = outcome.get_result()
    retried = getattr(item, "execution_count", 1) > 1
    if result.when == "teardown" and item.stash.get(PASSED_ON_RETRY, False):
        report_flaky(item)
    own = checks.graded_phase(item, result.when)
    if hasattr(result, "wasxfail"):
        return
    if result.passed:
        if result.when == "call" and retried and FIRST_ATTEMPT in item.stash:
            item.stash[PASSED_ON_RETRY] = True
            result.user_properties.append(("grade", checks.FLAKY))
            report.label_grade(checks.FLAKY)
        return
    if not result.failed or call.excinfo is None:
        return
    item.stash[FIRST_ATTEMPT] = str(result.longrepr)  # kept as evidence if a retry passes
    grade = checks.grade(call.excinfo.value, case_interpretations=own)
    rests_on = checks.interpretation_of(call.excinfo.value, own)
    report.label_grade(grade, rests_on)
    if grade in item.config.stash[POLICY]:
        return
    reported = item.config.stash[REPORTED_READINGS]
    if grade == checks.NON_STRICT and reported is not None and not set(rests_on) & set(reported):
        return  # a reading this environment is not known to depart from: the suite's false alarm, or a bug
    result.outcome = "skipped"
    result.wasxfail = f"{grade}: {', '.join(rests_on)}" if rests_on else grade


def report_flaky(item: pytest.Item) -> None:
    first = item.stash[FIRST_ATTEMPT]
    report.attach_text("attempt 1 (failed; the retry passed)", first)
    report.mark_flaky(item.config, item.nodeid, "flaky: failed, then passed on the retry\n\n" + first[-2000:])


def pytest_sessionfinish(session: pytest.Session) -> None:
    config = session.config
    if not is_controller(config):
        return
    result = verdict(collector(config), config.stash[KNOWN], config.stash[POLICY], config.stash[REPORTED_READINGS])
    config.stash[RESULT] = result
    target = reports_dir(config)
    if target is None or not collector(config).conformance_run:
        return
    target.mkdir(parents=True, exist_ok=True)
    (target / "gate.json").write_text(json.dumps(result, indent=1) + "\n")
    results = allure_dir(config)
    if results:
        text = "\n".join(render(result, known_failures_path(config))) + "\n"
        report.write_allure_result(
            results, f"Regression gate ({env_name(config)})", "passed" if result["passed"] else "failed", text,
            {"gate.txt": (text, "text/plain"), "gate.json": (json.dumps(result, indent=1), "application/json")},
            {"epic": "Reports", "feature": "Regression gate", "suite": "Reports"})


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    result = config.stash.get(RESULT, None)
    if result is None:
        return
    terminalreporter.section("regression gate")
    for line in render(result, known_failures_path(config)):
        terminalreporter.write_line(line)
