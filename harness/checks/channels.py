"""Named checks for subscription channels: schema conformance, the book replica, subscribe results.

Channel payloads are checked against the spec (`spec/asyncapi.yaml` messages, via ``harness.schema``).
"""

import math
import time

import pytest

from harness.band import BandUnavailable, find_band
from harness.checks import Fail, check
from harness.checks.presence import sent_field
from harness.clock import advance_clock
from harness.placement import book_index, far_limit, far_prices
from harness.schema import assert_conforms, notification_schema
from harness.wire_checks import OK_MESSAGE, is_ok_message
from harness.ws import WsClient

QUIET_SECONDS = 0.2  # how long "nothing arrives" is watched for: the environment's quiet_s (set_quiet_window)
FUNDING_PERIOD_S = 3600  # I-45: funding_* notify once per funding period (1 h)
HEARTBEAT_TRADE_PERIOD_S = 10  # I-45: "heartbeat_trade: on subscribe and every 10 s"
SCHEDULE_SLACK_S = 3.0  # how late a scheduled notification may arrive on a busy shared gateway (latency, load)
FIRST_NOTIFICATION_S = 5.0  # how long a channel that publishes its value on subscribe or on change is waited for
NEXT_FUNDING_PERIOD_NEEDS_THE_CLOCK = ("one notification per funding period (1 h, I-45; 8 h on the staging simulator): "
                                       "the next period is out of a run's reach without moving the gateway clock "
                                       "(I-621)")


def channels_for(env) -> dict[str, str]:
    """One concrete channel name per documented channel family, on the environment's test instrument/index."""
    instrument, index, perpetual = env.test_instrument, env.index_name, env.perpetual
    return {
        "book": f"book.{instrument}.raw", "deribit_price_index": f"deribit_price_index.{index}",
        "funding_payments": f"funding_payments.{perpetual}", "funding_prices": f"funding_prices.{perpetual}",
        "funding_rates": f"funding_rates.{perpetual}", "heartbeat_trade": "heartbeat_trade",
        "quote": f"quote.{instrument}", "settlement_prices": f"settlement_prices.{index}",
        "user.changes": f"user.changes.{instrument}.raw", "user.mmp_trigger": f"user.mmp_trigger.{index}",
        "user.orders": f"user.orders.{instrument}.raw", "user.trades": f"user.trades.{instrument}.raw",
        "user_fee": "user_fee",
    }


PUBLIC_FAMILIES = ("book", "deribit_price_index", "funding_payments", "funding_prices", "funding_rates",
                   "heartbeat_trade", "quote", "settlement_prices")
PRIVATE_FAMILIES = ("user.changes", "user.mmp_trigger", "user.orders", "user.trades", "user_fee")


def first_notification_within(family: str) -> float:
    """How long to wait for a channel's first notification after subscribing: FIRST_NOTIFICATION_S, or, for a
    channel that publishes on a schedule within a run's reach (heartbeat_trade, I-45), one period + slack, since a
    gateway that publishes on change only (I-303) sends its first one at the next tick. (funding_*: one
    notification per funding period, 1 h, I-621, out of reach: their wait stays FIRST_NOTIFICATION_S.)"""
    if family == "heartbeat_trade":
        return max(FIRST_NOTIFICATION_S, HEARTBEAT_TRADE_PERIOD_S + SCHEDULE_SLACK_S)
    return FIRST_NOTIFICATION_S


def notification_conforms(channel: str, data: object) -> None:
    assert_conforms(notification_schema(channel), data, f"notification on {channel}")


@check(clause="public/subscribe, private/subscribe: 200 OK ok string", interpretation="I-07")
def subscribe_is_ok(ws: WsClient, method: str, channels: list[str]) -> None:
    """Doc: subscribe "200 OK ok string"; I-07 reads the result as the string "ok"."""
    result = ws.call(method, {"channels": channels})
    if result != "ok":
        raise Fail(f"{method} {channels}: {result!r}", '"ok"')


