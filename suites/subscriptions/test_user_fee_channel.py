"""user_fee (doc section "Subscription": "Get notifications about the user's fee."; user.PublishFee)."""

import pytest

from suites.far_from_market import far_prices
from suites.subscriptions.channel_checks import far_limit, notification_conforms, subscribed_account, wait_for

pytestmark = [pytest.mark.check("schema", "semantics"), pytest.mark.subscriptions, pytest.mark.doc("Subscription", "user_fee")]


@pytest.mark.interpretation("I-45", "I-63")
def test_fee_on_subscribe(pulse, pulse_env):
    """I-45: "user_fee: on subscribe"; I-63: future/option/perpetual {percentage, volume} and user_id."""
    api = subscribed_account(pulse, pulse_env, ("user_fee",))
    notification_conforms("user_fee", api.ws.next_notification("user_fee", timeout=5))


@pytest.mark.interpretation("I-45", "I-63")
@pytest.mark.local_only
def test_fee_after_an_own_trade(pulse, pulse_env):
    """I-45: "and after each own trade" - the traded volume shows in the next notification. (Local only: trades.)"""
    maker = subscribed_account(pulse, pulse_env, ("user_fee",))
    before = maker.ws.next_notification("user_fee", timeout=5)
    _, sell = far_prices(maker.call, pulse_env)
    far_limit(maker, pulse_env, "sell", sell)
    pulse("taker").call("private/buy", instrument_name=pulse_env.test_instrument, type="limit", price=sell,
                        amount=pulse_env.contract_size, time_in_force="immediate_or_cancel")
    after = wait_for(maker.ws, "user_fee", lambda got: len(got) >= 1, timeout=3, what="a fee after the trade")[0]
    notification_conforms("user_fee", after)
    volume = sum(after[k]["volume"] for k in ("future", "option", "perpetual"))
    earlier = sum(before[k]["volume"] for k in ("future", "option", "perpetual"))
    assert volume > earlier, f"user_fee volume: received {volume} after a trade; it was {earlier} before"
