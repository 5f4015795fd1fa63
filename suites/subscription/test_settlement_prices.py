"""settlement_prices.{index_name} (doc section "Subscription": "Provides information about the settlement price for
the index."; models.PriceNotification)."""

import pytest

from harness.checks.channels import first_on_subscribe, of_the_index

pytestmark = [pytest.mark.check("schema", "semantics"), pytest.mark.subscriptions, pytest.mark.doc("Subscription", "settlement_prices.{index_name}")]


@pytest.mark.interpretation("I-45", "I-46", "I-131")
def test_latest_settlement_price_on_subscribe(ws_client, rest, pulse_env):
    """I-45: "settlement_prices: current value on subscribe"; I-131: it is the latest delivery price."""
    first = first_on_subscribe(ws_client, pulse_env, "settlement_prices")[2]
    of_the_index(first, pulse_env)
    latest = rest.call("public/get_delivery_prices", {"index_name": pulse_env.index_name, "count": 1})
    prices = latest["data"] if isinstance(latest, dict) else latest
    assert prices and first["price"] == prices[0]["delivery_price"], (
        f"price: received {first['price']}; I-131 reads the latest get_delivery_prices entry {prices[:1]}")
