"""private/get_open_orders_by_instrument (doc section "Trading"): "returns the open orders of the user by
instrument", with ``type``."""

import pytest

from harness.placement import place_one_of_each
from strategies.orders import TYPE_FILTERS

pytestmark = [pytest.mark.check("semantics"), pytest.mark.trading, pytest.mark.doc("Trading", "private/get_open_orders_by_instrument")]


@pytest.mark.interpretation("I-36")
def test_type_filter_lists_exactly_the_matching_open_orders(driver):
    """Doc: ``type`` "Order type": untriggered trigger orders are open orders too (I-36).

    One limit order and one resting order of each trigger type, then every documented ``type`` asked of the same
    orders: one placement for the eight reads (it was one per filter: ~110 requests of a remote run), and every
    filter that lists the wrong orders is named in the one failure."""
    orders = place_one_of_each(driver)
    wrong = []
    for type_filter in TYPE_FILTERS:
        try:  # the read, compared with the model's open orders (and sorted oldest first, I-36)
            driver.check_open_orders("taker", type_filter)
        except AssertionError as mismatch:
            wrong.append(str(mismatch))
        ours = {o["order_id"] for o in driver.last_result} & {o.order_id for o in orders.values()}
        expected = {o.order_id for t, o in orders.items()
                    if type_filter == "all" or t == type_filter or (type_filter == "trigger_all" and t != "limit")}
        if ours != expected:
            wrong.append(f"type={type_filter}: received {sorted(ours)}; documented {sorted(expected)}")
    assert not wrong, "private/get_open_orders_by_instrument:\n" + "\n".join(wrong)
