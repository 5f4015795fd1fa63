"""private/edit (doc section "Trading"): "This method edits an order." """

import pytest

from harness.checks.presence import sent_field
from harness.placement import limit

pytestmark = [pytest.mark.check("semantics"), pytest.mark.trading, pytest.mark.doc("Trading", "private/edit")]


@pytest.mark.interpretation("I-31")
def test_edit_sets_replaced_and_the_new_amount_and_price(driver):
    """Doc: models.Edit amount, price: the edited order carries them, and ``replaced`` "Replaced" is true."""
    order = limit(driver, "taker", "buy", 1, -4)
    driver.edit("taker", order, driver.band.amount(2), driver.band.price(-5))
    received = driver.last_result["order"]
    assert (received.get("amount"), received.get("price")) == (driver.band.amount(2), driver.band.price(-5)), (
        f"amount, price: received {received.get('amount')!r}, {received.get('price')!r}; documented the edit's")
    driver.check_order_state(order)
    replaced = sent_field(received, "replaced", "the edited order")  # Required false: sent is I-160's reading
    assert replaced is True, f"replaced: received {replaced!r}; documented true after edit"


@pytest.mark.interpretation("I-31")
def test_edit_to_a_crossing_price_trades(driver):
    """An edit that moves a buy onto the best ask trades at once; the edit response carries the trades."""
    limit(driver, "maker", "sell", 1, 1)
    order = limit(driver, "taker", "buy", 1, -2)
    driver.edit("taker", order, driver.band.amount(1), driver.band.price(1))
    assert len(driver.last_result["trades"]) == 1 and driver.last_result["order"]["order_state"] == "filled"


@pytest.mark.interpretation("I-31")
def test_edit_of_a_filled_order_is_refused(driver):
    """Only open orders can be edited (I-31): a filled order answers not_open_order."""
    resting = limit(driver, "maker", "sell", 1, 1)
    limit(driver, "taker", "buy", 1, 1)
    driver.edit("maker", resting, driver.band.amount(2))  # the model predicts the refusal


@pytest.mark.interpretation("I-31")
def test_a_price_change_loses_time_priority(driver):
    """I-31: a price change (even back to the same level later) puts the order behind the others there."""
    first = limit(driver, "maker", "sell", 1, 2)
    second = limit(driver, "maker", "sell", 1, 2)
    driver.edit("maker", first, driver.band.amount(1), driver.band.price(3))
    driver.edit("maker", first, driver.band.amount(1), driver.band.price(2))
    limit(driver, "taker", "buy", 1, 2)
    assert driver.check_order_state(second)["order_state"] == "filled", "the order that kept its priority trades first"
    assert driver.check_order_state(first)["order_state"] == "open"


@pytest.mark.interpretation("I-31")
def test_edit_amount_not_above_filled_amount_is_refused(driver):
    """I-31: the new amount must exceed filled_amount."""
    resting = limit(driver, "maker", "sell", 3, 1)
    limit(driver, "taker", "buy", 1, 1)
    driver.edit("maker", resting, driver.band.amount(1))
