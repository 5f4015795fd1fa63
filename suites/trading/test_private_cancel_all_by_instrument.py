"""private/cancel_all_by_instrument (doc section "Trading") and its ``type`` filter (types.Type)."""

import pytest

from strategies.orders import TYPE_FILTERS
from suites.trading.conftest import limit

pytestmark = [pytest.mark.check("semantics"), pytest.mark.trading, pytest.mark.doc("Trading", "private/cancel_all_by_instrument")]


def place_one_of_each(driver) -> dict:
    """A limit order and one resting (untriggered) order of each trigger type, all far from firing."""
    band = driver.band
    orders = {"limit": limit(driver, "taker", "buy", 1, -3)}
    for order_type, side in (("stop_limit", 1), ("stop_market", 1), ("take_limit", -1), ("take_market", -1)):
        params = {"type": order_type, "amount": band.amount(1), "trigger": "index_price",
                  "trigger_price": band.index_trigger(side)}
        if order_type.endswith("limit"):
            params["price"] = band.price(-2)
        orders[order_type] = driver.place("taker", "buy", params)
    return orders


@pytest.mark.interpretation("I-33")
@pytest.mark.parametrize("type_filter", TYPE_FILTERS)
def test_type_filter_cancels_exactly_the_matching_orders(driver, type_filter):
    """Doc: ``type`` "Order type" (all, limit, stop_limit, ..., trigger_all): only matching orders are cancelled."""
    orders = place_one_of_each(driver)
    driver.cancel_all_by_instrument("taker", type_filter)
    cancelled = {o["order_id"] for o in driver.last_result}
    expected = {o.order_id for t, o in orders.items()
                if type_filter == "all" or t == type_filter or (type_filter == "trigger_all" and t != "limit")}
    assert cancelled == expected, (
        f"type={type_filter}: received cancelled {sorted(cancelled)}; documented {sorted(expected)}")
    driver.check_open_orders("taker")
