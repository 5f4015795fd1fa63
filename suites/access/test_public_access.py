"""Public methods need no authentication: each answers a caller that never called public/auth.

Doc: "public/auth — Retrieve an Oauth access token, to be used for authentication of 'private' requests": the
methods named public/ are the ones a caller reaches without a token (over HTTP, no ``Authorization`` header;
over WS, a connection that never authenticated). The private side of the rule (a private method refuses a caller
without a valid token) is in test_private_method_auth.py.
"""

import pytest

from harness.doc import section_of
from harness.errors import PulseCallError

pytestmark = [pytest.mark.auth, pytest.mark.check("auth")]

def market_params(env) -> dict[str, dict]:
    return {
        "public/get_delivery_prices": {"index_name": env.index_name, "count": 1},
        "public/get_funding_chart_data": {"instrument_name": env.perpetual, "length": "8h"},
        "public/get_funding_rate_history": {"instrument_name": env.perpetual},
        "public/get_index_price": {"index_name": env.index_name},
        "public/last_trades_by_instrument": {"instrument_name": env.test_instrument, "count": 1},
    }


HTTP_PUBLIC = ["public/get_delivery_prices", "public/get_funding_chart_data", "public/get_funding_rate_history",
               "public/get_index_price", "public/last_trades_by_instrument"]


def answered(call, method: str, params: dict) -> object:
    try:
        return call(method, params)
    except PulseCallError as error:
        raise AssertionError(f"{method} without authentication: refused ({error}); documented a public method, "
                             "answered without a token") from None


@pytest.mark.parametrize("method", [pytest.param(m, marks=pytest.mark.doc(section_of(m), m)) for m in HTTP_PUBLIC])
def test_public_market_data_needs_no_token(method, rest, pulse_env):
    """Doc: a public method answers a request without an access token (HTTP, no Authorization header)."""
    result = answered(lambda m, p: rest.call(m, p), method, market_params(pulse_env)[method])
    assert result is not None, f"{method} without a token: received no result; documented its 200 model"


WS_PUBLIC = {
    "public/set_heartbeat": {"interval": 30},
    "public/disable_heartbeat": {},
    "public/subscribe": None,
    "public/unsubscribe_all": {},
}


@pytest.mark.parametrize("method", [pytest.param(m, marks=pytest.mark.doc(section_of(m), m)) for m in WS_PUBLIC])
def test_public_ws_method_needs_no_authentication(method, ws_client, pulse_env):
    """Doc: a public WS method answers on a connection that never called public/auth."""
    params = WS_PUBLIC[method]
    if params is None:
        params = {"channels": [f"deribit_price_index.{pulse_env.index_name}"]}
    ws = ws_client()
    result = answered(ws.call, method, params)
    assert result is not None, f"{method} on an unauthenticated connection: received no result"
