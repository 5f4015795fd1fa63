"""Faults of area ``access``. Access rules: public methods and channels need no auth, private ones refuse an
unauthenticated caller; channel names are parsed strictly; HTTP and WS agree on a result's types."""

from collections.abc import Callable

from reference_gateway.errors import PulseError
from reference_gateway.faults.registry import fault
from reference_gateway.gateway import Gateway


# Each channel's and public method's own access rule, the refusal of a malformed channel name, and HTTP/WS parity:
# the cells of the conformance matrix that suites/access/test_public_access.py, suites/access/test_channel_access.py
# and suites/parity/test_order_parity.py fill.
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


def stringify_on_ws(gw: Gateway, stringified: Callable[[str, object], bool]) -> None:
    """Over WS, send as strings the result values ``stringified(key, value)`` picks (HTTP keeps its numbers)."""
    def stringify(value: object, key: str = "") -> object:
        if isinstance(value, dict):
            return {k: stringify(v, k) for k, v in value.items()}
        if isinstance(value, list):
            return [stringify(v) for v in value]
        return str(value) if stringified(key, value) else value

    def hook(reply: dict, request: dict) -> dict:
        return {**reply, "result": stringify(reply["result"])} if "result" in reply else reply
    gw.reply_hooks.append(hook)


@fault("ws_amounts_as_strings", "access", "over WS every amount in a result is sent as a string (HTTP sends a "
       "number)", "trading")
def _ws_amounts_as_strings(gw: Gateway) -> None:
    stringify_on_ws(gw, lambda key, value: key == "amount" and isinstance(value, (int, float)))


@fault("ws_decimals_as_strings", "access", "over WS every fractional number in a result is sent as a string (a "
       "decimal serialiser on the WS path only; HTTP sends numbers)", "trading")
def _ws_decimals_as_strings(gw: Gateway) -> None:
    stringify_on_ws(gw, lambda key, value: isinstance(value, float))
