"""Grades at the check (harness.checks) and the gate's policy per environment (harness.regression_gate).

One fault (the index price is off by one) is seen through the three kinds of check: a strict one, one that rests
on a register entry (non-strict) and an informational one; the gate's exit status then follows the policy.
"""

import ast
import json
from pathlib import Path

import pytest

from harness import checks
from harness.checks import CheckFailure, Fail, check, grade
from tests.test_regression_gate import PLUGINS, this_checkout_first  # noqa: F401 (autouse fixture)

ROOT = Path(__file__).resolve().parent.parent

pytest_plugins = ["pytester"]


# ---------------------------------------------------------------------------------------------- grade()
@check(clause="get_index_price: index_price number")
def index_price_is_a_number(value):
    if not isinstance(value, (int, float)):
        raise Fail(repr(value), "a number")


@check(clause="get_index_price: the index of the requested name", interpretation="I-400")
def index_price_is_close(value, expected):
    assert abs(value - expected) < 1, f"{value} vs {expected}"


@check(clause="estimated_delivery_price", informational=True)
def estimated_delivery_price_present(result):
    if "estimated_delivery_price" not in result:
        raise Fail("<missing>", "present (Deribit sends it)")


def failure_of(function, *args) -> CheckFailure:
    with pytest.raises(CheckFailure) as caught:
        function(*args)
    return caught.value


def test_a_named_check_says_what_it_received_and_what_is_documented():
    failure = failure_of(index_price_is_a_number, "60000")
    assert str(failure).startswith("check index_price_is_a_number failed\nclause: get_index_price: index_price number\n"
                                   "received: '60000'\ndocumented: a number")
    assert (failure.check, failure.interpretation, failure.grade_hint) == ("index_price_is_a_number", None, "strict")
    assert isinstance(failure, AssertionError)


def test_the_three_kinds_of_check_grade_one_fault_three_ways():
    assert grade(failure_of(index_price_is_a_number, "60001")) == checks.STRICT
    close = failure_of(index_price_is_close, 60001, 60000)
    assert grade(close) == checks.NON_STRICT and close.interpretation == "I-400" and "received: 60001 vs 60000" in str(close)
    assert grade(failure_of(estimated_delivery_price_present, {})) == checks.INFORMATIONAL


def test_plain_assertions_are_strict_unless_the_case_rests_on_a_reading():
    assert grade(AssertionError("x")) == checks.STRICT
    assert grade(AssertionError("x"), case_interpretations=["I-07"]) == checks.NON_STRICT
    assert grade(failure_of(index_price_is_a_number, "x"), case_interpretations=["I-07"]) == checks.NON_STRICT
    assert grade(failure_of(estimated_delivery_price_present, {}), case_interpretations=["I-07"]) == checks.INFORMATIONAL
    assert grade(AssertionError("x"), flaky=True) == checks.FLAKY


def test_a_check_failure_is_found_inside_wrappers():
    inner = failure_of(index_price_is_close, 5, 1)
    try:
        try:
            raise inner
        except CheckFailure as exc:
            raise RuntimeError("hypothesis wrapped it") from exc
    except RuntimeError as wrapped:
        assert grade(wrapped) == checks.NON_STRICT
    assert checks.find_check_failure(ExceptionGroup("two", [ValueError(), inner])) is inner


def test_several_failures_at_once_grade_as_the_strictest():
    """hypothesis' distinct failures and schemathesis' FailureGroup: a non-strict check beside a strict failure
    leaves the case strict (the first CheckFailure found used to decide); readings are those of the non-strict."""
    reading = failure_of(index_price_is_close, 5, 1)  # non-strict, I-400
    informational = failure_of(estimated_delivery_price_present, {})
    assert grade(ExceptionGroup("two", [reading, AssertionError("status")])) == checks.STRICT
    assert grade(ExceptionGroup("two", [informational, reading])) == checks.NON_STRICT
    assert grade(ExceptionGroup("one", [informational])) == checks.INFORMATIONAL
    assert checks.interpretation_of(ExceptionGroup("two", [reading, AssertionError()]), ["I-07"]) == ["I-400", "I-07"]
    assert checks.interpretation_of(ExceptionGroup("two", [reading, AssertionError()])) == ["I-400"]


