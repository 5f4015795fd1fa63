"""The fault catalogue: named, realistic gateway bugs that ``--fault NAME`` switches in.

Each fault is one small function that bends one seam of a running ``Gateway``: it wraps an engine
method, or adds a hook on results, notifications or JSON-RPC replies. Nothing in the engine tests
for faults. The mutation campaign (``pulse-mutation``) runs the suite once per fault and expects it
to go red every time.
"""

from collections.abc import Callable
from dataclasses import dataclass

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
