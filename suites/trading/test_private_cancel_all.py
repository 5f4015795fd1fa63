"""private/cancel_all (doc section "Trading"): "This method cancels all users orders and trigger orders
within all currencies and instrument kinds." """

import pytest

from harness.placement import limit

pytestmark = [pytest.mark.check("semantics"), pytest.mark.trading, pytest.mark.doc("Trading", "private/cancel_all"),
              pytest.mark.account_wide]  # it reaches the account's orders on every instrument


@pytest.mark.interpretation("I-32")
def test_cancel_all_cancels_orders_and_trigger_orders(driver):
    """Doc: "cancels all users orders and trigger orders"; 200: the array of the cancelled orders (I-32)."""
    plain = limit(driver, "taker", "buy", 1, -3)
    trigger = driver.place("taker", "buy", {"type": "stop_limit", "amount": driver.band.amount(1),
                                            "price": driver.band.price(-2), "trigger": "index_price",
                                            "trigger_price": driver.band.index_trigger(1)})
    driver.cancel_all("taker")
    cancelled = {o["order_id"] for o in driver.last_result}
    assert {plain.order_id, trigger.order_id} <= cancelled, (
        f"received cancelled ids {sorted(cancelled)}; documented both the order and the trigger order")
    driver.check_open_orders("taker")
