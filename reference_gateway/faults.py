"""The fault catalogue: named, realistic gateway bugs that ``--fault NAME`` switches in.

Each fault is one small function that bends one seam of a running ``Gateway``: it wraps an engine
method, or adds a hook on results, notifications or JSON-RPC replies. Nothing in the engine tests
for faults. The mutation campaign (``pulse-mutation``) runs the suite once per fault and expects it
to go red every time.
"""

from collections.abc import Callable
from dataclasses import dataclass

import jwt

from reference_gateway.errors import PulseError
from reference_gateway.gateway import Gateway
from reference_gateway.params import ENVELOPE_METHODS


@dataclass(frozen=True)
class Fault:
    name: str
    area: str
    description: str
    markers: str  # the pytest -m expression whose tests should catch it
    apply: Callable[[Gateway], None]


FAULTS: dict[str, Fault] = {}


def fault(name: str, area: str, description: str, markers: str):
    def register(apply: Callable[[Gateway], None]) -> Callable[[Gateway], None]:
        if name in FAULTS:
            raise ValueError(f"duplicate fault {name}")
        FAULTS[name] = Fault(name, area, description, markers, apply)
        return apply
    return register


def apply_faults(gateway: Gateway, names: tuple[str, ...]) -> None:
    for name in names:
        FAULTS[name].apply(gateway)
        gateway.active_faults.append(name)


def replace(obj: object, attribute: str, make: Callable[[Callable], Callable]) -> None:
    """Replace ``obj.attribute`` with ``make(original)``."""
    setattr(obj, attribute, make(getattr(obj, attribute)))


def on_results(gateway: Gateway, methods: set[str], transform: Callable[[object], object]) -> None:
    gateway.result_hooks.append(lambda method, result: transform(result) if method in methods else result)


def wrap_params(gateway: Gateway, method: str, change: Callable[[dict], dict]) -> None:
    """Make one method see ``change(params)`` (validated params, defaults filled in) instead of its params."""
    handler, private = gateway.methods[method]
    gateway.methods[method] = (lambda ctx, identity, params: handler(ctx, identity, change(dict(params))), private)


def without(*names: str) -> Callable[[dict], dict]:
    return lambda params: {k: v for k, v in params.items() if k not in names}


def forced(**values) -> Callable[[dict], dict]:
    return lambda params: {**params, **values}


def each_order(result: object, change: Callable[[dict], None]) -> object:
    """Apply ``change`` to every OrderConfirmation inside a result."""
    if isinstance(result, list):
        for item in result:
            each_order(item, change)
    elif isinstance(result, dict):
        if "order_id" in result and "order_state" in result:
            change(result)
        elif isinstance(result.get("order"), dict):
            change(result["order"])
    return result


ORDER_METHODS = {"private/buy", "private/sell", "private/edit", "private/cancel", "private/get_order_state",
                 "private/get_open_orders_by_instrument", "private/get_order_history_by_instrument",
                 "private/get_order_state_by_label", "private/cancel_all", "private/cancel_all_by_instrument"}


# ---------------------------------------------------------------------------------------------- auth
@fault("auth_expired_token_accepted", "auth", "expired access tokens are still accepted", "auth")
def _expired_token_accepted(gw: Gateway) -> None:
    gw.auth.token_is_live = lambda claims: True


@fault("auth_signature_window_ignored", "auth", "client_signature accepts any timestamp", "auth")
def _signature_window_ignored(gw: Gateway) -> None:
    gw.auth.signature_in_window = lambda timestamp: True


@fault("auth_nonce_reuse_accepted", "auth", "a client_signature nonce can be replayed", "auth")
def _nonce_reuse(gw: Gateway) -> None:
    gw.auth.nonce_is_fresh = lambda client_id, nonce, timestamp: True


@fault("auth_logout_keeps_token", "auth", "logout with invalidate_token leaves the token valid", "session")
def _logout_keeps_token(gw: Gateway) -> None:
    gw.auth.revoke_session = lambda session_id: None


@fault("auth_private_get_positions_public", "auth", "private/get_positions skips authentication", "auth")
def _positions_without_auth(gw: Gateway) -> None:
    handler, _ = gw.methods["private/get_positions"]
    anonymous = type("Anonymous", (), {"account_id": gw.config["accounts"][0]["account_id"]})()

    def unauthenticated(ctx, identity, params):
        return handler(ctx, identity or anonymous, params)

    gw.methods["private/get_positions"] = (unauthenticated, False)


# ---------------------------------------------------------------------------------------------- fields
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


