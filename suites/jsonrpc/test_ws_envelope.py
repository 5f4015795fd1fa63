"""The JSON-RPC 2.0 envelope over the WebSocket: ids, version, result-or-error (doc: "Websocket Endpoints")."""

import pytest

from harness.checks.envelope import (
    connection_still_serves,
    error_object_is_documented,
    exactly_one_of_result_and_error,
    id_is_echoed,
    is_rate_limited,
    is_result_reply,
    jsonrpc_is_2_0,
    raw_reply,
    request_text,
)
from harness.pacing import resend_while_rate_limited

pytestmark = [pytest.mark.check("schema", "semantics"), pytest.mark.jsonrpc, pytest.mark.doc("Websocket Endpoints", "JSON-RPC 2.0 envelope")]

# Ids a client may use: JSON-RPC 2.0 allows a number or a string; each must come back unchanged.
ECHOED_IDS = [0, 1, 42, 2**31 + 7, 2**53 - 1, "a", "req-7", "", "7", "ünïcødé-🚀", "x" * 200]


@pytest.mark.parametrize("request_id", ECHOED_IDS, ids=repr)
def test_id_is_echoed_on_a_result(ws_client, request_id):
    """JSON-RPC 2.0: "id ... This member is REQUIRED. It MUST be the same as the value of the id member in the
    Request Object." The doc sends JSON-RPC 2.0 over wss://.../ws/api/v2."""
    ws = ws_client()
    reply = raw_reply(ws, request_text(request_id, "public/get_index_price", {"index_name": "btc_usd"}))
    result = is_result_reply(reply, request_id)
    assert isinstance(result, (int, float)) and result > 0, f"result: received {result!r}; documented a price"


@pytest.mark.parametrize("request_id", [5, "err-5"], ids=repr)
def test_id_is_echoed_on_an_error(ws_client, request_id):
    """JSON-RPC 2.0: an error Response carries the request's id (it could be read)."""
    ws = ws_client()
    reply = raw_reply(ws, request_text(request_id, "public/get_index_price", {"index_name": "no_such_index"}))
    jsonrpc_is_2_0(reply)
    exactly_one_of_result_and_error(reply)
    id_is_echoed(reply, request_id)
    error_object_is_documented(reply)


@pytest.mark.interpretation("I-05")
def test_error_object_shape_on_a_private_call_without_auth(ws_client):
    """I-05: error = {"code", "message", "data": {"reason", "status"}} with a CommonCodes status."""
    ws = ws_client()
    reply = raw_reply(ws, request_text(11, "private/get_positions", {}))
    jsonrpc_is_2_0(reply)
    exactly_one_of_result_and_error(reply)
    id_is_echoed(reply, 11)
    error = error_object_is_documented(reply)
    assert error["data"]["status"] == 2, f"status: received {error['data']['status']}; I-04 reads 2 unauthorized"
    connection_still_serves(ws)


def test_reply_to_a_successful_call_has_no_error_member(ws_client):
    """JSON-RPC 2.0: "result ... MUST NOT exist if there was an error ... error ... MUST NOT exist if there was
    no error"."""
    ws = ws_client()
    reply = resend_while_rate_limited(lambda: ws.request("public/test", {}), is_rate_limited)  # I-303
    jsonrpc_is_2_0(reply)
    exactly_one_of_result_and_error(reply)
    assert "result" in reply, f"public/test: received {reply}; documented a result"
