"""The fault catalogue: named, realistic gateway bugs that ``--fault NAME`` switches in.

Each fault is one small function that bends one seam of a running ``Gateway``: it wraps an engine
method, or adds a hook on results, notifications or JSON-RPC replies. Nothing in the engine tests
for faults. The mutation campaign (``pulse-mutation``) runs the suite once per fault and expects it
to go red every time.
"""

import json
from collections.abc import Callable
from dataclasses import dataclass

import jwt

from reference_gateway.errors import INVALID_PARAMS, NOT_FOUND, ErrorKind, PulseError
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
        try:
            positional = isinstance(json.loads(request["text"]).get("params"), list)
        except (ValueError, AttributeError):
            positional = False
        if error and error.get("code") == -32602 and positional:
            error.update(code=11050, message="internal_error", data={"reason": "list has no get", "status": 12})
        return reply
    gw.reply_hooks.append(hook)

# ---------------------------------------------------------------------------------------------- fuzz (HTTP shape)
def patch_app(name: str, make: Callable[[Callable], Callable]) -> None:
    """Replace a function of ``reference_gateway.app`` (the HTTP layer has no per-gateway hook yet).

    Process-wide: meant for a gateway process started with ``--fault`` (``pulse-refgw``, ``LocalGateway``).
    """
    from reference_gateway import app

    replace(app, name, make)


def on_errors(gw: Gateway, change: Callable[[PulseError], PulseError]) -> None:
    """Let ``change`` rewrite every error the gateway raises (both transports)."""
    def make(call):
        def call_with_changed_errors(method, params, ctx):
            try:
                return call(method, params, ctx)
            except PulseError as error:
                raise change(error) from None
        return call_with_changed_errors
    replace(gw, "call", make)


@fault("http_error_status_500", "fuzz", "HTTP errors are answered with status 500 instead of 400", "fuzz")
def _http_error_status_500(gw: Gateway) -> None:
    def make(message):
        return lambda error, status_code=400: message(error, 500 if status_code == 400 else status_code)
    patch_app("_message", make)


@fault("message_status_out_of_range", "fuzz", "error messages carry status 14, outside CommonCodes 1..13", "fuzz")
def _message_status_out_of_range(gw: Gateway) -> None:
    on_errors(gw, lambda error: PulseError(ErrorKind(error.kind.name, error.kind.jsonrpc_code, 14), error.reason))


@fault("content_type_text_plain", "fuzz", "HTTP results are sent as text/plain", "fuzz")
def _content_type_text_plain(gw: Gateway) -> None:
    def make(response_class):
        class TextPlainJSON(response_class):
            media_type = "text/plain"
        return TextPlainJSON
    patch_app("JSONResponse", make)


@fault("extra_enum_value_in_response", "fuzz", "open orders are reported with order_state 'active' (no enum value)",
       "fuzz")
def _extra_enum_value(gw: Gateway) -> None:
    def change(order: dict) -> None:
        if order["order_state"] == "open":
            order["order_state"] = "active"
    on_results(gw, ORDER_METHODS, lambda result: each_order(result, change))


@fault("internal_error_on_deep_book", "fuzz", "get_order_book fails internally for depth above 5000", "fuzz")
def _internal_error_on_deep_book(gw: Gateway) -> None:
    def make(get_order_book):
        def deep_book_fails(p):
            if p["depth"] > 5000:
                raise IndexError("book depth cache overflow")
            return get_order_book(p)
        return deep_book_fails
    replace(gw.queries, "get_order_book", make)
    gw.methods["private/get_order_book"] = (lambda ctx, ident, p: gw.queries.get_order_book(p), True)


@fault("book_timestamp_in_seconds", "fuzz", "get_order_book's timestamp is in seconds", "fuzz")
def _book_timestamp_in_seconds(gw: Gateway) -> None:
    def change(result: dict) -> dict:
        result["timestamp"] //= 1000
        return result
    on_results(gw, {"private/get_order_book"}, change)


@fault("envelope_jsonrpc_ignored", "fuzz", "HTTP envelope bodies with a wrong jsonrpc or id are accepted", "fuzz")
def _envelope_jsonrpc_ignored(gw: Gateway) -> None:
    def make(envelope_params):
        def lenient(method, body):
            if isinstance(body, dict):
                body = {key: value for key, value in body.items() if key not in ("jsonrpc", "id")}
            return envelope_params(method, body)
        return lenient
    replace(gw, "http_envelope_params", make)


@fault("order_direction_swapped", "fuzz", "private/buy reports the order's direction as sell", "fuzz")
def _order_direction_swapped(gw: Gateway) -> None:
    def change(order: dict) -> None:
        order["direction"] = "sell"
    on_results(gw, {"private/buy"}, lambda result: each_order(result, change))


