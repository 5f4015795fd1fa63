"""public/subscribe (doc section "Subscription management")."""

import pytest

from harness.checks.channels import (
    PRIVATE_FAMILIES,
    PUBLIC_FAMILIES,
    channels_for,
    first_notification_within,
    nothing_arrives,
    subscribe_is_ok,
)
from harness.errors import PulseCallError

pytestmark = [pytest.mark.check("semantics", "negative"), pytest.mark.subscriptions, pytest.mark.doc("Subscription management", "public/subscribe")]

# Channel names no documented channel matches (I-44: invalid params, nothing subscribed).
MALFORMED_CHANNELS = ["book", "book.NO_SUCH-INSTRUMENT.raw", "quote.", "deribit_price_index.BTC_USD",
                      "heartbeat_trade.extra", "no_such_channel", ""]


@pytest.mark.interpretation("I-07")
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


@pytest.mark.interpretation("I-07")
def test_several_channels_in_one_request(ws_client, pulse_env):
    """Doc: "channels ... A list of channels to subscribe to"."""
    channels = [channels_for(pulse_env)[family] for family in ("book", "quote", "deribit_price_index")]
    ws = ws_client()
    subscribe_is_ok(ws, "public/subscribe", channels)
    for channel in channels:
        ws.next_notification(channel, timeout=5)


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
