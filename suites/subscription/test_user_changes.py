"""user.changes.{instrument_name}.{interval} (doc section "Subscription": "Get notifications about the user's updates
related to order, trades in an instrument"; models.UserChangesNotification)."""

import pytest

from harness.checks.channels import (
    ORDER_FIELDS,
    TRADE_FIELDS,
    agrees,
    channels_for,
    crossing_price,
    far_limit,
    notification_conforms,
    subscribed_account,
    take,
    wait_for,
)
from harness.placement import far_prices

pytestmark = [pytest.mark.check("schema", "semantics"),
              pytest.mark.subscriptions, pytest.mark.doc("Subscription", "user.changes.{instrument_name}.{interval}")]


def changes_about(ws, channel: str, order_id: str, count: int) -> list[dict]:
    def about(received):
        return [n for n in received if any(o.get("order_id") == order_id for o in n.get("orders", []))]
    received = wait_for(ws, channel, lambda got: len(about(got)) >= count, what=f"{count} change(s) of {order_id}")
    for notification in received:
        notification_conforms(channel, notification)
    return about(received)


@pytest.mark.interpretation("I-45")
def test_order_changes_carry_the_order_as_the_rpc_reports_it(pulse, pulse_env):
    """I-45: "user.changes: {orders, trades} per matching event" - placing and cancelling each send the order."""
    api = subscribed_account(pulse, pulse_env, ("user.changes",))
    channel = channels_for(pulse_env)["user.changes"]
    buy, _ = far_prices(api.call, pulse_env)
    placed = far_limit(api, pulse_env, "buy", buy)
    cancelled = api.call("private/cancel", order_id=placed["order_id"])
    notified = changes_about(api.ws, channel, placed["order_id"], 2)
    for notification, documented in zip(notified, (placed, cancelled), strict=True):
        order = next(o for o in notification["orders"] if o["order_id"] == placed["order_id"])
        agrees(channel, order, documented, ORDER_FIELDS)
        assert notification["trades"] == [], f"{channel}: received trades {notification['trades']}; none happened"


@pytest.mark.interpretation("I-45")
def test_a_fill_carries_the_order_and_its_trade_together(pulse, pulse_env):
    """I-45: one notification per matching event with both the changed order and its trade (the suite's own
    taker hits the resting order inside the claimed instrument's free band)."""
    channel = channels_for(pulse_env)["user.changes"]
    maker = subscribed_account(pulse, pulse_env, ("user.changes",))
    price = crossing_price(maker, pulse_env)
    resting = far_limit(maker, pulse_env, "sell", price)
    take(pulse("taker"), pulse_env, "buy", price)
    fill = changes_about(maker.ws, channel, resting["order_id"], 2)[1]
    agrees(channel, fill["orders"][0], maker.call("private/get_order_state", order_id=resting["order_id"])[0],
           ORDER_FIELDS)
    trades = maker.call("private/get_user_trades_by_order", order_id=resting["order_id"])
    assert len(fill["trades"]) == len(trades) == 1, (
        f"{channel}: received trades {fill['trades']}; get_user_trades_by_order documents {trades}")
    agrees(channel, fill["trades"][0], trades[0], TRADE_FIELDS)