# ---------------------------------------------------------------------------------------------- fuzz (WebSocket)
@fault("ws_invalid_params_code", "fuzz", "invalid params are answered with -32600 instead of -32602", "fuzz")
def _ws_invalid_params_code(gw: Gateway) -> None:
    def hook(reply: dict, request: dict) -> dict:
        error = reply.get("error")
        if isinstance(error, dict) and error.get("code") == INVALID_PARAMS.jsonrpc_code:
            error["code"] = -32600
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

# ---------------------------------------------------------------------------------------------- subscriptions
def on_notifications(gateway: Gateway, prefix: str, transform: Callable[[dict], dict | None]) -> None:
    """Distort (or drop, by returning None) the notifications of channels starting with ``prefix``."""
    gateway.notification_hooks.append(lambda channel, data: transform(data) if channel.startswith(prefix) else data)


@fault("book_change_id_gap", "subscriptions", "book changes skip a change_id (prev_change_id is one behind)",
       "subscriptions")
def _book_change_id_gap(gw: Gateway) -> None:
    def gap(data: dict) -> dict:
        if data.get("type") == "change":
            data = dict(data, prev_change_id=data["prev_change_id"] - 1)
        return data
    on_notifications(gw, "book.", gap)


@fault("book_missing_snapshot", "subscriptions", "a new book subscriber gets no snapshot, only later changes",
       "subscriptions")
def _book_missing_snapshot(gw: Gateway) -> None:
    on_notifications(gw, "book.", lambda data: None if data.get("type") == "snapshot" else data)


@fault("book_delete_sent_as_change", "subscriptions", "a removed book level is sent as 'change' with amount 0",
       "subscriptions")
def _book_delete_as_change(gw: Gateway) -> None:
    def relabel(data: dict) -> dict:
        for side in ("bids", "asks"):
            data[side] = [["change", price, amount] if action == "delete" else [action, price, amount]
                          for action, price, amount in data[side]]
        return data
    on_notifications(gw, "book.", relabel)


@fault("quote_stale", "subscriptions", "quote notifications repeat the first top of book they ever sent",
       "subscriptions")
def _quote_stale(gw: Gateway) -> None:
    first: dict[str, dict] = {}

    def stale(data: dict) -> dict:
        cached = first.setdefault(data["instrument_name"], dict(data))
        return dict(cached, timestamp=data["timestamp"])
    on_notifications(gw, "quote.", stale)


@fault("user_orders_no_cancel_notification", "subscriptions", "user.orders sends nothing when an order is cancelled",
       "subscriptions or session")
def _user_orders_no_cancel(gw: Gateway) -> None:
    on_notifications(gw, "user.orders.", lambda order: None if order.get("order_state") == "cancelled" else order)


@fault("user_trades_wrong_trade_id", "subscriptions", "user.trades notifications carry a made-up trade_id",
       "subscriptions")
def _user_trades_wrong_id(gw: Gateway) -> None:
    on_notifications(gw, "user.trades.", lambda trade: dict(trade, trade_id=trade["trade_id"][::-1]))


@fault("notifications_after_unsubscribe", "subscriptions", "unsubscribe_all answers ok but keeps every subscription",
       "subscriptions")
def _notifications_after_unsubscribe(gw: Gateway) -> None:
    def keep(original):
        def unsubscribe_all(ctx):
            channels = set(ctx.session.channels) if ctx.session else set()
            result = original(ctx)
            if ctx.session:
                ctx.session.channels |= channels
            return result
        return unsubscribe_all
    replace(gw, "unsubscribe_all", keep)


@fault("private_channel_on_public_subscribe", "subscriptions",
       "public/subscribe also serves private channels of an authenticated connection", "subscriptions")
def _private_on_public(gw: Gateway) -> None:
    def lenient(original):
        def subscribe(ctx, identity, channels, private):
            if not private and ctx.session is not None and ctx.session.identity is not None:
                kinds = {channel: gw.parse_channel(channel)[1] for channel in channels}
                mine = [c for c in channels if kinds[c]]
                if mine:
                    original(ctx, ctx.session.identity, mine, True)
                rest = [c for c in channels if not kinds[c]]
                return original(ctx, identity, rest, False) if rest else "ok"
            return original(ctx, identity, channels, private)
        return subscribe
    replace(gw, "subscribe", lenient)


@fault("funding_rates_not_published", "subscriptions", "funding_rates is sent on subscribe only, never per period",
       "subscriptions")
def _funding_rates_silent(gw: Gateway) -> None:
    def periodic_only(original):
        def publish(channel, data, account_id):
            if not channel.startswith("funding_rates."):
                original(channel, data, account_id)
        return publish
    replace(gw, "publish", periodic_only)


