"""private/cancel (doc section "Trading"): "Cancel an order, specified by order id" """

import pytest

from harness.checks.presence import sent_field
from harness.errors import PulseCallError
from harness.placement import limit

pytestmark = [pytest.mark.check("semantics"), pytest.mark.trading, pytest.mark.doc("Trading", "private/cancel")]


@pytest.mark.interpretation("I-27")
def test_cancel_returns_the_cancelled_order(driver):
    """Doc: 200 models.OrderConfirmation: the order, now ``cancelled`` with cancel_reason user_request."""
    order = limit(driver, "taker", "buy", 1, -3)
    driver.cancel("taker", order)
    received = driver.last_result
    assert received["order_state"] == "cancelled" and received["order_id"] == order.order_id
    assert sent_field(received, "cancel_reason", "the cancelled order") == "user_request"


@pytest.mark.interpretation("I-04", "I-25")
def test_a_cancelled_order_stays_cancelled(driver):
    """A terminal state stays terminal (I-25): cancelling twice is refused, the order unchanged."""
    order = limit(driver, "taker", "buy", 1, -3)
    driver.cancel("taker", order)
    with pytest.raises(PulseCallError):
        driver.apis["taker"].call("private/cancel", order_id=order.order_id)
    assert driver.check_order_state(order)["order_state"] == "cancelled"
