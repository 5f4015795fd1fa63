"""private/buy (doc section "Trading"): order types, time in force, post_only, reduce_only, max_show.

Every order goes through the model driver, so besides the rule each test names, the whole step (response,
trades, the orders it touched, open orders) is compared with the model.
"""

import pytest

from harness.checks.presence import sent_field
from harness.doc import DAY_MS, HOUR_MS
from harness.local import wait_until
from harness.placement import limit

pytestmark = [pytest.mark.check("semantics"), pytest.mark.trading, pytest.mark.doc("Trading", "private/buy")]


def test_limit_buy_rests_open_with_the_documented_fields(driver):
    """Doc: "Places a buy order for an instrument." A limit buy below every ask rests ``open``."""
    order = limit(driver, "taker", "buy", 2, -3, label="rests")
    received = driver.last_result["order"]
    assert received["order_state"] == "open", f"order_state: received {received['order_state']!r}; documented open"
    assert received["filled_amount"] == 0 and received["direction"] == "buy" and received["label"] == "rests"
    driver.check_open_orders("taker")
    assert order.order_id


@pytest.mark.interpretation("I-27")
def test_fill_or_kill_never_partially_fills(driver):
    """Doc: "fill_or_kill" execute a transaction immediately and completely or not at all."""
    resting = limit(driver, "maker", "sell", 1, 2)
    limit(driver, "taker", "buy", 2, 2, time_in_force="fill_or_kill")
    received = driver.last_result
    assert received["trades"] == [] and received["order"]["filled_amount"] == 0, (
        f"received trades {received['trades']!r}; documented none for a fill_or_kill that cannot fill completely")
    assert received["order"]["order_state"] == "cancelled", (
        f"order_state: received {received['order']['order_state']!r}; I-27 reads cancelled")
    assert driver.check_order_state(resting)["filled_amount"] == 0


def test_fill_or_kill_fills_completely_when_it_can(driver):
    """Doc: "fill_or_kill" execute a transaction immediately and completely."""
    limit(driver, "maker", "sell", 3, 2)
    limit(driver, "taker", "buy", 2, 3, time_in_force="fill_or_kill")
    assert driver.last_result["order"]["order_state"] == "filled"


@pytest.mark.interpretation("I-26", "I-27")
def test_immediate_or_cancel_never_rests(driver):
    """Doc: "immediate_or_cancel" ... any portion of the order that cannot be immediately filled is cancelled."""
    limit(driver, "maker", "sell", 1, 1)
    order = limit(driver, "taker", "buy", 3, 1, time_in_force="immediate_or_cancel")
    received = driver.last_result["order"]
    assert received["filled_amount"] == driver.band.amount(1) and received["order_state"] == "cancelled", (
        f"received {received['order_state']} with filled_amount {received['filled_amount']}; documented the "
        "immediate part filled and the rest cancelled")
    driver.check_open_orders("taker")
    assert order.order_id not in [o.get("order_id") for o in driver.last_result]


@pytest.mark.interpretation("I-28")
def test_post_only_never_takes_it_is_repriced_below_the_spread(driver):
    """Doc: "If the new price would cause the order to be filled immediately (as taker), the price will be
    changed to be just below the spread." """
    limit(driver, "maker", "sell", 1, 2)
    limit(driver, "taker", "buy", 1, 4, post_only=True)
    received = driver.last_result
    assert received["trades"] == [], f"a post_only order took: received trades {received['trades']!r}"
    expected = driver.band.price(1)
    assert sent_field(received["order"], "price", "the repriced post_only order") == expected, (
        f"price: received {received['order']['price']}; documented just below the spread: best ask − tick = {expected}")


@pytest.mark.interpretation("I-28")
def test_post_only_needs_good_til_cancelled(driver):
    """Doc: post_only "Only valid in combination with time_in_force="good_til_cancelled"." """
    assert limit(driver, "taker", "buy", 1, -2, post_only=True, time_in_force="immediate_or_cancel") is None


@pytest.mark.interpretation("I-29")
def test_reduce_only_never_opens_a_position(driver):
    """Doc: reduce_only "is intended to only reduce a current position". Flat, it cannot reduce anything."""
    limit(driver, "maker", "sell", 2, 1)
    limit(driver, "taker", "buy", 2, 1, reduce_only=True)
    received = driver.last_result
    assert received["trades"] == [] and received["order"]["order_state"] == "rejected", (
        f"received {received['order']['order_state']} with trades {received['trades']!r}; I-29 reads rejected")
    driver.check_positions("taker")


