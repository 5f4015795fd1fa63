"""The methods documented under /ws/api/v2 only: each reply's result against its documented model (asyncapi), and
each method's refusal of positional params.

Doc (I-05, I-06): over WS each method answers a JSON-RPC 2.0 reply whose ``result`` is the operation's documented
reply; params are an object ("params object"): an array is invalid params, -32602. private/logout is documented
without a reply (it closes the connection), so it has no result to check (an n/a cell of the matrix).
"""

import pytest

from harness.checks.channels import channels_for
from harness.doc import section_of
from harness.errors import PulseCallError
from harness.methods import WS_ONLY_METHODS
from harness.schema import assert_conforms, result_schema

pytestmark = [pytest.mark.jsonrpc]

INVALID_PARAMS = -32602


def valid_params(env) -> dict[str, dict]:
    channels = channels_for(env)
    return {
        "private/get_cancel_on_disconnect": {"scope": "connection"},
        "private/subscribe": {"channels": [channels["user_fee"]]},
        "private/unsubscribe_all": {},
        "public/disable_heartbeat": {},
        "public/set_heartbeat": {"interval": 30},
        "public/subscribe": {"channels": [channels["deribit_price_index"]]},
        "public/unsubscribe_all": {},
    }


# The documented WS-only methods (I-06), each under the doc section spec/asyncapi.yaml lists it in.
WS_ONLY = sorted(WS_ONLY_METHODS - {"public/test"})


def per_method(methods):
    return [pytest.param(m, marks=pytest.mark.doc(section_of(m), m)) for m in methods]


def authenticated(ws_client, env):
    """A connection of its own, authenticated by its own public/auth (a logout ends only this token)."""
    ws = ws_client()
    ws.call("public/auth", env.accounts["maker"].grant())
    return ws


@pytest.mark.check("schema")
@pytest.mark.interpretation("I-06", "I-07")
@pytest.mark.parametrize("method", per_method([m for m in WS_ONLY if m != "private/logout"]))
def test_ws_only_method_result_conforms(method, ws_client, pulse_env):
    """Doc: each WS-only method's reply carries its documented result model (asyncapi.yaml)."""
    params = valid_params(pulse_env)[method]
    result = authenticated(ws_client, pulse_env).call(method, params)
    assert_conforms(result_schema(method), result, f"{method}: the documented reply's result")


@pytest.mark.check("negative")
@pytest.mark.interpretation("I-05", "I-06")
@pytest.mark.parametrize("method", per_method(["private/get_cancel_on_disconnect", "private/logout",
                                               "private/unsubscribe_all", "public/disable_heartbeat",
                                               "public/unsubscribe_all"]))
def test_ws_only_method_refuses_positional_params(method, ws_client, pulse_env):
    """Doc (JSON-RPC 2.0, I-05): params are a params object; an array is refused with invalid params (-32602) and
    the method does nothing (a refused logout leaves the connection usable)."""
    ws = authenticated(ws_client, pulse_env)
    with pytest.raises(PulseCallError) as refused:
        ws.call(method, ["connection"])
    assert refused.value.code == INVALID_PARAMS, (
        f"{method} with positional params: code received {refused.value.code}; documented -32602 invalid params")
    assert isinstance(ws.call("private/get_cancel_on_disconnect", {"scope": "connection"}), dict | bool), (
        f"the connection after a refused {method}: no longer answers")
