"""The fault catalogue: named, realistic gateway bugs that ``--fault NAME`` switches in.

Each fault is one small function that bends one seam of a running ``Gateway``: it wraps an engine
method, or adds a hook on results, notifications or JSON-RPC replies. Nothing in the engine tests
for faults. The mutation campaign (``pulse-mutation``) runs the suite once per fault and expects it
to go red every time.
"""

from collections.abc import Callable
from dataclasses import dataclass

from reference_gateway.errors import INVALID_PARAMS, NOT_FOUND, ErrorKind, PulseError
from reference_gateway.gateway import Gateway


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
    patch_app("_message", lambda message: lambda error, status_code=400: message(error, 500 if status_code == 400 else status_code))


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


@fault("extra_enum_value_in_response", "fuzz", "open orders are reported with order_state 'active' (not in the enum)", "fuzz")
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
    patch_app("_envelope_params", make)


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