# ---------------------------------------------------------------------------------------------- jsonrpc
@fault("jsonrpc_id_not_echoed", "jsonrpc", "string request ids come back as null", "jsonrpc")
def _id_not_echoed(gw: Gateway) -> None:
    def hook(reply: dict, request: dict) -> dict:
        if isinstance(reply.get("id"), str):
            reply["id"] = None
        return reply
    gw.reply_hooks.append(hook)


@fault("jsonrpc_error_as_result", "jsonrpc", "errors are sent as a result carrying the error object", "jsonrpc")
def _error_as_result(gw: Gateway) -> None:
    def hook(reply: dict, request: dict) -> dict:
        if "error" in reply and reply.get("id") is not None:
            reply["result"] = reply.pop("error")
        return reply
    gw.reply_hooks.append(hook)


@fault("jsonrpc_wrong_version_string", "jsonrpc", "replies carry jsonrpc \"2\" instead of \"2.0\"", "jsonrpc")
def _wrong_version_string(gw: Gateway) -> None:
    def hook(reply: dict, request: dict) -> dict:
        reply["jsonrpc"] = "2"
        return reply
    gw.reply_hooks.append(hook)


@fault("parse_error_closes_connection", "jsonrpc", "a frame that is not JSON drops the connection unanswered", "jsonrpc")
def _parse_error_closes(gw: Gateway) -> None:
    def hook(reply: dict, request: dict) -> dict:
        if (reply.get("error") or {}).get("code") == -32700:
            request["session"].close(1002, "protocol error")
        return reply
    gw.reply_hooks.append(hook)


@fault("jsonrpc_invalid_params_as_internal_error", "jsonrpc",
       "positional (array) params crash the handler: internal error instead of -32602", "jsonrpc")
def _invalid_params_as_internal(gw: Gateway) -> None:
    def hook(reply: dict, request: dict) -> dict:
        error = reply.get("error")
        if error and error.get("code") == -32602 and "positional" in error["data"]["reason"]:
            error.update(code=11050, message="internal_error", data={"reason": "list has no get", "status": 12})
        return reply
    gw.reply_hooks.append(hook)


@fault("http_envelope_version_ignored", "jsonrpc", "HTTP envelope bodies with a wrong jsonrpc version are served",
       "jsonrpc")
def _envelope_version_ignored(gw: Gateway) -> None:
    def lenient(original):
        def envelope_params(method, body):
            if isinstance(body, dict) and body.get("jsonrpc") != "2.0":
                body = {key: value for key, value in body.items() if key != "jsonrpc"}
            return original(method, body)
        return envelope_params
    replace(gw, "http_envelope_params", lenient)


@fault("http_envelope_bare_params_dropped", "jsonrpc", "bare params in an HTTP envelope body are silently ignored",
       "jsonrpc")
def _bare_params_dropped(gw: Gateway) -> None:
    def lenient(original):
        def envelope_params(method, body):
            if isinstance(body, dict) and method in ENVELOPE_METHODS:
                body = {key: value for key, value in body.items() if key in ("id", "jsonrpc", "method", "params")}
            return original(method, body)
        return envelope_params
    replace(gw, "http_envelope_params", lenient)


# ---------------------------------------------------------------------------------------------- auth (tokens)
@fault("refresh_token_not_rotated", "auth", "a used refresh token stays valid (no rotation, I-12)", "auth")
def _refresh_not_rotated(gw: Gateway) -> None:
    gw.auth._revoked_tokens = type("ForgetfulSet", (set,), {"add": lambda self, item: None})()


@fault("forged_token_accepted", "auth", "access tokens are decoded without checking their signature", "auth")
def _forged_token_accepted(gw: Gateway) -> None:
    original = gw.auth._decode

    def decode(token: str, expected_type: str, *args):
        try:
            return original(token, expected_type, *args)
        except PulseError as refusal:
            try:
                claims = jwt.decode(token, options={"verify_signature": False})
            except jwt.PyJWTError:
                raise refusal from None
            if claims.get("typ") != expected_type:
                raise
            return claims
    gw.auth._decode = decode


@fault("auth_signature_data_ignored", "auth", "client_signature is verified as if data were empty", "auth")
def _signature_data_ignored(gw: Gateway) -> None:
    original = gw.auth._check_signature
    gw.auth._check_signature = lambda params: original(dict(params, data=""))


# ---------------------------------------------------------------------------------------------- fields (auth)
@fault("enum_token_type_capitalised", "fields", "token_type is 'Bearer', not the documented 'bearer'", "auth")
def _token_type_capitalised(gw: Gateway) -> None:
    on_results(gw, {"public/auth"}, lambda result: {**result, "token_type": "Bearer"})


