"""Cancel on disconnect: private/enable_cancel_on_disconnect, private/disable_cancel_on_disconnect,
private/get_cancel_on_disconnect over the WebSocket (doc section "Trading")."""

import pytest

from suites.far_from_market import far_prices
from suites.session.cod_checks import cancelled_on_disconnect, still_open, survives_disconnect
from suites.subscriptions.channel_checks import far_limit

pytestmark = [pytest.mark.check("semantics", "flows"), pytest.mark.session]


@pytest.fixture(autouse=True)
def no_account_scope_cod(pulse):
    """Start from account-scope COD off: another suite (or a person) may have left it on for the test account."""
    pulse("maker", "http").call("private/disable_cancel_on_disconnect", scope="account")


def cod_state(api) -> bool:
    state = api.call("private/get_cancel_on_disconnect")
    assert isinstance(state, bool), f"get_cancel_on_disconnect: received {state!r}; documented boolean (I-07)"
    return state


@pytest.mark.doc("Trading", "private/get_cancel_on_disconnect")
@pytest.mark.interpretation("I-08", "I-134")
def test_enable_disable_and_get(pulse):
    """Doc: "This method enables/disables cancel on disconnect for the current session."; get_cancel_on_disconnect
    "returns the current state of cancel on disconnect for the current session" ("200 OK true/false boolean")."""
    api = pulse("maker", "ws")
    assert cod_state(api) is False, "get_cancel_on_disconnect on a new connection: received true; documented off"
    assert api.call("private/enable_cancel_on_disconnect") == "ok", "enable: I-08 reads the result \"ok\""
    assert cod_state(api) is True, "get_cancel_on_disconnect after enable: received false; documented true"
    assert api.call("private/disable_cancel_on_disconnect") == "ok", "disable: I-08 reads the result \"ok\""
    assert cod_state(api) is False, "get_cancel_on_disconnect after disable: received true; documented false"


@pytest.mark.doc("Trading", "private/get_cancel_on_disconnect")
@pytest.mark.interpretation("I-08", "I-134")
def test_state_belongs_to_the_connection(pulse):
    """Doc: "for the current session" - enabling on one connection leaves another connection's state alone."""
    first, second = pulse("maker", "ws"), pulse("maker", "ws")
    first.call("private/enable_cancel_on_disconnect")
    assert cod_state(second) is False, "another connection of the same account: received true; documented false"


@pytest.mark.doc("Trading", "private/enable_cancel_on_disconnect")
@pytest.mark.interpretation("I-08", "I-134")
def test_disconnect_cancels_exactly_that_connections_orders(pulse, pulse_env):
    """Doc: "enables cancel on disconnect for the current session"; I-08: over WS it acts on the connection -
    its orders are cancelled with cancel_reason cancel_on_disconnect; orders of another connection and of HTTP
    survive."""
    leaving, staying, http = pulse("maker", "ws"), pulse("maker", "ws"), pulse("maker")
    buy, _ = far_prices(http.call, pulse_env)
    leaving.call("private/enable_cancel_on_disconnect")
    doomed = [far_limit(leaving, pulse_env, "buy", buy), far_limit(leaving, pulse_env, "buy", buy - pulse_env.tick_size)]
    kept = {"another connection": far_limit(staying, pulse_env, "buy", buy),
            "HTTP": far_limit(http, pulse_env, "buy", buy)}
    leaving.ws.close()
    for order in doomed:
        cancelled_on_disconnect(http, order["order_id"], f"order {order['order_id']} of the closed connection")
    for where, order in kept.items():
        still_open(http, order["order_id"], f"order placed over {where}")


@pytest.mark.doc("Trading", "private/disable_cancel_on_disconnect")
@pytest.mark.interpretation("I-08", "I-134")
def test_disabled_cod_leaves_orders_after_disconnect(pulse, pulse_env):
    """Doc: "disables cancel on disconnect for the current session" - then a disconnect cancels nothing."""
    ws_api, http = pulse("maker", "ws"), pulse("maker")
    buy, _ = far_prices(http.call, pulse_env)
    ws_api.call("private/enable_cancel_on_disconnect")
    ws_api.call("private/disable_cancel_on_disconnect")
    order = far_limit(ws_api, pulse_env, "buy", buy)
    ws_api.ws.close()
    survives_disconnect(http, order["order_id"], "order of a closed connection whose COD was disabled")
