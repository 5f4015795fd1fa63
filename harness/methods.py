"""The documented JSON-RPC methods, as the suite needs to know them to build requests."""

# Operations whose documented HTTP body is a JSON-RPC envelope (register I-02).
ENVELOPE_METHODS = frozenset({
    "private/buy", "private/sell", "private/edit", "private/cancel", "private/cancel_all",
    "private/cancel_all_by_instrument", "private/get_account_summary", "private/get_deposits",
})

# Documented under /ws/api/v2 only (register I-06); public/test is Deribit's answer to test_request (I-43).
WS_ONLY_METHODS = frozenset({
    "private/logout", "public/set_heartbeat", "public/disable_heartbeat", "private/get_cancel_on_disconnect",
    "public/subscribe", "private/subscribe", "public/unsubscribe_all", "private/unsubscribe_all", "public/test",
})

HTTP_METHODS = (
    "public/auth", "private/get_instruments", "private/get_tradingview_chart_data", "public/get_delivery_prices",
    "public/get_funding_chart_data", "public/get_funding_rate_history", "public/get_index_price",
    "public/last_trades_by_instrument", "private/buy", "private/cancel", "private/cancel_all",
    "private/cancel_all_by_instrument", "private/disable_cancel_on_disconnect", "private/edit",
    "private/enable_cancel_on_disconnect", "private/get_mmp_config", "private/get_open_orders_by_instrument",
    "private/get_order_book", "private/get_order_history_by_instrument", "private/get_order_state",
    "private/get_order_state_by_label", "private/get_settlement_history_by_currency",
    "private/get_settlement_history_by_instrument", "private/get_user_trades_by_instrument",
    "private/get_user_trades_by_order", "private/sell", "private/set_mmp_config", "private/get_account_summary",
    "private/get_deposits", "private/get_positions",
)

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

# The documented subscription channels ("Subscriptions" section), as the doc writes them.
CHANNELS = (
    "book.{instrument_name}.{interval}", "deribit_price_index.{index_name}", "funding_payments.{instrument_name}",
    "funding_prices.{instrument_name}", "funding_rates.{instrument_name}", "heartbeat_trade",
    "quote.{instrument_name}", "settlement_prices.{index_name}", "user.changes.{instrument_name}.{interval}",
    "user.mmp_trigger.{index_name}", "user.orders.{instrument_name}.{interval}",
    "user.trades.{instrument_name}.{interval}", "user_fee",
)

# Every documented operation: the HTTP ones and the WS-only ones (public/test is Deribit's, not documented).
OPERATIONS = HTTP_METHODS + tuple(sorted(WS_ONLY_METHODS - {"public/test"}))