@check(clause="unsubscribe_all: 200 OK Message connection.Message", interpretation="I-07")
def unsubscribe_all_is_ok(ws: WsClient, method: str) -> None:
    """Doc: unsubscribe_all "200 OK Message connection.Message", example {"description":"ok",...,"status":200}."""
    result = ws.call(method, {})
    if not is_ok_message(result):
        raise Fail(f"{method}: {result!r}", OK_MESSAGE)


def set_quiet_window(seconds: float) -> None:
    """The run's environment sets how long nothing_arrives watches (spec/environments.toml quiet_s)."""
    global QUIET_SECONDS
    QUIET_SECONDS = seconds


@check(clause="subscriptions: notifications arrive only on subscribed channels")
def nothing_arrives(ws: WsClient, channels: str | list[str], seconds: float | None = None, why: str = "") -> None:
    """Watch ``channels`` for ``seconds`` (together; default the environment's quiet_s): no notification may
    arrive."""
    channels = [channels] if isinstance(channels, str) else channels
    time.sleep(QUIET_SECONDS if seconds is None else seconds)
    for channel in channels:
        received = ws.drain(channel)
        if received:
            raise Fail(f"{channel}: {len(received)} notification(s) {received[:2]}", f"none {why}".strip())


# ---------------------------------------------------------------------------------------------- book replica
class BookReplica:
    """The order book rebuilt from `book.{instrument}.raw` notifications (I-18, I-45)."""

    def __init__(self, channel: str) -> None:
        self.channel = channel
        self.bids: dict[float, float] = {}
        self.asks: dict[float, float] = {}
        self.change_id: int | None = None

    @check(clause="book.{instrument_name}.{interval}: a snapshot, then changes chained by prev_change_id",
           interpretation="I-45")
    def apply(self, data: dict) -> None:
        notification_conforms(self.channel, data)
        if self.change_id is None:
            assert data["type"] == "snapshot", (
                f"first notification on {self.channel}: received type {data['type']!r}; documented a snapshot "
                f"first (I-45)\n{data}")
        else:
            assert data["type"] == "change", f"{self.channel}: received a second {data['type']!r}; documented changes"
            previous = sent_field(data, "prev_change_id", f"a change on {self.channel}")
            assert previous == self.change_id, (
                f"{self.channel}: received prev_change_id {previous}; documented the previous "
                f"change_id {self.change_id} (I-45: no gap, no repeat)\n{data}")
        if data["type"] == "snapshot":
            self.bids, self.asks = {}, {}
        for side, levels in ((self.bids, data["bids"]), (self.asks, data["asks"])):
            for action, price, amount in levels:
                self._apply_level(side, action, price, amount)
        self.change_id = data["change_id"]

    @check(clause="book.{instrument_name}.{interval}: [action, price, amount] levels (new, change, delete)",
           interpretation="I-18")
    def _apply_level(self, side: dict, action: str, price: float, amount: float) -> None:
        if action == "delete":
            assert price in side, f"{self.channel}: 'delete' of {price}, a level the book does not have"
            del side[price]
        elif action == "new":
            assert price not in side, f"{self.channel}: 'new' level {price} the book already has ({side[price]})"
            side[price] = amount
        else:
            assert price in side, f"{self.channel}: 'change' of {price}, a level the book does not have"
            side[price] = amount

    def levels(self, depth: int) -> dict[str, list[list[float]]]:
        return {"bids": [[p, a] for p, a in sorted(self.bids.items(), reverse=True)[:depth]],
                "asks": [[p, a] for p, a in sorted(self.asks.items())[:depth]]}

    def drain(self, ws: WsClient) -> int:
        notifications = ws.drain(self.channel)
        for data in notifications:
            self.apply(data)
        return len(notifications)


