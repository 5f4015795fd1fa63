"""pulse-bench: statistics, the table and JSON it writes (with fake timings), and one --quick smoke."""

import importlib
import json
import sys

import pytest

from tools.bench import main
from tools.bench.fuzz import LOCAL_MAX_EXAMPLES, fuzz_examples_per_operation
from tools.bench.gateway import engine_in_process
from tools.bench.mutation import mutation
from tools.bench.stats import latency_summary, median, percentile, rate, ratio
from tools.bench.suite import slowest_test, timed_run
from tools.bench.table import BenchRun, Row, Target, format_value, render_table, to_json, write_json


def noop(message: str) -> None:
    pass


# ---------------------------------------------------------------------------------------------- statistics
def test_percentile_interpolates_between_ranks():
    samples = list(range(1, 101))  # 1..100
    assert percentile(samples, 0.0) == 1 and percentile(samples, 1.0) == 100
    assert percentile(samples, 0.5) == pytest.approx(50.5)
    assert percentile(samples, 0.99) == pytest.approx(99.01)


def test_percentile_ignores_input_order_and_handles_one_sample():
    assert percentile([5.0, 1.0, 3.0], 0.5) == 3.0
    assert percentile([7.0], 0.99) == 7.0


@pytest.mark.parametrize("samples, fraction", [([], 0.5), ([1.0], 1.5), ([1.0], -0.1)])
def test_percentile_refuses_what_it_cannot_compute(samples, fraction):
    with pytest.raises(ValueError):
        percentile(samples, fraction)


def test_median_of_odd_and_even_counts():
    assert median([3.0, 1.0, 2.0]) == 2.0
    assert median([4.0, 1.0, 3.0, 2.0]) == 2.5


def test_ratio_and_rate_are_none_when_undefined():
    assert ratio(3.0, 2.0) == 1.5
    assert ratio(None, 2.0) is None and ratio(1.0, None) is None and ratio(1.0, 0.0) is None
    assert rate(500, 2.0) == 250.0 and rate(5, 0.0) is None


def test_latency_summary_reports_milliseconds():
    summary = latency_summary([0.001] * 98 + [0.010, 0.020])
    assert summary["n"] == 100
    assert summary["p50_ms"] == pytest.approx(1.0)
    assert summary["p99_ms"] == pytest.approx(10.1)  # between the 99th (10 ms) and 100th (20 ms) samples
    assert summary["max_ms"] == pytest.approx(20.0)


# ---------------------------------------------------------------------------------------------- table and JSON
FAKE_ROWS = [
    Row("suite", "default run, -n 2", 12.5, "s", Target("<=", 30.0)),
    Row("suite", "xdist speedup (plain / -n 2)", 1.2, "x", Target(">=", 1.7)),
    Row("ws_latency", "gateway round trip p50", 0.153, "ms"),
    Row("mutation", "campaign wall time", None, "s", Target("<=", 600.0), note="run pulse-mutation first"),
]


def test_row_status_grades_each_target():
    assert [row.status for row in FAKE_ROWS] == ["met", "MISSED", "", "not run"]
    assert Target("<=", 30.0).met_by(30.0) and Target(">=", 1.7).met_by(1.7)


def test_format_value_keeps_three_significant_figures_and_groups_thousands():
    assert format_value(0.15312, "ms") == "0.153 ms"
    assert format_value(12.54, "s") == "12.5 s"
    assert format_value(17157.2, "orders/s") == "17,157 orders/s"
    assert format_value(None, "s") == "not run"


def test_render_table_aligns_columns_and_shows_targets():
    lines = render_table(FAKE_ROWS).splitlines()
    assert lines[0].split() == ["Benchmark", "Metric", "Value", "Target", "Status", "Note"]
    assert len(lines) == 2 + len(FAKE_ROWS)
    assert "<= 30 s" in lines[2] and lines[2].endswith("met")
    assert lines[3].endswith("MISSED") and lines[5].endswith("not run  run pulse-mutation first")
    value_column = lines[0].index("Value")
    assert all(line[value_column - 2:value_column] == "  " for line in lines[2:])


def test_render_table_as_markdown():
    lines = render_table(FAKE_ROWS, markdown=True).splitlines()
    assert lines[0] == "| Benchmark | Metric | Value | Target | Status | Note |"
    assert lines[1] == "|---|---|---|---|---|---|"
    assert lines[3] == "| suite | xdist speedup (plain / -n 2) | 1.2 x | >= 1.7 x | MISSED |  |"


