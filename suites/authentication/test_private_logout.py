"""private/logout (doc section "Authentication": "Gracefully close websocket connection, when COD (Cancel On
Disconnect) is enabled orders are not cancelled")."""

import pytest

from harness.checks.cod import logout, survives_disconnect
from harness.errors import PulseCallError
from harness.placement import far_limit, far_prices

pytestmark = [pytest.mark.check("semantics", "flows"), pytest.mark.session, pytest.mark.doc("Authentication", "private/logout")]


def logged_in(ws_client, pulse_env) -> tuple:
    ws = ws_client()
    token = ws.call("public/auth", pulse_env.accounts["maker"].grant())
    return ws, token


@pytest.mark.interpretation("I-13", "I-134")
def test_logout_closes_the_connection_without_a_reply(ws_client, pulse_env):
    """Doc: "Gracefully close websocket connection"; I-13: no response is sent; the socket is closed."""
    ws, _ = logged_in(ws_client, pulse_env)
    future = logout(ws, {"invalidate_token": True})
    assert not (future.done() and not future.exception()), (
        f"private/logout: received a reply {future.result()}; I-13 reads no response")


@pytest.mark.interpretation("I-13", "I-134")
def test_logout_invalidates_the_token(ws_client, rest, pulse_env):
    """Doc: "invalidate_token ... Invalidate token"; I-13: the session's access and refresh tokens are revoked."""
    ws, token = logged_in(ws_client, pulse_env)
    logout(ws, {"invalidate_token": True})
    with pytest.raises(PulseCallError) as refused:
        rest.call("private/get_positions", {}, token=token["access_token"])
    assert refused.value.status == 2, f"status: received {refused.value.status}; I-04 reads 2 unauthorized"
    with pytest.raises(PulseCallError):
        rest.call("public/auth", {"grant_type": "refresh_token", "refresh_token": token["refresh_token"]})


@pytest.mark.interpretation("I-13", "I-134")
def test_logout_without_invalidate_keeps_the_token(ws_client, rest, pulse_env):
    """Doc: invalidate_token "Invalidate token" - false leaves the token usable."""
    ws, token = logged_in(ws_client, pulse_env)
    logout(ws, {"invalidate_token": False})
    assert isinstance(rest.call("private/get_positions", {}, token=token["access_token"]), list)


@pytest.mark.interpretation("I-13", "I-134")
def test_logout_does_not_fire_cancel_on_disconnect(pulse, pulse_env):
    """Doc: "when COD (Cancel On Disconnect) is enabled orders are not cancelled"."""
    ws_api, http = pulse("maker", "ws"), pulse("maker")
    buy, _ = far_prices(http.call, pulse_env)
    ws_api.call("private/enable_cancel_on_disconnect")
    order = far_limit(ws_api, pulse_env, "buy", buy)
    logout(ws_api.ws, {"invalidate_token": False})
    survives_disconnect(http, order["order_id"], "order of a connection that logged out with COD enabled")
