"""funding_rates.{instrument_name} (doc section "Subscription": "Get notifications about the instrument's funding
rates."; models.FundingRateNotification)."""

import pytest

from harness.checks.channels import first_on_subscribe, of_the_perpetual, per_funding_period, the_next_period_follows

pytestmark = [pytest.mark.check("schema", "semantics"), pytest.mark.subscriptions, pytest.mark.doc("Subscription", "funding_rates.{instrument_name}")]


@pytest.mark.interpretation("I-45", "I-54")
def test_latest_rate_on_subscribe(ws_client, pulse_env):
    """I-45: "funding_*: latest value on subscribe"; the rate is for the channel's instrument."""
    first = first_on_subscribe(ws_client, pulse_env, "funding_rates")[2]
    of_the_perpetual(first, pulse_env)
    assert first["range_end"] > first["range_start"], f"range: received {first}; documented a period"


@per_funding_period
def test_one_notification_per_funding_period(ws_client, control, tokens, pulse_env):
    """I-45: "then each funding period (1 h)" - the next period starts where the previous one ended."""
    the_next_period_follows(ws_client, control, tokens, pulse_env, "funding_rates")
