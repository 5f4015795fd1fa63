"""pulse-mutation --shard K/N and --merge: the shards partition the campaign, and N shard reports merged give the
unsharded campaign's verdicts exactly (stubbed pytest runs, plus one small real run); remote mode's runs."""

import argparse
import contextlib
import json
import zlib

import pytest

from tests.test_mutation import SUMMARY_OUTPUT
from tools import mutation
from tools.mutation import CLEAN, DEVIATION, FAULT, KILLED, SURVIVED, Fault, Outcome, detected_by_readings

CATALOGUE = {
    FAULT: [Fault(f"bug_{i:02d}", "area", "a bug", "trading" if i % 3 else "auth") for i in range(23)],
    DEVIATION: [Fault(f"latitude_{i}", "area", "a latitude", "jsonrpc", DEVIATION) for i in range(7)],
}
TIMINGS = {"clean": 40.0, "fault:bug_00": 30.0, "fault:bug_07": 12.0, "deviation:latitude_3": 9.0}


def stub_runner(command: list[str], timeout: float):
    """Plays pytest, the same way for a run whatever shard it is in: the switched-in name decides."""
    name = next((command[i + 1] for i, a in enumerate(command) if a in ("--fault", "--deviation")), None)
    if name is None:  # the clean run
        return 0, "800 passed in 20.0s", False
    roll = zlib.crc32(name.encode()) % 7
    if roll == 0:
        return 0, "17 passed in 1.0s", False  # a survivor, or a green deviation
    if roll == 1 and name.startswith("bug"):
        return None, "...", True
    return 1, SUMMARY_OUTPUT.replace("test_currency_filter", f"test_{name}"), False


@pytest.fixture
def campaign(monkeypatch):
    monkeypatch.setattr(mutation, "load_catalogue", lambda kind=FAULT: CATALOGUE[kind])
    monkeypatch.setattr(mutation, "load_timings", lambda path=None: TIMINGS)


def verdicts(summary: dict) -> dict:
    """Everything in a report but the clocks and the shard bookkeeping."""
    runs = summary["outcomes"] + summary["deviations"]["outcomes"]
    kept = {k: v for k, v in summary.items()
            if k not in ("outcomes", "deviations", "wall_seconds", "median_seconds_to_kill", "clean_run", "shards")}
    deviations = {k: v for k, v in summary["deviations"].items() if k != "outcomes"}
    clean = summary["clean_run"] and {k: v for k, v in summary["clean_run"].items() if k != "seconds"}
    return {**kept, "deviations": deviations, "clean": clean,
            "runs": [{k: v for k, v in run.items() if k != "seconds"} for run in runs]}


def test_partition_puts_every_run_in_exactly_one_shard_deterministically():
    ids = [CLEAN] + [mutation.run_id(f) for kind in (FAULT, DEVIATION) for f in CATALOGUE[kind]]
    for total in (1, 2, 3, 4, 7, 40):
        shards = mutation.partition(ids, total, TIMINGS)
        assert len(shards) == total
        assert sorted(run for shard in shards for run in shard) == sorted(ids)
        assert shards == mutation.partition(list(ids), total, dict(TIMINGS))
        assert all(shard == [run for run in ids if run in shard] for shard in shards)  # campaign order kept
    two = mutation.partition(ids, 2, TIMINGS)
    load = [sum(TIMINGS.get(run, 1.0) for run in shard) for shard in two]
    assert abs(load[0] - load[1]) <= 30.0  # longest first onto the least-loaded shard


def test_committed_timings_cover_the_clean_run():
    timings = mutation.load_timings()
    assert timings[CLEAN] > 0 and sum(run.startswith("fault:") for run in timings) >= 50


@pytest.mark.parametrize("text", ["0/4", "5/4", "2", "a/b", "2/0"])
def test_shard_option_is_k_of_n(text):
    with pytest.raises(argparse.ArgumentTypeError, match="expected K/N"):
        mutation.parse_shard(text)


