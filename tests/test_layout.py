"""The suite's layout follows the doc (issue #15): one file per documented method and channel, under its doc
section's folder, and a collection that refuses a doc marker or a missing file that disagrees with spec/."""

import os
import re
from pathlib import Path

import pytest

from harness import doc, layout
from harness.methods import CHANNELS, OPERATIONS

pytest_plugins = ["pytester"]
ROOT = Path(__file__).resolve().parent.parent

FOLDERS = {"Authentication": "authentication", "Market Data": "market_data", "Trading": "trading",
           "Wallet": "wallet", "Subscription management": "subscription_management", "Subscription": "subscription"}


def expected_file(name: str) -> str:
    """From the name alone: a method's "/" become "_"; a channel is cut at its first "{", its dots become "_" and a
    trailing "_" goes; the folder is the section spec/ files the name under."""
    stem = name.replace("/", "_") if "/" in name else name.split("{")[0].replace(".", "_").rstrip("_")
    return f"suites/{FOLDERS[doc.section_of(name)]}/test_{stem}.py"


def test_every_documented_method_and_channel_has_its_own_file():
    names = (*OPERATIONS, *CHANNELS)
    assert len(names) == 51
    missing = [expected_file(name) for name in names if not (ROOT / expected_file(name)).is_file()]
    assert not missing, f"documented without a suite file of its own: {missing}"
    assert expected_file("book.{instrument_name}.{interval}") == "suites/subscription/test_book.py"
    assert expected_file("user.changes.{instrument_name}.{interval}") == "suites/subscription/test_user_changes.py"
    assert expected_file("private/get_positions") == "suites/wallet/test_private_get_positions.py"
    assert expected_file("private/get_order_book") == "suites/trading/test_private_get_order_book.py"
    assert expected_file("public/set_heartbeat") == "suites/market_data/test_public_set_heartbeat.py"
    assert [expected_file(name) for name in names] == [doc.suite_file_of(name) for name in names]


def test_the_doc_sections_come_from_spec():
    assert set(doc.feature_sections().values()) == set(doc.SECTIONS)
    assert doc.section_of("private/get_settlement_history_by_currency") == "Trading"
    assert doc.section_of("public/disable_heartbeat") == "Market Data"
    assert doc.section_of("private/logout") == "Authentication"
    assert doc.section_of("user_fee") == doc.section_of("book.BTC_USD-PERPETUAL.raw") == "Subscription"
    assert doc.section_of("order flows") is None
    assert doc.COMMON_CODES == tuple(range(1, 14))
    assert doc.MARKET_TYPES == {"market", "stop_market", "take_market"}


class Item:
    """As much of a pytest item as the layout check reads."""

    def __init__(self, nodeid: str, *docs: tuple, checks: tuple = ("semantics",)) -> None:
        self.nodeid, self.docs, self.checks = nodeid, docs, checks

    def iter_markers(self, name: str):
        if name == "check":
            return [pytest.mark.check(*self.checks).mark] if self.checks else []
        return [pytest.mark.doc(*args).mark for args in self.docs] if name == "doc" else []


def test_a_case_without_its_matrix_markers_is_refused():
    marked = Item("suites/trading/test_private_buy.py::test_x", ("Trading", "private/buy"))
    no_check = Item("suites/parity/test_p.py::test_y[http]", ("Trading", "private/buy"), checks=())
    no_doc = Item("suites/parity/test_p.py::test_z")
    no_marker_outside = Item("tests/test_p.py::test_w", checks=())
    assert layout.unmarked_cases([marked, no_marker_outside]) == []
    problems = layout.unmarked_cases([no_check, no_doc])
    assert problems[0].startswith("suites/parity/test_p.py::test_y: no check marker")
    assert problems[1].startswith("suites/parity/test_p.py::test_z: no doc marker")


def test_a_doc_marker_of_another_section_is_refused():
    wrong = Item("suites/trading/test_private_get_order_book.py::test_x", ("Market Data", "private/get_order_book"))
    (problem,) = layout.misplaced_markers([wrong])
    assert "suites/trading/test_private_get_order_book.py" in problem and "'Trading'" in problem
    assert "'Market Data'" in problem
    right = Item("suites/trading/test_private_get_order_book.py::test_x", ("Trading", "private/get_order_book"))
    spanning = Item("suites/parity/test_p.py::test_x", ("Trading", "private/buy", "user.orders"))
    spanning_in_a_section = Item("suites/trading/test_p.py::test_x", ("Trading", "private/buy", "user.orders"))
    prose = Item("suites/jsonrpc/test_e.py::test_x", ("Websocket Endpoints", "JSON-RPC 2.0 envelope"))
    assert layout.misplaced_markers([right, spanning, prose]) == []
    assert "user.orders under section 'Subscription'" in layout.misplaced_markers([spanning_in_a_section])[0]


def test_a_documented_name_without_its_file_is_refused(tmp_path):
    for name in (*OPERATIONS, *CHANNELS):
        (tmp_path / doc.suite_file_of(name)).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / doc.suite_file_of(name)).touch()
    assert layout.missing_files(tmp_path) == []
    (tmp_path / "suites/trading/test_private_get_settlement_history_by_instrument.py").unlink()
    (problem,) = layout.missing_files(tmp_path)
    assert problem.startswith("suites/trading/test_private_get_settlement_history_by_instrument.py: missing")
    assert "'Trading'" in problem


FAKE_CASE = """
import pytest

@pytest.mark.doc({section!r}, "private/get_order_book")
def test_x():
    pass
"""


@pytest.mark.parametrize("section", ["Market Data", "Trading"])
def test_the_collection_refuses_the_layout_problems(pytester, monkeypatch, section):
    """Through pytest: a wrong marker and the missing files stop the run with a message naming each file."""
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    pytester.makeini("[pytest]\nmarkers =\n  doc(section, *features): doc\n")
    case = pytester.path / "suites" / "trading" / "test_private_get_order_book.py"
    case.parent.mkdir(parents=True)
    case.write_text(FAKE_CASE.format(section=section))
    result = pytester.runpytest_subprocess("-p", "harness.layout", "-p", "no:cacheprovider", "--collect-only")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    err = result.stderr.str()
    assert "suites/trading/test_private_buy.py: missing" in err
    assert "suites/trading/test_private_get_order_book.py: missing" not in err
    wrong = re.search(r"suites/trading/test_private_get_order_book.py: doc\('Market Data'.*'Trading'", err)
    assert bool(wrong) == (section == "Market Data")
