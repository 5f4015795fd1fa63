"""Faults of area ``invariants``. Invariants (#14): replies that are well-formed but contradict themselves or another reply; each is killed by
one relation of spec/invariants.toml (harness/invariants.py), named in its description."""

from reference_gateway.faults.registry import fault
from reference_gateway.faults.seams import ORDER_METHODS, each_order, on_notifications, on_results, truncated_to_second
from reference_gateway.gateway import Gateway


@fault("book_bids_unsorted", "invariants", "get_order_book lists bids worst first (ascending); kills "
       "book_bids_descending", "market_data")
def _book_bids_unsorted(gw: Gateway) -> None:
    def reverse(book: object) -> object:
        if isinstance(book, dict) and isinstance(book.get("bids"), list):
            book["bids"] = book["bids"][::-1]
        return book
    on_results(gw, {"private/get_order_book"}, reverse)


@fault("best_bid_not_top_level", "invariants", "get_order_book's best_bid_price/amount are the second bid level "
       "(off by one); kills book_best_bid_is_top_level", "market_data")
def _best_bid_not_top_level(gw: Gateway) -> None:
    def second(book: object) -> object:
        if isinstance(book, dict) and len(book.get("bids") or []) > 1:
            book["best_bid_price"], book["best_bid_amount"] = book["bids"][1][0], book["bids"][1][1]
        return book
    on_results(gw, {"private/get_order_book"}, second)


@fault("filled_exceeds_amount", "invariants", "filled_amount counts both sides of each fill (twice the fill); kills "
       "order_filled_within_amount", "trading")
def _filled_exceeds_amount(gw: Gateway) -> None:
    def double(order: dict) -> None:
        if isinstance(order.get("filled_amount"), (int, float)):
            order["filled_amount"] = order["filled_amount"] * 2
    on_results(gw, ORDER_METHODS, lambda result: each_order(result, double))


@fault("tradingview_arrays_misaligned", "invariants", "TradingView volume drops the last bar (off by one); kills "
       "tradingview_series_aligned", "market_data")
def _tradingview_arrays_misaligned(gw: Gateway) -> None:
    def drop_last(chart: object) -> object:
        if isinstance(chart, dict) and chart.get("volume"):
            chart["volume"] = chart["volume"][:-1]
        return chart
    on_results(gw, {"private/get_tradingview_chart_data"}, drop_last)


@fault("account_margins_swapped", "invariants", "get_account_summary and get_positions swap initial and maintenance "
       "margin; kills *_initial_margin_covers_maintenance", "wallet or trading")
def _account_margins_swapped(gw: Gateway) -> None:
    def swap(payload: object) -> object:
        for item in payload if isinstance(payload, list) else [payload]:
            if isinstance(item, dict) and "initial_margin" in item and "maintenance_margin" in item:
                item["initial_margin"], item["maintenance_margin"] = item["maintenance_margin"], item["initial_margin"]
        return payload
    on_results(gw, {"private/get_account_summary", "private/get_positions"}, swap)


@fault("subscribe_result_drops_a_channel", "invariants", "subscribe answers Deribit-style with the channel list, "
       "minus the last channel; kills subscribe_result_echoes_channels", "subscriptions")
def _subscribe_result_drops_a_channel(gw: Gateway) -> None:
    for method in ("public/subscribe", "private/subscribe"):
        handler, private = gw.methods[method]

        def listing(ctx, identity, params, handler=handler):
            handler(ctx, identity, params)
            return list(params["channels"])[:-1]
        gw.methods[method] = (listing, private)


@fault("cancel_result_reads_open", "invariants", "private/cancel answers with the order as it was before the cancel "
       "(order_state open); kills cancel_result_is_the_cancelled_order", "trading")
def _cancel_result_reads_open(gw: Gateway) -> None:
    def before(order: dict) -> None:
        if order.get("order_state") == "cancelled":
            order["order_state"] = "partially_filled" if order.get("filled_amount") else "open"
            order.pop("cancel_reason", None)
    on_results(gw, {"private/cancel"}, lambda result: each_order(result, before))


@fault("order_state_disagrees_with_buy", "invariants", "get_order_state reads creation_timestamp from a column "
       "kept to the second, so it disagrees with buy's; kills order_immutable_fields_agree", "trading")
def _order_state_disagrees_with_buy(gw: Gateway) -> None:
    on_results(gw, {"private/get_order_state"}, truncated_to_second("creation_timestamp"))


@fault("last_update_before_creation", "invariants", "last_update_timestamp is truncated to the second, so a fresh "
       "order reads as updated before it was created; kills order_updated_after_creation", "trading")
def _last_update_before_creation(gw: Gateway) -> None:
    on_results(gw, ORDER_METHODS, truncated_to_second("last_update_timestamp"))


@fault("quote_sides_swapped", "invariants", "quote notifications carry the best ask as best_bid and the best bid as "
       "best_ask (a crossed quote); kills book_uncrossed", "subscriptions")
def _quote_sides_swapped(gw: Gateway) -> None:
    def swap(quote: dict) -> dict:
        return dict(quote, best_bid_price=quote.get("best_ask_price"), best_bid_amount=quote.get("best_ask_amount"),
                    best_ask_price=quote.get("best_bid_price"), best_ask_amount=quote.get("best_bid_amount"))
    on_notifications(gw, "quote.", swap)