@pytest.mark.parametrize("argv", [["--gate", "--with-deviations"], ["--only-faults"], ["--gate"]])
def test_shards_merged_reproduce_the_unsharded_verdicts(campaign, tmp_path, capsys, argv):
    whole = mutation.main([*argv, "--jobs", "3", "--out", str(tmp_path / "whole")], runner=stub_runner)
    expected = json.loads((tmp_path / "whole" / "mutation.json").read_text())
    for total in (1, 3, 4):
        out = tmp_path / f"of-{total}"
        for index in range(1, total + 1):
            mutation.main([*argv, "--shard", f"{index}/{total}", "--out", str(out)], runner=stub_runner)
        shards = sorted((out / "mutation").glob(f"shard-*-of-{total}.json"))
        assert len(shards) == total
        merged = mutation.main(["--merge", *map(str, shards), "--out", str(out)])
        assert merged == whole
        assert verdicts(json.loads((out / "mutation.json").read_text())) == verdicts(expected)
    assert "mutation gate: FAIL" in capsys.readouterr().out or "--gate" not in argv


def shard_reports(tmp_path, total: int) -> list:
    for index in range(1, total + 1):
        mutation.main(["--gate", "--shard", f"{index}/{total}", "--out", str(tmp_path)], runner=stub_runner)
    return sorted((tmp_path / "mutation").glob(f"shard-*-of-{total}.json"))


def test_merge_fails_on_a_missing_or_repeated_shard_or_a_run_in_two_shards(campaign, tmp_path, capsys):
    files = shard_reports(tmp_path, 3)
    reports = [json.loads(f.read_text()) for f in files]
    assert mutation.merge_shards(reports)[1] == []
    assert mutation.merge_shards(reports[:2])[1] == ["shard 3/3 is missing"]
    assert "shard 2/3 is given 2 times" in mutation.merge_shards([*reports, reports[1]])[1]
    assert mutation.merge_shards([])[1] == ["no shard report to merge"]
    moved = json.loads(files[0].read_text())
    stolen = reports[1]["outcomes"][0]
    moved["outcomes"].append(stolen)
    problems = mutation.merge_shards([moved, *reports[1:]])[1]
    assert f"fault:{stolen['fault']} is in shards 1, 2" in problems
    other = json.loads(files[2].read_text())
    other["shard"]["campaign"] = other["shard"]["campaign"][1:]
    assert any("not one campaign" in p for p in mutation.merge_shards([*reports[:2], other])[1])
    assert mutation.main(["--merge", *map(str, files[:2]), "--out", str(tmp_path)]) == 1
    assert "merge: shard 3/3 is missing" in capsys.readouterr().out


def test_a_shard_without_the_clean_run_is_judged_on_its_own_runs(campaign, tmp_path):
    ids = [CLEAN] + [mutation.run_id(f) for f in CATALOGUE[FAULT]]
    shards = mutation.partition(ids, 4, TIMINGS)
    without_clean = next(i for i, shard in enumerate(shards, 1) if CLEAN not in shard)
    out = tmp_path / "s"
    status = mutation.main(["--gate", "--only-faults", "--shard", f"{without_clean}/4", "--out", str(out)],
                           runner=lambda c, t: (1, SUMMARY_OUTPUT, False))
    report = json.loads((out / "mutation" / f"shard-{without_clean}-of-4.json").read_text())
    assert status == 0 and report["clean_run"] is None and report["faults"] == len(shards[without_clean - 1])


def test_remote_mode_runs_each_fault_against_its_own_staging_simulator(campaign, monkeypatch, tmp_path):
    started: list[tuple] = []

    @contextlib.contextmanager
    def simulator(faults=(), deviations=()):
        started.append((tuple(faults), tuple(deviations)))
        yield "http://127.0.0.1:9/api/v2", "ws://127.0.0.1:9/ws/api/v2"

    commands: list[list[str]] = []

    def runner(command, timeout):
        commands.append(command)
        return 0, "3 passed, 12 skipped, 800 deselected in 2.0s", False

    monkeypatch.setattr(mutation, "remote_gateway", simulator)
    mutation.main(["--remote", "--fault", "bug_01", "--deviation", "latitude_2", "--requests-per-second", "2",
                   "--request-budget", "500", "--out", str(tmp_path)], runner=runner)
    assert sorted(started) == [((), ("latitude_2",)), (("bug_01",), ())]
    for command in commands:
        assert "--fault" not in command and "--deviation" not in command  # the simulator has them, not pytest
        assert command[command.index("--env") + 1] == "sim" and "-x" in command
        assert command[command.index("--base-url") + 1] == "http://127.0.0.1:9/api/v2"
        assert command[command.index("--requests-per-second") + 1] == "2"
        assert command[command.index("--request-budget") + 1] == "500"
    gates = [command[command.index("--known-failures") + 1] for command in commands if "--known-failures" in command]
    assert gates == [str(mutation.DEVIATION_GATE)]  # fault runs: the sim's own policy, as any remote run
    report = json.loads((tmp_path / "mutation-remote.json").read_text())
    assert report["remote"] and report["survived"] == ["bug_01"]
    assert report["outcomes"][0]["detail"] == "3 passed, 12 skipped, 800 deselected"
    assert "remote mode" in (tmp_path / "mutation-remote.md").read_text()
    assert not (tmp_path / "mutation.json").exists()


