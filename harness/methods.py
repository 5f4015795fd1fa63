"""The documented JSON-RPC methods, as the suite needs to know them to build requests."""

from harness import schema


def _request_schema_ref(openapi: dict, operation: dict) -> str:
    body = operation.get("requestBody") or {}
    if "$ref" in body:
        body = openapi["components"]["requestBodies"][body["$ref"].rsplit("/", 1)[1]]
    return body.get("content", {}).get("application/json", {}).get("schema", {}).get("$ref", "")


def _from_spec() -> tuple[tuple[str, ...], frozenset, frozenset, tuple[str, ...]]:
    """Read the methods and channels from spec/ so that one file says what Pulse documents."""
    openapi, asyncapi = schema.openapi(), schema.asyncapi()
    operations = [op for item in openapi["paths"].values() for op in item.values()]
    http = tuple(op["x-jsonrpc-method"] for op in operations)
    envelope = frozenset(op["x-jsonrpc-method"] for op in operations
                         if "Request-models_" in _request_schema_ref(openapi, op))
    ws = {op["x-jsonrpc-method"] for op in asyncapi["operations"].values() if op.get("x-jsonrpc-method")}
    channels = tuple(c["address"] for c in asyncapi["channels"].values() if "x-pulse-visibility" in c)
    return http, envelope, frozenset(ws - set(http)), channels


# HTTP_METHODS: the 30 /api/v2 operations. ENVELOPE_METHODS: those whose documented body is a JSON-RPC envelope
# (I-02). WS_ONLY_METHODS: documented under /ws/api/v2 only (I-06), plus Deribit's public/test (I-43).
# CHANNELS: the 13 subscription channels, as spec/asyncapi.yaml addresses them.
HTTP_METHODS, ENVELOPE_METHODS, WS_ONLY_METHODS, CHANNELS = _from_spec()

PRIVATE_HTTP_METHODS = tuple(m for m in HTTP_METHODS if m.startswith("private/"))

# A minimal valid params object per private method, for auth checks that must reach the auth layer.
SAMPLE_PARAMS: dict[str, dict] = {
    "private/get_instruments": {"currency": "BTC"},
    "private/get_tradingview_chart_data": {"instrument_name": "BTC_USD-PERPETUAL", "resolution": "1",
                                           "start_timestamp": 1, "end_timestamp": 2},
    "private/buy": {"instrument_name": "BTC_USD-PERPETUAL", "amount": 10, "price": 1000.0, "type": "limit"},
    "private/sell": {"instrument_name": "BTC_USD-PERPETUAL", "amount": 10, "price": 900000.0, "type": "limit"},
    "private/cancel": {"order_id": "0" * 24},
    "private/cancel_all_by_instrument": {"instrument_name": "BTC_USD-PERPETUAL"},
    "private/edit": {"order_id": "0" * 24, "amount": 10},
    "private/get_open_orders_by_instrument": {"instrument_name": "BTC_USD-PERPETUAL"},
    "private/get_order_book": {"instrument_name": "BTC_USD-PERPETUAL"},
    "private/get_order_history_by_instrument": {"instrument_name": "BTC_USD-PERPETUAL"},
    "private/get_order_state": {"order_id": "0" * 24},
    "private/get_order_state_by_label": {"currency": "BTC"},
    "private/get_settlement_history_by_currency": {"type": "settlement"},
    "private/get_settlement_history_by_instrument": {"type": "settlement"},
    "private/get_user_trades_by_instrument": {"instrument_name": "BTC_USD-PERPETUAL"},
    "private/get_user_trades_by_order": {"order_id": "0" * 24},
}

# Every documented operation: the HTTP ones and the WS-only ones (public/test is Deribit's, not documented).
OPERATIONS = HTTP_METHODS + tuple(sorted(WS_ONLY_METHODS - {"public/test"}))
