"""private/get_order_history_by_instrument (doc section "Trading"): include_old, include_unfilled, count, offset."""

import pytest

from harness.placement import limit

pytestmark = [pytest.mark.check("semantics"), pytest.mark.trading, pytest.mark.doc("Trading", "private/get_order_history_by_instrument")]


def history(driver, **params) -> list[dict]:
    return driver.apis["taker"].call("private/get_order_history_by_instrument",
                                     instrument_name=driver.instrument_name, **params)


@pytest.mark.interpretation("I-35")
def test_include_unfilled_adds_closed_orders_that_never_filled(driver):
    """Doc: include_unfilled "Include in result fully unfilled closed orders" (default false, I-35)."""
    unfilled = limit(driver, "taker", "buy", 1, -3)
    driver.cancel("taker", unfilled)
    limit(driver, "maker", "sell", 1, 1)
    filled = limit(driver, "taker", "buy", 1, 1)
    without = {o["order_id"] for o in history(driver, count=1000)}
    with_unfilled = {o["order_id"] for o in history(driver, count=1000, include_unfilled=True)}
    assert filled.order_id in without and unfilled.order_id not in without, (
        "include_unfilled=false: the cancelled unfilled order must be left out, the filled one listed")
    assert unfilled.order_id in with_unfilled, "include_unfilled=true: the cancelled unfilled order must be listed"
    driver.check_history("taker", include_old=True, include_unfilled=True, count=2, offset=1)


@pytest.mark.interpretation("I-35")
@pytest.mark.interpretation("I-21")
def test_count_and_offset_page_through_the_history(driver):
    """Doc: count "Number of requested items", offset "The offset for pagination"."""
    for _ in range(3):
        order = limit(driver, "taker", "buy", 1, -3)
        driver.cancel("taker", order)
    full = history(driver, count=1000, include_unfilled=True)
    page = history(driver, count=2, offset=1, include_unfilled=True)
    assert [o["order_id"] for o in page] == [o["order_id"] for o in full[1:3]], (
        f"count=2 offset=1: received {len(page)} orders; documented the slice [1:3] of the history")
