"""Relations inside and between results (catalogue: ``spec/invariants.toml``; readings: I-500..I-508).

Each relation is one small function named by its id. Single-payload relations take the payload, echo relations
take ``(params, result)`` and cross-method relations take ``(earlier, later)``: two replies about the same order
or trade. A relation skips any clause whose fields are absent (every response field is "Required false",
I-160) or not of the documented type (the schema checks report that). Only relations nothing else can bend are
asserted: a busy, shared gateway (other traders, fees, funding, latency) must pass every one of them (I-500).

``check_result(method, params, result)`` and ``check_notification(channel, data)`` run every relation that
applies; the harness calls them on every RPC result and every notification a test reads.
"""

import itertools
import math
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from urllib.parse import urlsplit

EPSILON = 1e-9


# ---------------------------------------------------------------------------------------------- failure
def _fail(name: str, clause: str, received: object, documented: str) -> None:
    """The one place a relation's failure is made (so it can become a typed CheckFailure later)."""
    raise AssertionError(f"invariant {name} failed\nclause: {clause}\nreceived: {str(received)[:600]}\n"
                         f"documented: {documented}")


def _num(value: object) -> float | None:
    """A JSON number (or a decimal string, as funding.Prices carries them); None for anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def _dicts(value: object) -> list[dict]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _levels(value: object, price_at: int) -> list[float] | None:
    """The prices of a list of book levels ([price, amount] or [action, price, amount]); None if malformed."""
    if not isinstance(value, list):
        return None
    prices = [_num(level[price_at]) for level in value if isinstance(level, list) and len(level) > price_at]
    return None if len(prices) != len(value) or None in prices else prices


# ---------------------------------------------------------------------------------------------- ordering
def _strictly(prices: list[float], descending: bool) -> bool:
    return all((a > b) if descending else (a < b) for a, b in itertools.pairwise(prices))


def book_bids_descending(book: dict) -> None:
    prices = _levels(book.get("bids"), 1 if book.get("type") in ("snapshot", "change") else 0)
    if book.get("type") == "change" or prices is None:
        return  # a change lists touched levels, in no documented order
    if not _strictly(prices, descending=True):
        _fail("book_bids_descending", "bids are listed best first: strictly descending price", prices,
              "bids \"List of bids, descending price\" (I-18)")


def book_asks_ascending(book: dict) -> None:
    prices = _levels(book.get("asks"), 1 if book.get("type") in ("snapshot", "change") else 0)
    if book.get("type") == "change" or prices is None:
        return
    if not _strictly(prices, descending=False):
        _fail("book_asks_ascending", "asks are listed best first: strictly ascending price", prices,
              "asks \"List of asks, ascending price\" (I-18)")


def trade_seq_follows_timestamp(trades: list) -> None:
    """Within one instrument a later trade_seq is never an earlier trade, and one trade_seq is one trade (I-163:
    trade_seq is per instrument). Both sides of a self-trade are one trade: same trade_seq, same trade_id."""
    by_instrument: dict[object, list[tuple[float, float, object]]] = {}
    for trade in _dicts(trades):
        seq, stamp = _num(trade.get("trade_seq")), _num(trade.get("timestamp"))
        if seq is not None and stamp is not None:
            by_instrument.setdefault(trade.get("instrument_name"), []).append((seq, stamp, trade.get("trade_id")))
    for instrument, entries in by_instrument.items():
        entries.sort(key=lambda entry: entry[:2])
        for (seq_a, ts_a, id_a), (seq_b, ts_b, id_b) in itertools.pairwise(entries):
            if ts_b < ts_a or (seq_a == seq_b and None not in (id_a, id_b) and id_a != id_b):
                _fail("trade_seq_follows_timestamp", f"{instrument}: trade_seq {seq_a} ({id_a}) then {seq_b} ({id_b})",
                      f"timestamps {ts_a} then {ts_b}", "trade_seq numbers an instrument's trades in time "
                      "order, one number per trade (I-163, I-507)")


def tradingview_ticks_ascending(chart: dict) -> None:
    ticks = chart.get("ticks")
    if isinstance(ticks, list) and all(_num(t) is not None for t in ticks) and not _strictly(ticks, False):
        _fail("tradingview_ticks_ascending", "ticks strictly ascend (one bar per period)", ticks,
              "ticks \"Values of the time axis\" (I-162: one bar per resolution period)")


def trades_sorted_per_sorting(params: dict, trades: list) -> None:
    """``sorting`` asc: oldest first; desc and default (trades, I-20): newest first."""
    sorting = params.get("sorting", "default")
    if sorting not in ("asc", "desc", "default"):
        return
    stamps = [_num(t.get("timestamp")) for t in _dicts(trades)]
    if None in stamps or len(stamps) != len(trades or []):
        return
    pairs = list(itertools.pairwise(stamps))
    ordered = all(a <= b for a, b in pairs) if sorting == "asc" else all(a >= b for a, b in pairs)
    if not ordered:
        _fail("trades_sorted_per_sorting", f"sorting={sorting!r} orders the trades by time", stamps,
              "sorting \"Direction of results sorting (asc,desc,default)\"; default = desc for trades (I-20)")


# ---------------------------------------------------------------------------------------------- totals
def _top_level(book: dict, side: str) -> None:
    name = f"book_best_{side}_is_top_level"
    levels = book.get(f"{side}s")
    if not isinstance(levels, list) or not all(isinstance(level, list) and len(level) >= 2 for level in levels):
        return
    price, amount = book.get(f"best_{side}_price"), book.get(f"best_{side}_amount")
    if not levels:
        if _num(price) is not None or (_num(amount) or 0) != 0:
            _fail(name, f"no {side}s: best_{side}_price is null (amount null or 0)", (price, amount),
                  f"best_{side}_price \"null if there aren't any {side}s\" (I-18)")
        return
    top_price, top_amount = _num(levels[0][0]), _num(levels[0][1])
    if f"best_{side}_price" in book and not _close(_num(price), top_price):
        _fail(name, f"best_{side}_price is the first {side} level's price", price, f"{side}s[0] = {levels[0]}")
    if f"best_{side}_amount" in book and not _close(_num(amount), top_amount):
        _fail(name, f"best_{side}_amount is the first {side} level's amount", amount, f"{side}s[0] = {levels[0]}")


def _close(a: float | None, b: float | None) -> bool:
    return a is not None and b is not None and math.isclose(a, b, rel_tol=1e-9, abs_tol=EPSILON)


def book_best_bid_is_top_level(book: dict) -> None:
    _top_level(book, "bid")


def book_best_ask_is_top_level(book: dict) -> None:
    _top_level(book, "ask")


def book_uncrossed(book: dict) -> None:
    """Best bid below best ask whenever both sides hold an order (a resting book never crosses, I-501)."""
    if book.get("type") == "change":
        return
    if "bids" in book and book.get("type") == "snapshot":
        bids, asks = _levels(book.get("bids"), 1), _levels(book.get("asks"), 1)
        bid, ask = (max(bids) if bids else None), (min(asks) if asks else None)
    else:
        bid, ask = _num(book.get("best_bid_price")), _num(book.get("best_ask_price"))
        if not _num(book.get("best_bid_amount")) and "best_bid_amount" in book:
            bid = None
        if not _num(book.get("best_ask_amount")) and "best_ask_amount" in book:
            ask = None
    if bid is not None and ask is not None and bid >= ask:
        _fail("book_uncrossed", "best bid < best ask when both sides hold orders", f"bid {bid}, ask {ask}",
              "a resting book never crosses: a crossing order trades (I-501)")


def book_stats_low_below_high(stats: dict) -> None:
    low, high = _num(stats.get("low")), _num(stats.get("high"))
    if low is not None and high is not None and low > high:
        _fail("book_stats_low_below_high", "stats.low <= stats.high", f"low {low}, high {high}",
              "stats \"low: Lowest price during 24h\", \"high: Highest price during 24h\"")


def order_filled_within_amount(order: dict) -> None:
    amount, filled = _num(order.get("amount")), _num(order.get("filled_amount"))
    if amount is not None and filled is not None and filled > amount + EPSILON:
        _fail("order_filled_within_amount", f"order {order.get('order_id')}: filled_amount <= amount",
              f"filled_amount {filled}, amount {amount}", "\"filled_amount: Filled amount\" of \"amount\"")


def order_average_price_when_filled(order: dict) -> None:
    filled, average = _num(order.get("filled_amount")), order.get("average_price")
    if filled and filled > 0 and "average_price" in order and not ((_num(average) or 0) > 0):
        _fail("order_average_price_when_filled", f"order {order.get('order_id')}: filled_amount {filled} > 0 "
              "so average_price is a positive price", average, "\"average_price: Average price\" of the fills "
              "(I-502)")


OPEN_STATES = ("open", "untriggered")


def order_state_matches_filled_amount(order: dict) -> None:
    state, amount, filled = order.get("order_state"), _num(order.get("amount")), _num(order.get("filled_amount"))
    if amount is None or filled is None:
        return
    wrong = ((state == "filled" and not _close(filled, amount))
             or (state in OPEN_STATES and filled >= amount - EPSILON)
             or (state == "untriggered" and filled > EPSILON)
             or (state == "partially_filled" and not EPSILON < filled < amount - EPSILON))
    if wrong:
        _fail("order_state_matches_filled_amount", f"order {order.get('order_id')}: order_state {state!r}",
              f"filled_amount {filled} of amount {amount}", "filled: filled_amount = amount; open/untriggered:"
              " less than amount (untriggered: 0); partially_filled: 0 < filled_amount < amount (I-25, I-26)")


def order_fills_within_limit_price(order: dict) -> None:
    """A never-edited limit order fills at its price or better (I-502)."""
    if order.get("order_type") != "limit" or order.get("replaced") is not False:
        return
    price, average = _num(order.get("price")), _num(order.get("average_price"))
    if not price or not average or not _num(order.get("filled_amount")):
        return
    worse = average > price * (1 + 1e-9) if order.get("direction") == "buy" else average < price * (1 - 1e-9)
    if worse and order.get("direction") in ("buy", "sell"):
        _fail("order_fills_within_limit_price", f"order {order.get('order_id')}: {order.get('direction')} limit "
              f"at {price} fills at that price or better", f"average_price {average}",
              "\"price: The order price\" is the limit (I-502)")


def order_trades_within_fill(response: dict) -> None:
    """The trades a buy/sell/edit reports are fills of its order: together at most its filled_amount."""
    order, trades = response.get("order"), _dicts(response.get("trades"))
    filled = _num(order.get("filled_amount")) if isinstance(order, dict) else None
    amounts = [_num(t.get("amount")) for t in trades]
    if filled is None or not trades or None in amounts:
        return
    if sum(amounts) > filled + EPSILON:
        _fail("order_trades_within_fill", f"order {order.get('order_id')}: sum of trades[].amount <= "
              "order.filled_amount", f"trades {amounts}, filled_amount {filled}",
              "BuySellResponse: \"order\" and the \"trades\" it made (I-502)")


def tradingview_series_aligned(chart: dict) -> None:
    series = {name: chart.get(name) for name in ("ticks", "open", "high", "low", "close", "volume", "cost")
              if isinstance(chart.get(name), list)}
    lengths = {name: len(values) for name, values in series.items()}
    if len(set(lengths.values())) > 1:
        _fail("tradingview_series_aligned", "every series has one value per tick", lengths,
              "one bar per tick across ticks/open/high/low/close/volume/cost (I-162)")
    if chart.get("status") == "no_data" and any(lengths.values()):
        _fail("tradingview_series_aligned", "status no_data has no bars", lengths, "status \"ok or no_data\" (I-162)")


def _bar_problem(low: object, open_: object, close: object, high: object) -> str | None:
    low, open_, close, high = _num(low), _num(open_), _num(close), _num(high)
    if None in (low, open_, close, high):
        return None
    if not (low <= open_ + EPSILON and low <= close + EPSILON and open_ <= high + EPSILON and close <= high + EPSILON):
        return f"low {low}, open {open_}, close {close}, high {high}"
    return None


def tradingview_bar_spans_open_close(chart: dict) -> None:
    columns = [chart.get(name) for name in ("low", "open", "close", "high")]
    if not all(isinstance(column, list) for column in columns):
        return
    for index, bar in enumerate(zip(*columns, strict=False)):
        problem = _bar_problem(*bar)
        if problem:
            _fail("tradingview_bar_spans_open_close", f"bar {index}: low <= open, close <= high", problem,
                  "open/high/low/close of one bar (I-162: a bar spans the prices of its trades)")


def funding_prices_within_range(prices: dict) -> None:
    """FundingPriceArray perp_*/spot_*, and funding.Prices objects of funding_prices notifications."""
    bars = {prefix: [prices.get(f"{prefix}{f}") for f in ("low", "open", "close", "high")]
            for prefix in ("perp_", "spot_")}
    for key in ("perpetual_price", "spot_price"):
        if isinstance(prices.get(key), dict):
            bars[key] = [prices[key].get(f) for f in ("low", "open", "close", "high")]
    for prefix, bar in bars.items():
        problem = _bar_problem(*bar)
        if problem:
            _fail("funding_prices_within_range", f"{prefix.rstrip('_')}: low <= open, close <= high", problem,
                  "\"perp_high: Perpetual contract high price\" / low / open / close of one period (I-507)")


# ---------------------------------------------------------------------------------------------- account
def position_direction_matches_size(position: dict) -> None:
    size, direction = _num(position.get("size")), position.get("direction")
    if size is None or direction is None or size == 0:
        return
    if direction != ("buy" if size > 0 else "sell"):
        _fail("position_direction_matches_size", f"{position.get('instrument_name')}: size {size}",
              f"direction {direction!r}", "\"direction: Direction: buy, sell\"; size is signed, negative when short "
              "(I-503)")


def _initial_covers_maintenance(name: str, payload: dict, where: str) -> None:
    initial, maintenance = _num(payload.get("initial_margin")), _num(payload.get("maintenance_margin"))
    if initial is not None and maintenance is not None and initial + EPSILON < maintenance:
        _fail(name, f"{where}: initial_margin >= maintenance_margin", f"initial {initial}, maintenance "
              f"{maintenance}", "Deribit: the maintenance margin is a fraction of the initial margin (I-503)")


def position_initial_margin_covers_maintenance(position: dict) -> None:
    _initial_covers_maintenance("position_initial_margin_covers_maintenance", position,
                                str(position.get("instrument_name")))


def account_initial_margin_covers_maintenance(summary: dict) -> None:
    _initial_covers_maintenance("account_initial_margin_covers_maintenance", summary, "account summary")


# ---------------------------------------------------------------------------------------------- echo
def subscribe_result_echoes_channels(params: dict, result: object) -> None:
    """I-07 reads the result as "ok"; a Deribit-style result is the array of exactly the channels asked for."""
    asked = params.get("channels")
    if result == "ok" or not isinstance(asked, list) or not isinstance(result, list):
        return
    if sorted(map(str, result)) != sorted(map(str, asked)):
        _fail("subscribe_result_echoes_channels", "the result lists exactly the requested channels", result,
              f"the requested channels {asked} (Deribit), or \"ok\" (I-07, I-504)")


def cancel_result_is_the_cancelled_order(params: dict, order: object) -> None:
    if not isinstance(order, dict):
        return
    if "order_id" in order and isinstance(params.get("order_id"), str) and order["order_id"] != params["order_id"]:
        _fail("cancel_result_is_the_cancelled_order", "private/cancel answers with the order it cancelled",
              f"order_id {order['order_id']!r}", f"the requested order_id {params['order_id']!r} (I-505)")
    if "order_state" in order and order["order_state"] != "cancelled":
        _fail("cancel_result_is_the_cancelled_order", f"order {order.get('order_id')} is now cancelled",
              f"order_state {order['order_state']!r}", "order_state cancelled (I-505)")


def cancel_all_lists_only_cancelled_orders(params: dict, orders: object) -> None:
    for order in _dicts(orders):
        if "order_state" in order and order["order_state"] != "cancelled":
            _fail("cancel_all_lists_only_cancelled_orders", "every order the result lists was cancelled",
                  f"order {order.get('order_id')} order_state {order['order_state']!r}", "order_state cancelled "
                  "(I-505)")


def order_entry_echoes_request(method: str, params: dict, response: object) -> None:
    order = response.get("order") if isinstance(response, dict) else None
    if not isinstance(order, dict):
        return
    expected = {"direction": method.rsplit("/", 1)[1]}
    for field, param in (("instrument_name", "instrument_name"), ("label", "label"), ("order_type", "type")):
        if isinstance(params.get(param), str) and params[param]:
            expected[field] = params[param]
    differing = {f: (order.get(f), v) for f, v in expected.items() if f in order and order[f] != v}
    if differing:
        _fail("order_entry_echoes_request", f"{method}: the order is the one requested",
              {f: r for f, (r, _) in differing.items()}, {f: v for f, (_, v) in differing.items()})


def edit_result_is_the_edited_order(params: dict, response: object) -> None:
    order = response.get("order") if isinstance(response, dict) else None
    asked = params.get("order_id")
    if isinstance(order, dict) and isinstance(asked, str) and "order_id" in order and order["order_id"] != asked:
        _fail("edit_result_is_the_edited_order", "private/edit answers with the order it edited",
              f"order_id {order['order_id']!r}", f"the requested order_id {asked!r} (I-505)")


def order_state_is_the_requested_order(params: dict, orders: object) -> None:
    asked = params.get("order_id")
    wrong = [o.get("order_id") for o in _dicts(orders) if "order_id" in o and o["order_id"] != asked]
    if isinstance(asked, str) and wrong:
        _fail("order_state_is_the_requested_order", "get_order_state answers about the requested order",
              f"order_id {wrong}", f"the requested order_id {asked!r}")


def results_are_for_the_requested_instrument(params: dict, result: object) -> None:
    asked = params.get("instrument_name")
    items = [result] if isinstance(result, dict) else _dicts(result)
    wrong = sorted({str(i.get("instrument_name")) for i in items if "instrument_name" in i
                    and i["instrument_name"] != asked})
    if isinstance(asked, str) and wrong:
        _fail("results_are_for_the_requested_instrument", "every item is about the requested instrument",
              f"instrument_name {wrong}", f"instrument_name {asked!r} (\"instrument_name: Instrument name\")")


def trades_are_for_the_requested_order(params: dict, trades: object) -> None:
    asked = params.get("order_id")
    wrong = sorted({str(t.get("order_id")) for t in _dicts(trades) if "order_id" in t and t["order_id"] != asked})
    if isinstance(asked, str) and wrong:
        _fail("trades_are_for_the_requested_order", "get_user_trades_by_order lists that order's trades",
              f"order_id {wrong}", f"the requested order_id {asked!r}")


def results_respect_count(params: dict, result: object) -> None:
    count = params.get("count")
    if isinstance(count, int) and not isinstance(count, bool) and count >= 1 and isinstance(result, list) \
            and len(result) > count:
        _fail("results_respect_count", f"count={count} bounds the number of items", f"{len(result)} items",
              "\"count: Number of requested items\" (I-21)")


def open_orders_are_open(params: dict, orders: object) -> None:
    closed = [(o.get("order_id"), o["order_state"]) for o in _dicts(orders)
              if o.get("order_state") in ("filled", "cancelled", "rejected")]
    if closed:
        _fail("open_orders_are_open", "get_open_orders_by_instrument lists only live orders", closed,
              "open, partially_filled or untriggered orders (I-25, I-505)")


def orders_carry_the_requested_label(params: dict, orders: object) -> None:
    asked = params.get("label")
    wrong = [o.get("label") for o in _dicts(orders) if "label" in o and o["label"] != asked]
    if isinstance(asked, str) and asked and wrong:
        _fail("orders_carry_the_requested_label", "get_order_state_by_label lists orders with that label",
              f"labels {wrong}", f"label {asked!r}")


def history_excludes_unfilled_unless_asked(params: dict, orders: object) -> None:
    if params.get("include_unfilled") is True:
        return
    unfilled = [o.get("order_id") for o in _dicts(orders) if o.get("order_state") in ("cancelled", "rejected")
                and _num(o.get("filled_amount")) == 0]
    if unfilled:
        _fail("history_excludes_unfilled_unless_asked", "include_unfilled false: no closed order that never "
              "filled", f"unfilled closed orders {unfilled}", "include_unfilled \"Include in result fully unfilled "
              "closed orders\" (default false, I-508)")


def mmp_config_echoes_request(params: dict, config: object) -> None:
    if not isinstance(config, dict):
        return
    for field in ("index_name", "interval", "frozen_time", "quantity_limit"):
        if field in params and field in config and config[field] != params[field] and \
                not _close(_num(config[field]), _num(params[field])):
            _fail("mmp_config_echoes_request", f"{field} is the one requested", config[field],
                  f"{field}={params[field]!r} (I-505)")


def items_match_the_filter(params: dict, items: object) -> None:
    """kind (instruments, positions) and type (settlements) filters hold for every item."""
    for field in ("kind", "type"):
        asked = params.get(field)
        if not isinstance(asked, str) or asked in ("any", "all"):
            continue
        wrong = sorted({str(i.get(field)) for i in _dicts(items) if field in i and i[field] != asked})
        if wrong:
            _fail("items_match_the_filter", f"{field}={asked!r} filters the result", f"{field} {wrong}",
                  f"only items with {field} {asked!r}")


def account_summary_is_for_the_requested_currency(params: dict, summary: object) -> None:
    asked = params.get("currency")
    if isinstance(summary, dict) and isinstance(asked, str) and summary.get("currency", asked) != asked:
        _fail("account_summary_is_for_the_requested_currency", "the summary is for the requested currency",
              summary.get("currency"), f"currency {asked!r} (I-40)")


def order_trades_name_the_order(response: dict) -> None:
    order = response.get("order")
    if not isinstance(order, dict):
        return
    for trade in _dicts(response.get("trades")):
        differing = {f: trade[f] for f in ("order_id", "direction", "instrument_name") if f in trade and f in order
                     and trade[f] != order[f]}
        if differing:
            _fail("order_trades_name_the_order", f"trade {trade.get('trade_id')} is a fill of the order returned",
                  differing, {f: order[f] for f in differing})


# ---------------------------------------------------------------------------------------------- time
def order_updated_after_creation(order: dict) -> None:
    created, updated = _num(order.get("creation_timestamp")), _num(order.get("last_update_timestamp"))
    if created is not None and updated is not None and updated < created:
        _fail("order_updated_after_creation", f"order {order.get('order_id')}: last_update_timestamp >= "
              "creation_timestamp", f"created {created}, last update {updated}",
              "\"last_update_timestamp: Last update timestamp\" of an order created at creation_timestamp")


def book_change_id_advances(book: dict) -> None:
    change, previous = _num(book.get("change_id")), _num(book.get("prev_change_id"))
    if book.get("type") == "change" and change is not None and previous is not None and change <= previous:
        _fail("book_change_id_advances", "a change's change_id is greater than its prev_change_id",
              f"change_id {change}, prev_change_id {previous}", "\"prev_change_id: The previous change id\" (I-45)")


def funding_range_ordered(payload: dict) -> None:
    start, end = _num(payload.get("range_start")), _num(payload.get("range_end"))
    if start is not None and end is not None and start > end:
        _fail("funding_range_ordered", "range_start <= range_end", f"range_start {start}, range_end {end}",
              "a funding period starts before it ends (I-507)")


def tradingview_ticks_within_window(params: dict, chart: object) -> None:
    end = params.get("end_timestamp")
    ticks = chart.get("ticks") if isinstance(chart, dict) else None
    if isinstance(end, int) and isinstance(ticks, list):
        late = [t for t in ticks if _num(t) is not None and t > end]
        if late:
            _fail("tradingview_ticks_within_window", f"no bar starts after end_timestamp {end}", late,
                  "end_timestamp \"The most recent timestamp to return result from\" (I-162)")


def trades_within_requested_window(params: dict, trades: object) -> None:
    """Inclusive seq and timestamp bounds (I-163)."""
    for field, low, high in (("trade_seq", "start_seq", "end_seq"), ("timestamp", "start_timestamp", "end_timestamp")):
        lo, hi = params.get(low), params.get(high)
        outside = [t.get(field) for t in _dicts(trades) if _num(t.get(field)) is not None and (
            (isinstance(lo, int) and t[field] < lo) or (isinstance(hi, int) and t[field] > hi))]
        if outside:
            _fail("trades_within_requested_window", f"{field} within [{lo}, {hi}] (inclusive)", outside,
                  f"{low}/{high} bound the trades returned (I-163)")


# ---------------------------------------------------------------------------------------------- cross_method
ORDER_IMMUTABLE = ("instrument_name", "direction", "creation_timestamp", "label")
TRADE_IMMUTABLE = ("instrument_name", "price", "amount", "timestamp", "trade_seq")


def _same_fields(name: str, what: str, earlier: dict, later: dict, fields: Iterable[str]) -> None:
    # Exact: the same stored value is sent each time (10 == 10.0 in Python; no tolerance to hide a truncated stamp)
    differing = {f: (earlier[f], later[f]) for f in fields if f in earlier and f in later and earlier[f] != later[f]}
    if differing:
        _fail(name, f"{what}: fields that never change agree between two replies",
              {f: later_ for f, (_, later_) in differing.items()},
              {f: earlier_ for f, (earlier_, _) in differing.items()})


def order_immutable_fields_agree(earlier: dict, later: dict) -> None:
    _same_fields("order_immutable_fields_agree", f"order {later.get('order_id')}", earlier, later, ORDER_IMMUTABLE)


def trade_immutable_fields_agree(earlier: dict, later: dict) -> None:
    _same_fields("trade_immutable_fields_agree", f"trade {later.get('trade_id')}", earlier, later, TRADE_IMMUTABLE)


# ---------------------------------------------------------------------------------------------- dispatch
Extract = Callable[[object], list]


def _whole(value: object) -> list:
    return [value] if isinstance(value, dict) else []


def _items(value: object) -> list:
    return _dicts(value)


def _field(name: str) -> Extract:
    return lambda value: [value[name]] if isinstance(value, dict) and isinstance(value.get(name), dict) else []


def _each_in(name: str) -> Extract:
    return lambda value: _dicts(value.get(name)) if isinstance(value, dict) else []


def _list(value: object) -> list:
    return [value] if isinstance(value, list) else []


def _nested(name: str) -> Extract:
    return lambda value: [item for entry in _dicts(value) for item in _dicts(entry.get(name))]


# The relations of each model, run on every occurrence of it.
MODEL_RELATIONS: dict[str, tuple[Callable, ...]] = {
    "models.OrderConfirmation": (order_filled_within_amount, order_average_price_when_filled,
                                 order_state_matches_filled_amount, order_fills_within_limit_price,
                                 order_updated_after_creation),
    "models.BuySellResponse": (order_trades_within_fill, order_trades_name_the_order),
    "models.GetOrderBookResponse": (book_bids_descending, book_asks_ascending, book_best_bid_is_top_level,
                                    book_best_ask_is_top_level, book_uncrossed),
    "models.OrderBookStats": (book_stats_low_below_high,),
    "models.BookNotification": (book_bids_descending, book_asks_ascending, book_uncrossed, book_change_id_advances),
    "models.QuoteNotification": (book_uncrossed,),
    "models.GetTradingviewChartDataResponse": (tradingview_series_aligned, tradingview_ticks_ascending,
                                               tradingview_bar_spans_open_close),
    "models.FundingPriceArray": (funding_prices_within_range,),
    "models.FundingPaymentArray": (funding_range_ordered,),
    "models.FundingPriceNotification": (funding_prices_within_range, funding_range_ordered),
    "models.FundingRateNotification": (funding_range_ordered,),
    "pulse.TradesResponseList": (trade_seq_follows_timestamp,),
    "models.PositionConfirmation": (position_direction_matches_size, position_initial_margin_covers_maintenance),
    "models.GetAccountSummaryResponse": (account_initial_margin_covers_maintenance,),
}

ORDER_LIST = (("models.OrderConfirmation", _items),)
TRADE_LIST = (("pulse.TradesResponseList", _list), ("models.TradesResponse", _items))
ORDER_ENTRY = (("models.BuySellResponse", _whole), ("models.OrderConfirmation", _field("order")),
               ("models.TradeConfirmation", _each_in("trades")))

# Where each model appears in a method's result.
RESULT_MODELS: dict[str, tuple[tuple[str, Extract], ...]] = {
    "private/buy": ORDER_ENTRY, "private/sell": ORDER_ENTRY, "private/edit": ORDER_ENTRY,
    "private/cancel": (("models.OrderConfirmation", _whole),),
    "private/cancel_all": ORDER_LIST, "private/cancel_all_by_instrument": ORDER_LIST,
    "private/get_open_orders_by_instrument": ORDER_LIST, "private/get_order_history_by_instrument": ORDER_LIST,
    "private/get_order_state": ORDER_LIST, "private/get_order_state_by_label": ORDER_LIST,
    "private/get_order_book": (("models.GetOrderBookResponse", _whole), ("models.OrderBookStats", _field("stats"))),
    "private/get_tradingview_chart_data": (("models.GetTradingviewChartDataResponse", _whole),),
    "public/get_funding_chart_data": (("models.GetFundingChartDataResponse", _whole),
                                      ("models.FundingPriceArray", _each_in("funding_prices")),
                                      ("models.FundingPaymentArray", _each_in("funding_payments"))),
    "public/get_funding_rate_history": (("models.GetFundingRateHistoryResponse", _items),
                                        ("models.FundingPriceArray", _nested("funding_prices")),
                                        ("models.FundingPaymentArray", _nested("funding_payments"))),
    "public/last_trades_by_instrument": TRADE_LIST, "private/get_user_trades_by_instrument": TRADE_LIST,
    "private/get_user_trades_by_order": TRADE_LIST,
    "private/get_positions": (("models.PositionConfirmation", _items),),
    "private/get_account_summary": (("models.GetAccountSummaryResponse", _whole),),
}

# Relations between a request and its result, per method.
METHOD_RELATIONS: dict[str, tuple[Callable, ...]] = {
    "public/subscribe": (subscribe_result_echoes_channels,),
    "private/subscribe": (subscribe_result_echoes_channels,),
    "private/cancel": (cancel_result_is_the_cancelled_order,),
    "private/cancel_all": (cancel_all_lists_only_cancelled_orders,),
    "private/cancel_all_by_instrument": (cancel_all_lists_only_cancelled_orders,
                                         results_are_for_the_requested_instrument),
    "private/edit": (edit_result_is_the_edited_order,),
    "private/get_order_state": (order_state_is_the_requested_order,),
    "private/get_open_orders_by_instrument": (results_are_for_the_requested_instrument, open_orders_are_open),
    "private/get_order_history_by_instrument": (results_are_for_the_requested_instrument, results_respect_count,
                                                history_excludes_unfilled_unless_asked),
    "private/get_order_state_by_label": (orders_carry_the_requested_label, results_respect_count),
    "private/get_order_book": (results_are_for_the_requested_instrument,),
    "private/get_tradingview_chart_data": (tradingview_ticks_within_window,),
    "public/last_trades_by_instrument": (results_are_for_the_requested_instrument, results_respect_count,
                                         trades_sorted_per_sorting, trades_within_requested_window),
    "private/get_user_trades_by_instrument": (results_are_for_the_requested_instrument, results_respect_count,
                                              trades_sorted_per_sorting, trades_within_requested_window),
    "private/get_user_trades_by_order": (trades_are_for_the_requested_order,),
    "private/get_deposits": (results_respect_count,),
    "public/get_delivery_prices": (results_respect_count,),
    "private/get_settlement_history_by_currency": (results_respect_count, items_match_the_filter),
    "private/get_settlement_history_by_instrument": (results_respect_count, items_match_the_filter,
                                                     results_are_for_the_requested_instrument),
    "private/get_instruments": (items_match_the_filter,),
    "private/get_positions": (items_match_the_filter,),
    "private/get_mmp_config": (mmp_config_echoes_request,),
    "private/set_mmp_config": (mmp_config_echoes_request,),
    "private/get_account_summary": (account_summary_is_for_the_requested_currency,),
}
ORDER_ENTRY_METHODS = ("private/buy", "private/sell")

# Channel family (the address up to its first parameter) -> where each model appears in a notification.
CHANNEL_MODELS: dict[str, tuple[tuple[str, Extract], ...]] = {
    "book": (("models.BookNotification", _whole),),
    "quote": (("models.QuoteNotification", _whole),),
    "funding_prices": (("models.FundingPriceNotification", _whole),),
    "funding_rates": (("models.FundingRateNotification", _whole),),
    "user.orders": (("models.OrderConfirmation", _whole),),
    "user.trades": (("models.TradeConfirmation", _whole),),
    "user.changes": (("models.OrderConfirmation", _each_in("orders")), ("models.TradeConfirmation", _each_in("trades"))),
}

# Cross-method relations: the model whose replies are remembered, by what key, and the relation.
CROSS_RELATIONS: dict[str, tuple[str, Callable]] = {
    "models.OrderConfirmation": ("order_id", order_immutable_fields_agree),
    "models.TradeConfirmation": ("trade_id", trade_immutable_fields_agree),
    "models.TradesResponse": ("trade_id", trade_immutable_fields_agree),
}


class Memory:
    """What the suite has been told about each order and trade of one gateway (bounded), for the cross-method
    relations. Shared by every client of that gateway (``memory_for``): a buy over HTTP and a notification over WS
    about the same order are compared. Order and trade ids are only comparable within one gateway."""

    LIMIT = 20_000

    def __init__(self) -> None:
        self.seen: OrderedDict[tuple[str, str], dict] = OrderedDict()
        self._lock = threading.Lock()  # the WS client's and the test's threads may both report

    def compare(self, model: str, payload: dict) -> None:
        key_field, relation = CROSS_RELATIONS[model]
        key = payload.get(key_field)
        if not isinstance(key, str):
            return
        with self._lock:
            earlier = self.seen.get((key_field, key))
            if earlier is not None:
                self.seen[(key_field, key)] = {**earlier, **payload}
                self.seen.move_to_end((key_field, key))
            else:
                self.seen[(key_field, key)] = dict(payload)
                while len(self.seen) > self.LIMIT:
                    self.seen.popitem(last=False)
        if earlier is not None:
            relation(earlier, payload)


_MEMORIES: dict[str, Memory] = {}
_MEMORIES_LOCK = threading.Lock()


def memory_for(url: str) -> Memory:
    """The one Memory of the gateway at ``url`` (HTTP and WS URLs of one gateway share host and port)."""
    with _MEMORIES_LOCK:
        return _MEMORIES.setdefault(urlsplit(url).netloc, Memory())


def _run_models(sites: Iterable[tuple[str, Extract]], value: object, memory: Memory | None) -> None:
    for model, extract in sites:
        for payload in extract(value):
            for relation in MODEL_RELATIONS.get(model, ()):
                relation(payload)
            if memory is not None and model in CROSS_RELATIONS and isinstance(payload, dict):
                memory.compare(model, payload)


def check_model(model: str, payload: object) -> None:
    """The single-payload relations of one occurrence of ``model`` (for callers holding a bare payload)."""
    _run_models(((model, _whole),), payload, None)


def check_result_models(method: str, result: object, memory: Memory | None = None) -> None:
    """The relations of every model inside ``method``'s result (not those between the request and the result)."""
    _run_models(RESULT_MODELS.get(method, ()), result, memory)


