"""private/cancel_all_by_instrument (doc section "Trading") and its ``type`` filter (types.Type)."""

import pytest

from harness.placement import place_one_of_each
from strategies.orders import TYPE_FILTERS

pytestmark = [pytest.mark.check("semantics"), pytest.mark.trading, pytest.mark.doc("Trading", "private/cancel_all_by_instrument")]


def matches(order_type: str, type_filter: str) -> bool:
    """I-33: ``all`` takes every order, ``trigger_all`` every trigger order, any other value its own type."""
    return type_filter == "all" or order_type == type_filter or (type_filter == "trigger_all" and order_type != "limit")


@pytest.mark.interpretation("I-33")
def test_type_filter_cancels_exactly_the_matching_orders(driver):
    """Doc: ``type`` "Order type" (all, limit, stop_limit, ..., trigger_all): only matching orders are cancelled.

    One limit order and one resting order of each trigger type; each filter in turn cancels, and what it took is
    put back before the next one (one placement of five instead of five per filter: ~95 requests of a remote
    run). The first filter that cancels the wrong orders ends the case: after it the account's orders are no
    longer what the model knows."""
    orders = place_one_of_each(driver)
    for type_filter in TYPE_FILTERS:
        expected = {o.order_id for t, o in orders.items() if matches(t, type_filter)}
        driver.cancel_all_by_instrument("taker", type_filter)
        cancelled = {o["order_id"] for o in driver.last_result}
        assert cancelled == expected, (
            f"type={type_filter}: received cancelled {sorted(cancelled)}; documented {sorted(expected)}")
        driver.check_open_orders("taker")
        if type_filter != TYPE_FILTERS[-1]:
            orders.update(place_one_of_each(driver, [t for t in orders if matches(t, type_filter)]))
