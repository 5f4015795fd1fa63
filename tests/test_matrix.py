"""The conformance matrix: cells from outcomes, channel names, rendering and the environment diff."""

import json

from harness import matrix
from harness.outcomes import FAILED, PASSED, SKIPPED, XFAILED, Outcome


def outcome(nodeid, status, feature="private/buy", checks=("semantics",), interpretations=(), grade=None):
    return Outcome(nodeid, status, ("Trading", feature), tuple(checks), tuple(interpretations), grade=grade)


def test_cell_grades():
    assert matrix.cell_status([]) == matrix.NOT_COVERED
    assert matrix.cell_status([outcome("a", SKIPPED)]) == matrix.NOT_COVERED
    assert matrix.cell_status([outcome("a", PASSED)]) == matrix.PASS
    assert matrix.cell_status([outcome("a", PASSED), outcome("b", FAILED)]) == matrix.FAIL
    # the grade (harness.checks.grade) decides, not the markers alone: a strict check may fail in a case that rests
    # on a reading elsewhere
    assert matrix.cell_status([outcome("a", PASSED), outcome("b", FAILED, grade="non-strict")]) == matrix.NON_STRICT
    assert matrix.cell_status([outcome("a", PASSED), outcome("b", XFAILED, grade="informational")]) == matrix.NON_STRICT
    assert matrix.cell_status([outcome("b", FAILED, grade="non-strict"), outcome("c", FAILED)]) == matrix.FAIL
    assert matrix.cell_status([outcome("b", FAILED, interpretations=("I-27",), grade="strict")]) == matrix.FAIL
    assert matrix.cell_status([outcome("a", XFAILED)]) == matrix.FAIL


def test_channel_features_map_to_their_template():
    assert matrix.canonical_feature("book") == "book.{instrument_name}.{interval}"
    assert matrix.canonical_feature("user.orders.BTC_USD-PERPETUAL.raw") == "user.orders.{instrument_name}.raw"
    assert matrix.canonical_feature("user_fee") == "user_fee"
    assert matrix.canonical_feature("private/buy") == "private/buy"


def test_matrix_rows_cover_every_operation_and_channel():
    built = matrix.build_matrix([outcome("a", PASSED, checks=("semantics", "parity")), outcome("b", PASSED, checks=()),
                                 outcome("c", PASSED, feature="made/up")], "dev")
    assert set(matrix.OPERATIONS) <= set(built["rows"]) and set(matrix.CHANNELS) <= set(built["rows"])
    assert built["rows"]["private/buy"]["semantics"]["status"] == matrix.PASS
    assert built["rows"]["private/buy"]["parity"]["status"] == matrix.PASS
    assert built["rows"]["private/buy"]["unclassified"]["tests"] == 1
    assert built["undocumented_rows"] == ["made/up"]
    assert built["rows"]["private/sell"]["semantics"]["status"] == matrix.NOT_COVERED
    assert "| `private/buy` | · | ✅ |" in matrix.render_markdown(built)


def test_diff_prints_drift_and_sets_the_exit_status(tmp_path, capsys):
    dev = matrix.build_matrix([outcome("a", PASSED)], "dev")
    stg = matrix.build_matrix([outcome("a", FAILED)], "stg")
    (tmp_path / "dev.json").write_text(json.dumps(dev))
    (tmp_path / "stg.json").write_text(json.dumps(stg))
    assert matrix.diff_main([str(tmp_path / "dev.json"), str(tmp_path / "stg.json")]) == 1
    printed = capsys.readouterr().out
    assert "private/buy" in printed and "pass (dev) -> fail (stg)" in printed and "1 cell(s) differ" in printed
    assert matrix.diff_main([str(tmp_path / "dev.json"), str(tmp_path / "dev.json")]) == 0


# ---------------------------------------------------------------------------------------------- issue 13
import os  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

from harness.methods import CHANNELS, OPERATIONS  # noqa: E402

pytest_plugins = ["pytester"]
ROOT = Path(__file__).resolve().parent.parent


def test_a_case_naming_several_features_fills_each_row():
    """A fuzz case over a doc section checks every operation of it: doc(section, feature, *more)."""
    many = Outcome("fuzz", PASSED, ("Trading", "private/buy", "private/sell", "book.BTC_USD-PERPETUAL.raw"), ("schema",))
    built = matrix.build_matrix([many], "dev")
    assert built["rows"]["private/buy"]["schema"]["status"] == matrix.PASS
    assert built["rows"]["private/sell"]["schema"]["status"] == matrix.PASS
    assert built["rows"]["book.{instrument_name}.{interval}"]["schema"]["tests"] == 1
    assert built["rows"]["private/edit"]["schema"]["status"] == matrix.NOT_COVERED


def test_parity_of_ws_only_rows_is_not_applicable_and_counted_apart():
    built = matrix.build_matrix([outcome("a", PASSED)], "dev")
    assert built["rows"]["public/subscribe"]["parity"]["status"] == matrix.NOT_APPLICABLE
    assert built["rows"]["user_fee"]["parity"]["status"] == matrix.NOT_APPLICABLE
    assert built["rows"]["private/buy"]["parity"]["status"] == matrix.NOT_COVERED  # an HTTP method: applicable
    not_applicable = sum(1 for r in built["rows"].values() for c in r.values() if c["status"] == matrix.NOT_APPLICABLE)
    assert built["rows"]["private/logout"]["schema"]["status"] == matrix.NOT_APPLICABLE  # documented without a reply
    assert not_applicable == 8 + len(CHANNELS) + 1
    assert built["covered_cells"] == 1 and built["applicable_cells"] == built["cells"] - not_applicable
    text = matrix.render_markdown(built)
    assert f"1/{built['cells']} cells covered" in text and f"1/{built['applicable_cells']} of the applicable" in text


