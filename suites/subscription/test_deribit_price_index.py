"""deribit_price_index.{index_name} (doc section "Subscription": "Provides information about current value (price)
for Deribit Index."; models.PriceNotification)."""

import pytest

from harness.checks.channels import first_on_subscribe, notification_conforms, of_the_index, subscribed_public, wait_for
from harness.checks.presence import sent_field

pytestmark = [pytest.mark.check("schema", "semantics"),
              pytest.mark.subscriptions, pytest.mark.doc("Subscription", "deribit_price_index.{index_name}")]


@pytest.mark.interpretation("I-45", "I-46")
def test_current_value_on_subscribe_equals_get_index_price(ws_client, rest, pulse_env):
    """I-45: "deribit_price_index: current value on subscribe"; I-46: index_name is the index (btc_usd)."""
    first = first_on_subscribe(ws_client, pulse_env, "deribit_price_index")[2]
    of_the_index(first, pulse_env)
    index = rest.call("public/get_index_price", {"index_name": pulse_env.index_name})
    price = sent_field(first, "price", f"the value on subscribe of {pulse_env.index_name}")
    assert abs(price - index) <= 0.01 * index, f"price: received {price}; public/get_index_price says {index}"


@pytest.mark.interpretation("I-45", "I-46")
@pytest.mark.local_only(reason="moves the index price (control plane); remotely "
                               "test_the_moving_index_is_published_within_a_bound waits for the index's own next move")
def test_a_price_move_is_notified(ws_client, control, pulse_env, rest):
    """I-45: "then on change" - moving the index sends the new price."""
    ws, channel = subscribed_public(ws_client, pulse_env, "deribit_price_index")
    before = sent_field(ws.next_notification(channel, timeout=5), "price", f"a notification on {channel}")
    moved = before + 125.0
    control.set_index_price(pulse_env.index_name, moved)
    try:
        notified = wait_for(ws, channel, lambda got: any(sent_field(n, "price", channel) == moved for n in got), timeout=3,
                            what=f"the new price {moved}")
    finally:
        control.set_index_price(pulse_env.index_name, before)
    for notification in notified:
        notification_conforms(channel, notification)


NEXT_MOVE_BOUND_S = 30  # I-620: a live index moves within this (the doc gives no interval)


@pytest.mark.slow
@pytest.mark.real_time
@pytest.mark.interpretation("I-45", "I-46", "I-620")
def test_the_moving_index_is_published_within_a_bound(ws_client, rest, pulse_env):
    """I-45: "then on change", with the index's own moves (no control plane): within NEXT_MOVE_BOUND_S of
    subscribing a notification with a new price arrives, for the channel's index, near public/get_index_price.
    I-620: a gateway's index follows its sources and moves within the bound; one that stays still that long
    fails here (graded non-strict). The reference gateway's index stands still unless moved, so locally this runs
    with --real-time --deviation index_moves only (the local_only twin moves it)."""
    ws, channel = subscribed_public(ws_client, pulse_env, "deribit_price_index")
    notified = wait_for(ws, channel, lambda got: len({sent_field(n, "price", channel) for n in got}) >= 2, timeout=NEXT_MOVE_BOUND_S,
                        what=f"a second, different price (I-620: a live index moves within {NEXT_MOVE_BOUND_S} s)")
    for notification in notified:
        notification_conforms(channel, notification)
        of_the_index(notification, pulse_env)
    index = rest.call("public/get_index_price", {"index_name": pulse_env.index_name})
    assert abs(notified[-1]["price"] - index) <= 0.01 * index, (
        f"price: received {notified[-1]['price']}; public/get_index_price says {index} just after")
