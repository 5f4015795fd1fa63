"""private/enable_cancel_on_disconnect over the WebSocket (doc section "Trading"): a disconnect cancels exactly
that connection's orders."""

import pytest

from harness.checks.cod import cancelled_on_disconnect, still_open
from harness.placement import far_limit, far_prices

pytestmark = [pytest.mark.check("semantics", "flows"), pytest.mark.session, pytest.mark.usefixtures("no_account_scope_cod")]


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