def test_an_empty_cell_says_why():
    skipped = Outcome("t1", SKIPPED, ("Trading", "private/cancel_all"), ("flows",),
                      skip_reason="local_only: needs the reference gateway's control plane")
    wide = Outcome("t2", SKIPPED, ("Trading", "private/cancel_all"), ("flows",), skip_reason="account_wide: acts on")
    dropped = Outcome("t3[ws]", SKIPPED, ("Trading", "private/edit"), ("semantics",),
                      skip_reason="deselected: over one transport on a shared gateway (the other transport's case runs)")
    built = matrix.build_matrix([skipped, wide], "sim", deselected=[dropped])
    assert built["rows"]["private/cancel_all"]["flows"]["reason"] in ("local_only (1); account_wide (1)",
                                                                      "account_wide (1); local_only (1)")
    assert built["rows"]["private/edit"]["semantics"]["reason"].startswith("deselected: over one transport")
    assert built["rows"]["private/buy"]["negative"]["reason"] == matrix.NO_CASE
    text = matrix.render_markdown(built)
    assert "## Cells not covered in this run, and why" in text
    assert "| `private/buy` | negative | no case checks it |" in text
    assert "`private/cancel_all`" in text.split("Cells not covered")[1]


def test_the_rows_no_case_reached_are_listed():
    built = matrix.build_matrix([outcome(f"t{i}", PASSED, feature=row) for i, row in enumerate(OPERATIONS[1:])], "sim")
    assert built["documented_rows"] == len(OPERATIONS) + len(CHANNELS) == 51
    assert built["documented_rows_without_a_case"] == [OPERATIONS[0], *CHANNELS]
    skipped = matrix.build_matrix([outcome("s", SKIPPED, feature=OPERATIONS[0])], "sim")
    assert OPERATIONS[0] in skipped["documented_rows_without_a_case"]  # a skipped case did not run its checks


# A fake suite: one case per documented operation and channel, each with a row, and (with --drop ROW) one row's
# case skipped as local_only; the project's --env option stands in as a plain option (the root conftest is not
# loaded by pytester).
REMOTE_SUITE = """
import pytest
from harness.methods import CHANNELS, OPERATIONS

def pytest_generate_tests(metafunc):
    drop = metafunc.config.getoption("--drop")
    metafunc.parametrize("row", [pytest.param(row, marks=[pytest.mark.doc("S", row)] + (
        [pytest.mark.skip(reason="local_only: needs the control plane")] if row == drop else []))
        for row in OPERATIONS + CHANNELS])

@pytest.mark.check("semantics")
@pytest.mark.parametrize("transport", ["http", "ws"])
def test_row(row, transport):
    assert row
"""
REMOTE_CONFTEST = """
import pytest
def pytest_addoption(parser):
    parser.addoption("--env", default="local")
    parser.addoption("--drop", default="")

def pytest_collection_modifyitems(config, items):
    if config.getoption("--env") != "local":  # as the root conftest: one transport per case on a shared gateway
        dropped = [i for i in items if i.callspec.params["transport"] == "ws"]
        config.hook.pytest_deselected(items=dropped)
        items[:] = [i for i in items if i not in dropped]
"""


@pytest.fixture
def remote_run(pytester, monkeypatch):
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    pytester.makeini("[pytest]\nmarkers =\n  doc(section, *features): doc\n  check(*kinds): kind\n")
    pytester.makeconftest(REMOTE_CONFTEST)
    pytester.makepyfile(test_suite=REMOTE_SUITE)

    def go(*args: str):
        result = pytester.runpytest_subprocess("-p", "harness.outcomes", "-p", "harness.matrix", "-p",
                                               "harness.regression_gate", "--pulse-reports", str(pytester.path / "out"),
                                               "-p", "no:cacheprovider", *args)
        return result, json.loads((pytester.path / "out" / "matrix.json").read_text())
    return go


def test_remote_gate_passes_when_every_documented_row_ran(remote_run, pytester):
    result, written = remote_run("--env", "sim", "-n", "2")
    assert result.ret == 0
    result.stdout.fnmatch_lines(["*matrix gate (sim): PASS*", "*51/51 documented operations and channels*"])
    assert written["documented_rows_without_a_case"] == []
    # the WS halves were deselected, and say so where no case of the cell ran; the HTTP halves covered semantics
    assert written["rows"]["private/buy"]["semantics"]["status"] == matrix.PASS
    assert "51/51 documented operations and channels have a case that ran." in (
        pytester.path / "out" / "matrix.md").read_text()


def test_remote_gate_fails_when_a_documented_row_has_no_case_that_ran(remote_run, pytester):
    result, written = remote_run("--env", "sim", "-n", "2", "--drop", "private/cancel_all")
    assert result.ret == 1  # every case passed: the matrix gate alone fails the run
    result.stdout.fnmatch_lines(["*matrix gate (sim): FAIL*", "*no case ran for private/cancel_all*"])
    assert written["documented_rows_without_a_case"] == ["private/cancel_all"]
    reason = written["rows"]["private/cancel_all"]["semantics"]["reason"]
    assert "local_only (1)" in reason and "deselected: over one transport" in reason


def test_local_mode_and_selections_keep_the_regression_gate_alone(remote_run):
    result, written = remote_run("--drop", "private/cancel_all")
    assert result.ret == 0 and written["documented_rows_without_a_case"] == ["private/cancel_all"]
    result.stdout.fnmatch_lines(["*matrix gate (local): not applied: local mode*"])
    result, _ = remote_run("--env", "sim", "-k", "cancel_all")
    assert result.ret == 0
    result.stdout.fnmatch_lines(["*matrix gate (sim): not applied: a run of a selection*"])
