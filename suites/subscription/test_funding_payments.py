"""funding_payments.{instrument_name} (doc section "Subscription": "Get notifications about the instrument's funding
payments."; models.FundingPaymentNotification)."""

import pytest

from harness.checks.channels import first_on_subscribe, funding_period_cadence, of_the_perpetual, per_funding_period

pytestmark = [pytest.mark.check("schema", "semantics"), pytest.mark.subscriptions,
              pytest.mark.doc("Subscription", "funding_payments.{instrument_name}")]


@pytest.mark.interpretation("I-45", "I-54")
def test_latest_payment_on_subscribe(ws_client, pulse_env):
    """I-45: "funding_*: latest value on subscribe"; amount and volume are decimal strings (I-54)."""
    latest = first_on_subscribe(ws_client, pulse_env, "funding_payments")[2]
    of_the_perpetual(latest, pulse_env)


@per_funding_period
def test_one_notification_per_funding_period(ws_client, control, tokens, pulse_env):
    """I-45: "then each funding period (1 h)"."""
    _, following = funding_period_cadence(ws_client, control, tokens, pulse_env, "funding_payments")
    of_the_perpetual(following, pulse_env)
