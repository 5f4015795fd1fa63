"""JSON-RPC 2.0 failures over the WebSocket: parse error, invalid request, unknown method, invalid params.

Register I-05: the four JSON-RPC 2.0 codes are strict; every refused frame leaves the connection open.
"""

import json

import pytest

from harness.checks.envelope import connection_still_serves, is_error_reply, raw_reply, request_text

pytestmark = [pytest.mark.check("negative"), pytest.mark.jsonrpc, pytest.mark.doc("Websocket Endpoints", "JSON-RPC 2.0 errors")]

# Frames that are not JSON at all: -32700, id null.
NOT_JSON = ['{"jsonrpc": "2.0", "id": 1, "method": "public/test"', "{", "nonsense", '{"id": 1,}', "\ufeff{}"]

# Valid JSON that is not a request object: -32600, id null (no id can be read).
NOT_A_REQUEST_OBJECT = ["[]", "1", '"public/test"', "null", "true",
                        json.dumps([{"jsonrpc": "2.0", "id": 1, "method": "public/test", "params": {}}])]

# Objects whose id is missing or not a number/string: -32600, id null.
BAD_IDS = {
    "missing": {"jsonrpc": "2.0", "method": "public/test", "params": {}},
    "null": {"jsonrpc": "2.0", "id": None, "method": "public/test", "params": {}},
    "true": {"jsonrpc": "2.0", "id": True, "method": "public/test", "params": {}},
    "object": {"jsonrpc": "2.0", "id": {"n": 1}, "method": "public/test", "params": {}},
    "array": {"jsonrpc": "2.0", "id": [1], "method": "public/test", "params": {}},
}

# A readable id but a wrong envelope: -32600 with the id echoed (or null).
BAD_ENVELOPES = {
    "jsonrpc 1.0": {"jsonrpc": "1.0", "method": "public/test", "params": {}},
    "jsonrpc number": {"jsonrpc": 2.0, "method": "public/test", "params": {}},
    "jsonrpc missing": {"method": "public/test", "params": {}},
    "method missing": {"jsonrpc": "2.0", "params": {}},
    "method number": {"jsonrpc": "2.0", "method": 7, "params": {}},
}

# Known methods with parameters they do not take: -32602 with the id echoed.
BAD_PARAMS = {
    "positional params": ("public/get_index_price", ["btc_usd"]),
    "params a string": ("public/get_index_price", "btc_usd"),
    "missing required": ("public/set_heartbeat", {}),
    "wrong type": ("public/set_heartbeat", {"interval": "often"}),
    "channels not a list": ("public/subscribe", {"channels": "heartbeat_trade"}),
}


@pytest.mark.interpretation("I-05", "I-132")
@pytest.mark.parametrize("frame", NOT_JSON, ids=repr)
def test_parse_error(ws_client, frame):
    """JSON-RPC 2.0: "-32700 Parse error: Invalid JSON was received by the server." (id null)."""
    ws = ws_client()
    is_error_reply(raw_reply(ws, frame), "parse_error", None)
    connection_still_serves(ws)


@pytest.mark.interpretation("I-05", "I-132")
@pytest.mark.parametrize("frame", NOT_A_REQUEST_OBJECT, ids=repr)
def test_not_a_request_object_is_invalid_request(ws_client, frame):
    """JSON-RPC 2.0: "-32600 Invalid Request: The JSON sent is not a valid Request object."; batches are
    refused (Deribit has none; register pulse.JsonRpcRequest "No batches")."""
    ws = ws_client()
    is_error_reply(raw_reply(ws, frame), "invalid_request", None)
    connection_still_serves(ws)


@pytest.mark.interpretation("I-05", "I-132")
@pytest.mark.parametrize("case", BAD_IDS, ids=str)
def test_missing_or_invalid_id_is_invalid_request(ws_client, case):
    """JSON-RPC 2.0: "An identifier ... MUST contain a String, Number, or NULL"; the spec (pulse.JsonRpcId)
    refuses requests without a number or string id, which could not be answered (-32600, id null)."""
    ws = ws_client()
    is_error_reply(raw_reply(ws, json.dumps(BAD_IDS[case])), "invalid_request", None)
    connection_still_serves(ws)


@pytest.mark.interpretation("I-05", "I-132")
@pytest.mark.parametrize("case", BAD_ENVELOPES, ids=str)
def test_wrong_envelope_is_invalid_request(ws_client, case):
    """JSON-RPC 2.0: "jsonrpc ... MUST be exactly "2.0""; "method ... A String"; else -32600."""
    ws = ws_client()
    reply = raw_reply(ws, json.dumps(BAD_ENVELOPES[case] | {"id": "bad-envelope"}))
    is_error_reply(reply, "invalid_request", "bad-envelope", id_may_be_null=True)
    connection_still_serves(ws)


@pytest.mark.interpretation("I-05", "I-132")
@pytest.mark.parametrize("method", ["public/no_such_method", "private/get_everything", "get_index_price", ""])
def test_unknown_method(ws_client, method):
    """JSON-RPC 2.0: "-32601 Method not found: The method does not exist / is not available."."""
    ws = ws_client()
    is_error_reply(raw_reply(ws, request_text(31, method)), "method_not_found", 31)
    connection_still_serves(ws)


@pytest.mark.interpretation("I-05", "I-132")
@pytest.mark.parametrize("case", BAD_PARAMS, ids=str)
def test_invalid_params(ws_client, case):
    """JSON-RPC 2.0: "-32602 Invalid params: Invalid method parameter(s)."; Deribit takes named params only."""
    method, params = BAD_PARAMS[case]
    ws = ws_client()
    frame = json.dumps({"jsonrpc": "2.0", "id": "p-1", "method": method, "params": params})
    is_error_reply(raw_reply(ws, frame), "invalid_params", "p-1")
    connection_still_serves(ws)
