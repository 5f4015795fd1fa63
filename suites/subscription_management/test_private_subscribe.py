"""private/subscribe (doc section "Subscription management")."""

import pytest

from harness.checks.channels import (
    PRIVATE_FAMILIES,
    PUBLIC_FAMILIES,
    channels_for,
    nothing_arrives,
    notifications_for_order,
    subscribe_is_ok,
)
from harness.errors import PulseCallError
from harness.placement import far_limit, far_prices

pytestmark = [pytest.mark.check("semantics", "negative", "auth"),
              pytest.mark.subscriptions, pytest.mark.doc("Subscription management", "private/subscribe")]


@pytest.mark.interpretation("I-07")
@pytest.mark.parametrize("family", PRIVATE_FAMILIES)
def test_each_private_channel_subscribes_ok(pulse, pulse_env, family):
    """Doc: "Subscribe to one or more channels, and it can only be used for 'private' channels."; "200 OK ok
    string"."""
    api = pulse("maker", "ws")
    api.call("private/get_positions")  # authenticates the connection
    subscribe_is_ok(api.ws, "private/subscribe", [channels_for(pulse_env)[family]])


@pytest.mark.interpretation("I-07", "I-45")
def test_all_private_channels_in_one_request(pulse, pulse_env):
    """Doc: "channels ... A list of channels to subscribe to": all five in one request, and the subscription is live
    (the case's own new order is announced on user.orders, I-45). It waited for user_fee's subscribe-time value
    before, which a gateway publishing on change only never sends (I-303; test_user_fee checks that reading)."""
    api = pulse("maker", "ws")
    api.call("private/get_positions")
    channels = channels_for(pulse_env)
    subscribe_is_ok(api.ws, "private/subscribe", [channels[family] for family in PRIVATE_FAMILIES])
    buy, _ = far_prices(api.call, pulse_env)
    order = far_limit(api, pulse_env, "buy", buy)
    try:
        notifications_for_order(api.ws, channels["user.orders"], order["order_id"], 1)
    finally:
        api.call("private/cancel", order_id=order["order_id"])


@pytest.mark.interpretation("I-14")
def test_without_authentication_is_refused(ws_client, pulse_env):
    """Doc: private/subscribe is a private method; I-14: the connection is authorised by public/auth."""
    ws = ws_client()
    channel = channels_for(pulse_env)["user_fee"]
    with pytest.raises(PulseCallError) as refused:
        ws.call("private/subscribe", {"channels": [channel]})
    assert refused.value.status == 2, f"status: received {refused.value.status}; I-04 reads 2 unauthorized"
    nothing_arrives(ws, channel, why="to an unauthenticated connection")


@pytest.mark.interpretation("I-44")
@pytest.mark.parametrize("family", PUBLIC_FAMILIES)
def test_public_channel_is_refused(pulse, pulse_env, family):
    """Doc: private/subscribe "can only be used for 'private' channels"; I-44: public ones are refused
    (forbidden) and nothing is subscribed. (Deribit accepts them: non-strict.)"""
    api = pulse("maker", "ws")
    api.call("private/get_positions")
    channel = channels_for(pulse_env)[family]
    refused = api.error_of("private/subscribe", channels=[channel])
    assert refused.status == 3, f"status: received {refused.status}; I-44 reads 3 forbidden\n{refused}"