def test_remote_mode_is_unpaced_by_default():
    options = mutation.Target(remote=True).pytest_options("http://h/api/v2", "ws://h/ws")
    assert options[options.index("--requests-per-second") + 1] == "0"
    assert options[options.index("--request-budget") + 1] == "0"


def test_remote_survivors_name_the_failures_the_remote_gate_only_reported(tmp_path):
    junit = tmp_path / "junit.xml"
    junit.write_text('<testsuites><testsuite><testcase classname="suites.a.test_b" name="test_c[ws]">'
                     '<skipped type="pytest.xfail" message="non-strict: I-303"/></testcase>'
                     '<testcase classname="suites.a.test_b" name="test_d"><skipped type="pytest.xfail" '
                     'message="known failure: x"/></testcase></testsuite></testsuites>')
    assert mutation.non_strict_failures(junit) == ["suites/a/test_b.py::test_c[ws]"]  # a node id pytest reruns
    assert mutation.non_strict_failures(tmp_path / "none.xml") == []


@pytest.mark.timeout(300)  # two real suite runs of a few seconds each; longer on a loaded machine
def test_two_real_shards_merge_into_the_gate_verdict(tmp_path):
    """One small real campaign, sharded: a fault and a deviation, each in its own shard (real pytest runs on the
    reference gateway); merged, the fault is killed and the deviation green, as in the unsharded gate."""
    argv = ["--fault", "auth_logout_keeps_token", "--deviation", "error_data_null", "--jobs", "1"]
    for index in (1, 2):
        mutation.main([*argv, "--shard", f"{index}/2", "--out", str(tmp_path)])
    shards = sorted((tmp_path / "mutation").glob("shard-*-of-2.json"))
    assert [len(json.loads(f.read_text())["shard"]["runs"]) for f in shards] == [1, 1]
    assert mutation.main(["--merge", *map(str, shards), "--out", str(tmp_path)]) == 0
    merged = json.loads((tmp_path / "mutation.json").read_text())
    assert merged["killed"] == merged["faults"] == 1 and merged["deviations"]["green"] == ["error_data_null"]
    failing_file = merged["outcomes"][0]["first_failure"].split("::")[0]  # wherever the suites' layout puts it
    assert failing_file.startswith("suites/") and (mutation.ROOT / failing_file).is_file(), failing_file


def test_a_remote_survivor_reported_only_where_the_clean_simulator_is_silent_counts_as_killed():
    def survivor(reported):
        return Outcome("f", "area", "m", SURVIVED, None, 1.0, "", FAULT, reported)

    clean = {"failures": 0, "reported": ["suites/a.py::test_reading_the_simulator_trips"]}
    assert detected_by_readings(survivor(["suites/a.py::test_reading_the_simulator_trips"]), clean).status == SURVIVED
    assert detected_by_readings(survivor([]), clean).status == SURVIVED
    assert detected_by_readings(survivor(["suites/b.py::test_x"]), None).status == SURVIVED  # no baseline: no guess
    killed = detected_by_readings(survivor(["suites/a.py::test_reading_the_simulator_trips", "suites/b.py::test_x"]),
                                  clean)
    assert (killed.status, killed.first_failure) == (KILLED, "suites/b.py::test_x")
