"""Faults of area ``fields``. Fields: well-formed replies whose field values or types contradict the doc (spelling, units, types, omissions)."""

from reference_gateway.faults.registry import fault
from reference_gateway.faults.seams import ORDER_METHODS, each_order, on_results
from reference_gateway.gateway import Gateway


@fault("field_order_state_misspelled", "fields", "order_state 'cancelled' is sent as 'canceled'", "trading or wallet")
def _order_state_misspelled(gw: Gateway) -> None:
    def change(order: dict) -> None:
        if order["order_state"] == "cancelled":
            order["order_state"] = "canceled"
    on_results(gw, ORDER_METHODS, lambda result: each_order(result, change))


@fault("field_timestamp_in_seconds", "fields", "order creation_timestamp is in seconds, not milliseconds", "trading")
def _timestamp_seconds(gw: Gateway) -> None:
    def change(order: dict) -> None:
        order["creation_timestamp"] //= 1000
    on_results(gw, ORDER_METHODS, lambda result: each_order(result, change))


@fault("field_filled_amount_missing", "fields", "filled_amount is omitted from order confirmations", "trading")
def _filled_amount_missing(gw: Gateway) -> None:
    on_results(gw, ORDER_METHODS, lambda result: each_order(result, lambda order: order.pop("filled_amount", None)))


@fault("enum_token_type_capitalised", "fields", "token_type is 'Bearer', not the documented 'bearer'", "auth")
def _token_type_capitalised(gw: Gateway) -> None:
    on_results(gw, {"public/auth"}, lambda result: {**result, "token_type": "Bearer"})


@fault("expires_in_as_timestamp", "fields", "expires_in is the expiry epoch (seconds), not a lifetime", "auth")
def _expires_in_as_timestamp(gw: Gateway) -> None:
    on_results(gw, {"public/auth"},
               lambda result: {**result, "expires_in": gw.clock.now_ms() // 1000 + result["expires_in"]})


@fault("index_price_as_string", "fields", "get_index_price returns the price as a string", "market_data")
def _index_price_as_string(gw: Gateway) -> None:
    on_results(gw, {"public/get_index_price"}, str)


@fault("tradingview_ticks_in_seconds", "fields", "TradingView chart ticks are in seconds, not milliseconds",
       "market_data")
def _tradingview_ticks_seconds(gw: Gateway) -> None:
    on_results(gw, {"private/get_tradingview_chart_data"},
               lambda chart: {**chart, "ticks": [tick // 1000 for tick in chart["ticks"]]})


@fault("account_summary_missing_field", "fields", "get_account_summary omits margin_balance", "wallet")
def _account_summary_missing_field(gw: Gateway) -> None:
    on_results(gw, {"private/get_account_summary"},
               lambda summary: {k: v for k, v in summary.items() if k != "margin_balance"})