def test_a_check_raised_inside_schemathesis_keeps_its_grade():
    """schemathesis turns a check's exception into a CustomFailure that keeps it as ``exception``."""
    from schemathesis.core.failures import CustomFailure, FailureGroup
    reading = failure_of(index_price_is_close, 5, 1)
    custom = CustomFailure(operation="POST /x", title="pulse_response_schema", message=str(reading), exception=reading)
    assert grade(FailureGroup([custom], "failed")) == checks.NON_STRICT
    assert checks.interpretation_of(FailureGroup([custom], "failed"), ["I-180"]) == ["I-400"]
    plain = CustomFailure(operation="POST /x", title="pulse_invariants", message="x", exception=AssertionError("x"))
    assert grade(FailureGroup([custom, plain], "failed")) == checks.STRICT


def test_no_suite_module_carries_a_module_level_interpretation():
    """A module-level interpretation would make every case in it non-strict, whatever it checks."""
    def module_marks(source: str) -> str:
        tree = ast.parse(source)
        return "".join(ast.get_source_segment(source, node) for node in tree.body if isinstance(node, ast.Assign)
                       and any(getattr(target, "id", None) == "pytestmark" for target in node.targets))

    offending = [str(path.relative_to(ROOT)) for path in (ROOT / "suites").rglob("test_*.py")
                 if "interpretation(" in module_marks(path.read_text())]
    assert offending == []


# ---------------------------------------------------------------------------------------------- the gate's policy
SUITE = '''
import pytest
from harness.checks import Fail, check

pytestmark = [pytest.mark.doc("Market Data", "public/get_index_price"), pytest.mark.interpretation("I-99")]
INDEX = 60001  # the fault: the index is off by one

@check(clause="index_price number")
def index_price_is_documented(value):
    if value != 60000:
        raise Fail(value, 60000)

@check(clause="index_price within a tick", interpretation="I-400")
def index_price_within_a_tick(value):
    if value != 60000:
        raise Fail(value, 60000)

@check(clause="estimated_delivery_price", informational=True)
def delivery_price_matches(value):
    if value != 60000:
        raise Fail(value, 60000)

@pytest.mark.check("semantics")
def test_strict():
    index_price_is_documented(INDEX)

@pytest.mark.check("semantics")
def test_non_strict():
    index_price_within_a_tick(INDEX)

@pytest.mark.check("semantics")
def test_informational():
    delivery_price_matches(INDEX)

@pytest.mark.check("semantics")
@pytest.mark.parametrize("reading", [pytest.param("ours", marks=pytest.mark.interpretation("I-401")), "plain"])
def test_plain_assert(reading):
    assert INDEX == 60000
'''

@pytest.fixture
def run(pytester):
    pytester.makeini("[pytest]\nmarkers =\n  doc(section, feature): doc\n  check(*kinds): kind\n"
                     "  interpretation(*ids): register\n")

    def go(policy: str, suite: str = SUITE, *args: str):
        pytester.makepyfile(test_suite=suite)
        (pytester.path / "known.toml").write_text(policy)
        runner = pytester.runpytest_subprocess if "-n" in args else pytester.runpytest_inprocess
        return runner(*PLUGINS, "--known-failures", str(pytester.path / "known.toml"),
                      "--pulse-reports", str(pytester.path / "out"), "-p", "no:cacheprovider", "-rA", *args)
    return go


def gate(pytester) -> dict:
    return json.loads((pytester.path / "out" / "gate.json").read_text())


