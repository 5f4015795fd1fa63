"""user.changes.{instrument_name}.{interval} (doc section "Subscription": "Get notifications about the user's updates
related to order, trades in an instrument"; models.UserChangesNotification)."""

import pytest

from harness.checks import channels
from harness.placement import far_limit, far_prices

pytestmark = [pytest.mark.check("schema", "semantics"),
              pytest.mark.subscriptions, pytest.mark.doc("Subscription", "user.changes.{instrument_name}.{interval}")]


def changes_about(ws, channel: str, order_id: str, count: int) -> list[dict]:
    def about(received):
        return [n for n in received if any(o.get("order_id") == order_id for o in n.get("orders", []))]
    received = channels.wait_for(ws, channel, lambda got: len(about(got)) >= count, what=f"{count} change(s) of {order_id}")
    for notification in received:
        channels.notification_conforms(channel, notification)
    return about(received)


@pytest.mark.interpretation("I-45")
def test_order_changes_carry_the_order_as_the_rpc_reports_it(pulse, pulse_env):
    """I-45: "user.changes: {orders, trades} per matching event" - placing and cancelling each send the order."""
    api = channels.subscribed_account(pulse, pulse_env, ("user.changes",))
    channel = channels.channels_for(pulse_env)["user.changes"]
    buy, _ = far_prices(api.call, pulse_env)
    placed = far_limit(api, pulse_env, "buy", buy)
    cancelled = api.call("private/cancel", order_id=placed["order_id"])
    notified = changes_about(api.ws, channel, placed["order_id"], 2)
    for notification, documented in zip(notified, (placed, cancelled), strict=True):
        order = next(o for o in notification["orders"] if o["order_id"] == placed["order_id"])
        channels.agrees(channel, order, documented, channels.ORDER_FIELDS)
        assert notification["trades"] == [], f"{channel}: received trades {notification['trades']}; none happened"


@pytest.mark.interpretation("I-45")
def test_a_fill_carries_the_order_and_its_trade_together(pulse, pulse_env):
    """I-45: one notification per matching event with both the changed order and its trade (the suite's own
    taker hits the resting order inside the claimed instrument's free band)."""
    channel = channels.channels_for(pulse_env)["user.changes"]
    maker = channels.subscribed_account(pulse, pulse_env, ("user.changes",))
    price = channels.crossing_price(maker, pulse_env)
    resting = far_limit(maker, pulse_env, "sell", price)
    channels.take(pulse("taker"), pulse_env, "buy", price)
    fill = changes_about(maker.ws, channel, resting["order_id"], 2)[1]
    channels.agrees(channel, fill["orders"][0], maker.call("private/get_order_state", order_id=resting["order_id"])[0],
           channels.ORDER_FIELDS)
    trades = maker.call("private/get_user_trades_by_order", order_id=resting["order_id"])
    assert len(fill["trades"]) == len(trades) == 1, (
        f"{channel}: received trades {fill['trades']}; get_user_trades_by_order documents {trades}")
    channels.agrees(channel, fill["trades"][0], trades[0], channels.TRADE_FIELDS)
