"""private/get_order_state (doc section "Trading"): "Retrieves the state of a specific order." """

import pytest

from harness.errors import PulseCallError
from harness.placement import limit

pytestmark = [pytest.mark.check("semantics"), pytest.mark.trading, pytest.mark.doc("Trading", "private/get_order_state")]


@pytest.mark.interpretation("I-34")
def test_get_order_state_returns_a_one_element_array(driver):
    """Doc: 200 "Inline" ``[models.OrderConfirmation]`` - an array (I-34), holding the order."""
    order = limit(driver, "taker", "buy", 1, -3)
    received = driver.apis["taker"].call("private/get_order_state", order_id=order.order_id)
    assert isinstance(received, list) and len(received) == 1, f"received {received!r}; documented a one-element array"
    assert received[0]["order_id"] == order.order_id


@pytest.mark.interpretation("I-34")
def test_another_accounts_order_is_not_found(driver):
    """I-34: a foreign order id is not_found; the maker cannot read the taker's order."""
    order = limit(driver, "taker", "buy", 1, -3)
    with pytest.raises(PulseCallError):
        driver.apis["maker"].call("private/get_order_state", order_id=order.order_id)