@pytest.mark.interpretation("I-29")
def test_reduce_only_never_takes_a_position_past_zero(driver):
    """Doc: reduce_only "is intended to only reduce a current position": long 1 contract, a reduce_only
    sell of 3 closes 1 and no more."""
    limit(driver, "maker", "sell", 1, 0)
    limit(driver, "taker", "buy", 1, 0)
    limit(driver, "maker", "buy", 3, -1)
    limit(driver, "taker", "sell", 3, -1, reduce_only=True)
    assert driver.last_result["order"]["filled_amount"] == driver.band.amount(1)
    driver.check_positions("taker")
    driver.check_positions("maker")


@pytest.mark.interpretation("I-30")
def test_max_show_limits_what_the_book_shows_but_all_of_it_trades(driver):
    """Doc: max_show "Maximum amount within an order to be shown to other customers, 0 for invisible order"."""
    limit(driver, "maker", "sell", 3, 2, max_show=driver.band.amount(1))
    book = driver.apis["taker"].call("private/get_order_book", instrument_name=driver.instrument_name, depth=50)
    shown = {price: amount for price, amount in book["asks"]}.get(driver.band.price(2))
    assert shown == driver.band.amount(1), f"the book shows {shown} at the level; documented max_show = 1 contract"
    limit(driver, "taker", "buy", 3, 2)
    assert driver.last_result["order"]["filled_amount"] == driver.band.amount(3)


def test_fills_follow_price_then_time_priority(driver):
    """A buy meets the lowest ask first, and at one price the oldest order first (price-time priority)."""
    first = limit(driver, "maker", "sell", 1, 2)
    second = limit(driver, "maker", "sell", 1, 2)
    better = limit(driver, "maker", "sell", 1, 1)
    limit(driver, "taker", "buy", 2, 2)
    assert [t["price"] for t in driver.last_result["trades"]] == [driver.band.price(1), driver.band.price(2)]
    assert driver.check_order_state(better)["order_state"] == "filled"
    assert driver.check_order_state(first)["order_state"] == "filled", "the older order at a price trades first"
    assert driver.check_order_state(second)["order_state"] == "open"


def test_average_price_is_the_amount_weighted_mean_of_fills(driver):
    """OrderConfirmation ``average_price`` "Average price": 1 contract at P+1 and 2 at P+2 average to P+5/3 ticks."""
    limit(driver, "maker", "sell", 1, 1)
    limit(driver, "maker", "sell", 2, 2)
    limit(driver, "taker", "buy", 3, 2)
    band = driver.band
    expected = (band.price(1) * 1 + band.price(2) * 2) / 3
    received = driver.last_result["order"]["average_price"]
    assert abs(received - expected) < 1e-6, f"average_price: received {received}; documented {expected}"


@pytest.mark.interpretation("I-27")
def test_market_order_remainder_is_cancelled(driver, pulse_env):
    """A market order behaves as immediate_or_cancel: what the book cannot fill is cancelled (I-27). On a shared
    gateway it runs only where the claimed instrument has no foreign ask (a market buy would take it): the
    suite's own one-contract ask is then all the book can fill."""
    foreign_ask = driver.model.foreign_best.get("sell")  # read from the book when the driver started
    if pulse_env.is_remote and foreign_ask is not None:
        pytest.skip(f"remote: {pulse_env.test_instrument} has a foreign ask ({foreign_ask}); a market buy would take "
                    "other firms' liquidity (I-625)")
    limit(driver, "maker", "sell", 1, 1)
    driver.place("taker", "buy", {"type": "market", "amount": driver.band.amount(2)})
    received = driver.last_result["order"]
    assert received["order_state"] == "cancelled" and received["filled_amount"] == driver.band.amount(1)


@pytest.mark.local_only(reason="moves the gateway clock to the 08:00 UTC end of the trading session")
@pytest.mark.interpretation("I-27")
def test_good_til_day_is_cancelled_at_the_end_of_the_trading_day(driver, control, tokens, rest):
    """Doc: "good_til_day" unfilled order remains in order book till the end of the trading session
    (I-27: the session ends at 08:00 UTC)."""
    order = limit(driver, "taker", "buy", 1, -3, time_in_force="good_til_day")
    now = control.status()["now_ms"]
    roll = now - now % DAY_MS + 8 * HOUR_MS
    roll = roll if roll > now else roll + DAY_MS
    control.advance_clock((roll - now + 1000) / 1000)
    for manager in tokens.values():  # the jump outlives the tokens
        manager.invalidate()

    def state() -> dict:
        return rest.call("private/get_order_state", {"order_id": order.order_id},
                         token=tokens["taker"].access_token())[0]
    assert wait_until(lambda: state()["order_state"] == "cancelled", timeout=5), (
        f"order_state after 08:00 UTC: received {state()['order_state']!r}; documented cancelled at the session end")
    assert sent_field(state(), "cancel_reason", "the expired order") == "good_til_day", f"cancel_reason: received {state().get('cancel_reason')!r}"
    order.order_state, order.cancel_reason = "cancelled", "good_til_day"
