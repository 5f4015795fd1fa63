"""Order entry and order reads agree over HTTP and WS, and one order's life cycle is seen on its channels and reads.

Doc: "JSON-RPC over Websocket ... JSON-RPC over HTTP": two interfaces to one API (I-01: the HTTP body is the bare
result, the WS reply carries the same value as ``result``). Every order here rests far from the market and is
cancelled by the case (the tracker cancels what is left), so the cases are safe on a shared gateway and cheap: no
fills, one to four orders each.
"""

import uuid

import pytest

from harness.checks.channels import (
    channels_for,
    notifications_for_order,
    subscribed_account,
    wait_for,
)
from harness.checks.presence import sent_field
from harness.placement import far_prices
from harness.trades import currency_of
from harness.wire_checks import shape_of

pytestmark = [pytest.mark.trading]

# What differs between two orders placed with the same params: their identity and their clocks.
OWN_IDENTITY = ("order_id", "creation_timestamp", "last_update_timestamp", "timestamp")


def comparable(value: object) -> object:
    """An order (or a result holding orders) without the fields that identify one order among equal ones."""
    if isinstance(value, dict):
        return {k: comparable(v) for k, v in value.items() if k not in OWN_IDENTITY}
    if isinstance(value, list):
        return [comparable(v) for v in value]
    return value


def agree(method: str, over_http: object, over_ws: object) -> None:
    assert shape_of(over_ws) == shape_of(over_http), (
        f"{method}: received over WS the shape {shape_of(over_ws)}; over HTTP {shape_of(over_http)} (I-01)")
    assert comparable(over_ws) == comparable(over_http), (
        f"{method}: received over WS {comparable(over_ws)}; over HTTP {comparable(over_http)} for the same request (I-01)")


def label() -> str:
    return f"parity-{uuid.uuid4().hex[:12]}"


@pytest.mark.check("parity")
@pytest.mark.doc("Trading", "private/buy", "private/sell", "private/edit", "private/cancel")
@pytest.mark.interpretation("I-01")
def test_order_entry_agrees_over_both_transports(pulse, pulse_env):
    """Doc: buy, sell, edit and cancel are documented once for both interfaces: the same request over HTTP and over
    WS gives the same answer (but for the order's own id and timestamps)."""
    http, ws = pulse("maker", "http"), pulse("maker", "ws")
    prices = dict(zip(("buy", "sell"), far_prices(http.call, pulse_env), strict=True))
    tag = label()
    for direction, price in prices.items():
        params = {"instrument_name": pulse_env.test_instrument, "type": "limit", "price": price,
                  "amount": pulse_env.contract_size, "label": tag}
        placed = {name: api.call(f"private/{direction}", **params) for name, api in (("http", http), ("ws", ws))}
        agree(f"private/{direction}", placed["http"], placed["ws"])
        edited = {name: api.call("private/edit", order_id=placed[name]["order"]["order_id"],
                                 amount=2 * pulse_env.contract_size, price=price)
                  for name, api in (("http", http), ("ws", ws))}
        agree("private/edit", edited["http"], edited["ws"])
        cancelled = {name: api.call("private/cancel", order_id=placed[name]["order"]["order_id"])
                     for name, api in (("http", http), ("ws", ws))}
        agree("private/cancel", cancelled["http"], cancelled["ws"])


def rest_far_labelled_buy(api, pulse_env) -> tuple[str, str]:
    """(order id, label) of one contract bought far below the market, resting open."""
    buy, _ = far_prices(api.call, pulse_env)
    tag = label()
    order = api.call("private/buy", instrument_name=pulse_env.test_instrument, type="limit", price=buy,
                     amount=pulse_env.contract_size, label=tag)["order"]
    return order["order_id"], tag


@pytest.mark.check("parity")
@pytest.mark.doc("Trading", "private/get_order_state", "private/get_open_orders_by_instrument",
                 "private/get_order_state_by_label", "private/get_order_history_by_instrument")
@pytest.mark.interpretation("I-01")
def test_order_reads_agree_over_both_transports(pulse, pulse_env):
    """Doc: the order reads are documented once for both interfaces: one order read over HTTP and over WS is the
    same order (a list is compared on the case's own order, since other orders on a shared account come and go)."""
    http, ws = pulse("maker", "http"), pulse("maker", "ws")
    mine, tag = rest_far_labelled_buy(http, pulse_env)

    def own(result: object) -> list:
        return [o for o in result if o.get("order_id") == mine] if isinstance(result, list) else result

    reads = {
        "private/get_order_state": ({"order_id": mine}, lambda r: r),
        "private/get_open_orders_by_instrument": ({"instrument_name": pulse_env.test_instrument}, own),
        "private/get_order_state_by_label": ({"currency": currency_of(pulse_env), "label": tag}, own),
    }
    for method, (params, pick) in reads.items():
        over_http, over_ws = pick(http.call(method, **params)), pick(ws.call(method, **params))
        assert over_http, f"{method} {params}: the case's open order {mine} is missing over HTTP"
        agree(method, over_http, over_ws)
    http.call("private/cancel", order_id=mine)
    params = {"instrument_name": pulse_env.test_instrument, "include_unfilled": True, "count": 20}
    method = "private/get_order_history_by_instrument"
    over_http, over_ws = own(http.call(method, **params)), own(ws.call(method, **params))
    assert over_http, f"{method}: the case's cancelled order {mine} is missing over HTTP (include_unfilled)"
    agree(method, over_http, over_ws)


