"""Ctrl-C on a paced run with -n 2 against a 'remote' gateway (the reference gateway as --env dev with its
rate of 5 requests/s): one SIGINT to the process group ends the run within 30 s with the suite's own orders
cancelled; a second SIGINT ends it at once."""

import os
import re
import signal
import time

import pytest

from tests.childrun import run_child
from tests.test_suite_safety import external, gateway, open_orders  # noqa: F401 (fixture)

BUSY_TEST = """
import pathlib
import pytest

@pytest.mark.trading
@pytest.mark.parametrize("n", [1, 2])
def test_places_an_order_then_keeps_asking(pulse, pulse_env, rest, n):
    pulse("maker").call("private/buy", instrument_name=pulse_env.test_instrument, amount=10, price=1000.0 + n,
                        type="limit", label=f"ctrl-c-{n}")
    pathlib.Path(f"placed-{n}").touch()
    for _ in range(1000):  # paced at the environment's rate, shared by both workers
        rest.call("public/get_index_price", {"index_name": pulse_env.index_name})
"""
AS_DEV = {f"PULSE_DEV_{account.upper()}_CLIENT_{part.upper()}": value
          for account in ("maker", "taker") for part, value in (("id", account), ("secret", f"{account}-secret"))}


def start_busy_run(tmp_path, gateway):  # noqa: F811
    child = run_child(tmp_path, BUSY_TEST, "-n", "2", "--env", "dev", "--allow-any-host", *external(gateway),
                      env=AS_DEV, wait=False, new_group=True)
    deadline = time.monotonic() + 60
    while not all((tmp_path / f"placed-{n}").exists() for n in (1, 2)):
        if time.monotonic() > deadline or child.poll() is not None:
            os.killpg(child.pid, signal.SIGKILL)
            pytest.fail(f"the child never placed both orders:\n{child.communicate()[0]}")
        time.sleep(0.05)
    time.sleep(1.0)  # both workers are now in paced requests
    assert len([o for o in open_orders(gateway) if not o.get("label", "").startswith("pulse-claim/")]) == 2
    return child


def ctrl_c(child, times: int, timeout: float) -> tuple[float, str]:
    started = time.monotonic()
    for i in range(times):
        if i:
            time.sleep(0.3)
        os.killpg(child.pid, signal.SIGINT)
    try:
        output, _ = child.communicate(timeout=timeout)
    except Exception:
        os.killpg(child.pid, signal.SIGKILL)
        output, _ = child.communicate()
        pytest.fail(f"the run did not end within {timeout}s of Ctrl-C x{times}:\n{output[-3000:]}")
    return time.monotonic() - started, output


@pytest.mark.slow
def test_one_ctrl_c_ends_the_run_within_30s_with_its_orders_cancelled(tmp_path, gateway):  # noqa: F811
    elapsed, output = ctrl_c(start_busy_run(tmp_path, gateway), 1, 30)
    print(f"one Ctrl-C: the run ended {elapsed:.1f}s later")
    assert open_orders(gateway) == [], output[-3000:]  # the workers' instrument claims (I-222) included


@pytest.mark.slow
def test_second_ctrl_c_ends_the_run_at_once(tmp_path, gateway):  # noqa: F811
    child = start_busy_run(tmp_path, gateway)
    elapsed, output = ctrl_c(child, 2, 5)
    print(f"two Ctrl-C: the run ended {elapsed:.1f}s after the first")
    assert elapsed < 3.5, output[-3000:]
    assert child.returncode != 0
    # what it left (its orders, and its workers' instrument claims, I-222) the next run against the same gateway
    # on this machine cancels from the killed run's journals before it starts
    left = open_orders(gateway)
    assert left, "the second Ctrl-C exits at once: nothing is cancelled"
    (tmp_path / "next").mkdir()
    code, output = run_child(tmp_path / "next", "def test_nothing():\n    pass\n", "--env", "dev", "--allow-any-host",
                             *external(gateway), env=AS_DEV, timeout=60)
    assert code == 0, output[-3000:]
    assert re.search(rf"swept {len(left)} order\(s\) left open by a run killed outright \(pulse-run-\w+\)", output), output
    assert open_orders(gateway) == []