def test_json_carries_rows_statuses_details_and_machine(tmp_path):
    run = BenchRun()
    run.add(FAKE_ROWS[:2], "suite", {"medians_s": {"plain": 15.0, "xdist -n 2": 12.5}})
    run.add(FAKE_ROWS[3:], "mutation", {"found": False})
    written = json.loads(write_json(run, tmp_path / "out" / "bench.json").read_text())
    assert written == json.loads(json.dumps(to_json(run)))
    assert [row["status"] for row in written["rows"]] == ["met", "MISSED", "not run"]
    assert written["rows"][0]["target"] == "<= 30" and written["rows"][2]["value"] is None
    assert written["details"]["suite"]["medians_s"]["plain"] == 15.0
    assert written["machine"]["cores"] >= 1 and written["started_at"]


# ---------------------------------------------------------------------------------------------- readers
def test_fuzz_budget_is_read_from_the_fuzz_suite(tmp_path):
    conftest = tmp_path / "conftest.py"
    conftest.write_text('EXAMPLES_PER_OPERATION = {"local": 25, "remote": 4, "thorough": 200}\n')
    assert fuzz_examples_per_operation(conftest) == 25
    conftest.write_text("# no budget stated\n")
    assert fuzz_examples_per_operation(conftest) == LOCAL_MAX_EXAMPLES
    assert fuzz_examples_per_operation(tmp_path / "missing.py") == LOCAL_MAX_EXAMPLES


def test_timed_run_reads_the_pytest_outcome_line():
    run = timed_run([sys.executable, "-c", "print('..F'); print('3 passed, 1 failed, 2 skipped in 0.12s')"])
    assert run["exit_code"] == 0 and run["seconds"] > 0
    assert run["outcome"] == {"passed": 3, "failed": 1, "skipped": 2}


def test_slowest_test_is_read_from_the_durations_report():
    output = ("=== slowest 1 durations ===\n"
              "18.52s call     suites/fuzz/test_http_fuzz.py::test_negative_data_is_refused_as_documented\n"
              "436 passed in 40.39s\n")
    assert slowest_test(output) == (18.52, "suites/fuzz/test_http_fuzz.py::test_negative_data_is_refused_as_documented")
    assert slowest_test("4 passed in 0.85s") is None


def test_timed_run_counts_the_child_cpu_time():
    busy = timed_run([sys.executable, "-c", "import time\nend = time.process_time() + 0.3\n"
                                            "while time.process_time() < end: pass"])
    idle = timed_run([sys.executable, "-c", "import time; time.sleep(0.3)"])
    assert busy["cpu_seconds"] >= 0.25, busy["cpu_seconds"]
    assert idle["cpu_seconds"] < busy["cpu_seconds"] - 0.15 and idle["seconds"] >= 0.3


def test_mutation_figures_come_from_the_report(tmp_path):
    report = tmp_path / "mutation.json"
    report.write_text(json.dumps({"faults": 4, "killed": 3, "wall_seconds": 412.0, "outcomes": [
        {"fault": "a", "status": "killed", "seconds": 3.0},
        {"fault": "b", "status": "killed", "seconds": 9.0},
        {"fault": "c", "status": "survived", "seconds": 100.0},
        {"fault": "d", "status": "killed", "seconds": 5.0},
    ]}))
    rows, details = mutation(False, noop, report=report)
    assert [(row.metric, row.value, row.status) for row in rows] == [
        ("campaign wall time", 412.0, "met"), ("median time to kill", 5.0, ""), ("faults killed", 3.0, "")]
    assert rows[2].unit == "of 4" and details["found"] is True
    report.write_text(json.dumps({"wall_seconds": 700.0, "median_seconds_to_kill": 11.5}))
    rows, _ = mutation(False, noop, report=report)
    assert (rows[0].status, rows[1].value) == ("MISSED", 11.5)


@pytest.mark.parametrize("content", [None, "{not json", "[]"])
def test_mutation_is_not_run_without_a_report(tmp_path, content):
    report = tmp_path / "mutation.json"
    if content is not None:
        report.write_text(content)
    rows, details = mutation(False, noop, report=report)
    assert [row.status for row in rows] == ["not run", "not run", "not run"]
    assert all(row.value is None for row in rows) and details["found"] is False