@fault("expires_in_as_timestamp", "fields", "expires_in is the expiry epoch (seconds), not a lifetime", "auth")
def _expires_in_as_timestamp(gw: Gateway) -> None:
    on_results(gw, {"public/auth"},
               lambda result: {**result, "expires_in": gw.clock.now_ms() // 1000 + result["expires_in"]})


# ---------------------------------------------------------------------------------------------- market data
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


@fault("index_price_as_string", "fields", "get_index_price returns the price as a string", "market_data")
def _index_price_as_string(gw: Gateway) -> None:
    on_results(gw, {"public/get_index_price"}, str)


@fault("tradingview_ticks_in_seconds", "fields", "TradingView chart ticks are in seconds, not milliseconds",
       "market_data")
def _tradingview_ticks_seconds(gw: Gateway) -> None:
    on_results(gw, {"private/get_tradingview_chart_data"},
               lambda chart: {**chart, "ticks": [tick // 1000 for tick in chart["ticks"]]})


# ---------------------------------------------------------------------------------------------- wallet
@fault("account_summary_missing_field", "fields", "get_account_summary omits margin_balance", "wallet")
def _account_summary_missing_field(gw: Gateway) -> None:
    on_results(gw, {"private/get_account_summary"},
               lambda summary: {k: v for k, v in summary.items() if k != "margin_balance"})


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
    original = gw.methods["private/get_settlement_history_by_currency"][0]
    types = ("settlement", "delivery", "bankruptcy")
    gw.methods["private/get_settlement_history_by_currency"] = (
        lambda ctx, ident, p: [s for t in types for s in original(ctx, ident, dict(p, type=t))], True)


# ---------------------------------------------------------------------------------------------- order semantics
def on_params(gw: Gateway, method: str, change: Callable[[dict], None]) -> None:
    """Let ``change`` rewrite a method's validated params before its handler sees them."""
    handler, private = gw.methods[method]

    def changed(ctx, identity, params):
        params = dict(params)
        change(params)
        return handler(ctx, identity, params)
    gw.methods[method] = (changed, private)


@fault("fok_partially_fills", "orders", "a fill_or_kill order fills what it can and cancels the rest", "trading")
def _fok_partially_fills(gw: Gateway) -> None:
    gw.exchange._fok_can_fill = lambda order: True


@fault("ioc_rests", "orders", "the unfilled rest of an immediate_or_cancel order rests in the book", "trading")
def _ioc_rests(gw: Gateway) -> None:
    replace(gw.exchange, "_rests_remainder",
            lambda original: lambda order: original(order) or (order.time_in_force == "immediate_or_cancel"
                                                                and order.price is not None))


@fault("post_only_takes", "orders", "a crossing post_only order trades as taker instead of being repriced", "trading")
def _post_only_takes(gw: Gateway) -> None:
    gw.exchange._post_only_price = lambda order: order.price


@fault("reduce_only_increases", "orders", "reduce_only is ignored: the order may open or grow a position", "trading")
def _reduce_only_increases(gw: Gateway) -> None:
    gw.exchange._reduce_cap = lambda order, amount: amount


@fault("edit_loses_replaced", "orders", "an edited order comes back with replaced: false", "trading")
def _edit_loses_replaced(gw: Gateway) -> None:
    on_results(gw, {"private/edit"}, lambda result: each_order(result, lambda order: order.update(replaced=False)))


@fault("cancel_all_leaves_trigger_orders", "orders", "cancel_all cancels plain orders but leaves trigger orders",
       "trading")
def _cancel_all_leaves_triggers(gw: Gateway) -> None:
    x = gw.exchange
    x.cancel_all = lambda account_id: x._cancel_where(
        lambda o: o.account_id == account_id and not o.is_trigger_order, "user_request")


@fault("cancel_all_by_instrument_type_ignored", "orders", "cancel_all_by_instrument cancels every order whatever "
       "its type filter", "trading")
def _cancel_by_instrument_type_ignored(gw: Gateway) -> None:
    on_params(gw, "private/cancel_all_by_instrument", lambda params: params.update(type="all"))


@fault("trigger_direction_inverted", "orders", "stop and take orders fire on a move the wrong way", "trading")
def _trigger_direction_inverted(gw: Gateway) -> None:
    replace(gw.exchange, "_trigger_fires", lambda original: lambda order, price: not original(order, price))


@fault("oco_sibling_not_cancelled", "orders", "when one OCO leg executes, the other leg stays live", "trading")
def _oco_sibling_not_cancelled(gw: Gateway) -> None:
    gw.exchange._cancel_oco_siblings = lambda executed: None


@fault("oto_secondaries_placed_early", "orders", "secondaries are live as soon as the primary is placed", "trading")
def _oto_secondaries_placed_early(gw: Gateway) -> None:
    x = gw.exchange

    def attach(original):
        def attach_and_activate(primary, params):
            original(primary, params)
            for order_id in primary.oto_order_ids:
                secondary = x.orders[order_id]
                secondary.status_otoco = "active"
                x._followups.append(lambda s=secondary: x._enter(s))
        return attach_and_activate
    replace(x, "_attach_secondaries", attach)


@fault("incremental_places_full_size", "orders", "trigger_fill_condition incremental activates the full secondary "
       "size on the first fill", "trading")
def _incremental_full_size(gw: Gateway) -> None:
    def target(original):
        def full_once_filled(primary, secondary):
            if primary.trigger_fill_condition == "incremental" and primary.filled_amount > 0:
                return secondary.otoco_template["amount"]
            return original(primary, secondary)
        return full_once_filled
    replace(gw.exchange, "_secondary_target_amount", target)


@fault("primary_cancel_keeps_secondaries", "orders", "cancelling a primary leaves its draft secondaries waiting",
       "trading")
def _primary_cancel_keeps_secondaries(gw: Gateway) -> None:
    gw.exchange._cancel_draft_secondaries = lambda primary: None


@fault("price_time_priority_broken", "orders", "orders at one price level fill newest first (LIFO)", "trading")
def _price_time_priority_broken(gw: Gateway) -> None:
    def lifo(book):
        def makers_against(direction):
            side = book._asks if direction == "buy" else book._bids
            prices = list(side.keys()) if direction == "buy" else list(reversed(side.keys()))
            for price in prices:
                yield from reversed(list(side.get(price, ())))
        return makers_against
    for book in gw.exchange.books.values():
        book.makers_against = lifo(book)


@fault("average_price_wrong", "orders", "average_price reports the order's limit price, not the mean of its fills",
       "trading")
def _average_price_wrong(gw: Gateway) -> None:
    def change(order: dict) -> None:
        if order.get("filled_amount") and order.get("price") is not None:
            order["average_price"] = order["price"]
    on_results(gw, ORDER_METHODS, lambda result: each_order(result, change))


@fault("history_include_unfilled_ignored", "orders", "order history lists unfilled closed orders whatever "
       "include_unfilled says", "trading")
def _history_include_unfilled_ignored(gw: Gateway) -> None:
    on_params(gw, "private/get_order_history_by_instrument", lambda params: params.update(include_unfilled=True))


@fault("history_count_ignored", "orders", "order history ignores count and offset", "trading")
def _history_count_ignored(gw: Gateway) -> None:
    on_params(gw, "private/get_order_history_by_instrument", lambda params: params.update(count=1000, offset=0))


@fault("user_trades_sorting_reversed", "orders", "get_user_trades_by_instrument sorts asc as desc and desc as asc",
       "trading")
def _user_trades_sorting_reversed(gw: Gateway) -> None:
    swap = {"asc": "desc", "desc": "asc", "default": "asc"}
    on_params(gw, "private/get_user_trades_by_instrument", lambda params: params.update(sorting=swap[params["sorting"]]))


@fault("positions_sign_flipped", "orders", "get_positions reports short positions with a positive size", "trading")
def _positions_sign_flipped(gw: Gateway) -> None:
    def flip(result: object) -> object:
        for position in result if isinstance(result, list) else []:
            if isinstance(position, dict) and isinstance(position.get("size"), (int, float)):
                position["size"] = -position["size"]
                position["direction"] = "buy" if position["size"] > 0 else "sell"
        return result
    on_results(gw, {"private/get_positions"}, flip)


@fault("edit_keeps_priority_on_price_change", "orders", "an order edited to a new price keeps its place at the "
       "front of its new level", "trading")
def _edit_keeps_priority(gw: Gateway) -> None:
    x = gw.exchange
    handler, private = gw.methods["private/edit"]

    def edit(ctx, identity, params):
        result = handler(ctx, identity, params)
        order = x.orders[result["order"]["order_id"]]
        level = x.books[order.instrument_name]._side(order.direction).get(order.price) or []
        if order in level:  # jump the queue at the new price
            level.remove(order)
            level.insert(0, order)
        return result
    gw.methods["private/edit"] = (edit, private)