def same_levels(received: list, expected: list) -> bool:
    return len(received) == len(expected) and all(
        math.isclose(a[0], b[0]) and math.isclose(a[1], b[1]) for a, b in zip(received, expected, strict=True))


# ---------------------------------------------------------------------------------------------- book activity
def crossing_price(api, env) -> float:
    """Where the suite's own maker and taker orders meet only each other: the centre of the price band inside the
    foreign spread of the worker's claimed instrument (harness.venue, I-220), so the checks that need a fill run
    on a shared gateway too. A taker IOC at this price cannot reach foreign liquidity, which rests outside the band."""
    if env.no_venue:
        pytest.fail(f"NOT COVERED: {env.no_venue}", pytrace=False)
    book = api.call("private/get_order_book", instrument_name=env.test_instrument, depth=1)
    index = book_index(book, api.call, env)
    try:
        return find_band(book, index, env.tick_size, env.contract_size).centre
    except BandUnavailable as exc:  # someone started quoting on the instrument claimed at the start of the run
        pytest.fail(f"NOT COVERED: {env.test_instrument} on {env.name}: {exc}", pytrace=False)


def take(api, env, direction: str, price: float, amount_contracts: int = 1) -> dict:
    """An immediate_or_cancel limit order at ``price``: it fills against the suite's own resting order only."""
    return api.call(f"private/{direction}", instrument_name=env.test_instrument, type="limit", price=price,
                    amount=amount_contracts * env.contract_size, time_in_force="immediate_or_cancel")


def book_activity(api, env) -> list[dict]:
    """Place, grow and cancel far orders so the book of the test instrument changes on both sides.

    Returns every RPC order result in order, each with the ``price`` and ``amount`` the suite asked for: where the
    book should show it (an order's price is Required false, I-160; its echo is checked on every order entry)."""
    buy, sell = far_prices(api.call, env)
    asked = [(buy, 1), (buy - env.tick_size, 2), (sell, 1), (buy, 3), (buy - env.tick_size, 2)]
    results = [far_limit(api, env, "buy", buy), far_limit(api, env, "buy", buy - env.tick_size, 2),
               far_limit(api, env, "sell", sell)]
    results.append(api.call("private/edit", order_id=results[0]["order_id"], amount=3 * env.contract_size,
                            price=buy)["order"])
    results.append(api.call("private/cancel", order_id=results[1]["order_id"]))
    return [{**result, "price": price, "amount": contracts * env.contract_size}
            for result, (price, contracts) in zip(results, asked, strict=True)]


def wait_for(ws: WsClient, channel: str, predicate, timeout: float = 5.0, what: str = "") -> list:
    """Read notifications on ``channel`` until ``predicate(all_so_far)`` holds; returns them all."""
    deadline = time.monotonic() + timeout
    received: list = []
    while not predicate(received):
        left = deadline - time.monotonic()
        if left <= 0:
            raise AssertionError(f"{channel}: {what or 'the expected notification'} did not arrive within {timeout}s; "
                                 f"received {len(received)}: {received[-3:]}")
        received.append(ws.next_notification(channel, timeout=left))
    return received


# ---------------------------------------------------------------------------------------------- private channels
ORDER_FIELDS = ("order_id", "order_state", "amount", "filled_amount", "price", "direction", "order_type",
                "instrument_name", "cancel_reason", "replaced", "average_price")
TRADE_FIELDS = ("trade_id", "order_id", "amount", "price", "direction", "instrument_name")


def subscribed_account(pulse, env, families: tuple[str, ...], account: str = "maker"):
    """A PulseApi over WS for ``account`` whose connection is subscribed to the private ``families``."""
    api = pulse(account, "ws")
    api.call("private/get_positions")  # authenticates the connection
    subscribe_is_ok(api.ws, "private/subscribe", [channels_for(env)[family] for family in families])
    return api


