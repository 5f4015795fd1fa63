"""funding_rates.{instrument_name} (doc section "Subscription": "Get notifications about the instrument's funding
rates."; models.FundingRateNotification)."""

import pytest

from harness.checks.channels import (
    NEXT_FUNDING_PERIOD_NEEDS_THE_CLOCK,
    channels_for,
    funding_period_cadence,
    notification_conforms,
    subscribe_is_ok,
)

pytestmark = [pytest.mark.check("schema", "semantics"), pytest.mark.subscriptions, pytest.mark.doc("Subscription", "funding_rates.{instrument_name}")]


@pytest.mark.interpretation("I-45", "I-54")
def test_latest_rate_on_subscribe(ws_client, pulse_env):
    """I-45: "funding_*: latest value on subscribe"; the rate is for the channel's instrument."""
    channel = channels_for(pulse_env)["funding_rates"]
    ws = ws_client()
    subscribe_is_ok(ws, "public/subscribe", [channel])
    first = ws.next_notification(channel, timeout=5)
    notification_conforms(channel, first)
    assert first["instrument_name"] == pulse_env.perpetual, f"instrument_name: received {first}"
    assert first["range_end"] > first["range_start"], f"range: received {first}; documented a period"


@pytest.mark.interpretation("I-45", "I-54")
@pytest.mark.local_only(reason=NEXT_FUNDING_PERIOD_NEEDS_THE_CLOCK)
def test_one_notification_per_funding_period(ws_client, control, tokens, pulse_env):
    """I-45: "then each funding period (1 h)" - the next period starts where the previous one ended."""
    first, following = funding_period_cadence(ws_client, control, tokens, pulse_env, "funding_rates")
    assert following["range_start"] == first["range_end"], (
        f"range_start: received {following['range_start']}; documented the previous range_end {first['range_end']}")
