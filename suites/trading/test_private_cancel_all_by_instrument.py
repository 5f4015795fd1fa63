"""private/cancel_all_by_instrument (doc section "Trading") and its ``type`` filter (types.Type)."""

import pytest

from harness.placement import place_one_of_each
from strategies.orders import TYPE_FILTERS

pytestmark = [pytest.mark.check("semantics"), pytest.mark.trading, pytest.mark.doc("Trading", "private/cancel_all_by_instrument")]


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