@check(clause="user.orders, user.trades, user.changes: the same order/trade model as the RPC results")
def agrees(what: str, received: dict, documented: dict, fields: tuple[str, ...]) -> None:
    """A notification and an RPC result describe the same object: every field they both carry is equal."""
    differing = {f: (received.get(f), documented.get(f)) for f in fields
                 if (f in received or f in documented) and received.get(f) != documented.get(f)}
    if differing:
        raise Fail("; ".join(f"{what} {f} {r!r}" for f, (r, d) in differing.items()),
                   "; ".join(f"{f} {d!r} (the RPC result)" for f, (r, d) in differing.items()))


def notifications_for_order(ws: WsClient, channel: str, order_id: str, count: int, timeout: float = 5.0) -> list:
    """The next ``count`` notifications on ``channel`` about ``order_id`` (others are skipped)."""
    mine = []

    def enough(received: list) -> bool:
        mine[:] = [n for n in received if n.get("order_id") == order_id]
        return len(mine) >= count
    wait_for(ws, channel, enough, timeout, f"{count} notification(s) for order {order_id}")
    return mine


def subscribed_public(ws_client, env, family: str) -> tuple[WsClient, str]:
    """A new connection subscribed (public/subscribe) to the family's channel on the environment's instrument or
    index, and that channel's name."""
    channel = channels_for(env)[family]
    ws = ws_client()
    subscribe_is_ok(ws, "public/subscribe", [channel])
    return ws, channel


def first_on_subscribe(ws_client, env, family: str) -> tuple[WsClient, str, dict]:
    """``subscribed_public`` and the first notification the connection gets, checked against the schema (I-45:
    the public channels send their current or latest value on subscribe)."""
    ws, channel = subscribed_public(ws_client, env, family)
    first = ws.next_notification(channel, timeout=FIRST_NOTIFICATION_S)
    notification_conforms(channel, first)
    return ws, channel, first


def of_the_perpetual(notification: dict, env) -> None:
    """A funding_* notification is about the channel's instrument (the environment's perpetual)."""
    assert sent_field(notification, "instrument_name", "a funding notification") == env.perpetual, (
        f"instrument_name: received {notification}")


def of_the_index(notification: dict, env) -> None:
    """I-46: a price channel's ``index_name`` is the channel's index (btc_usd)."""
    index_name = sent_field(notification, "index_name", "a price notification")
    assert index_name == env.index_name, (
        f"index_name: received {index_name!r}; I-46 reads the channel's index {env.index_name!r}")


def per_funding_period(test):
    """Marks a funding_* case that moves the gateway clock one funding period: it rests on I-45 ("then each funding
    period") and I-54, and needs the reference gateway's control plane."""
    test = pytest.mark.interpretation("I-45", "I-54")(test)
    return pytest.mark.local_only(reason=NEXT_FUNDING_PERIOD_NEEDS_THE_CLOCK)(test)


def funding_period_cadence(ws_client, control, tokens, env, family: str) -> tuple[dict, dict]:
    """Subscribe to a funding channel, move the gateway clock one funding period (1 h, I-45); returns the value
    sent on subscribe and the one sent for the new period, both checked against the schema."""
    ws, channel, first = first_on_subscribe(ws_client, env, family)
    advance_clock(control, tokens, FUNDING_PERIOD_S)
    try:
        following = ws.next_notification(channel, timeout=3)
    except AssertionError:
        raise AssertionError(f"{channel}: nothing within 3 s after the clock moved one funding period "
                             f"({FUNDING_PERIOD_S} s); I-45 reads one notification per period") from None
    notification_conforms(channel, following)
    return first, following


def the_next_period_follows(ws_client, control, tokens, env, family: str) -> None:
    """I-45: "then each funding period (1 h)" - the next period's range starts where the previous one ended."""
    first, following = funding_period_cadence(ws_client, control, tokens, env, family)
    start, previous_end = sent_field(following, "range_start", "the next period's"), sent_field(first, "range_end", "the first period's")
    assert start == previous_end, f"range_start: received {start}; documented the previous range_end {previous_end}"
