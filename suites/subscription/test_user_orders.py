"""user.orders.{instrument_name}.raw (doc section "Subscription": "Get notifications about the user's orders in an
instrument."; models.OrderConfirmation)."""

import pytest

from harness.checks import channels
from harness.placement import far_limit, far_prices

pytestmark = [pytest.mark.check("schema", "semantics"),
              pytest.mark.subscriptions, pytest.mark.doc("Subscription", "user.orders.{instrument_name}.raw")]


@pytest.mark.interpretation("I-45")
def test_every_state_change_is_notified_as_the_rpc_reports_it(pulse, pulse_env):
    """Doc: "Get notifications about the user's orders"; I-45: "user.orders: one order object per change" - placing,
    editing and cancelling an order each send the order as the RPC returned it."""
    api = channels.subscribed_account(pulse, pulse_env, ("user.orders",))
    channel = channels.channels_for(pulse_env)["user.orders"]
    buy, _ = far_prices(api.call, pulse_env)
    steps = [far_limit(api, pulse_env, "buy", buy)]
    order_id = steps[0]["order_id"]
    steps.append(api.call("private/edit", order_id=order_id, amount=2 * pulse_env.contract_size, price=buy)["order"])
    steps.append(api.call("private/cancel", order_id=order_id))
    notified = channels.notifications_for_order(api.ws, channel, order_id, len(steps))
    for n, (notification, documented) in enumerate(zip(notified, steps, strict=True)):
        channels.notification_conforms(channel, notification)
        channels.agrees(f"{channel} notification {n + 1} (after {('buy', 'edit', 'cancel')[n]})", notification, documented,
               channels.ORDER_FIELDS)


@pytest.mark.interpretation("I-45")
def test_fills_are_notified_to_the_resting_side(pulse, pulse_env):
    """I-45/I-26: a resting order that is hit twice is notified partially_filled, then filled, as
    private/get_order_state reports it. The suite's own taker hits it inside the claimed instrument's free band."""
    maker = channels.subscribed_account(pulse, pulse_env, ("user.orders",))
    taker = pulse("taker")
    channel = channels.channels_for(pulse_env)["user.orders"]
    price = channels.crossing_price(maker, pulse_env)
    resting = far_limit(maker, pulse_env, "sell", price, 2)
    states = [resting]
    for _ in range(2):
        channels.take(taker, pulse_env, "buy", price)
        states.append(maker.call("private/get_order_state", order_id=resting["order_id"])[0])
    notified = channels.notifications_for_order(maker.ws, channel, resting["order_id"], 3)
    assert [n["order_state"] for n in notified] == ["open", "partially_filled", "filled"], (
        f"{channel} states: received {[n['order_state'] for n in notified]}; documented open, partially_filled, filled")
    for notification, documented in zip(notified, states, strict=True):
        channels.notification_conforms(channel, notification)
        channels.agrees(channel, notification, documented, channels.ORDER_FIELDS)
