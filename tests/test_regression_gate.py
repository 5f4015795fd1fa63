"""The regression gate plugin (harness.regression_gate), run on small fake suites with pytester."""

import json
import os
from pathlib import Path

import pytest

from harness import matrix

ROOT = Path(__file__).resolve().parent.parent

pytest_plugins = ["pytester"]

SUITE = """
import pytest

pytestmark = pytest.mark.doc("Market Data", "public/get_index_price")

@pytest.mark.check("semantics")
def test_good():
    assert True

@pytest.mark.check("semantics")
def test_broken():
    assert 1 == 2, "received 2; documented 1"

@pytest.mark.check("schema")
@pytest.mark.parametrize("transport", ["http", "ws"])
def test_param(transport):
    assert transport == "http"
"""

PLUGINS = ("-p", "harness.outcomes", "-p", "harness.matrix", "-p", "harness.regression_gate")


@pytest.fixture(autouse=True)
def this_checkout_first(monkeypatch):
    """The subprocess imports the harness of this checkout, whatever else is installed."""
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))


@pytest.fixture
def run(pytester):
    pytester.makeini("[pytest]\nmarkers =\n  doc(section, feature): doc\n  check(*kinds): kind\n"
                     "  interpretation(*ids): register\n")
    pytester.makepyfile(test_suite=SUITE)

    def go(known: str, *args: str):
        (pytester.path / "known.toml").write_text(known)
        runner = pytester.runpytest_subprocess if "-n" in args else pytester.runpytest_inprocess
        return runner(*PLUGINS, "--known-failures", str(pytester.path / "known.toml"),
                                             "--pulse-reports", str(pytester.path / "out"), "-p", "no:cacheprovider",
                                             *args)
    return go


def entry(case: str) -> str:
    return f'[[failure]]\ncase = "{case}"\nreason = "index off by one"\nticket = "https://tracker.example/PULSE-1"\n'


def gate_json(pytester) -> dict:
    return json.loads((pytester.path / "out" / "gate.json").read_text())


def test_unlisted_failures_fail_the_gate(run, pytester):
    result = run("")
    assert result.ret == 1
    result.stdout.fnmatch_lines(["*regression gate (*known.toml): FAIL*", "*new failures (fail the gate): 2*",
                                 "*test_suite.py::test_broken*", "*test_suite.py::test_param?ws?*"])
    assert {e["case"] for e in gate_json(pytester)["new_failures"]} == {
        "test_suite.py::test_broken", "test_suite.py::test_param[ws]"}


def test_known_failures_are_reported_but_do_not_gate(run, pytester):
    result = run(entry("test_suite.py::test_broken") + entry("test_suite.py::test_param[ws]"))
    assert result.ret == 0
    result.stdout.fnmatch_lines(["*regression gate*: PASS*", "*known failures (reported, not gating): 2*",
                                 "*test_broken: index off by one (https://tracker.example/PULSE-1)*"])
    assert len(gate_json(pytester)["known_failures"]) == 2 and gate_json(pytester)["passed"] is True


def test_known_failure_that_passes_fails_the_gate(run, pytester):
    result = run("".join(entry(f"test_suite.py::{case}") for case in ("test_broken", "test_good", "test_param[ws]")))
    assert result.ret == 1
    result.stdout.fnmatch_lines(["*regression gate*: FAIL*", "*known failures now passing (remove their entries): 1*",
                                 "*test_suite.py::test_good (https://tracker.example/PULSE-1)*"])
    assert [e["case"] for e in gate_json(pytester)["known_failures_now_passing"]] == ["test_suite.py::test_good"]


def test_entry_without_params_covers_every_parametrization(run):
    result = run(entry("test_suite.py::test_broken") + entry("test_suite.py::test_param"))
    # test_param[http] passes, so its waiver is stale: the gate fails on it, and only on it
    assert result.ret == 1
    result.stdout.fnmatch_lines(["*known failures now passing*: 1*", "*test_param?http?*"])


def test_entry_needs_reason_and_ticket(run):
    result = run('[[failure]]\ncase = "test_suite.py::test_broken"\nreason = "x"\n')
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "lacks ticket" in str(result.stderr) + str(result.stdout)


def test_gate_works_under_xdist(run, pytester):
    result = run(entry("test_suite.py::test_broken"), "-n", "2")
    assert result.ret == 1
    result.stdout.fnmatch_lines(["*regression gate*: FAIL*", "*new failures (fail the gate): 1*",
                                 "*test_param?ws?*", "*known failures (reported, not gating): 1*"])


def test_matrix_is_written_from_the_results(run, pytester):
    run(entry("test_suite.py::test_broken"))
    written = json.loads((pytester.path / "out" / "matrix.json").read_text())
    cells = written["rows"]["public/get_index_price"]
    assert cells["semantics"]["status"] == matrix.FAIL and cells["semantics"]["known"] == ["test_suite.py::test_broken"]
    assert cells["schema"]["status"] == matrix.FAIL and cells["schema"]["failed"] == ["test_suite.py::test_param[ws]"]
    assert cells["parity"]["status"] == matrix.NOT_COVERED
    assert "| `public/get_index_price` | ❌ | ❌ |" in (pytester.path / "out" / "matrix.md").read_text()


def test_unknown_check_kind_is_a_usage_error(pytester):
    pytester.makeini("[pytest]\nmarkers =\n  check(*kinds): kind\n")
    pytester.makepyfile(test_x='import pytest\n@pytest.mark.check("vibes")\ndef test_x():\n    pass\n')
    result = pytester.runpytest_inprocess("-p", "harness.outcomes")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    output = str(result.stderr) + str(result.stdout)
    assert "check(...) takes schema, semantics" in output and "test_x.py::test_x: vibes" in output
