"""The seams faults bend: small helpers that wrap an engine method, a handler's params, or hook results,
errors, notifications, replies and heartbeats of a running ``Gateway`` (the deviation catalogue uses some too)."""

from collections.abc import Callable

from reference_gateway.errors import PulseError
from reference_gateway.gateway import Gateway


def replace(obj: object, attribute: str, make: Callable[[Callable], Callable]) -> None:
    """Replace ``obj.attribute`` with ``make(original)``."""
    setattr(obj, attribute, make(getattr(obj, attribute)))


def drop_publications(publisher: object, attribute: str, dropped: Callable[[str], bool]) -> None:
    """Wrap the publish callable ``publisher.attribute`` so that channels for which ``dropped`` holds publish
    nothing (the gateway's periodic or on-event publication; replies to subscribe are not touched)."""
    def wrap(original: Callable) -> Callable:
        def publish(channel, data, *args, **kwargs):
            return None if dropped(channel) else original(channel, data, *args, **kwargs)
        return publish
    replace(publisher, attribute, wrap)


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


def on_notifications(gateway: Gateway, prefix: str, transform: Callable[[dict], dict | None]) -> None:
    """Distort (or drop, by returning None) the notifications of channels starting with ``prefix``."""
    gateway.notification_hooks.append(lambda channel, data: transform(data) if channel.startswith(prefix) else data)


def before_each_heartbeat(gateway: Gateway, adjust: Callable[[object], None]) -> None:
    """Adjust a session's heartbeat state just before each heartbeat tick looks at it."""
    def wrap(original):
        def heartbeat(session, now):
            adjust(session)
            original(session, now)
        return heartbeat
    replace(gateway, "heartbeat", wrap)


def on_params(gw: Gateway, method: str, change: Callable[[dict], None]) -> None:
    """Let ``change`` rewrite a method's validated params before its handler sees them."""
    handler, private = gw.methods[method]

    def changed(ctx, identity, params):
        params = dict(params)
        change(params)
        return handler(ctx, identity, params)
    gw.methods[method] = (changed, private)


def truncated_to_second(field: str) -> Callable[[object], object]:
    """A result transform: ``field`` of every order kept to the whole second (still in ms)."""
    def truncate(order: dict) -> None:
        if isinstance(order.get(field), int):
            order[field] = order[field] // 1000 * 1000
    return lambda result: each_order(result, truncate)