def test_strict_failures_fail_every_policy(run, pytester):
    result = run('[policy]\nfail_on = ["strict"]\n')
    assert result.ret == 1
    verdict = gate(pytester)
    assert {e["case"]: e["grade"] for e in verdict["new_failures"]} == {
        "test_suite.py::test_strict": "strict", "test_suite.py::test_plain_assert[plain]": "strict"}
    assert verdict["grades"] == {"strict": 2, "non-strict": 2, "informational": 1, "flaky": 0}
    assert verdict["policy"] == {"fail_on": ["strict"]}
    assert verdict["non_strict_by_reading"] == {"I-400": 1, "I-401": 1}
    result.stdout.fnmatch_lines(["*policy: fail on strict; informational and flaky never fail*",
                                 "*failures by grade: strict 2, non-strict 2, informational 1, flaky 0*",
                                 "*non-strict failures by the reading they rest on*: I-400 1, I-401 1",
                                 "*XFAIL*test_non_strict*non-strict: I-400*", "*XFAIL*test_informational*informational*",
                                 "*XFAIL*test_plain_assert?ours?*non-strict: I-401*"])


def test_non_strict_failures_are_reported_not_failing_where_the_env_does_not_opt_in(run, pytester):
    suite = SUITE.replace("def test_strict", "def _strict").replace('"plain"])', '])')
    result = run('[policy]\nfail_on = ["strict"]\n', suite)
    assert result.ret == 0
    verdict = gate(pytester)
    assert verdict["passed"] and verdict["new_failures"] == []
    assert {e["case"]: e["grade"] for e in verdict["reported_by_grade"]} == {
        "test_suite.py::test_non_strict": "non-strict", "test_suite.py::test_informational": "informational",
        "test_suite.py::test_plain_assert[ours]": "non-strict"}
    matrix = json.loads((pytester.path / "out" / "matrix.json").read_text())
    assert matrix["rows"]["public/get_index_price"]["semantics"]["status"] == "non-strict"


def test_non_strict_failures_fail_where_the_env_opts_in(run, pytester):
    suite = SUITE.replace("def test_strict", "def _strict").replace('"plain"])', '])')
    result = run('[policy]\nfail_on = ["strict", "non-strict"]\n', suite)
    assert result.ret == 1
    assert {e["case"] for e in gate(pytester)["new_failures"]} == {
        "test_suite.py::test_non_strict", "test_suite.py::test_plain_assert[ours]"}
    result.stdout.fnmatch_lines(["*XFAIL*test_informational*informational*"])  # informational never fails


def test_reported_readings_keep_only_their_non_strict_failures_reported(run, pytester):
    """[policy] reported_readings (the simulator's sim.toml): a non-strict failure resting on another reading fails."""
    suite = SUITE.replace("def test_strict", "def _strict").replace('"plain"])', '])')
    result = run('[policy]\nfail_on = ["strict"]\nreported_readings = ["I-401"]\n', suite)
    assert result.ret == 1
    verdict = gate(pytester)
    assert [(e["case"], e["grade"]) for e in verdict["new_failures"]] == [("test_suite.py::test_non_strict", "non-strict")]
    assert {e["case"] for e in verdict["reported_by_grade"]} == {
        "test_suite.py::test_informational", "test_suite.py::test_plain_assert[ours]"}
    result.stdout.fnmatch_lines(["*policy: fail on strict; informational and flaky never fail; non-strict reported "
                                 "only when resting on I-401, else failing*"])
    assert verdict["policy"] == {"fail_on": ["strict"], "reported_readings": ["I-401"]}
    assert run('[policy]\nfail_on = ["strict"]\nreported_readings = ["I-400", "I-401"]\n', suite).ret == 0
    assert run('[policy]\nfail_on = ["strict"]\nreported_readings = ["45"]\n', suite).ret == pytest.ExitCode.USAGE_ERROR


