"""heartbeat_trade (doc section "Subscription": "This notification contains information about trade status, such as
"active" or "inactive"."; user.HeartbeatTrade)."""

import time

import pytest

from harness.checks.channels import HEARTBEAT_TRADE_PERIOD_S as PERIOD_S  # I-45: "on subscribe and every 10 s"
from harness.checks.channels import SCHEDULE_SLACK_S as SLACK_S  # how late one may arrive on a busy shared gateway
from harness.checks.channels import (
    first_notification_within,
    first_on_subscribe,
    notification_conforms,
    subscribed_public,
)
from harness.clock import advance_clock

pytestmark = [pytest.mark.check("schema", "semantics"), pytest.mark.subscriptions, pytest.mark.doc("Subscription", "heartbeat_trade")]


@pytest.mark.interpretation("I-45", "I-64")
def test_status_on_subscribe(ws_client, pulse_env):
    """I-64: status_trade is "active" or "inactive"; I-45: sent on subscribe. Told apart from the periodic ones
    whatever the phase of the period: a first connection waits for its first notification (one period + slack);
    a second one subscribes just after it, when, if that one was periodic, the next periodic one is a full period
    away, so what the second gets within FIRST_NOTIFICATION_S is the subscribe-time one. (Waiting 5 s on one
    connection passed or failed a gateway that publishes on change only, I-303, by where its period stood.)"""
    ws, channel = subscribed_public(ws_client, pulse_env, "heartbeat_trade")
    notification_conforms(channel, ws.next_notification(channel, timeout=first_notification_within("heartbeat_trade")))
    try:
        first_on_subscribe(ws_client, pulse_env, "heartbeat_trade")
    except AssertionError as exc:
        raise AssertionError(f"{exc}: subscribed just after a notification, so the next periodic one was "
                             f"{PERIOD_S} s away; I-45 reads one sent on subscribe") from None


@pytest.mark.interpretation("I-45", "I-64")
@pytest.mark.local_only(reason="moves the gateway clock two periods; remotely its real-time twin "
                               "test_sent_every_ten_seconds_of_real_time checks the rule")
def test_sent_every_ten_seconds(ws_client, control, tokens, pulse_env):
    """I-45: "every 10 s" - each 10 s of gateway time brings one notification."""
    ws, channel = subscribed_public(ws_client, pulse_env, "heartbeat_trade")
    ws.next_notification(channel, timeout=5)
    for period in range(2):
        advance_clock(control, tokens, PERIOD_S)
        try:
            notification_conforms(channel, ws.next_notification(channel, timeout=2))
        except AssertionError as exc:
            raise AssertionError(f"period {period + 1}: {exc}; I-45 reads one notification every {PERIOD_S} s") from None


@pytest.mark.slow
@pytest.mark.real_time
@pytest.mark.interpretation("I-45", "I-64")
def test_sent_every_ten_seconds_of_real_time(ws_client, pulse_env):
    """I-45: "every 10 s" in real time: after whatever subscribe sends, two more notifications arrive, each
    within one period (+ slack) of the one before, and not much sooner than a period apart."""
    ws, channel = subscribed_public(ws_client, pulse_env, "heartbeat_trade")
    arrivals = []
    for n in range(3):  # the first one may be the subscribe-time one, or (change-only gateways) the first period's
        try:
            notification_conforms(channel, ws.next_notification(channel, timeout=PERIOD_S + SLACK_S))
        except AssertionError as exc:
            raise AssertionError(f"notification {n + 1}: {exc}; I-45 reads one every {PERIOD_S} s") from None
        arrivals.append(time.monotonic())
    gap = arrivals[2] - arrivals[1]
    assert gap >= PERIOD_S - SLACK_S, (
        f"{channel}: two notifications {gap:.1f} s apart; I-45 reads one every {PERIOD_S} s")
