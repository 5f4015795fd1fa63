"""A subscription's life cycle inside an order flow: subscribed, the channel shows the case's own order; after
unsubscribe_all, the cancel of that order is not notified.

Doc: public/subscribe, private/subscribe ("Subscribe to one or more channels"); public/unsubscribe_all,
private/unsubscribe_all ("Unsubscribe from all the channels subscribed so far"); I-44: the book is public,
user.orders private. The order rests far from the market and is cancelled by the case.
"""

import pytest

from harness.checks import channels as channel_checks
from harness.checks.channels import (
    channels_for,
    nothing_arrives,
    notifications_for_order,
    subscribe_is_ok,
    subscribed_account,
    unsubscribe_all_is_ok,
    wait_for,
)
from harness.placement import far_limit, far_prices

pytestmark = [pytest.mark.subscriptions, pytest.mark.check("flows")]

QUIET_WINDOWS_AFTER_CANCEL = 5  # the cancel's notification would arrive well within five quiet windows (quiet_s)


def after_cancel() -> float:
    return QUIET_WINDOWS_AFTER_CANCEL * channel_checks.QUIET_SECONDS


def shows_level(price: float):
    def seen(received: list) -> bool:
        return any(level[1] == price for n in received for level in (n.get("bids") or []) if len(level) >= 2)
    return seen


@pytest.mark.doc("Subscription management", "public/subscribe", "public/unsubscribe_all", "book")
@pytest.mark.interpretation("I-07", "I-44", "I-45")
def test_book_subscription_through_an_order_flow(pulse, pulse_env, ws_client):
    """The book shows the case's new bid level; after public/unsubscribe_all its cancel is not notified."""
    api = pulse("maker", "http")
    channel = channels_for(pulse_env)["book"]
    ws = ws_client()
    subscribe_is_ok(ws, "public/subscribe", [channel])
    buy, _ = far_prices(api.call, pulse_env)
    order = far_limit(api, pulse_env, "buy", buy)
    wait_for(ws, channel, shows_level(buy), what=f"the bid level {buy} of order {order['order_id']}")
    unsubscribe_all_is_ok(ws, "public/unsubscribe_all")
    ws.drain(channel)
    api.call("private/cancel", order_id=order["order_id"])
    nothing_arrives(ws, channel, after_cancel(), why="after public/unsubscribe_all")


@pytest.mark.doc("Subscription management", "private/subscribe", "private/unsubscribe_all")
@pytest.mark.interpretation("I-07", "I-44")
def test_user_orders_subscription_through_an_order_flow(pulse, pulse_env):
    """user.orders announces the case's new order; after private/unsubscribe_all its cancel is not notified."""
    api = subscribed_account(pulse, pulse_env, ("user.orders",))
    channel = channels_for(pulse_env)["user.orders"]
    buy, _ = far_prices(api.call, pulse_env)
    order = far_limit(api, pulse_env, "buy", buy)
    notifications_for_order(api.ws, channel, order["order_id"], 1)
    unsubscribe_all_is_ok(api.ws, "private/unsubscribe_all")
    api.ws.drain(channel)
    api.call("private/cancel", order_id=order["order_id"])
    nothing_arrives(api.ws, channel, after_cancel(), why="after private/unsubscribe_all")