@pytest.mark.check("parity")
@pytest.mark.doc("Wallet", "private/get_deposits")
@pytest.mark.interpretation("I-01", "I-40")
def test_deposits_agree_over_both_transports(pulse, pulse_env):
    """Doc: private/get_deposits is documented once for both interfaces: the same read gives the same deposits
    (I-40: the deposit currency is USD)."""
    params = {"currency": "USD", "count": 5}
    agree("private/get_deposits", pulse("maker", "http").call("private/get_deposits", **params),
          pulse("maker", "ws").call("private/get_deposits", **params))


@pytest.mark.check("flows")
@pytest.mark.doc("Trading", "private/get_order_state_by_label", "private/get_order_history_by_instrument",
                 "private/get_order_book", "user.orders", "user.changes")
@pytest.mark.interpretation("I-45")
def test_order_life_cycle_on_channels_and_reads(pulse, pulse_env):
    """An order placed, then cancelled: user.orders and user.changes announce it open, then cancelled; it is found
    in the order book and by its label while open, and in the order history (include_unfilled) once cancelled."""
    api = subscribed_account(pulse, pulse_env, ("user.orders", "user.changes"))
    channels = channels_for(pulse_env)
    mine, tag = rest_far_labelled_buy(api, pulse_env)

    def states_on_changes(received: list) -> list:
        return [o.get("order_state") for n in received for o in (n.get("orders") or []) if o.get("order_id") == mine]

    opened = notifications_for_order(api.ws, channels["user.orders"], mine, 1)
    assert opened[0].get("order_state") == "open", f"user.orders for a new resting order: received {opened[0]}"
    wait_for(api.ws, channels["user.changes"], lambda r: "open" in states_on_changes(r), what=f"order {mine} open")
    book = api.call("private/get_order_book", instrument_name=pulse_env.test_instrument, depth=1000)
    price = sent_field(opened[0], "price", "user.orders for a new resting limit order")
    level = [amount for at, amount in sent_field(book, "bids", "get_order_book") if at == price]
    assert level and level[0] >= pulse_env.contract_size, (
        f"get_order_book: the bid level at {price} holding the case's open order {mine}: received {level}")
    found = api.call("private/get_order_state_by_label", currency=currency_of(pulse_env), label=tag)
    assert [o.get("order_id") for o in found] == [mine], (
        f"get_order_state_by_label {tag!r}: received {[o.get('order_id') for o in found]}; documented [{mine!r}]")
    api.call("private/cancel", order_id=mine)
    cancelled = notifications_for_order(api.ws, channels["user.orders"], mine, 1)
    assert cancelled[0].get("order_state") == "cancelled", f"user.orders after the cancel: received {cancelled[0]}"
    wait_for(api.ws, channels["user.changes"], lambda r: "cancelled" in states_on_changes(r),
             what=f"order {mine} cancelled")
    history = api.call("private/get_order_history_by_instrument", instrument_name=pulse_env.test_instrument,
                       include_unfilled=True, count=20)
    states = [o.get("order_state") for o in history if o.get("order_id") == mine]
    assert states == ["cancelled"], f"order history (include_unfilled) for {mine}: received {states}; documented cancelled"


@pytest.mark.check("parity")
@pytest.mark.doc("Trading", "private/get_mmp_config")
@pytest.mark.interpretation("I-01")
def test_mmp_config_agrees_over_both_transports(pulse, pulse_env):
    """Doc: private/get_mmp_config is documented once for both interfaces: the same read has the same shape over
    HTTP and WS (its values are the shared account's, which another worker may set between the two reads)."""
    params = {"index_name": pulse_env.index_name}
    over_http = pulse("maker", "http").call("private/get_mmp_config", **params)
    over_ws = pulse("maker", "ws").call("private/get_mmp_config", **params)
    assert shape_of(over_ws) == shape_of(over_http), (
        f"private/get_mmp_config: received over WS the shape {shape_of(over_ws)}; over HTTP {shape_of(over_http)}")
