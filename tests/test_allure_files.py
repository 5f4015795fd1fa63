"""harness.report writes the Allure files off the test's thread, leaves out the fixture containers that say
nothing but "set up / torn down, passed", and empties the previous run's results without waiting for it."""

import json
import time

import pytest

from harness import report

allure_commons = pytest.importorskip("allure_commons")
from allure_commons import model2  # noqa: E402


def test_background_files_appear_whole_once_flushed(tmp_path):
    files = report.BackgroundFiles()
    for n in range(50):
        files.put(tmp_path / f"{n}-result.json", json.dumps({"n": n}).encode())
    assert files.flush() == []
    written = sorted(tmp_path.iterdir())
    assert len(written) == 50 and not list(tmp_path.glob("*.tmp"))
    assert {json.loads(path.read_text())["n"] for path in written} == set(range(50))


def test_a_write_that_fails_is_reported_by_flush(tmp_path):
    files = report.BackgroundFiles()
    files.put(tmp_path / "missing-directory" / "x-result.json", b"{}")
    files.put(tmp_path / "ok-result.json", b"{}")
    failed = files.flush()
    assert len(failed) == 1 and "x-result.json" in failed[0]
    assert (tmp_path / "ok-result.json").exists()  # one failure loses nothing else


def test_the_previous_results_are_removed_in_the_background(tmp_path):
    results = tmp_path / "allure-results"
    results.mkdir()
    for n in range(200):
        (results / f"{n}-result.json").write_text("{}")
    report.remove_in_background(results)
    assert not results.exists() or not list(results.iterdir())
    deadline = time.monotonic() + 10
    while list(tmp_path.glob(".allure-results.old-*")) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert list(tmp_path.iterdir()) == []


def _logger(tmp_path):
    report.write_terse_allure_files()
    import allure_pytest.plugin

    return allure_pytest.plugin.AllureFileLogger(tmp_path, clean=True)


def test_a_container_that_says_only_set_up_and_torn_down_is_not_written(tmp_path):
    logger = _logger(tmp_path)
    logger.report_container(model2.TestResultContainer(uuid="c1", befores=[model2.TestBeforeResult(name="rest", status="passed")],
                                                afters=[model2.TestAfterResult(name="rest::0", status="passed")]))
    report.flush_files()
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("after", [
    model2.TestAfterResult(name="cleanup::0", status="broken"),  # a teardown that failed
    model2.TestAfterResult(name="cleanup::0", status="passed", attachments=[{"name": "sweep", "source": "s.json"}]),
])
def test_a_container_with_something_to_say_is_written(tmp_path, after):
    logger = _logger(tmp_path)
    logger.report_container(model2.TestResultContainer(uuid="c2", befores=[model2.TestBeforeResult(name="x", status="passed")],
                                                afters=[after]))
    report.flush_files()
    (written,) = tmp_path.glob("*-container.json")
    assert json.loads(written.read_text())["afters"][0]["name"] == "cleanup::0"
