"""private/get_user_trades_by_instrument (doc section "Trading"): sorting, count and the timestamp window."""

import pytest

from harness.placement import limit

pytestmark = [pytest.mark.check("semantics"), pytest.mark.trading, pytest.mark.doc("Trading", "private/get_user_trades_by_instrument")]


def make_three_trades(driver) -> None:
    for offset in (1, 2, 3):
        limit(driver, "maker", "sell", 1, offset)
        limit(driver, "taker", "buy", 1, offset)


@pytest.mark.interpretation("I-20", "I-21")
@pytest.mark.parametrize("sorting", ["asc", "desc", "default"])
def test_sorting_orders_the_trades(driver, sorting):
    """Doc: sorting "Direction of results sorting": asc oldest first, desc and default newest first (I-20)."""
    make_three_trades(driver)
    received = driver.apis["taker"].call("private/get_user_trades_by_instrument",
                                         instrument_name=driver.instrument_name, sorting=sorting, count=3)
    prices = [t["price"] for t in received]
    expected = [driver.band.price(o) for o in ((1, 2, 3) if sorting == "asc" else (3, 2, 1))]
    if sorting == "asc":  # the oldest trades of the account may predate this test: check the flow's own
        received = driver.apis["taker"].call("private/get_user_trades_by_instrument", instrument_name=driver.instrument_name,
                                             sorting="asc", count=1000)
        prices = [t["price"] for t in received][-3:]
    assert prices == expected, f"sorting={sorting}: received prices {prices}; documented {expected}"
    driver.check_trades_by_instrument("taker", sorting, 2, "both")


@pytest.mark.interpretation("I-20", "I-21")
def test_count_limits_the_number_of_trades(driver):
    """Doc: count "Number of requested items"."""
    make_three_trades(driver)
    received = driver.apis["taker"].call("private/get_user_trades_by_instrument",
                                         instrument_name=driver.instrument_name, count=2)
    assert len(received) == 2, f"count=2: received {len(received)} trades"
