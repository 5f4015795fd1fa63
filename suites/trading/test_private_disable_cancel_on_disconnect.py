"""private/disable_cancel_on_disconnect over the WebSocket (doc section "Trading"): then a disconnect cancels
nothing."""

import pytest

from harness.checks.cod import survives_disconnect
from harness.placement import far_limit, far_prices

pytestmark = [pytest.mark.check("semantics", "flows"), pytest.mark.session, pytest.mark.usefixtures("no_account_scope_cod")]


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
