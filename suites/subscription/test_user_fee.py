"""user_fee (doc section "Subscription": "Get notifications about the user's fee."; user.PublishFee)."""

import pytest

from harness.checks.channels import crossing_price, notification_conforms, subscribed_account, take, wait_for
from harness.checks.presence import sent_field
from harness.placement import far_limit

pytestmark = [pytest.mark.check("schema", "semantics"), pytest.mark.subscriptions, pytest.mark.doc("Subscription", "user_fee")]


@pytest.mark.interpretation("I-45", "I-63")
def test_fee_on_subscribe(pulse, pulse_env):
    """I-45: "user_fee: on subscribe"; I-63: future/option/perpetual {percentage, volume} and user_id."""
    api = subscribed_account(pulse, pulse_env, ("user_fee",))
    notification_conforms("user_fee", api.ws.next_notification("user_fee", timeout=5))


def total_volume(fee: dict) -> float:
    return sum(sent_field(sent_field(fee, kind, "a user_fee notification"), "volume", f"the {kind} fee")
               for kind in ("future", "option", "perpetual"))


def fee_after_a_trade(maker, taker, env) -> dict:
    """Cross the suite's own orders once (inside the claimed instrument's free band) and return the user_fee
    notification that follows, checked against the schema."""
    price = crossing_price(maker, env)
    far_limit(maker, env, "sell", price)
    take(taker, env, "buy", price)
    after = wait_for(maker.ws, "user_fee", lambda got: len(got) >= 1, timeout=5, what="a fee after the trade")[-1]
    notification_conforms("user_fee", after)
    return after


@pytest.mark.interpretation("I-45", "I-63")
def test_fee_after_an_own_trade(pulse, pulse_env):
    """I-45: "and after each own trade" - the traded volume shows in the next notification. The fees are the
    environment's own (nothing here expects zero). Where nothing arrives on subscribe (a gateway publishing on
    change only), a first trade gives the volume to compare the second one with."""
    maker = subscribed_account(pulse, pulse_env, ("user_fee",))
    taker = pulse("taker")
    try:
        before = maker.ws.next_notification("user_fee", timeout=2)
    except AssertionError:
        before = fee_after_a_trade(maker, taker, pulse_env)
    after = fee_after_a_trade(maker, taker, pulse_env)
    assert total_volume(after) > total_volume(before), (
        f"user_fee volume: received {total_volume(after)} after a trade; it was {total_volume(before)} before")
