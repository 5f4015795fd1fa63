"""funding_prices.{instrument_name} (doc section "Subscription": "Provides information about the funding price for
the instrument."; models.FundingPriceNotification)."""

import pytest

from harness.checks.channels import first_on_subscribe, of_the_perpetual, per_funding_period, the_next_period_follows

pytestmark = [pytest.mark.check("schema", "semantics"), pytest.mark.subscriptions,
              pytest.mark.doc("Subscription", "funding_prices.{instrument_name}")]


@pytest.mark.interpretation("I-45", "I-54")
def test_latest_prices_on_subscribe(ws_client, pulse_env):
    """I-45: "funding_*: latest value on subscribe"; I-54: strings and RFC 3339 ranges."""
    of_the_perpetual(first_on_subscribe(ws_client, pulse_env, "funding_prices")[2], pulse_env)


@per_funding_period
def test_one_notification_per_funding_period(ws_client, control, tokens, pulse_env):
    """I-45: "then each funding period (1 h)" - the next period starts where the previous one ended."""
    the_next_period_follows(ws_client, control, tokens, pulse_env, "funding_prices")
