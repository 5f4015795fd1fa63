"""Order-state checks for cancel-on-disconnect and logout: which orders survive a connection's end."""

import time
from concurrent.futures import Future

from harness.checks.envelope import is_rate_limited
from harness.checks.presence import sent_field
from harness.pacing import resend_while_rate_limited

SETTLE_S = 3.0
QUIET_S = 0.2  # time a wrongful cancel-on-disconnect gets to show


def order_state(api, order_id: str) -> dict:
    return api.call("private/get_order_state", order_id=order_id)[0]


def cancelled_on_disconnect(api, order_id: str, what: str) -> None:
    """The order ends cancelled with cancel_reason cancel_on_disconnect (waits for the gateway to notice)."""
    deadline = time.monotonic() + SETTLE_S
    while (order := order_state(api, order_id))["order_state"] != "cancelled" and time.monotonic() < deadline:
        time.sleep(0.05)
    assert order["order_state"] == "cancelled", (
        f"{what}: received order_state {order['order_state']!r} cancel_reason {order.get('cancel_reason')!r}; "
        f"documented cancelled with cancel_reason 'cancel_on_disconnect'")
    reason = sent_field(order, "cancel_reason", f"{what}, cancelled")
    assert reason == "cancel_on_disconnect", (
        f"{what}: received cancel_reason {reason!r}; documented cancelled with cancel_reason 'cancel_on_disconnect'")


def still_open(api, order_id: str, what: str) -> None:
    order = order_state(api, order_id)
    assert order["order_state"] == "open", (
        f"{what}: received order_state {order['order_state']!r} cancel_reason {order.get('cancel_reason')!r}; "
        f"documented still open")


def closed_by_gateway(ws, what: str, timeout: float = SETTLE_S) -> None:
    assert ws.wait_closed(timeout), f"{what}: the connection is still open after {timeout}s; documented closed"


def logout(ws, params: dict, timeout: float = SETTLE_S) -> Future:
    """private/logout, sent without waiting for a reply (I-13 reads none), then the gateway's close awaited.

    A shared gateway may refuse it for its rate instead (10028, I-303: not executed, so the connection stays
    open): it is sent again after a backoff. Returns the last send's future, for a caller that judges a reply."""
    def send() -> Future:
        future = ws.submit("private/logout", params)
        deadline = time.monotonic() + timeout
        while not (ws.closed or future.done()) and time.monotonic() < deadline:
            ws.wait_closed(0.02)
        return future

    def refused(future: Future) -> bool:
        return not ws.closed and future.done() and future.exception() is None and is_rate_limited(future.result())

    future = resend_while_rate_limited(send, refused)
    closed_by_gateway(ws, "after private/logout", timeout)
    return future


def survives_disconnect(api, order_id: str, what: str) -> None:
    """Still open a moment after its connection ended (a wrongful COD would have cancelled it by then)."""
    time.sleep(QUIET_S)
    still_open(api, order_id, what)


def cod_state(api) -> bool:
    state = api.call("private/get_cancel_on_disconnect")
    assert isinstance(state, bool), f"get_cancel_on_disconnect: received {state!r}; documented boolean (I-07)"
    return state
