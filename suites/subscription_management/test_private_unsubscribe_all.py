"""private/unsubscribe_all (doc section "Subscription management": "Unsubscribe from all the channels subscribed so
far."): the private and the public ones."""

import pytest

from harness.checks.channels import book_activity, channels_for, nothing_arrives, subscribe_is_ok, unsubscribe_all_is_ok

pytestmark = [pytest.mark.check("semantics"), pytest.mark.subscriptions]


@pytest.mark.doc("Subscription management", "private/unsubscribe_all")
@pytest.mark.interpretation("I-07")
def test_private_unsubscribe_all_stops_every_channel(pulse, pulse_env):
    """Doc: "Unsubscribe from all the channels subscribed so far." - the private and the public ones."""
    channels = channels_for(pulse_env)
    api = pulse("maker", "ws")
    api.call("private/get_positions")
    subscribe_is_ok(api.ws, "private/subscribe", [channels["user.orders"], channels["user.changes"]])
    subscribe_is_ok(api.ws, "public/subscribe", [channels["book"]])
    api.ws.next_notification(channels["book"], timeout=5)
    unsubscribe_all_is_ok(api.ws, "private/unsubscribe_all")
    api.ws.drain(channels["book"])
    book_activity(api, pulse_env)
    nothing_arrives(api.ws, [channels[f] for f in ("user.orders", "user.changes", "book")],
                    why="after private/unsubscribe_all")
