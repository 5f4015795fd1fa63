"""Transport parity: each market-data method answers with the same shape over HTTP and WebSocket.

Doc: "JSON-RPC over Websocket ... JSON-RPC over HTTP": two interfaces to one API (register I-01: the HTTP
body is the bare result, the WS reply carries the same value as ``result``).
"""

import pytest

from harness.doc import section_of
from harness.trades import currency_of
from harness.wire_checks import shape_of

pytestmark = [pytest.mark.market_data, pytest.mark.check("parity")]

PARAMS = {
    "private/get_instruments": lambda env: {"currency": currency_of(env)},
    "private/get_order_book": lambda env: {"instrument_name": env.test_instrument, "depth": 5},
    "public/get_delivery_prices": lambda env: {"index_name": env.index_name, "count": 3},
    "public/get_funding_chart_data": lambda env: {"instrument_name": env.perpetual, "length": "8h"},
    "public/get_funding_rate_history": lambda env: {"instrument_name": env.perpetual},
    "public/get_index_price": lambda env: {"index_name": env.index_name},
    "public/last_trades_by_instrument": lambda env: {"instrument_name": env.test_instrument, "count": 3},
}


@pytest.mark.parametrize("method", [pytest.param(m, marks=pytest.mark.doc(section_of(m), m)) for m in sorted(PARAMS)])
@pytest.mark.interpretation("I-01")
def test_same_shape_over_both_transports(method, pulse, pulse_env, own_trades):
    """Doc: the same method and model are documented once for both interfaces."""
    own_trades(1)  # so trade lists are not empty
    params = PARAMS[method](pulse_env)
    over_http = pulse("maker", "http").call(method, **params)
    over_ws = pulse("maker", "ws").call(method, **params)
    assert shape_of(over_ws) == shape_of(over_http), (
        f"{method}: received over WS the shape {shape_of(over_ws)}; over HTTP {shape_of(over_http)}")


@pytest.mark.doc("Market Data", "private/get_tradingview_chart_data")
@pytest.mark.interpretation("I-01")
def test_chart_data_same_shape_over_both_transports(pulse, pulse_env, own_trades):
    """Doc: private/get_tradingview_chart_data is documented once for both interfaces."""
    trade = own_trades(1)[0]
    params = {"instrument_name": pulse_env.test_instrument, "resolution": "1",
              "start_timestamp": trade.timestamp - 60_000, "end_timestamp": trade.timestamp + 60_000}
    over_http = pulse("maker", "http").call("private/get_tradingview_chart_data", **params)
    over_ws = pulse("maker", "ws").call("private/get_tradingview_chart_data", **params)
    assert shape_of(over_ws) == shape_of(over_http), f"received over WS {shape_of(over_ws)}; over HTTP {shape_of(over_http)}"