# ---------------------------------------------------------------------------------------------- session
def before_each_heartbeat(gateway: Gateway, adjust: Callable[[object], None]) -> None:
    """Adjust a session's heartbeat state just before each heartbeat tick looks at it."""
    def wrap(original):
        def heartbeat(session, now):
            adjust(session)
            original(session, now)
        return heartbeat
    replace(gateway, "heartbeat", wrap)


@fault("heartbeat_never_closes_silent_client", "session", "a client that never answers test_request stays connected",
       "session")
def _heartbeat_never_closes(gw: Gateway) -> None:
    before_each_heartbeat(gw, lambda session: setattr(session, "test_request_pending", False))


@fault("heartbeat_never_sends_test_request", "session", "only 'heartbeat' messages are sent, never test_request",
       "session")
def _never_test_request(gw: Gateway) -> None:
    before_each_heartbeat(gw, lambda session: setattr(session, "client_spoke", True))


@fault("disable_heartbeat_ignored", "session", "disable_heartbeat answers ok but the heartbeat keeps running",
       "session")
def _disable_heartbeat_ignored(gw: Gateway) -> None:
    gw.methods["public/disable_heartbeat"] = (lambda ctx, identity, params: {"description": "ok", "response": None,
                                                                             "status": 200}, False)


@fault("set_heartbeat_bounds_ignored", "session", "set_heartbeat accepts intervals below 10 s and above 3600 s",
       "session")
def _heartbeat_bounds_ignored(gw: Gateway) -> None:
    def relax(original):
        def call(method, raw_params, ctx):
            interval = raw_params.get("interval") if isinstance(raw_params, dict) else None
            if (method == "public/set_heartbeat" and type(interval) is int and not 10 <= interval <= 3600):
                handler, _ = gw.methods[method]
                return handler(ctx, None, {"interval": max(interval, 1)})
            return original(method, raw_params, ctx)
        return call
    replace(gw, "call", relax)


@fault("cod_cancels_other_connections", "session", "a disconnect with COD cancels all of the account's orders",
       "session")
def _cod_cancels_others(gw: Gateway) -> None:
    def whole_account(original):
        def cancel_connection_orders(connection_id):
            accounts = {o.account_id for o in gw.exchange.orders.values() if o.connection_id == connection_id}
            return gw.exchange._cancel_where(lambda o: o.account_id in accounts, "cancel_on_disconnect")
        return cancel_connection_orders
    replace(gw.exchange, "cancel_connection_orders", whole_account)


@fault("cod_cancels_nothing", "session", "cancel on disconnect is accepted but a disconnect cancels nothing",
       "session")
def _cod_cancels_nothing(gw: Gateway) -> None:
    gw.exchange.cancel_connection_orders = lambda connection_id: []


@fault("cod_state_not_reported", "session", "get_cancel_on_disconnect always answers false", "session")
def _cod_state_not_reported(gw: Gateway) -> None:
    on_results(gw, {"private/get_cancel_on_disconnect"}, lambda result: False)


@fault("logout_fires_cod", "session", "logout runs cancel on disconnect like any other disconnect", "session")
def _logout_fires_cod(gw: Gateway) -> None:
    def forgetful(original):
        def close_session(session):
            session.logged_out = False
            original(session)
        return close_session
    replace(gw, "close_session", forgetful)


@fault("mmp_never_triggers", "session", "MMP limits are stored but a breach never triggers", "session or subscriptions")
def _mmp_never_triggers(gw: Gateway) -> None:
    gw.exchange._mmp_breached = lambda state: False


@fault("mmp_freeze_ignored", "session", "after an MMP trigger new mmp orders are accepted at once", "session")
def _mmp_freeze_ignored(gw: Gateway) -> None:
    gw.exchange._check_mmp_not_frozen = lambda account_id, instrument: None


@fault("mmp_cancels_non_mmp_orders", "session", "an MMP trigger also cancels the account's orders without mmp",
       "session")
def _mmp_cancels_all(gw: Gateway) -> None:
    def everything(original):
        def trigger(account_id, index_name, frozen_until):
            for order in list(gw.exchange.orders.values()):
                if order.account_id == account_id and order.is_open:
                    order.mmp = True
            original(account_id, index_name, frozen_until)
        return trigger
    replace(gw.exchange, "_trigger_mmp", everything)

@fault("ws_error_without_data", "fuzz", "JSON-RPC errors lose their data member (reason, status)", "fuzz")
def _ws_error_without_data(gw: Gateway) -> None:
    def hook(reply: dict, request: dict) -> dict:
        if isinstance(reply.get("error"), dict):
            reply["error"].pop("data", None)
        return reply
    gw.reply_hooks.append(hook)


