"""private/get_order_state_by_label (doc section "Trading"): "Retrieves the state of a specific order by label." """

import uuid

import pytest

from harness.placement import limit

pytestmark = [pytest.mark.check("semantics"), pytest.mark.trading, pytest.mark.doc("Trading", "private/get_order_state_by_label")]


@pytest.mark.interpretation("I-104")
def test_lists_the_orders_with_that_label_only(driver):
    """Doc: label "User defined label for the order": every order of the account with that label."""
    label = f"by-label-{uuid.uuid4().hex[:8]}"
    mine = [limit(driver, "taker", "buy", 1, -3, label=label), limit(driver, "taker", "buy", 1, -4, label=label)]
    limit(driver, "taker", "buy", 1, -5, label=label + "-other")
    received = driver.apis["taker"].call("private/get_order_state_by_label", currency="USD", label=label)
    assert {o["order_id"] for o in received} == {o.order_id for o in mine}, (
        f"received {[o.get('label') for o in received]}; documented exactly the two orders labelled {label!r}")
    driver.check_by_label("taker", label)
