"""user.trades.{instrument_name}.raw (doc section "Subscription": "Get notifications about the user's trades in an
instrument"; models.TradesResponse). The trade crosses the suite's own maker and taker orders inside the free band
of the worker's claimed instrument (channel_checks.crossing_price), so it runs on dev/stg too."""

import pytest

from harness.checks.channels import (
    TRADE_FIELDS,
    agrees,
    channels_for,
    crossing_price,
    nothing_arrives,
    notification_conforms,
    subscribed_account,
    take,
    wait_for,
)
from harness.placement import far_limit, far_prices

pytestmark = [pytest.mark.check("schema", "semantics"), pytest.mark.subscriptions,
              pytest.mark.doc("Subscription", "user.trades.{instrument_name}.raw")]


@pytest.mark.interpretation("I-45")
def test_each_side_is_notified_of_its_trade(pulse, pulse_env):
    """I-45: "user.trades: one trade object per trade" - to both accounts, as private/get_user_trades_by_order
    reports it."""
    channel = channels_for(pulse_env)["user.trades"]
    maker = subscribed_account(pulse, pulse_env, ("user.trades",))
    taker = subscribed_account(pulse, pulse_env, ("user.trades",), account="taker")
    price = crossing_price(maker, pulse_env)
    resting = far_limit(maker, pulse_env, "sell", price)
    taken = take(taker, pulse_env, "buy", price)
    for api, order_id in ((maker, resting["order_id"]), (taker, taken["order"]["order_id"])):
        documented = api.call("private/get_user_trades_by_order", order_id=order_id)
        assert len(documented) == 1, f"get_user_trades_by_order {order_id}: received {documented}; expected 1 trade"
        notified = wait_for(api.ws, channel, lambda got: len(got) >= 1, what=f"the {api.account}'s trade")
        notification_conforms(channel, notified[0])
        agrees(f"{channel} to the {api.account}", notified[0], documented[0], TRADE_FIELDS)
        nothing_arrives(api.ws, channel, why="beyond the one trade")


@pytest.mark.interpretation("I-45")
def test_no_trade_notification_for_a_resting_order(pulse, pulse_env):
    """I-45: trades only - an order that rests without trading sends nothing on user.trades."""
    channel = channels_for(pulse_env)["user.trades"]
    maker = subscribed_account(pulse, pulse_env, ("user.trades",))
    buy, _ = far_prices(maker.call, pulse_env)
    far_limit(maker, pulse_env, "buy", buy)
    nothing_arrives(maker.ws, channel, why="for an order that did not trade")
