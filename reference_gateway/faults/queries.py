"""Faults of area ``queries``. Queries: market-data and wallet queries that ignore a filter, a window, a sort order or a count."""

import time

from reference_gateway.faults.registry import fault
from reference_gateway.faults.seams import forced, without, wrap_params
from reference_gateway.gateway import Gateway


@fault("instruments_currency_filter_ignored", "queries", "get_instruments lists every currency", "market_data")
def _instruments_currency_ignored(gw: Gateway) -> None:
    original = gw.methods["private/get_instruments"][0]
    currencies = sorted({i["base_currency"] for i in gw.config["instruments"]})
    gw.methods["private/get_instruments"] = (
        lambda ctx, ident, p: [i for c in currencies for i in original(ctx, ident, dict(p, currency=c))], True)


@fault("instruments_kind_filter_ignored", "queries", "get_instruments ignores kind", "market_data")
def _instruments_kind_ignored(gw: Gateway) -> None:
    wrap_params(gw, "private/get_instruments", without("kind"))


@fault("instruments_expired_filter_ignored", "queries", "get_instruments always lists active instruments",
       "market_data")
def _instruments_expired_ignored(gw: Gateway) -> None:
    wrap_params(gw, "private/get_instruments", forced(expired=False))


@fault("order_book_depth_ignored", "queries", "get_order_book returns every level whatever the depth",
       "market_data")
def _order_book_depth_ignored(gw: Gateway) -> None:
    wrap_params(gw, "private/get_order_book", forced(depth=10_000))


@fault("last_trades_sorting_reversed", "queries", "last_trades_by_instrument sorts asc as desc and desc as asc",
       "market_data")
def _last_trades_sorting_reversed(gw: Gateway) -> None:
    swap = {"asc": "desc", "desc": "asc"}
    wrap_params(gw, "public/last_trades_by_instrument",
                lambda p: {**p, "sorting": swap.get(p["sorting"], p["sorting"])})


@fault("last_trades_count_ignored", "queries", "last_trades_by_instrument ignores count", "market_data")
def _last_trades_count_ignored(gw: Gateway) -> None:
    wrap_params(gw, "public/last_trades_by_instrument", forced(count=1000))


@fault("last_trades_seq_window_ignored", "queries", "last_trades_by_instrument ignores start_seq/end_seq",
       "market_data")
def _last_trades_seq_ignored(gw: Gateway) -> None:
    wrap_params(gw, "public/last_trades_by_instrument", without("start_seq", "end_seq"))


@fault("last_trades_timestamp_window_ignored", "queries",
       "last_trades_by_instrument ignores start_timestamp/end_timestamp", "market_data")
def _last_trades_timestamp_ignored(gw: Gateway) -> None:
    wrap_params(gw, "public/last_trades_by_instrument", without("start_timestamp", "end_timestamp"))


@fault("delivery_prices_offset_ignored", "queries", "get_delivery_prices always starts at offset 0", "market_data")
def _delivery_offset_ignored(gw: Gateway) -> None:
    wrap_params(gw, "public/get_delivery_prices", forced(offset=0))


@fault("funding_chart_length_ignored", "queries", "get_funding_chart_data always returns a month", "market_data")
def _funding_length_ignored(gw: Gateway) -> None:
    wrap_params(gw, "public/get_funding_chart_data", forced(length="1m"))


@fault("deposits_count_ignored", "queries", "get_deposits ignores count", "wallet")
def _deposits_count_ignored(gw: Gateway) -> None:
    wrap_params(gw, "private/get_deposits", forced(count=1000))


@fault("positions_currency_filter_ignored", "queries", "get_positions ignores currency", "wallet")
def _positions_currency_ignored(gw: Gateway) -> None:
    wrap_params(gw, "private/get_positions", without("currency"))


@fault("positions_kind_filter_ignored", "queries", "get_positions ignores kind", "wallet")
def _positions_kind_ignored(gw: Gateway) -> None:
    wrap_params(gw, "private/get_positions", without("kind"))


@fault("settlement_type_filter_ignored", "queries", "get_settlement_history_by_currency lists every type",
       "wallet")
def _settlement_type_ignored(gw: Gateway) -> None:
    list_every_settlement_type(gw, "private/get_settlement_history_by_currency")


def list_every_settlement_type(gw: Gateway, method: str) -> None:
    original = gw.methods[method][0]
    types = ("settlement", "delivery", "bankruptcy")
    gw.methods[method] = (lambda ctx, ident, p: [s for t in types for s in original(ctx, ident, dict(p, type=t))], True)


@fault("settlement_instrument_filter_ignored", "queries",
       "get_settlement_history_by_instrument lists the settlements of every instrument", "wallet")
def _settlement_instrument_ignored(gw: Gateway) -> None:
    wrap_params(gw, "private/get_settlement_history_by_instrument", without("instrument_name"))


@fault("settlement_by_instrument_type_ignored", "queries", "get_settlement_history_by_instrument lists every type",
       "wallet")
def _settlement_by_instrument_type_ignored(gw: Gateway) -> None:
    list_every_settlement_type(gw, "private/get_settlement_history_by_instrument")



@fault("order_book_cached", "queries", "get_order_book answers from a per-instrument cache refreshed once a minute "
       "(an order that just entered the book is missing from it)", "trading or market_data")
def _order_book_cached(gw: Gateway) -> None:
    handler, private = gw.methods["private/get_order_book"]
    cache: dict = {}

    def cached(ctx, identity, params):
        key = params.get("instrument_name")
        if key not in cache or time.monotonic() - cache[key][0] > 60:
            cache[key] = (time.monotonic(), handler(ctx, identity, params))
        return cache[key][1]
    gw.methods["private/get_order_book"] = (cached, private)


@fault("open_orders_type_filter_ignored", "queries", "get_open_orders_by_instrument ignores type (lists every open "
       "order)", "trading")
def _open_orders_type_ignored(gw: Gateway) -> None:
    wrap_params(gw, "private/get_open_orders_by_instrument", forced(type="all"))