SETUP_SUITE = """
import pytest
from harness.checks.presence import sent_field

pytestmark = pytest.mark.doc("Market Data", "public/get_index_price")

@pytest.fixture
def book_without_bids():
    return sent_field({"asks": []}, "bids", "the order book")  # the doc lets a gateway omit it (I-160)

@pytest.fixture
def gateway_down():
    raise ConnectionError("connection refused")

@pytest.mark.check("semantics")
@pytest.mark.interpretation("I-18")
def test_needs_the_bids(book_without_bids):
    assert False, "not reached"

@pytest.mark.check("semantics")
@pytest.mark.interpretation("I-18")
def test_needs_the_gateway(gateway_down):
    assert False, "not reached"

@pytest.fixture
def position_given_back():
    yield
    sent_field({}, "instrument_name", "a listed position")  # the cleanup reads what the doc lets a gateway omit

@pytest.fixture
def cleanup_fails():
    yield
    raise ConnectionError("connection reset")

@pytest.mark.check("semantics")
@pytest.mark.interpretation("I-18")
def test_teardown_misses_a_property(position_given_back):
    pass

@pytest.mark.check("semantics")
@pytest.mark.interpretation("I-18")
def test_teardown_fails(cleanup_fails):
    pass
"""


def test_a_setup_failure_is_graded_by_its_checks_never_by_the_cases_readings(run, pytester):
    """A fixture that finds a property missing (sent_field), at setup or at teardown, fails non-strict on I-160,
    reported on an environment that fails on strict only; any other setup or teardown error stays strict, whatever
    the case's own readings (I-18 here)."""
    result = run('[policy]\nfail_on = ["strict"]\n', SETUP_SUITE)
    assert result.ret == 1
    verdict = gate(pytester)
    assert sorted((e["case"], e["grade"]) for e in verdict["new_failures"]) == [
        ("test_suite.py::test_needs_the_gateway", "strict"), ("test_suite.py::test_teardown_fails", "strict")]
    assert sorted((e["case"], e["grade"]) for e in verdict["reported_by_grade"]) == [
        ("test_suite.py::test_needs_the_bids", "non-strict"), ("test_suite.py::test_teardown_misses_a_property", "non-strict")]
    assert verdict["non_strict_by_reading"] == {"I-160": 2}
    result.stdout.fnmatch_lines(["*XFAIL*test_needs_the_bids*non-strict: I-160*"])


def test_the_simulators_reported_readings_are_its_profiles_departures():
    """spec/known_failures/sim.toml names exactly the readings the staging profile's deviations depart from."""
    from harness.regression_gate import load_reported_readings
    from reference_gateway.deviations import DEVIATIONS, PROFILES
    departures = {reading for name in PROFILES["staging"] for reading in DEVIATIONS[name].contradicts}
    assert set(load_reported_readings(ROOT / "spec" / "known_failures" / "sim.toml")) == departures


def test_informational_alone_never_fails(run, pytester):
    suite = SUITE.replace("def test_strict", "def _strict").replace("def test_non_strict", "def _ns").replace(
        "def test_plain_assert", "def _plain")
    assert run('[policy]\nfail_on = ["strict", "non-strict"]\n', suite).ret == 0


def test_policy_grades_are_checked(run):
    result = run('[policy]\nfail_on = ["informational"]\n')
    assert result.ret == pytest.ExitCode.USAGE_ERROR


def test_policy_holds_under_xdist(run, pytester):
    suite = SUITE.replace("def test_strict", "def _strict").replace('"plain"])', '])')
    result = run('[policy]\nfail_on = ["strict"]\n', suite, "-n", "1")
    assert result.ret == 0
    assert gate(pytester)["grades"]["non-strict"] == 2