# ---------------------------------------------------------------------------------------------- smoke
def test_quick_ws_latency_prints_the_table_and_writes_json(tmp_path, capsys):
    output = tmp_path / "bench.json"
    assert main(["--only", "ws_latency", "--quick", "--output", str(output)]) == 0
    printed = capsys.readouterr().out
    assert "gateway / echo at p50" in printed and str(output) in printed
    rows = {row["metric"]: row for row in json.loads(output.read_text())["rows"]}
    assert rows["gateway round trip p50"]["value"] > 0 and rows["echo server round trip p50"]["value"] > 0
    assert rows["gateway / echo at p50"]["status"] in ("met", "MISSED")
    before, after = (rows[f"reference loop {when} the benchmarks"]["value"] for when in ("before", "after"))
    assert before > 0 and after > 0, "the machine's speed is recorded beside every table"


def test_the_in_process_engine_benchmark_still_reaches_the_engine():
    """The one benchmark that imports the gateway (tools/ may; harness/ may not): a renamed or moved engine class
    fails here, not as a quiet "benchmark failed" row of pulse-bench."""
    figures = engine_in_process(40)
    assert figures["orders"] == 40 and figures["orders_per_s"] > 0


def test_control_status_counts_what_the_gateway_served():
    """The fuzz benchmark's case count: HTTP requests (any path under /api/v2) and WS text frames served."""
    import httpx
    from websockets.sync.client import connect

    from reference_gateway import start_gateway

    gateway = start_gateway()
    try:
        def status() -> dict:
            return httpx.get(gateway.base_url + "/_refgw/control/status", timeout=5).json()

        before = status()
        for path in ("public/get_time", "public/get_time", "public/no_such_method"):
            httpx.get(f"{gateway.base_url}/api/v2/{path}", timeout=5)
        with connect(gateway.ws_url, open_timeout=5) as ws:
            for request_id in (1, 2):
                ws.send(json.dumps({"jsonrpc": "2.0", "id": request_id, "method": "public/test", "params": {}}))
                ws.recv(timeout=5)
        after = status()
    finally:
        gateway.stop()
    assert after["http_requests"] - before["http_requests"] == 3
    assert after["ws_messages"] - before["ws_messages"] == 2


def test_remote_benchmark_reads_the_run_and_its_request_ledger(tmp_path, monkeypatch):
    """The remote rows come from the pytest run (wall, outcome, sweep line) and reports/sim/requests.json."""
    remote_bench = importlib.import_module("tools.bench.remote")  # the package re-exports the function
    ledger = tmp_path / "requests.json"
    ledger.write_text(json.dumps({"requests": 2412, "by_phase": {"setup": 500, "call": 1700, "teardown": 212},
                                  "passed_per_100_requests": 21.5}))
    fake = {"seconds": 280.0, "cpu_seconds": 60.0, "exit_code": 0, "summary": "400 passed, 20 skipped, 9 deselected",
            "outcome": {"passed": 400, "skipped": 20, "deselected": 9},
            "stdout": "final sweep (sim): cancelled 0 order(s) this run left open; no other order touched\n"}
    monkeypatch.setattr(remote_bench, "timed_run", lambda command, timeout: fake)
    monkeypatch.setattr(remote_bench, "REQUESTS_FILE", ledger)
    rows, details = remote_bench.remote(False, lambda message: None)
    values = {row.metric: row.value for row in rows}
    assert values["-m trading: wall at 5 requests/s"] == 280.0
    assert values["full suite -n 2: requests (cleanup included)"] == 2412
    assert values["-m trading: run / skipped / deselected"] == 400
    assert values["-m trading: orders the final sweep found open"] == 0.0
    assert {row.status for row in rows if row.target} == {"met"}


def test_busy_cores_is_what_other_processes_used_between_two_samples(tmp_path, monkeypatch):
    """The note "machine busy" rests on this, not on the 1-minute load average (which still carries the benchmark's
    own previous run for minutes)."""
    bench_suite = importlib.import_module("tools.bench.suite")  # tools.bench.suite the function shadows it
    stat = tmp_path / "stat"
    stat.write_text("cpu  100 0 100 800 0 0 0 0 0 0\ncpu0 50 0 50 400 0 0 0 0 0 0\n")

    def mostly_busy(seconds):  # 200 jiffies pass, 50 of them idle
        stat.write_text("cpu  175 0 175 850 0 0 0 0 0 0\ncpu0 85 0 85 425 0 0 0 0 0 0\n")

    monkeypatch.setattr(bench_suite.time, "sleep", mostly_busy)
    assert bench_suite.busy_cores(0.5, stat) == 0.75 * bench_suite.CORES
    assert bench_suite.busy_cores(0.5, tmp_path / "missing") is None