def check_result(method: str, params: dict | None, result: object, memory: Memory | None = None) -> None:
    """Every relation that applies to ``method``'s result (and, with ``memory``, to earlier replies)."""
    params = params if isinstance(params, dict) else {}
    check_result_models(method, result, memory)
    for relation in METHOD_RELATIONS.get(method, ()):
        relation(params, result)
    if method in ORDER_ENTRY_METHODS:
        order_entry_echoes_request(method, params, result)


def channel_family(channel: str) -> str:
    for family in sorted(CHANNEL_MODELS, key=len, reverse=True):
        if channel == family or channel.startswith(family + "."):
            return family
    return channel.split(".", 1)[0]


def check_notification(channel: str, data: object, memory: Memory | None = None) -> None:
    """Every relation that applies to a notification on ``channel``."""
    _run_models(CHANNEL_MODELS.get(channel_family(channel), ()), data, memory)


def relations_for_method(method: str) -> set[str]:
    """The names of the relations ``check_result`` runs for ``method`` (for the catalogue's tests)."""
    names = {r.__name__ for r in METHOD_RELATIONS.get(method, ())}
    for model, _ in RESULT_MODELS.get(method, ()):
        names |= {r.__name__ for r in MODEL_RELATIONS.get(model, ())}
        if model in CROSS_RELATIONS:
            names.add(CROSS_RELATIONS[model][1].__name__)
    if method in ORDER_ENTRY_METHODS:
        names.add(order_entry_echoes_request.__name__)
    return names


def relations_for_channel(family: str) -> set[str]:
    names: set[str] = set()
    for model, _ in CHANNEL_MODELS.get(family, ()):
        names |= {r.__name__ for r in MODEL_RELATIONS.get(model, ())}
        if model in CROSS_RELATIONS:
            names.add(CROSS_RELATIONS[model][1].__name__)
    return names


def models_for_method(method: str) -> set[str]:
    return {model for model, _ in RESULT_MODELS.get(method, ())}


def models_for_channel(family: str) -> set[str]:
    return {model for model, _ in CHANNEL_MODELS.get(family, ())}