def test_known_flaky_entry_is_a_non_strict_xfail(run, pytester):
    suite = SUITE.replace("def test_non_strict", "def _ns").replace('"plain"])', '])').replace(
        "def test_informational", "def _inf")
    known = ('[policy]\nfail_on = ["strict", "non-strict"]\n[[failure]]\ncase = "test_suite.py::test_strict"\n'
             'reason = "index feed lags"\nticket = "https://tracker.example/PULSE-9"\nflaky = true\n'
             '[[failure]]\ncase = "test_suite.py::test_plain_assert"\nreason = "sometimes"\n'
             'ticket = "https://tracker.example/PULSE-10"\nflaky = true\n')
    suite = suite.replace("assert INDEX == 60000", "assert True")  # a flaky case that passes this time
    result = run(known, suite)
    assert result.ret == 0
    assert {e["case"] for e in gate(pytester)["known_failures"]} == {
        "test_suite.py::test_strict", "test_suite.py::test_plain_assert[ours]"}


def test_every_environment_states_its_policy():
    from harness.regression_gate import load_policy
    policies = {env: load_policy(ROOT / "spec" / "known_failures" / f"{env}.toml") for env in ("local", "dev", "stg")}
    assert policies == {"local": ("strict", "non-strict"), "dev": ("strict",), "stg": ("strict",)}


# ---------------------------------------------------------------------------------------------- flakes
FLAKY_SUITE = '''
import pathlib
import pytest

pytestmark = pytest.mark.doc("Market Data", "public/get_index_price")

@pytest.mark.check("semantics")
def test_flaky_once():
    marker = pathlib.Path("attempted")
    first = not marker.exists()
    marker.write_text("1")
    assert not first, "received a stale index on the first attempt; documented the current one"

@pytest.mark.check("semantics")
def test_always_broken():
    assert 1 == 2, "received 2; documented 1"
'''


def test_a_pass_on_retry_is_flaky_reported_and_not_failing_alone(run, pytester):
    suite = FLAKY_SUITE.replace("def test_always_broken", "def _always_broken")
    result = run('[policy]\nfail_on = ["strict", "non-strict"]\n', suite, "--reruns", "1",
                 "--alluredir", str(pytester.path / "allure"))
    assert result.ret == 0
    verdict = gate(pytester)
    assert verdict["grades"]["flaky"] == 1 and verdict["passed"]
    assert [e["case"] for e in verdict["reported_by_grade"]] == ["test_suite.py::test_flaky_once"]
    attempts = {r["status"]: r for r in (json.loads(p.read_text()) for p in (pytester.path / "allure").glob("*-result.json"))
                if r["name"] == "test_flaky_once"}  # Allure keeps both attempts (one historyId: a retry)
    assert set(attempts) == {"failed", "passed"}
    case = attempts["passed"]
    assert case["statusDetails"]["flaky"] is True
    assert {"name": "grade", "value": "flaky"} in case["labels"]
    attempts = [a for a in case["attachments"] if a["name"].startswith("attempt 1")]
    assert attempts and "stale index" in (pytester.path / "allure" / attempts[0]["source"]).read_text()


def test_a_failure_on_both_attempts_still_fails(run, pytester):
    result = run('[policy]\nfail_on = ["strict"]\n', FLAKY_SUITE, "--reruns", "1")
    assert result.ret == 1
    verdict = gate(pytester)
    assert [e["case"] for e in verdict["new_failures"]] == ["test_suite.py::test_always_broken"]
    assert verdict["grades"]["flaky"] == 1


def test_remote_environments_retry_once_local_does_not(pytester):
    from harness.regression_gate import load_policy  # noqa: F401  (the plugin imports cleanly)
    text = (ROOT / "conftest.py").read_text()
    assert 'env_name != "local"' in text and "config.option.reruns = 1" in text


def test_a_stored_failure_is_replayed_once_then_dropped(tmp_path):
    from harness.replay_once import ReplayOnceDatabase
    key, value = b"test", b"failing-example"
    ReplayOnceDatabase(tmp_path).save(key, value)  # run 1 finds a failure
    run_2 = ReplayOnceDatabase(tmp_path)
    assert list(run_2.fetch(key)) == [value]  # replayed once...
    run_2.save(key, value)  # ...fails again and is reported; hypothesis saves it again
    assert list(ReplayOnceDatabase(tmp_path).fetch(key)) == []  # run 3: not replayed again
    assert list(ReplayOnceDatabase(tmp_path).fetch(key)) == []
    ReplayOnceDatabase(tmp_path).save(key, value)  # found anew by generation: it earns one replay again
    assert list(ReplayOnceDatabase(tmp_path).fetch(key)) == [value]


