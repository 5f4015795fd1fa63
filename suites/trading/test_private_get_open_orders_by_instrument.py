"""private/get_open_orders_by_instrument (doc section "Trading"): "returns the open orders of the user by
instrument", with ``type``."""

import pytest

from harness.placement import place_one_of_each
from strategies.orders import TYPE_FILTERS

pytestmark = [pytest.mark.check("semantics"), pytest.mark.trading, pytest.mark.doc("Trading", "private/get_open_orders_by_instrument")]


@pytest.mark.interpretation("I-36")
@pytest.mark.parametrize("type_filter", TYPE_FILTERS)
def test_type_filter_lists_exactly_the_matching_open_orders(driver, type_filter):
    """Doc: ``type`` "Order type": untriggered trigger orders are open orders too (I-36)."""
    orders = place_one_of_each(driver)
    received = driver.apis["taker"].call("private/get_open_orders_by_instrument",
                                         instrument_name=driver.instrument_name, type=type_filter, count=1000)
    ours = {o["order_id"] for o in received} & {o.order_id for o in orders.values()}
    expected = {o.order_id for t, o in orders.items()
                if type_filter == "all" or t == type_filter or (type_filter == "trigger_all" and t != "limit")}
    assert ours == expected, f"type={type_filter}: received {sorted(ours)}; documented {sorted(expected)}"
    driver.check_open_orders("taker", type_filter)
