"""public/unsubscribe_all (doc section "Subscription management": "Unsubscribe from all the channels subscribed so
far.")."""

import pytest

from harness.checks.channels import book_activity, channels_for, nothing_arrives, subscribe_is_ok, unsubscribe_all_is_ok

pytestmark = [pytest.mark.check("semantics"), pytest.mark.subscriptions]


@pytest.mark.doc("Subscription management", "public/unsubscribe_all")
@pytest.mark.interpretation("I-07")
def test_public_unsubscribe_all_stops_every_public_channel(pulse, ws_client, pulse_env):
    """Doc: "Unsubscribe from all the channels subscribed so far."; result connection.Message
    {"description":"ok","response":null,"status":200}."""
    channels = channels_for(pulse_env)
    ws = ws_client()
    subscribe_is_ok(ws, "public/subscribe", [channels["book"], channels["quote"]])
    ws.next_notification(channels["book"], timeout=5)
    unsubscribe_all_is_ok(ws, "public/unsubscribe_all")
    ws.drain(channels["book"]), ws.drain(channels["quote"])
    book_activity(pulse("maker"), pulse_env)
    nothing_arrives(ws, [channels["book"], channels["quote"]], why="after public/unsubscribe_all")


@pytest.mark.doc("Subscription management", "public/subscribe")
@pytest.mark.interpretation("I-07")
def test_subscribing_again_after_unsubscribe_all_works(ws_client, pulse_env):
    """After unsubscribe_all the connection can subscribe again and gets a fresh snapshot (I-45)."""
    channel = channels_for(pulse_env)["book"]
    ws = ws_client()
    subscribe_is_ok(ws, "public/subscribe", [channel])
    ws.next_notification(channel, timeout=5)
    unsubscribe_all_is_ok(ws, "public/unsubscribe_all")
    subscribe_is_ok(ws, "public/subscribe", [channel])
    again = ws.next_notification(channel, timeout=5)
    assert again.get("type") == "snapshot", f"{channel} after resubscribing: received {again}; documented a snapshot"
