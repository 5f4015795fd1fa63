"""Each channel's access rule and its refusal of a malformed name, one case per channel (the subscribe methods'
own cases are in suites/subscription_management; these give each channel its row's ``auth`` and ``negative`` cells).

Doc: public/subscribe "can only be used for 'public' channels"; private/subscribe "can only be used for 'private'
channels" and is a private method (I-14: the connection is authorised by public/auth); I-44: the eight public
channels need no authentication, the five private ones do, and "any malformed or unknown channel" is refused
with invalid_params (-32602), subscribing nothing.
"""

import pytest

from harness.checks.channels import PRIVATE_FAMILIES, PUBLIC_FAMILIES, channels_for, nothing_arrives
from harness.errors import PulseCallError

pytestmark = [pytest.mark.subscriptions]

UNAUTHORIZED, UNAUTHORIZED_CODE, INVALID_PARAMS = 2, 13009, -32602  # I-04, I-05, JSON-RPC 2.0


def per_family(families, *marks):
    return [pytest.param(f, marks=[pytest.mark.doc("Subscription", f), *marks]) for f in families]


@pytest.mark.check("auth")
@pytest.mark.interpretation("I-44")
@pytest.mark.parametrize("family", per_family(PUBLIC_FAMILIES))
def test_public_channel_needs_no_authentication(family, ws_client, pulse_env):
    """I-44: a public channel is subscribed on a connection that never authenticated."""
    channel = channels_for(pulse_env)[family]
    ws = ws_client()
    try:
        result = ws.call("public/subscribe", {"channels": [channel]})
    except PulseCallError as error:
        raise AssertionError(f"public/subscribe {channel} without authentication: refused ({error}); "
                             "documented a public channel") from None
    assert result == "ok", f"public/subscribe {channel}: received {result!r}; documented \"ok\" (I-07)"


@pytest.mark.check("auth")
@pytest.mark.interpretation("I-05", "I-14", "I-44")
@pytest.mark.parametrize("family", per_family(PRIVATE_FAMILIES))
def test_private_channel_refuses_an_unauthenticated_connection(family, ws_client, pulse_env):
    """Doc: private/subscribe is a private method: without public/auth on the connection the channel is refused
    (unauthorized) and nothing arrives on it."""
    channel = channels_for(pulse_env)[family]
    ws = ws_client()
    with pytest.raises(PulseCallError) as refused:
        ws.call("private/subscribe", {"channels": [channel]})
    error = refused.value  # I-04: data.status 2; I-05: code 13009 (the only sign when the optional data is absent)
    assert error.status == UNAUTHORIZED or (error.status is None and error.code == UNAUTHORIZED_CODE), (
        f"private/subscribe {channel} unauthenticated: status {error.status}, code {error.code} received; I-04 reads "
        "status 2, I-05 code 13009 (unauthorized)")
    nothing_arrives(ws, channel, why="to an unauthenticated connection")


def malformed(env, family: str) -> str:
    """A name of the family with an unknown parameter (no such instrument or index, or a suffix where the channel
    takes none)."""
    known = channels_for(env)[family]
    for value in (env.test_instrument, env.perpetual):
        if value in known:
            return known.replace(value, "NO_SUCH-" + value, 1)
    if known.endswith("." + env.index_name):  # an index name of the documented form, naming no index
        return known.removesuffix(env.index_name) + "zzz_" + env.index_name.rsplit("_", 1)[-1]
    return known + ".extra"


@pytest.mark.check("negative")
@pytest.mark.interpretation("I-44")
@pytest.mark.parametrize("family", per_family(PUBLIC_FAMILIES) + per_family(PRIVATE_FAMILIES))
def test_malformed_channel_name_is_invalid_params(family, pulse, pulse_env):
    """I-44: a channel name of the family with an unknown parameter is refused with invalid_params, and nothing
    arrives on it (private channels: on an authenticated connection, so the name is what is refused)."""
    channel = malformed(pulse_env, family)
    api = pulse("maker", "ws")
    method = "public/subscribe"
    if family in PRIVATE_FAMILIES:
        api.call("private/get_positions")  # authenticates the connection
        method = "private/subscribe"
    refused = api.error_of(method, channels=[channel])
    assert refused.code == INVALID_PARAMS, f"{method} {channel}: code received {refused.code}; I-44 reads -32602"
    nothing_arrives(api.ws, channel, why="from a refused subscription")