# ---------------------------------------------------------------------------------------------- report labels
class FakeItem:
    def __init__(self, name: str, params: dict | None = None) -> None:
        self.originalname = self.name = name
        self.callspec = type("CallSpec", (), {"params": params or {}})() if params else None

    def get_closest_marker(self, name: str):
        return object() if name == "fuzz" else None


@pytest.mark.parametrize(("item", "section"), [
    (FakeItem("test_positive_authentication"), "Authentication"), (FakeItem("test_negative_market_data"), "Market Data"),
    (FakeItem("test_positive_trading"), "Trading"), (FakeItem("test_negative_wallet"), "Wallet"),
    (FakeItem("test_ws_method_answers_as_documented", {"method": "private/get_deposits"}), "Wallet"),
    (FakeItem("test_order_flow_through_links"), "Trading"),
])
def test_fuzz_cases_sit_under_their_doc_section(item, section):
    from harness.report import fuzz_section
    assert fuzz_section(item)[0] == section


def test_the_jsonrpc_error_checks_grade_the_error_object_three_ways():
    """JSON-RPC 2.0 itself (strict), our reading of data (I-05, non-strict), Deribit's null data (I-402, informational)."""
    from harness.checks.envelope import error_object_is_documented, is_error_reply
    base = {"jsonrpc": "2.0", "id": 1}
    data = {"reason": "bad", "status": 1}
    cases = {"strict": {"code": "-32602", "message": "x", "data": data},
             "non-strict": {"code": -32602, "message": "x", "data": {"why": "bad"}},
             "informational": {"code": -32602, "message": "x", "data": None}}
    for expected, error in cases.items():
        with pytest.raises(CheckFailure) as caught:
            error_object_is_documented({**base, "error": error})
        assert (caught.value.check, grade(caught.value)) == ("error_object_is_documented", expected)
    with pytest.raises(CheckFailure) as caught:  # the strict code check runs before the reading is reported
        is_error_reply({**base, "error": {"code": -32600, "message": "x", "data": None}}, "invalid_params", 1)
    assert (caught.value.check, grade(caught.value)) == ("error_code_is", "strict")
    assert is_error_reply({**base, "error": {"code": -32602, "message": "x", "data": data}}, "invalid_params", 1)


def test_a_property_the_doc_lets_a_gateway_omit_fails_non_strict_when_missing():
    """harness.checks.presence.sent_field: the value when sent; when not, a non-strict failure resting on I-160
    (every response property is "Required false"), never a KeyError or a strict "received None"."""
    from harness.checks.presence import sent_field
    assert sent_field({"ticks": []}, "ticks", "a chart") == [] and sent_field({"a": None}, "a", "x") is None
    for payload in ({"status": "ok"}, None, ["ticks"]):
        failure = failure_of(sent_field, payload, "ticks", "a chart")
        assert grade(failure) == checks.NON_STRICT and checks.interpretation_of(failure) == ["I-160"]
        assert "a chart: no 'ticks'" in str(failure)


def test_a_failure_with_other_detail_keeps_its_check_and_grade():
    """CheckFailure.with_detail (the WS fuzz adds the request and reply): same check, clause, reading and grade."""
    reading = failure_of(index_price_is_close, 5, 1).with_detail("request params: {}")
    assert (reading.check, reading.interpretation, grade(reading)) == ("index_price_is_close", "I-400", checks.NON_STRICT)
    assert str(reading).endswith("request params: {}")
    assert grade(failure_of(estimated_delivery_price_present, {}).with_detail("x")) == checks.INFORMATIONAL
