"""Faults of area ``fuzz``. Fuzz: bugs the schema-driven fuzz suites catch (HTTP status and content type, enum values, internal errors,
error codes and data, order flows run by the stateful fuzzer)."""

from reference_gateway.errors import INVALID_PARAMS, NOT_FOUND, ErrorKind, PulseError
from reference_gateway.faults.registry import fault
from reference_gateway.faults.seams import ORDER_METHODS, each_order, on_errors, on_results, patch_app, replace
from reference_gateway.gateway import Gateway


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


# Also market_data: the remote fuzz profile draws 2 examples per operation, which rarely ask a depth above 5000;
# suites/trading/test_private_get_order_book.py asks depth=10_000 for the whole bid side, remotely too.
@fault("internal_error_on_deep_book", "fuzz", "get_order_book fails internally for depth above 5000",
       "fuzz or market_data")
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


# Also jsonrpc: remotely the fuzz never sends cancel_all (account-wide) and its 2 examples per operation rarely send
# a wrong envelope; suites/jsonrpc/test_http_envelope.py sends wrong versions and ids on get_account_summary too.
@fault("envelope_jsonrpc_ignored", "fuzz", "HTTP envelope bodies with a wrong jsonrpc or id are accepted",
       "fuzz or jsonrpc")
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


# Also trading: remotely only the stateful fuzz flows read a new order back, and one of them fails now and then on a
# correct simulator too; test_private_get_order_state.py reads an open order back, remotely too.
@fault("new_order_not_found", "fuzz", "get_order_state and get_user_trades_by_order miss open orders",
       "fuzz or trading")
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


# Also trading: remotely the stateful fuzz flow that catches it fails now and then on a correct simulator too (so
# its report proves nothing there); test_private_cancel.py reads a cancelled order back, remotely too.
@fault("cancelled_order_reads_open", "fuzz", "get_order_state reports cancelled orders as open", "fuzz or trading")
def _cancelled_order_reads_open(gw: Gateway) -> None:
    def change(order: dict) -> None:
        if order["order_state"] == "cancelled":
            order["order_state"] = "open"
    on_results(gw, {"private/get_order_state"}, lambda result: each_order(result, change))
