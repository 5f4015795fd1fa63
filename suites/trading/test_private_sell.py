"""private/sell (doc section "Trading"): the sell side of time in force, post_only and positions."""

import pytest

from harness.checks.presence import sent_field
from harness.placement import limit

pytestmark = [pytest.mark.check("semantics"), pytest.mark.trading, pytest.mark.doc("Trading", "private/sell")]


def test_limit_sell_rests_open(driver):
    """Doc: "Places a sell order for an instrument." A sell above every bid rests ``open``."""
    limit(driver, "maker", "sell", 1, 4)
    assert driver.last_result["order"]["order_state"] == "open"
    assert driver.last_result["order"]["direction"] == "sell"


@pytest.mark.interpretation("I-28")
def test_post_only_sell_is_repriced_just_above_the_best_bid(driver):
    """Doc: post_only "... the price will be changed to be just below the spread" (for a sell: just above
    the best bid)."""
    limit(driver, "taker", "buy", 1, -2)
    limit(driver, "maker", "sell", 1, -4, post_only=True)
    received = driver.last_result
    assert received["trades"] == [], f"a post_only sell took: received trades {received['trades']!r}"
    assert sent_field(received["order"], "price", "the repriced post_only order") == driver.band.price(-1), (
        f"price: received {received['order']['price']}; documented best bid + tick = {driver.band.price(-1)}")


@pytest.mark.interpretation("I-27")
def test_sell_fill_or_kill_without_enough_bids_is_cancelled_without_trades(driver):
    """Doc: "fill_or_kill" execute a transaction immediately and completely or not at all."""
    limit(driver, "taker", "buy", 1, -1)
    limit(driver, "maker", "sell", 2, -1, time_in_force="fill_or_kill")
    assert driver.last_result["trades"] == []
    assert driver.last_result["order"]["order_state"] == "cancelled"


@pytest.mark.interpretation("I-39")
def test_a_sell_fill_opens_a_short_position(driver):
    """A sell that fills from flat leaves a short position: negative size, direction sell (I-39)."""
    limit(driver, "taker", "buy", 2, 0)
    limit(driver, "maker", "sell", 2, 0)
    positions = driver.apis["maker"].call("private/get_positions", kind="future")
    mine = next(p for p in positions if p["instrument_name"] == driver.instrument_name)
    assert mine["size"] < 0 and mine["direction"] == "sell", (
        f"received size {mine['size']} direction {mine['direction']}; documented a short position after a sell")
    driver.check_positions("maker")
    driver.check_positions("taker")
