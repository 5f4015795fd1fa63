"""user.mmp_trigger.{index_name} (doc section "Subscription": "Triggered when one of mmp limits is crossed.";
models.MMPNotification). The breach runs on shared gateways too (I-640): on the account reserved for MMP breaches,
held exclusively across the run's workers, the taker meeting only the suite's own mmp ask in the claimed band."""

import pytest

from harness.checks.channels import channels_for, notification_conforms, subscribed_account
from harness.checks.presence import sent_field
from harness.env import MMP_ACCOUNT
from harness.mmp_flow import FROZEN_TIME_S, breach_mmp

pytestmark = [pytest.mark.check("schema", "semantics"),
              pytest.mark.subscriptions,
              pytest.mark.doc("Subscription", "user.mmp_trigger.{index_name}")]


@pytest.mark.interpretation("I-42", "I-19", "I-135", "I-640")
def test_breach_is_notified_with_frozen_until(mmp_accounts, pulse_env):
    """Doc: "Triggered when one of mmp limits is crossed."; I-42: frozen_until = breach time + frozen_time (ms)."""
    channel = channels_for(pulse_env)["user.mmp_trigger"]
    maker = subscribed_account(mmp_accounts, pulse_env, ("user.mmp_trigger",), account=MMP_ACCOUNT)
    breach = breach_mmp(maker, mmp_accounts("taker"), pulse_env)  # mmp_accounts switches MMP off at teardown
    notification = maker.ws.next_notification(channel, timeout=5)
    notification_conforms(channel, notification)
    assert sent_field(notification, "index_name", channel) == pulse_env.index_name, f"index_name: received {notification}"
    expected = breach.traded_at_ms + FROZEN_TIME_S * 1000
    frozen_until = sent_field(notification, "frozen_until", channel)
    assert abs(frozen_until - expected) <= 1000, (
        f"frozen_until: received {frozen_until}; documented the trade time + frozen_time = {expected}")
