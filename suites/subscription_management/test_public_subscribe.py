"""public/subscribe (doc section "Subscription management")."""

import pytest

from harness.checks.channels import (
    PRIVATE_FAMILIES,
    PUBLIC_FAMILIES,
    channels_for,
    crossing_price,
    first_notification_within,
    nothing_arrives,
    subscribe_is_ok,
    wait_for,
)
from harness.errors import PulseCallError
from harness.placement import far_limit

pytestmark = [pytest.mark.check("semantics", "negative"), pytest.mark.subscriptions, pytest.mark.doc("Subscription management", "public/subscribe")]

# Channel names no documented channel matches (I-44: invalid params, nothing subscribed).
MALFORMED_CHANNELS = ["book", "book.NO_SUCH-INSTRUMENT.raw", "quote.", "deribit_price_index.BTC_USD",
                      "heartbeat_trade.extra", "no_such_channel", ""]


@pytest.mark.interpretation("I-07", "I-45")
@pytest.mark.parametrize("family", PUBLIC_FAMILIES)
def test_each_public_channel_subscribes_ok_and_notifies(ws_client, pulse_env, family):
    """Doc: "Subscribe to one or more channels, and it can only be used for 'public' channels." "200 OK ok string";
    I-45: every public channel sends its current value on subscribe. A scheduled channel (heartbeat_trade, every
    10 s) is waited for one period + slack, so a gateway that publishes on change only (I-303) is not failed by
    where its period stood when the case subscribed; the others are waited for 5 s."""
    channel = channels_for(pulse_env)[family]
    ws = ws_client()
    subscribe_is_ok(ws, "public/subscribe", [channel])
    ws.next_notification(channel, timeout=first_notification_within(family))


@pytest.mark.interpretation("I-07", "I-45")
def test_several_channels_in_one_request(pulse, ws_client, pulse_env):
    """Doc: "channels ... A list of channels to subscribe to": book and quote in one request, each proved live by a
    change the case makes after subscribing (I-45: "then on every change"): its own bid in the free band of the
    claimed instrument becomes the book's new level and the quote's new top. It waited for subscribe-time values
    before (and for deribit_price_index), which a gateway publishing on change only never sends (I-303); those
    readings have their own cases (test_each_public_channel_subscribes_ok_and_notifies)."""
    book, quote = (channels_for(pulse_env)[family] for family in ("book", "quote"))
    ws = ws_client()
    subscribe_is_ok(ws, "public/subscribe", [book, quote])
    ws.call("public/get_index_price", {"index_name": pulse_env.index_name})  # its reply follows what subscribe sent
    for channel in (book, quote):  # only what the change below causes counts
        ws.drain(channel)
    api = pulse("maker")
    price = crossing_price(api, pulse_env)
    order = far_limit(api, pulse_env, "buy", price)
    try:
        wait_for(ws, book, lambda got: any(level[1] == price for n in got for level in n.get("bids") or []
                                           if len(level) >= 2), what=f"the new bid level {price}")
        wait_for(ws, quote, lambda got: len(got) >= 1, what=f"a quote after the new best bid {price}")
    finally:
        api.call("private/cancel", order_id=order["order_id"])


@pytest.mark.interpretation("I-44")
@pytest.mark.parametrize("family", PRIVATE_FAMILIES)
def test_private_channel_is_refused(pulse, pulse_env, family):
    """Doc: public/subscribe "can only be used for 'public' channels"; I-44: a private channel is refused even on
    an authenticated connection, and nothing is subscribed."""
    api = pulse("maker", "ws")
    api.call("private/get_positions")  # authenticates the connection
    channel = channels_for(pulse_env)[family]
    refused = api.error_of("public/subscribe", channels=[channel])
    assert refused.status == 3, f"status: received {refused.status}; I-44 reads 3 forbidden\n{refused}"


@pytest.mark.interpretation("I-44")
def test_refused_request_subscribes_nothing(ws_client, pulse_env):
    """I-44: "a refused request subscribes nothing" (a valid public channel next to a private one)."""
    channels = channels_for(pulse_env)
    ws = ws_client()
    with pytest.raises(PulseCallError):
        ws.call("public/subscribe", {"channels": [channels["deribit_price_index"], channels["user.orders"]]})
    nothing_arrives(ws, channels["deribit_price_index"], why="from a request that was refused")


@pytest.mark.interpretation("I-44")
@pytest.mark.parametrize("channel", MALFORMED_CHANNELS, ids=repr)
def test_malformed_or_unknown_channel_is_invalid_params(ws_client, channel):
    """I-44: "any malformed or unknown channel (error invalid_params)"."""
    ws = ws_client()
    with pytest.raises(PulseCallError) as refused:
        ws.call("public/subscribe", {"channels": [channel]})
    assert refused.value.code == -32602, f"code: received {refused.value.code}; documented -32602 invalid params"