# ---------------------------------------------------------------------------------------------- fuzz (order flow)
@fault("cancelled_order_editable", "fuzz", "private/edit reopens a cancelled order instead of refusing it", "fuzz")
def _cancelled_order_editable(gw: Gateway) -> None:
    def make(edit):
        def reopening_edit(account_id, params):
            order = gw.exchange.orders.get(params.get("order_id"))
            if order is not None and order.order_state == "cancelled":
                order.order_state = "open"
            return edit(account_id, params)
        return reopening_edit
    replace(gw.exchange, "edit", make)
    gw.methods["private/edit"] = (lambda ctx, ident, p: gw.exchange.edit(ident.account_id, p), True)


@fault("new_order_not_found", "fuzz", "get_order_state and get_user_trades_by_order miss open orders", "fuzz")
def _new_order_not_found(gw: Gateway) -> None:
    def make(query):
        def missing(account_id, p):
            order = gw.exchange.orders.get(p["order_id"])
            if order is not None and order.order_state == "open":
                raise PulseError(NOT_FOUND, f"order {p['order_id']!r} not found")
            return query(account_id, p)
        return missing
    for name in ("get_order_state", "get_user_trades_by_order"):
        replace(gw.queries, name, make)
        gw.methods[f"private/{name}"] = (lambda ctx, ident, p, n=name: getattr(gw.queries, n)(ident.account_id, p), True)


@fault("cancelled_order_reads_open", "fuzz", "get_order_state reports cancelled orders as open", "fuzz")
def _cancelled_order_reads_open(gw: Gateway) -> None:
    def change(order: dict) -> None:
        if order["order_state"] == "cancelled":
            order["order_state"] = "open"
    on_results(gw, {"private/get_order_state"}, lambda result: each_order(result, change))


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


# ---------------------------------------------------------------------------------------------- invariants (#14)
# Replies that are well-formed but contradict themselves or another reply; each is killed by one relation of
# spec/invariants.toml (harness/invariants.py), named in its description.
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


def truncated_to_second(field: str) -> Callable[[object], object]:
    """A result transform: ``field`` of every order kept to the whole second (still in ms)."""
    def truncate(order: dict) -> None:
        if isinstance(order.get(field), int):
            order[field] = order[field] // 1000 * 1000
    return lambda result: each_order(result, truncate)


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


# ---------------------------------------------------------------------------------------------- matrix cells (#13)
# Each channel's and public method's own access rule, the refusal of a malformed channel name, and HTTP/WS parity:
# the cells of the conformance matrix that suites/auth/test_public_access.py, suites/channels/test_channel_access.py
# and suites/trading/test_order_parity.py fill.
@fault("public_methods_require_auth", "access", "every public method but public/auth refuses a caller without a "
       "token (HTTP) or an unauthenticated connection (WS)", "auth or subscriptions")
def _public_methods_require_auth(gw: Gateway) -> None:
    for method, (handler, _private) in list(gw.methods.items()):
        if method.startswith("public/") and method not in ("public/auth", "public/test"):
            gw.methods[method] = (handler, True)


@fault("private_subscribe_without_auth", "access", "private/subscribe serves a connection that never called "
       "public/auth (as the first test account)", "subscriptions")
def _private_subscribe_without_auth(gw: Gateway) -> None:
    handler, _ = gw.methods["private/subscribe"]
    anonymous = type("Anonymous", (), {"account_id": gw.config["accounts"][0]["account_id"]})()
    gw.methods["private/subscribe"] = (lambda ctx, identity, params: handler(ctx, identity or anonymous, params), False)


@fault("channel_names_parsed_leniently", "access", "a channel name's instrument or index is not checked (an unknown "
       "one is subscribed, and never notifies) and a trailing suffix is dropped", "subscriptions")
def _channel_names_parsed_leniently(gw: Gateway) -> None:
    gw._check_channel_target = lambda channel, match: None
    strict = gw.parse_channel

    def lenient(channel: str):
        try:
            return strict(channel)
        except PulseError:
            if "." not in channel:
                raise
            return strict(channel.rsplit(".", 1)[0])
    gw.parse_channel = lenient


@fault("ws_amounts_as_strings", "access", "over WS every amount in a result is sent as a string (HTTP sends a "
       "number)", "trading")
def _ws_amounts_as_strings(gw: Gateway) -> None:
    def stringify(value: object) -> object:
        if isinstance(value, dict):
            return {k: str(v) if k == "amount" and isinstance(v, (int, float)) else stringify(v) for k, v in value.items()}
        if isinstance(value, list):
            return [stringify(v) for v in value]
        return value

    def hook(reply: dict, request: dict) -> dict:
        return {**reply, "result": stringify(reply["result"])} if "result" in reply else reply
    gw.reply_hooks.append(hook)
