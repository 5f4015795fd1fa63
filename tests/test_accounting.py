"""harness.accounting.Ledger: the run's requests per phase, module and test (reports/<env>/requests.json)."""

from types import SimpleNamespace

from harness.accounting import PROPERTY, Ledger


def report(nodeid: str, when: str, spent: int, passed: bool = True):
    return SimpleNamespace(nodeid=nodeid, when=when, passed=passed, user_properties=[(PROPERTY, spent)])


def test_requests_add_up_per_phase_module_and_test():
    ledger = Ledger()
    for nodeid, phases in {"suites/a.py::t1": (3, 5, 1), "suites/a.py::t2": (0, 2, 0), "suites/b.py::t": (10, 1, 4)}.items():
        for when, spent in zip(("setup", "call", "teardown"), phases, strict=True):
            ledger.add(report(nodeid, when, spent))
    summary = ledger.summary()
    assert summary["requests"] == 26 and summary["passed"] == 3
    assert summary["by_phase"] == {"setup": 13, "call": 8, "teardown": 5}
    assert summary["by_module"] == {"suites/b.py": 15, "suites/a.py": 11}
    assert summary["by_module_phase"] == {"suites/b.py": {"setup": 10, "call": 1, "teardown": 4},
                                          "suites/a.py": {"setup": 3, "call": 7, "teardown": 1}}
    assert list(summary["by_module_phase"]) == list(summary["by_module"]), "heaviest module first in both"
    assert summary["top_tests"][0] == {"test": "suites/b.py::t", "requests": 15}
    assert summary["by_test"] == {"suites/b.py::t": {"setup": 10, "call": 1, "teardown": 4},
                                  "suites/a.py::t1": {"setup": 3, "call": 5, "teardown": 1},
                                  "suites/a.py::t2": {"setup": 0, "call": 2, "teardown": 0}}
    assert list(summary["by_test"]) == [t["test"] for t in summary["top_tests"]], "heaviest test first"
