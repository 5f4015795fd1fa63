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
