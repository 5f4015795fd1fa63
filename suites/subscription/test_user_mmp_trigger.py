"""user.mmp_trigger.{index_name} (doc section "Subscription": "Triggered when one of mmp limits is crossed.";
models.MMPNotification). Local only: a breach needs a trade."""

import pytest

from harness.checks.channels import channels_for, notification_conforms, subscribed_account
from harness.mmp_flow import FROZEN_TIME_S, breach_mmp, switch_mmp_off

pytestmark = [pytest.mark.check("schema", "semantics"),
              pytest.mark.subscriptions,
              pytest.mark.local_only(reason="needs an MMP breach, which freezes the whole account's mmp quoting on "
                                            "the index of a shared test account: unsafe on a shared gateway (I-624)"),
              pytest.mark.doc("Subscription", "user.mmp_trigger.{index_name}")]


@pytest.mark.interpretation("I-42", "I-19", "I-135")
def test_breach_is_notified_with_frozen_until(pulse, pulse_env):
    """Doc: "Triggered when one of mmp limits is crossed."; I-42: frozen_until = breach time + frozen_time (ms)."""
    channel = channels_for(pulse_env)["user.mmp_trigger"]
    maker = subscribed_account(pulse, pulse_env, ("user.mmp_trigger",))
    try:
        breach = breach_mmp(maker, pulse("taker"), pulse_env)
        notification = maker.ws.next_notification(channel, timeout=3)
    finally:
        switch_mmp_off(maker, pulse_env)
    notification_conforms(channel, notification)
    assert notification["index_name"] == pulse_env.index_name, f"index_name: received {notification}"
    expected = breach.traded_at_ms + FROZEN_TIME_S * 1000
    assert abs(notification["frozen_until"] - expected) <= 1000, (
        f"frozen_until: received {notification['frozen_until']}; documented the trade time + frozen_time = {expected}")
